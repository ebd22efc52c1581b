// The hub's MCP endpoint (/mcp, Streamable HTTP, revision 2025-11-25) driven
// with raw HTTP: sessions and their headers, errors, the tools end to end on
// real documents, progress over an event stream, cancellation, and the plan
// index kept current when a browser (a y-websocket provider) reviews a plan.
//
//   cd tests/interop && node --test mcp_http.test.mjs

import { test } from 'node:test'
import { useHarness, assert, waitFor, sleep } from './hub_harness.mjs'
import { LATEST, mcpPost, mcpSession, openPlan, review, blockIds, parseSse } from './mcp_harness.mjs'

const h = useHarness()
const hubP = h.startHub({ flags: ['--mcp-progress-ms', '200', '--unload-grace-ms', '300'] })

const PLAN = `# Add rate limiting

The API has no limits today.

## Steps

1. Add a token bucket per key
2. Return **429** with \`Retry-After\`

- [ ] load test
- [x] design review

\`\`\`ts
const bucket = new TokenBucket(100)
\`\`\`
`

test('initialize opens a session and negotiates the version', async () => {
  const hub = await hubP
  const s = await mcpSession(hub)
  assert.match(s.session, /^[0-9a-f]{32}$/)
  assert.equal(s.init.result.protocolVersion, LATEST)
  assert.equal(s.init.result.serverInfo.name, 'roundtable')
  const older = await mcpSession(hub, { protocolVersion: '2025-03-26' })
  assert.equal(older.init.result.protocolVersion, '2025-03-26')
  assert.notEqual(older.session, s.session)
  const ping = await s.call('ping')
  assert.deepEqual(ping.response.result, {})
})

test('session and header errors', async () => {
  const hub = await hubP
  const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' }
  assert.equal((await mcpPost(hub, list)).status, 400, 'no session')
  assert.equal((await mcpPost(hub, list, { session: 'f'.repeat(32) })).status, 404, 'unknown session')
  const s = await mcpSession(hub)
  assert.equal((await mcpPost(hub, list, { session: s.session, version: '1999-01-01' })).status, 400, 'bad protocol version')
  const noVersionHeader = await mcpPost(hub, list, { session: s.session, version: null })
  assert.equal(noVersionHeader.status, 200, 'a missing MCP-Protocol-Version is allowed')
  assert.equal((await mcpPost(hub, list, { session: s.session, headers: { 'content-type': 'text/plain' } })).status, 415)
  assert.equal((await s.notify('notifications/initialized')).status, 202)

  const bad = await mcpPost(hub, '{"jsonrpc":"2.0","id":1,', { session: s.session })
  assert.equal(bad.status, 400)
  assert.equal(bad.messages[0].error.code, -32700)
  const unknown = await s.call('server/discover', {}, { id: 'probe-1' })
  assert.equal(unknown.response.id, 'probe-1')
  assert.equal(unknown.response.error.code, -32601)
  const batch = await mcpPost(hub, [list], { session: s.session })
  assert.equal(batch.messages[0].error.code, -32600)
})

test('DNS rebinding and cross-site requests are refused', async () => {
  const hub = await hubP
  const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LATEST, capabilities: {}, clientInfo: { name: 'x', version: '1' } } }
  const evilOrigin = await mcpPost(hub, init, { headers: { origin: 'http://evil.example' } })
  assert.equal(evilOrigin.status, 403)
  const ownOrigin = await mcpPost(hub, init, { headers: { origin: hub.httpUrl } })
  assert.equal(ownOrigin.status, 200)
})

test('create, list, read, update and feedback on real documents', async () => {
  const hub = await hubP
  const s = await mcpSession(hub)
  const created = await s.tool('create_plan', { title: 'Rate limiting', content: PLAN, repo: 'acme/api', pr: 42, snapshot: true })
  assert.ok(!created.isError, created.content[0].text)
  const { planId, url, shareUrl, snapshotUrl } = created.structuredContent
  // The page and the share link carry the same room secret (web/src/collab/share.ts reads it from the fragment).
  const [, secret] = url.match(new RegExp(`^${hub.httpUrl}/plan/${planId}#k=([A-Za-z0-9_-]{24})$`)) ?? []
  assert.ok(secret, url)
  assert.equal(shareUrl, `${hub.httpUrl}/plan/${planId}#k=${secret}`)
  assert.match(snapshotUrl, new RegExp(`^${hub.httpUrl}/plan\\?d=[A-Za-z0-9+$-]+$`))
  const plain = (await s.tool('create_plan', { title: 'Rate limiting', content: PLAN })).structuredContent
  assert.deepEqual(Object.keys(plain).sort(), ['planId', 'shareUrl', 'url'], 'no snapshot unless asked')
  assert.ok(JSON.stringify(plain).length < 400, `${JSON.stringify(plain).length} bytes`)
  assert.notEqual(plain.url.split('#k=')[1], secret, 'a secret of its own for each plan')

  // What a browser sees: the metadata and BlockNote's document.
  const browser = await openPlan(hub, planId)
  const meta = browser.doc.getMap('metadata').toJSON()
  assert.equal(meta.title, 'Rate limiting')
  assert.equal(meta.status, 'pending_review')
  assert.equal(meta.repo, 'acme/api')
  assert.equal(meta.pr, 42)
  assert.equal(meta.revision, 1)
  const before = blockIds(browser.doc)
  assert.deepEqual(before.map(b => b.type).slice(0, 4), ['heading', 'paragraph', 'heading', 'numberedListItem'])
  assert.equal(browser.doc.getArray('content').length, before.length)

  const listed = await s.tool('list_plans', {})
  assert.ok(listed.structuredContent.plans.some(p => p.id === planId && p.title === 'Rate limiting' && p.status === 'pending_review'))

  const read = await s.tool('read_plan', { planId })
  assert.match(read.structuredContent.markdown, /^# Add rate limiting$/m)
  assert.match(read.structuredContent.markdown, /^- \[x\] design review$/m)
  assert.match(read.structuredContent.markdown, /```ts\nconst bucket = new TokenBucket\(100\)\n```/)

  // A minimal edit: one changed paragraph; every other block keeps its id.
  const updated = await s.tool('update_plan', { planId, content: PLAN.replace('no limits today', 'no limits at all') })
  assert.ok(!updated.isError, updated.content[0].text)
  assert.equal(updated.structuredContent.metadata.revision, 2)
  assert.equal(updated.structuredContent.blocksAdded, 1)
  assert.equal(updated.structuredContent.blocksRemoved, 1)
  await waitFor(() => browser.doc.getMap('metadata').get('revision') === 2, { message: 'the browser to see revision 2' })
  const after = blockIds(browser.doc)
  assert.equal(after.length, before.length)
  for (let i = 0; i < after.length; i++) {
    if (i === 1) {
      assert.notEqual(after[i].id, before[i].id)
      assert.equal(after[i].text, 'The API has no limits at all.')
    } else {
      assert.equal(after[i].id, before[i].id, `block ${i} (${before[i].text}) kept its id`)
    }
  }
  assert.deepEqual(browser.doc.getArray('content').toJSON().map(b => b.id), after.filter((_, i) => true).map(b => b.id).slice(0, browser.doc.getArray('content').length))

  const feedback = await s.tool('get_feedback', { planId })
  assert.equal(feedback.structuredContent.status, 'pending_review')
  assert.deepEqual(feedback.structuredContent.threads, [])
  browser.close()
})

test('tool errors say what to fix', async () => {
  const hub = await hubP
  const s = await mcpSession(hub)
  const noTitle = await s.tool('create_plan', { content: 'x' })
  assert.equal(noTitle.isError, true)
  assert.match(noTitle.content[0].text, /'title' is required/)
  const unknown = await s.tool('read_plan', { planId: 'nosuchplan' })
  assert.equal(unknown.isError, true)
  assert.match(unknown.content[0].text, /no plan with id 'nosuchplan'/)
  const huge = await s.tool('create_plan', { title: 't', content: 'x'.repeat(1100000) })
  assert.equal(huge.isError, true)
  assert.match(huge.content[0].text, /limit/)
  const badStatus = await s.tool('update_plan', { planId: 'nosuchplan', status: 'done' })
  assert.match(badStatus.content[0].text, /must be one of/)
})

test('wait_for_review streams progress, and times out as pending_review', async () => {
  const hub = await hubP
  const s = await mcpSession(hub)
  const { planId } = (await s.tool('create_plan', { title: 'Wait', content: 'text' })).structuredContent
  const t0 = Date.now()
  const r = await s.tool('wait_for_review', { planId, timeoutSeconds: 1 }, { progressToken: 'p-1' })
  assert.ok(Date.now() - t0 >= 900, 'waited for the timeout')
  assert.equal(r.structuredContent.status, 'pending_review')
  const progress = r.notifications.filter(n => n.method === 'notifications/progress')
  assert.ok(progress.length >= 3, `progress every 200 ms (got ${progress.length})`)
  assert.ok(progress.every(n => n.params.progressToken === 'p-1'))
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i].params.progress > progress[i - 1].params.progress)
})

test('wait_for_review answers with an event stream at once, before any progress or result', async () => {
  const hub = await hubP
  const s = await mcpSession(hub)
  const { planId } = (await s.tool('create_plan', { title: 'First byte', content: 'text' })).structuredContent
  const t0 = Date.now()
  const res = await fetch(`${hub.httpUrl}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': s.session, 'mcp-protocol-version': LATEST },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'fb', method: 'tools/call', params: { name: 'wait_for_review', arguments: { planId, timeoutSeconds: 1.5 } } })
  })
  const headersAfter = Date.now() - t0
  assert.match(res.headers.get('content-type'), /^text\/event-stream/)
  const reader = res.body.getReader()
  const first = await reader.read()
  const firstByteAfter = Date.now() - t0
  assert.ok(firstByteAfter < 1000, `a first byte before the wait ends (${firstByteAfter} ms; headers ${headersAfter} ms)`)
  let text = new TextDecoder().decode(first.value)
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    text += new TextDecoder().decode(value)
  }
  assert.ok(Date.now() - t0 >= 1400, 'the result came at the timeout')
  const messages = parseSse(text)
  assert.equal(messages.length, 1, 'no progress without a progress token: the stream carries the result alone')
  assert.equal(messages[0].id, 'fb')
  assert.equal(messages[0].result.structuredContent.status, 'pending_review')
})

test('wait_for_review wakes when a browser approves, and the index follows', async () => {
  const hub = await hubP
  const s = await mcpSession(hub)
  const { planId } = (await s.tool('create_plan', { title: 'Approve me', content: '# Plan\n\nDo it.' })).structuredContent
  const waiting = s.tool('wait_for_review', { planId, timeoutSeconds: 30 })
  await sleep(200)
  const browser = await openPlan(hub, planId)
  const t0 = Date.now()
  review(browser.doc, 'approved', 'Ada')
  const r = await waiting
  assert.ok(Date.now() - t0 < 2000, 'woke on the change, not by polling late')
  assert.equal(r.structuredContent.status, 'approved')
  assert.equal(r.structuredContent.reviewedBy, 'Ada')
  // The hub wrote the new status into plan-index itself.
  const index = await openPlan(hub, 'plan-index')
  await waitFor(() => index.doc.getMap('plans').get(planId)?.status === 'approved', { message: 'plan-index to show approved' })
  const approved = await s.tool('list_plans', { status: 'approved' })
  assert.ok(approved.structuredContent.plans.some(p => p.id === planId))
  const pending = await s.tool('list_plans', { status: 'pending_review' })
  assert.ok(!pending.structuredContent.plans.some(p => p.id === planId))
  // Already decided: answers at once.
  const again = await s.tool('wait_for_review', { planId })
  assert.equal(again.structuredContent.status, 'approved')
  browser.close()
  index.close()
})

test('cancellation ends a wait at once; DELETE ends the session', async () => {
  const hub = await hubP
  const s = await mcpSession(hub)
  const { planId } = (await s.tool('create_plan', { title: 'Cancel', content: 'x' })).structuredContent
  const t0 = Date.now()
  const waiting = s.call('tools/call', { name: 'wait_for_review', arguments: { planId, timeoutSeconds: 60 }, _meta: { progressToken: 7 } }, { id: 'w-1' })
  await sleep(300)
  const cancel = await s.notify('notifications/cancelled', { requestId: 'w-1', reason: 'test' })
  assert.equal(cancel.status, 202)
  const r = await waiting
  assert.ok(Date.now() - t0 < 5000, 'the stream ended soon after the cancellation')
  assert.equal(r.response, undefined, 'no response after cancellation')
  assert.ok(r.notifications.length >= 1, 'progress came first')

  const del = await fetch(`${hub.httpUrl}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': s.session } })
  assert.equal(del.status, 200)
  assert.equal((await s.call('ping')).status, 404)
})

test('GET opens an event stream for the session', async () => {
  const hub = await hubP
  const s = await mcpSession(hub)
  const ac = new AbortController()
  const res = await fetch(`${hub.httpUrl}/mcp`, { headers: { accept: 'text/event-stream', 'mcp-session-id': s.session }, signal: ac.signal })
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type'), /^text\/event-stream/)
  const second = await fetch(`${hub.httpUrl}/mcp`, { headers: { accept: 'text/event-stream', 'mcp-session-id': s.session } })
  assert.equal(second.status, 409, 'one stream per session')
  ac.abort()
  const noAccept = await fetch(`${hub.httpUrl}/mcp`, { headers: { 'mcp-session-id': s.session } })
  assert.equal(noAccept.status, 405)
})

test('list_plans gives pages, newest first, and filters by repository', async () => {
  const hub = await hubP
  const s = await mcpSession(hub)
  const repo = `acme/paging-${process.pid}`
  const created = []
  for (let i = 0; i < 25; i++) {
    const r = await s.tool('create_plan', { title: `Paged ${i}`, content: `# Step ${i}`, repo })
    assert.ok(!r.isError, r.content[0].text)
    created.push(r.structuredContent.planId)
  }
  const pages = []
  let cursor
  do {
    const page = await s.tool('list_plans', { repo, limit: 10, ...(cursor ? { cursor } : {}) })
    assert.ok(!page.isError, page.content[0].text)
    assert.equal(page.structuredContent.matching, 25)
    pages.push(page.structuredContent.plans.map(p => p.id))
    assert.ok(page.structuredContent.plans.every(p => p.repo === repo))
    cursor = page.structuredContent.nextCursor
  } while (cursor && pages.length < 10)
  assert.deepEqual(pages.map(p => p.length), [10, 10, 5])
  assert.deepEqual(pages.flat(), [...created].reverse(), 'every plan once, newest first')

  const all = await s.tool('list_plans', {})
  assert.equal(all.structuredContent.plans.length, 20, 'a page of 20 by default')
  assert.ok(all.structuredContent.nextCursor)
  assert.ok(JSON.stringify(all).length < 16 * 1024, 'a page stays small in the agent\'s context')

  const bad = await s.tool('list_plans', { cursor: 'not-a-cursor' })
  assert.ok(bad.isError)
  assert.match(bad.content[0].text, /cursor/)
  const tooMany = await s.tool('list_plans', { limit: 1000 })
  assert.ok(tooMany.isError)
  assert.match(tooMany.content[0].text, /limit/)
})
