// `roundtable mcp` driven by the official MCP TypeScript SDK client
// (StdioClientTransport), through the whole review loop: the agent creates a
// plan; a reviewer (a y-websocket provider with a real BlockNote editor and
// YjsThreadStore, as the web app has) comments, replies and approves; a
// pending wait_for_review, get_feedback and read_plan all see it. Also: two
// agents at once share one hub; `roundtable mcp` starts the hub when none
// answers, and again when it dies.
//
//   cd tests/interop && node --test mcp_stdio.test.mjs

import { test } from 'node:test'
import fs from 'node:fs'
import path from 'node:path'
import { startAgent } from './mcp_agent.mjs'
import { useHarness, assert, hubBinary, freePort, waitFor, sleep } from './hub_harness.mjs'
import { openPlan, review } from './mcp_harness.mjs'
import { commentOn, reply } from './reviewer.mjs'

const h = useHarness()

/** An agent: the SDK client on `roundtable mcp` for the hub at `port`. */
async function agent (port, dataDir, name = 'test-agent', { env = { ROUNDTABLE_NO_OPEN: '1' }, args = [] } = {}) {
  const a = await startAgent({ command: hubBinary, args: ['mcp', '--port', String(port), '--data', dataDir, ...args], env, name })
  h.defer(() => a.close())
  return a
}

const text = result => result.content.map(c => c.text).join('\n')

const PLAN = `# Migrate the billing service

We move billing from the monolith to its own service.

## Steps

1. Extract the invoice model
2. Dual-write for one week
3. Switch reads

| Risk | Mitigation |
| --- | --- |
| double charges | idempotency keys |
`

test('the review loop through the SDK client', async () => {
  const hub = await h.startHub({ flags: ['--mcp-progress-ms', '300'] })
  const { client } = await agent(hub.port, hub.dataDir)
  assert.deepEqual(client.getServerVersion().name, 'roundtable')
  const { tools } = await client.listTools()
  assert.deepEqual(tools.map(t => t.name).sort(), ['create_plan', 'get_feedback', 'list_plans', 'read_plan', 'update_plan', 'wait_for_review'])
  assert.ok(tools.find(t => t.name === 'get_feedback').outputSchema)

  const created = await client.callTool({ name: 'create_plan', arguments: { title: 'Billing migration', content: PLAN, repo: 'acme/billing' } })
  assert.ok(!created.isError, text(created))
  const { planId, url } = created.structuredContent
  assert.match(url, new RegExp(`^${hub.httpUrl}/plan/${planId}#k=[A-Za-z0-9_-]{24}$`))

  // The agent waits; progress arrives while nobody has decided.
  const progress = []
  const waiting = client.callTool({ name: 'wait_for_review', arguments: { planId, timeoutSeconds: 60 } }, undefined,
    { onprogress: p => progress.push(p), timeout: 70000 })

  // A reviewer opens the plan, comments on a phrase, another replies, then approves.
  const browser = await openPlan(h.defer ? hub : hub, planId)
  h.defer(() => browser.close())
  const bob = { id: 'u-bob', name: 'Bob Reviewer', color: '#3366ff' }
  const threadId = await commentOn(browser.doc, { user: bob, quote: 'Dual-write for one week', text: 'One week is too short; make it two.' })
  assert.ok(threadId)
  await reply(browser.doc, { user: { id: 'u-cy', name: 'Cy', color: '#00aa00' }, threadId, text: 'Agreed.' })
  await sleep(700) // let a progress notification or two go out
  review(browser.doc, 'approved', 'Bob Reviewer')

  const decided = await waiting
  assert.ok(!decided.isError, text(decided))
  assert.equal(decided.structuredContent.status, 'approved')
  assert.equal(decided.structuredContent.reviewedBy, 'Bob Reviewer')
  assert.ok(progress.length >= 1, 'progress while waiting')
  const thread = decided.structuredContent.threads.find(t => t.id === threadId)
  assert.ok(thread, `the thread is in the feedback: ${JSON.stringify(decided.structuredContent)}`)
  assert.equal(thread.quote, 'Dual-write for one week')
  assert.deepEqual(thread.comments.map(c => [c.author, c.body]), [['Bob Reviewer', 'One week is too short; make it two.'], ['Cy', 'Agreed.']])
  assert.equal(thread.resolved, false)

  const feedback = await client.callTool({ name: 'get_feedback', arguments: { planId } })
  assert.deepEqual(feedback.structuredContent, decided.structuredContent)
  assert.match(text(feedback), /Bob Reviewer/)
  assert.match(text(feedback), /One week is too short/)

  const read = await client.callTool({ name: 'read_plan', arguments: { planId, includeAnnotations: true } })
  const md = read.structuredContent.markdown
  const stepLine = md.indexOf('Dual-write for one week')
  const comment = md.indexOf('One week is too short')
  const nextStep = md.indexOf('Switch reads')
  assert.ok(stepLine >= 0 && comment > stepLine && comment < nextStep, `the thread follows its block:\n${md}`)
  assert.match(md, /Bob Reviewer/)
  assert.match(md, /Cy/)

  // The agent revises: the commented step is unchanged, so its comment survives.
  const updated = await client.callTool({ name: 'update_plan', arguments: { planId, content: PLAN.replace('Switch reads', 'Switch reads after a dry run') } })
  assert.ok(!updated.isError, text(updated))
  assert.equal(updated.structuredContent.metadata.revision, 2)
  assert.equal(updated.structuredContent.metadata.status, 'pending_review')
  const after = await client.callTool({ name: 'get_feedback', arguments: { planId } })
  assert.equal(after.structuredContent.threads.find(t => t.id === threadId)?.quote, 'Dual-write for one week', 'the comment survived the update')
})

test('two agents at once see each other\'s plans', async () => {
  const hub = await h.startHub()
  const [a, b] = await Promise.all([agent(hub.port, hub.dataDir, 'agent-a'), agent(hub.port, hub.dataDir, 'agent-b')])
  const pa = (await a.client.callTool({ name: 'create_plan', arguments: { title: 'From A', content: 'a' } })).structuredContent.planId
  const pb = (await b.client.callTool({ name: 'create_plan', arguments: { title: 'From B', content: 'b' } })).structuredContent.planId
  for (const { client } of [a, b]) {
    const ids = (await client.callTool({ name: 'list_plans', arguments: {} })).structuredContent.plans.map(p => p.id)
    assert.ok(ids.includes(pa) && ids.includes(pb), `both plans listed: ${ids}`)
  }
})

test('roundtable mcp starts the hub when none answers, and again after it dies', async () => {
  const port = await freePort()
  const dataDir = h.tmpDir()
  const lock = path.join(dataDir, 'hub.lock')
  const hubPid = () => Number(fs.readFileSync(lock, 'utf8').trim())
  h.defer(() => { try { process.kill(hubPid(), 'SIGKILL') } catch {} })
  const { client, stderr } = await agent(port, dataDir)
  const created = await client.callTool({ name: 'create_plan', arguments: { title: 'Auto hub', content: '# x' } })
  assert.ok(!created.isError, text(created) + stderr())
  const first = hubPid()
  assert.ok(first > 0)

  process.kill(first, 'SIGKILL')
  await waitFor(() => { try { process.kill(first, 0); return false } catch { return true } }, { message: 'the hub to die' })
  const listed = await client.callTool({ name: 'list_plans', arguments: {} })
  assert.ok(!listed.isError, text(listed))
  assert.ok(listed.structuredContent.plans.some(p => p.id === created.structuredContent.planId), 'the plan survived in the store')
  assert.notEqual(hubPid(), first, 'a new hub was started')
})

test('a hub restarted by someone else: the next call opens a new session by itself', async () => {
  const hub = await h.startHub()
  const { client } = await agent(hub.port, hub.dataDir)
  const created = await client.callTool({ name: 'create_plan', arguments: { title: 'Survives a restart', content: '# x' } })
  assert.ok(!created.isError, text(created))
  await hub.restart('SIGTERM') // same port and data; the bridge's session is gone with the old process
  const feedback = await client.callTool({ name: 'get_feedback', arguments: { planId: created.structuredContent.planId } })
  assert.ok(!feedback.isError, text(feedback))
  assert.equal(feedback.structuredContent.status, 'pending_review')
})

test('stdout carries only MCP; stdin EOF ends the process', async () => {
  const hub = await h.startHub()
  const { spawn } = await import('node:child_process')
  const proc = spawn(hubBinary, ['mcp', '--port', String(hub.port), '--no-open', '--log-level', 'debug'], { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout.on('data', d => { out += d })
  proc.stdin.write('{"jsonrpc":"2.0","id":"a","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}\n')
  proc.stdin.write('not json\n')
  proc.stdin.write('{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n')
  await waitFor(() => out.split('\n').filter(Boolean).length >= 3, { message: 'three answers' })
  const lines = out.split('\n').filter(Boolean).map(l => JSON.parse(l))
  assert.equal(lines.find(m => m.id === 'a').result.serverInfo.name, 'roundtable')
  assert.equal(lines.find(m => m.id === null).error.code, -32700)
  assert.equal(lines.find(m => m.id === 2).result.tools.length, 6)
  const exited = new Promise(resolve => proc.once('exit', code => resolve(code)))
  proc.stdin.end()
  const code = await Promise.race([exited, sleep(5000).then(() => 'timeout')])
  assert.equal(code, 0)
})

test('create_plan opens the review page in $BROWSER, unless told not to', async () => {
  const hub = await h.startHub()
  const dir = h.tmpDir()
  const opened = path.join(dir, 'opened.txt')
  const browser = path.join(dir, 'browser.sh')
  fs.writeFileSync(browser, `#!/bin/sh\necho "$1" >> ${opened}\n`, { mode: 0o755 })
  const env = { BROWSER: browser, ROUNDTABLE_NO_OPEN: '' }
  const { client } = await agent(hub.port, hub.dataDir, 'opener', { env })
  const { url } = (await client.callTool({ name: 'create_plan', arguments: { title: 'Open me', content: 'x' } })).structuredContent
  await waitFor(() => fs.existsSync(opened) && fs.readFileSync(opened, 'utf8').includes(url), { message: 'the browser to be asked to open the plan' })

  const quiet = await agent(hub.port, hub.dataDir, 'quiet', { env, args: ['--no-open'] })
  const quietUrl = (await quiet.client.callTool({ name: 'create_plan', arguments: { title: 'Do not open', content: 'x' } })).structuredContent.url
  const envQuiet = await agent(hub.port, hub.dataDir, 'env-quiet', { env: { BROWSER: browser, ROUNDTABLE_NO_OPEN: '1' } })
  const envQuietUrl = (await envQuiet.client.callTool({ name: 'create_plan', arguments: { title: 'Do not open either', content: 'x' } })).structuredContent.url
  await sleep(500)
  const lines = fs.readFileSync(opened, 'utf8').trim().split('\n')
  assert.deepEqual(lines, [url], `only the first plan was opened (not ${quietUrl} or ${envQuietUrl})`)
})
