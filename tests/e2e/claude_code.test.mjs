// The real Claude Code CLI (npm @anthropic-ai/claude-code, pinned in
// package-lock.json) with Roundtable, driven by a scripted model on loopback
// (claude/model.mjs) inside a network namespace that has only loopback:
//   1. plan mode -> the plugin's hook -> the plan in Roundtable -> a reviewer
//      (a real BlockNote editor over y-websocket) comments and requests
//      changes -> the model's next request carries the comment and the quote
//      -> a revised plan -> revision 2 of the same plan, the thread kept ->
//      approval -> the model is told the plan is approved and leaves plan mode;
//   2. the MCP tools through --mcp-config: what the model receives, and its size;
//   3. the hub down and unstartable: the hook gives no decision, the host's
//      own prompt decides and the session goes on.
// The plugin itself is installed with `claude plugin marketplace add` and
// `claude plugin install` from the checkout, and `claude plugin validate`
// passes on it.

import { test, before } from 'node:test'
import fs from 'node:fs'
import path from 'node:path'
import { inLoopbackNamespace, claudeEnv, claude, claudeBin, streamSession, planFileOf, pluginDir } from './claude/session.mjs'
import { startModel, text, toolUse, toolResultFor, resultText } from './claude/model.mjs'
import { useHarness, assert, hubBinary, freePort, waitFor } from '../interop/hub_harness.mjs'
import { mcpSession, openPlan, review } from '../interop/mcp_harness.mjs'
import { commentOn } from '../interop/reviewer.mjs'

inLoopbackNamespace()

const h = useHarness()

// Without the pinned CLI every test would fail at its first spawn, leaving
// its servers open; one clear failure instead.
before(() => {
  assert.ok(fs.existsSync(claudeBin), `${claudeBin} is missing: run scripts/setup.sh (npm ci in tests/e2e)`)
})

const buildDir = path.dirname(path.resolve(hubBinary))
const bob = { id: 'bob', name: 'Bob', color: '#3366ff' }
const measured = {}

const PLAN_V1 = `# Plan: rate limiting

1. Add a token bucket per API key
2. Return 429 with Retry-After
`
const PLAN_V2 = `${PLAN_V1}3. Use a sliding window for the login endpoint
`

/**
 * A model in plan mode: it writes `plan` to the plan file plan mode names,
 * calls ExitPlanMode, and then answers `then(exitResult, request)` (the
 * tool_result of that ExitPlanMode, as the model got it).
 */
function planModeModel (plan, then) {
  let planFile
  let exited = false
  const exit = toolUse('ExitPlanMode', {})
  return startModel(async request => {
    if (!planFile) {
      planFile = planFileOf(request)
      assert.ok(planFile, 'plan mode names a plan file')
      return [toolUse('Write', { file_path: planFile, content: plan })]
    }
    if (!exited) {
      exited = true
      return [exit]
    }
    return then(toolResultFor(request, exit.id) ?? { content: '' }, request)
  })
}

/** A BROWSER that fetches the page it is asked to open and notes when it got it. */
function recordingBrowser (dir) {
  const log = path.join(dir, 'browser.log')
  const script = path.join(dir, 'browser.mjs')
  fs.writeFileSync(script, `#!${process.execPath}
import fs from 'node:fs'
const url = process.argv[2]
const res = await fetch(url.split('#')[0])
const body = await res.text()
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ url, status: res.status, bytes: body.length, at: Date.now() }) + '\\n')
`, { mode: 0o755 })
  return { script, entries: () => fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map(l => JSON.parse(l)) : [] }
}

/** Installs the plugin from the checkout into `env`'s home, as a user would. */
async function installPlugin (env, cwd) {
  const added = await claude(['plugin', 'marketplace', 'add', pluginDir], { env, cwd })
  assert.equal(added.code, 0, added.stdout + added.stderr)
  const installed = await claude(['plugin', 'install', 'roundtable@roundtable'], { env, cwd })
  assert.equal(installed.code, 0, installed.stdout + installed.stderr)
}

test('claude plugin validate passes on integrations/claude-code', async () => {
  const model = await startModel(async () => [text('unused')])
  const { env, home } = claudeEnv(model)
  const r = await claude(['plugin', 'validate', pluginDir], { env, cwd: home })
  await model.close()
  assert.equal(r.code, 0, r.stdout + r.stderr)
  assert.match(r.stdout + r.stderr, /Validation passed/)
})

test('1. plan mode through the plugin: changes requested, revision 2 with the thread kept, approved, out of plan mode', async () => {
  const hub = await h.startHub()
  const dir = h.tmpDir('roundtable-claude-')
  const browser = recordingBrowser(dir)
  let planFile
  const exitPlanModeAt = []
  const exits = []
  const seen = {}
  const model = await startModel(async request => {
    const last = exits.length ? toolResultFor(request, exits.at(-1).id) : undefined
    if (!planFile) {
      planFile = planFileOf(request)
      assert.ok(planFile, 'plan mode names a plan file')
      return [text('I will write the plan.'), toolUse('Write', { file_path: planFile, content: PLAN_V1 })]
    }
    const said = last ? resultText(last) : ''
    if (!seen.firstExit) {
      seen.firstExit = true
      exitPlanModeAt.push(Date.now())
      exits.push(toolUse('ExitPlanMode', {}))
      return [exits.at(-1)]
    }
    if (!seen.denied) {
      seen.denied = { text: said, isError: last?.is_error === true }
      return [text('Revising.'), toolUse('Write', { file_path: planFile, content: PLAN_V2 })]
    }
    if (!seen.secondExit) {
      seen.secondExit = true
      exitPlanModeAt.push(Date.now())
      exits.push(toolUse('ExitPlanMode', {}))
      return [exits.at(-1)]
    }
    seen.approved = { text: said, isError: last?.is_error === true }
    return [text('The plan is approved; implementing it.')]
  })
  const work = path.join(dir, 'work')
  fs.mkdirSync(work)
  const { env } = claudeEnv(model, {
    PATH: `${buildDir}:${process.env.PATH}`,
    ROUNDTABLE_PORT: String(hub.port),
    ROUNDTABLE_DATA: hub.dataDir,
    BROWSER: browser.script,
    ROUNDTABLE_NO_OPEN: ''
  })
  await installPlugin(env, work)

  // The reviewer: waits for the plan, comments, requests changes; then for revision 2, approves.
  const mcp = await mcpSession(hub)
  const reviewer = (async () => {
    let plans = []
    await waitFor(async () => (plans = (await mcp.tool('list_plans', {})).structuredContent.plans).length > 0, { timeout: 30000, interval: 50, message: 'the plan in Roundtable' })
    measured.listedAfterMs = Date.now() - exitPlanModeAt[0]
    const planId = plans[0].id
    const doc = await openPlan(hub, planId)
    const threadId = await commentOn(doc.doc, { user: bob, quote: 'token bucket', text: 'Why not a sliding window everywhere?' })
    review(doc.doc, 'changes_requested', 'Bob')
    await waitFor(async () => {
      const m = (await mcp.tool('read_plan', { planId })).structuredContent.metadata
      return m.revision === 2 && m.status === 'pending_review'
    }, { timeout: 30000, interval: 100, message: 'revision 2' })
    const feedback = (await mcp.tool('get_feedback', { planId })).structuredContent
    review(doc.doc, 'approved', 'Ann')
    doc.close()
    return { planId, threadId, feedback }
  })()

  const session = await streamSession({
    args: ['--permission-mode', 'plan', '--permission-prompt-tool', 'stdio'],
    env,
    cwd: work,
    prompt: 'Plan rate limiting for the public API.',
    // The hook decides on ExitPlanMode; anything else the host allows.
    onPermission: async request => request.tool_name === 'ExitPlanMode' ? null : { behavior: 'allow', updatedInput: request.input }
  })
  await model.close()
  const { planId, threadId, feedback } = await reviewer
  assert.deepEqual(model.errors, [])
  assert.equal(session.code, 0, session.stderr)
  assert.equal(session.messages.at(-1).type, 'result')
  assert.equal(session.messages.at(-1).subtype, 'success')

  // The review page was opened and served.
  const [page] = browser.entries()
  assert.ok(page, 'the browser was asked to open the review page')
  assert.equal(page.status, 200)
  assert.match(page.url, new RegExp(`/plan/${planId}#k=`))
  measured.pageServedAfterMs = page.at - exitPlanModeAt[0]
  assert.equal(browser.entries().length, 1, 'opened once: the resubmission goes to the open page')

  // Changes requested: the model got the comment, the quote and who decided, as an error result.
  assert.equal(seen.denied.isError, true)
  assert.match(seen.denied.text, /decided by Bob/)
  assert.match(seen.denied.text, /On "token bucket":\n {3}- Bob: Why not a sliding window everywhere\?/)
  assert.match(seen.denied.text, /call ExitPlanMode again/)

  // The same plan at revision 2, with the thread kept.
  const plans = (await mcp.tool('list_plans', {})).structuredContent.plans
  assert.deepEqual(plans.map(p => p.id), [planId], 'one plan, not a second one')
  assert.deepEqual(feedback.threads.map(t => [t.id, t.quote]), [[threadId, 'token bucket']])
  const final = (await mcp.tool('read_plan', { planId })).structuredContent
  assert.equal(final.metadata.revision, 2)
  assert.equal(final.metadata.status, 'approved')
  assert.match(final.markdown, /sliding window for the login endpoint/)

  // Approved: the model is told so, with the plan and the open thread as a note, and leaves plan mode.
  assert.equal(seen.approved.isError, false)
  assert.match(seen.approved.text, /approved your plan/)
  assert.match(seen.approved.text, /Use a sliding window for the login endpoint/)
  assert.match(seen.approved.text, /Reviewers' notes[\s\S]*Bob: Why not a sliding window everywhere\?/)
  const modes = session.messages.filter(m => m.type === 'system' && m.permissionMode).map(m => m.permissionMode)
  assert.ok(modes.length > 0 && modes.at(-1) !== 'plan', `left plan mode (${modes.join(', ')})`)
  console.log(`ExitPlanMode -> plan listed ${measured.listedAfterMs} ms, review page served ${measured.pageServedAfterMs} ms`)
})

test('2. the MCP tools through --mcp-config: the model gets short structured results', async () => {
  const hub = await h.startHub()
  const dir = h.tmpDir('roundtable-claude-')
  const received = {}
  const calls = [
    ['create_plan', () => ({ title: 'Cache the pricing API', content: '# Cache\n\n1. Add Redis\n2. Expire after 60 s\n\n| a | b |\n|--:|:-:|\n| 1 | 2 |\n' })],
    ['create_plan', () => ({ title: 'With snapshot', content: '# Cache\n\n1. Add Redis\n2. Expire after 60 s\n', snapshot: true })],
    ['list_plans', () => ({})],
    ['read_plan', () => ({ planId: received.create_plan.json.planId })],
    ['update_plan', () => ({ planId: received.create_plan.json.planId, content: '# Cache\n\n1. Add Redis\n2. Expire after 30 s\n\n| a | b |\n|--:|:-:|\n| 1 | 2 |\n' })],
    ['get_feedback', () => ({ planId: received.create_plan.json.planId })],
    ['wait_for_review', () => ({ planId: received.create_plan.json.planId, timeoutSeconds: 1 })]
  ]
  let step = 0
  let pending
  const model = await startModel(async request => {
    const last = pending && toolResultFor(request, pending.use.id)
    if (last) {
      const t = resultText(last)
      received[pending.name] = { text: t, bytes: Buffer.byteLength(t), isError: last.is_error === true }
      try { received[pending.name].json = JSON.parse(t) } catch {}
    }
    if (step === calls.length) return [text('done')]
    const [name, args] = calls[step++]
    pending = { name: received[name] ? `${name}+snapshot` : name, use: toolUse(`mcp__roundtable__${name}`, args()) }
    return [pending.use]
  })
  const config = path.join(dir, 'mcp.json')
  fs.writeFileSync(config, JSON.stringify({ mcpServers: { roundtable: { command: path.resolve(hubBinary), args: ['mcp', '--port', String(hub.port), '--data', hub.dataDir, '--no-open'] } } }))
  const { env } = claudeEnv(model)
  const r = await claude(['-p', 'Put a plan up for review.', '--mcp-config', config, '--strict-mcp-config', '--allowedTools', 'mcp__roundtable__*'], { env, cwd: dir })
  await model.close()
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(model.errors, [])
  for (const name of ['create_plan', 'create_plan+snapshot', 'list_plans', 'read_plan', 'update_plan', 'get_feedback', 'wait_for_review']) {
    assert.ok(received[name], `${name} reached the model`)
    assert.equal(received[name].isError, false, `${name}: ${received[name].text}`)
    assert.ok(received[name].json, `${name}: the model reads structuredContent as JSON (${received[name].text.slice(0, 200)})`)
  }
  const created = received.create_plan
  assert.deepEqual(Object.keys(created.json).sort(), ['planId', 'shareUrl', 'url'])
  assert.ok(created.bytes < 400, `create_plan: ${created.bytes} bytes reach the model`)
  assert.ok(received['create_plan+snapshot'].json.snapshotUrl.includes('/plan?d='), 'the snapshot when asked')
  assert.ok(received.list_plans.bytes < 100 + 150 * 2 + 200, `list_plans: ${received.list_plans.bytes}`)
  assert.ok(received.read_plan.bytes < 300 + 200, `read_plan: ${received.read_plan.bytes}`)
  assert.deepEqual([received.update_plan.json.blocksKept, received.update_plan.json.blocksAdded, received.update_plan.json.blocksRemoved], [3, 1, 1],
    'the heading, the first item and the table kept; the changed item replaced')
  assert.match(created.text, /"planId"/)
  assert.equal(received.wait_for_review.json.status, 'pending_review')
  measured.bytes = Object.fromEntries(Object.entries(received).map(([k, v]) => [k, v.bytes]))
  console.log('bytes the model receives per tool result:', JSON.stringify(measured.bytes))
})

test('3. the hub down and unstartable: the hook gives no decision, the host decides, the session goes on', async () => {
  const dir = h.tmpDir('roundtable-claude-')
  const notADir = path.join(dir, 'data-is-a-file')
  fs.writeFileSync(notADir, '')
  let after
  const model = await planModeModel(PLAN_V1, result => {
    after = resultText(result)
    return [text('Understood.')]
  })
  const work = path.join(dir, 'work')
  fs.mkdirSync(work)
  // `roundtable` as the plugin runs it, through a shim that notes each hook run, its status and its stderr.
  const shimDir = path.join(dir, 'bin')
  fs.mkdirSync(shimDir)
  const hookLog = path.join(dir, 'hook.log')
  fs.writeFileSync(path.join(shimDir, 'roundtable'), `#!/bin/sh
if [ "$1" = hook ]; then
  ${JSON.stringify(path.resolve(hubBinary))} "$@" 2>"${hookLog}.err" >"${hookLog}.out"; code=$?
  echo "$code" >> "${hookLog}"
  cat "${hookLog}.out"; exit $code
fi
exec ${JSON.stringify(path.resolve(hubBinary))} "$@"
`, { mode: 0o755 })
  const { env } = claudeEnv(model, {
    PATH: `${shimDir}:${process.env.PATH}`,
    ROUNDTABLE_PORT: String(await freePort()),
    ROUNDTABLE_DATA: notADir,
    ROUNDTABLE_NO_OPEN: '1'
  })
  await installPlugin(env, work)
  const t0 = Date.now()
  const session = await streamSession({
    args: ['--permission-mode', 'plan', '--permission-prompt-tool', 'stdio'],
    env,
    cwd: work,
    prompt: 'Plan rate limiting.',
    // The host's own prompt, answered once the hook has had time to decide (it must not).
    onPermission: async request => {
      if (request.tool_name !== 'ExitPlanMode') return { behavior: 'allow', updatedInput: request.input }
      await new Promise(resolve => setTimeout(resolve, 3000))
      return { behavior: 'deny', message: 'HOST-DECIDED: keep planning' }
    }
  })
  await model.close()
  assert.equal(session.code, 0, session.stderr)
  assert.equal(session.messages.at(-1).subtype, 'success')
  assert.equal(session.controls.filter(c => c.request.tool_name === 'ExitPlanMode').length, 1, 'the host was asked')
  assert.match(after, /HOST-DECIDED: keep planning/, 'the host decided, not the hook')
  assert.equal(fs.readFileSync(hookLog, 'utf8'), '0\n', 'the hook ran once and exited 0')
  assert.equal(fs.readFileSync(`${hookLog}.out`, 'utf8'), '', 'no decision')
  assert.match(fs.readFileSync(`${hookLog}.err`, 'utf8'), /^roundtable hook: no Roundtable hub answers on 127\.0\.0\.1:\d+ and starting one failed; .*; no decision, Claude Code asks as usual\n$/)
  assert.ok(Date.now() - t0 < 30000)
})

test('4. PreToolUse in plain -p (a host with a permission prompt tool): approved with a note, the model gets the plan and the note', async () => {
  // After PreToolUse Claude Code reads the plan file again (updatedInput.plan is not what the model
  // sees), so the notes reach the model as the hook's additionalContext.
  const hub = await h.startHub()
  const dir = h.tmpDir('roundtable-claude-')
  let approval
  const model = await planModeModel(PLAN_V1, (r, request) => {
    // Everything after the tool result too: Claude Code adds the hook's context as a message of its own.
    const after = request.messages.slice(request.messages.findIndex(m => Array.isArray(m.content) && m.content.includes(r)))
    approval = { text: resultText(r), isError: r.is_error === true, context: after.flatMap(m => Array.isArray(m.content) ? m.content.map(c => c.text ?? '') : [m.content]).join('\n') }
    return [text('Implementing.')]
  })
  const { env, home } = claudeEnv(model, { ROUNDTABLE_NO_OPEN: '1' })
  const settings = path.join(home, 'settings.json')
  const command = `${path.resolve(hubBinary)} hook claude-code --port ${hub.port} --data ${hub.dataDir}`
  fs.writeFileSync(settings, JSON.stringify({ hooks: { PreToolUse: [{ matcher: 'ExitPlanMode', hooks: [{ type: 'command', command, timeout: 600 }] }] } }))
  const mcp = await mcpSession(hub)
  const reviewer = (async () => {
    let plans = []
    await waitFor(async () => (plans = (await mcp.tool('list_plans', {})).structuredContent.plans).length > 0, { timeout: 30000, interval: 50, message: 'the plan in Roundtable' })
    const doc = await openPlan(hub, plans[0].id)
    await commentOn(doc.doc, { user: bob, quote: 'Retry-After', text: 'Also log each 429.' })
    review(doc.doc, 'approved', 'Bob')
    doc.close()
  })()
  const r = await claude(['-p', 'Plan rate limiting.', '--permission-mode', 'plan', '--permission-prompt-tool', 'stdio', '--settings', settings], { env, cwd: home })
  await reviewer
  await model.close()
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(model.errors, [])
  assert.equal(approval.isError, false, approval.text)
  assert.match(approval.text, /approved your plan/)
  assert.match(approval.text, /Return 429 with Retry-After/)
  assert.match(approval.context, /hook additional context: ## Reviewers' notes\n\nApproved in Roundtable by Bob[\s\S]*On "Retry-After":\n {3}- Bob: Also log each 429\./)
})
