// Access control (docs/hub.md, "Access control"): a hub started with
// --token-secret-file, driven by the real y-websocket provider, y-webrtc's
// signaling client and raw HTTP. Every failure case (no token, expired,
// forged, alg "none", another plan, too narrow a scope) on every endpoint
// gets a 401 with WWW-Authenticate: Bearer and nothing of the document; a good
// token works; a read-only token syncs but cannot write. Tokens come from
// `roundtable token issue` and create_plan's share link, and from Node's own
// crypto (a JWT any library would write), so the format is checked both ways.
//
//   cd tests/interop && node --test hub_access.test.mjs

import { test, before } from 'node:test'
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {
  useHarness, hubBinary, waitFor, sleep, assert, Y, WebSocket, WebsocketProvider, httpGet, tryUpgrade
} from './hub_harness.mjs'
import { mcpPost, review } from './mcp_harness.mjs'
import { startAgent } from './mcp_agent.mjs'

globalThis.WebSocket ??= WebSocket
const { SignalingConn } = await import('y-webrtc')

const h = useHarness()
const secretFile = path.join(h.tmpDir('roundtable-secret-'), 'token-secret')
fs.writeFileSync(secretFile, crypto.randomBytes(48).toString('base64') + '\n', { mode: 0o600 })
const secret = fs.readFileSync(secretFile, 'utf8').replace(/\n$/, '')

const issue = (...args) => execFileSync(hubBinary, ['token', 'issue', '--secret-file', secretFile, ...args]).toString().trim()

const b64url = s => Buffer.from(s).toString('base64url')
/** A JWT signed here, with Node's crypto: `key` and the header are the test's to choose. */
const jwt = (claims, { key = secret, header = { alg: 'HS256', typ: 'JWT' } } = {}) => {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`
  return `${input}.${crypto.createHmac('sha256', key).update(input).digest('base64url')}`
}
const now = () => Math.floor(Date.now() / 1000)

let hub, planId, shareToken, tokens
before(async () => {
  hub = await h.startHub({ flags: ['--token-secret-file', secretFile, '--unload-grace-ms', '200'] })
  const agent = issue('--scope', 'plan:create', '--subject', 'agent-1')
  const created = await mcpTool(agent, 'create_plan', { title: 'Secret plan', content: '# Secret plan\n\nThe launch code is 0000.\n' })
  planId = created.structuredContent.planId
  const fragment = new URLSearchParams(new URL(created.structuredContent.shareUrl).hash.slice(1))
  shareToken = fragment.get('access_token')
  tokens = {
    agent,
    admin: issue('--scope', 'admin'),
    share: shareToken,
    read: issue('--scope', 'plan:read', '--plan', planId, '--expires', '1h'),
    readAll: issue('--scope', 'plan:read'),
    otherPlan: issue('--scope', 'plan:review', '--plan', 'someotherplan'),
    fromNode: jwt({ sub: 'node', scope: 'plan:review', plan: planId, iat: now(), exp: now() + 600 })
  }
})

/** The ways a token can fail, each with what it is. */
const badTokens = () => ({
  none: null,
  expired: jwt({ sub: 'late', scope: 'admin', iat: now() - 7200, exp: now() - 3600 }),
  forged: jwt({ sub: 'eve', scope: 'admin', iat: now(), exp: now() + 600 }, { key: crypto.randomBytes(48) }),
  algNone: `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify({ sub: 'eve', scope: 'admin', iat: now(), exp: now() + 600 }))}.`,
  garbage: 'not-a-token'
})

const bearer = token => (token ? { authorization: `Bearer ${token}` } : {})
const withToken = (url, token) => (token ? `${url}${url.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}` : url)

const mcpInit = token => mcpPost(hub, {
  jsonrpc: '2.0', id: 0, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'access-test', version: '1' } }
}, { version: null, headers: bearer(token) })

/** One tool call in a session of its own, with `token`; resolves with {status, result, headers}. */
const mcpCall = async (token, name, args) => {
  const init = await mcpInit(token)
  if (init.status !== 200) return { status: init.status, headers: init.headers, text: init.text }
  const session = init.headers.get('mcp-session-id')
  await mcpPost(hub, { jsonrpc: '2.0', method: 'notifications/initialized' }, { session, headers: bearer(token) })
  const r = await mcpPost(hub, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } },
    { session, headers: bearer(token) })
  return { status: r.status, headers: r.headers, text: r.text, result: r.messages.find(m => m.id === 1)?.result }
}
const mcpTool = async (token, name, args) => {
  const r = await mcpCall(token, name, args)
  if (r.status !== 200 || !r.result || r.result.isError) throw new Error(`${name}: HTTP ${r.status} ${r.text}`)
  return r.result
}

const assertRefused = (res, what) => {
  assert.equal(res.status, 401, `${what}: ${res.status} ${res.text ?? res.body ?? ''}`)
  const challenge = typeof res.headers.get === 'function' ? res.headers.get('www-authenticate') : res.headers['www-authenticate']
  assert.match(challenge ?? '', /^Bearer /, `${what}: WWW-Authenticate`)
  const body = res.text ?? res.body ?? ''
  assert.ok(!body.includes('launch code'), `${what}: the answer holds nothing of the plan`)
}

/** A real y-websocket provider with `token` in its params; never syncing within `ms` is what a refusal looks like. */
const provider = (name, token, opts = {}) => {
  const doc = new Y.Doc()
  const p = new WebsocketProvider(hub.wsBase, name, doc, {
    WebSocketPolyfill: WebSocket, disableBc: true, maxBackoffTime: 200, params: token ? { access_token: token } : {}, ...opts
  })
  const closes = []
  p.on('connection-close', event => closes.push(event?.code))
  h.defer(() => { p.destroy(); doc.destroy() })
  return { doc, provider: p, closes }
}
const planText = doc => JSON.stringify(doc.getXmlFragment('document').toJSON()) + JSON.stringify(doc.getMap('metadata').toJSON())

test('every failure case on every endpoint is a 401 with a Bearer challenge', async () => {
  for (const [what, token] of Object.entries(badTokens())) {
    assertRefused(await mcpInit(token), `/mcp initialize, ${what}`)
    for (const reqPath of ['/config.json', '/metrics']) {
      assertRefused(await httpGet(hub, reqPath, { headers: bearer(token) }), `${reqPath} (header), ${what}`)
      assertRefused(await httpGet(hub, withToken(reqPath, token)), `${reqPath} (query), ${what}`)
    }
    for (const url of [`${hub.wsBase}/${planId}`, `${hub.wsBase}/plan-index`, hub.signalUrl]) {
      const up = await tryUpgrade(withToken(url, token))
      assert.equal(up.status, 401, `upgrade ${url}, ${what}: ${JSON.stringify({ ...up, ws: undefined })}`)
    }
  }
  // The bare challenge for no token; the error for a bad one (RFC 6750 section 3.1).
  assert.equal((await httpGet(hub, '/config.json')).headers['www-authenticate'], 'Bearer realm="roundtable"')
  assert.match((await httpGet(hub, '/config.json', { headers: bearer(badTokens().expired) })).headers['www-authenticate'],
    /error="invalid_token", error_description="token expired"/)
})

test('too narrow or for another plan: 401 (insufficient_scope) on every endpoint', async () => {
  // Another plan's token: not this plan's document, nor the index, nor this plan's tools.
  for (const url of [`${hub.wsBase}/${planId}`, `${hub.wsBase}/plan-index`]) {
    assert.equal((await tryUpgrade(withToken(url, tokens.otherPlan))).status, 401, url)
  }
  // A plan-bound token opens its plan, and not the index of every plan.
  const own = await tryUpgrade(withToken(`${hub.wsBase}/${planId}`, tokens.read))
  assert.equal(own.opened, true)
  own.ws.terminate()
  assert.equal((await tryUpgrade(withToken(`${hub.wsBase}/plan-index`, tokens.read))).status, 401)
  const narrow = [
    [tokens.otherPlan, 'read_plan', { planId }],
    [tokens.otherPlan, 'get_feedback', { planId }],
    [tokens.share, 'create_plan', { title: 'x', content: '# x\n' }],
    [tokens.share, 'update_plan', { planId, title: 'hijacked' }],
    [tokens.share, 'list_plans', {}],
    [tokens.readAll, 'create_plan', { title: 'x', content: '# x\n' }],
    [tokens.read, 'update_plan', { planId, status: 'approved' }]
  ]
  for (const [token, tool, args] of narrow) {
    const r = await mcpCall(token, tool, args)
    assertRefused(r, `${tool} with a narrow token`)
    assert.match(r.headers.get('www-authenticate'), /error="insufficient_scope"/)
  }
  const metrics = await httpGet(hub, '/metrics', { headers: bearer(tokens.agent) })
  assertRefused(metrics, '/metrics with plan:create')
  assert.match(metrics.headers['www-authenticate'], /scope="admin"/)
  // Nothing of the plan was changed by any of it.
  const text = await mcpTool(tokens.agent, 'read_plan', { planId })
  assert.match(JSON.stringify(text), /Secret plan/)
  assert.doesNotMatch(JSON.stringify(text), /hijacked/)
})

test('a refused y-websocket provider receives nothing of the document', async () => {
  const refused = Object.entries(badTokens()).map(([what, token]) => ({ what, ...provider(planId, token) }))
  refused.push({ what: 'otherPlan', ...provider(planId, tokens.otherPlan) })
  const good = provider(planId, tokens.share)
  await waitFor(() => good.provider.synced, { message: 'the share link token to sync' })
  assert.match(planText(good.doc), /launch code is 0000/)
  await sleep(400) // several reconnection attempts of each refused provider
  for (const r of refused) {
    assert.equal(r.provider.synced, false, r.what)
    assert.equal(r.doc.share.size, 0, `${r.what}: nothing of the document`)
    assert.doesNotMatch(planText(r.doc), /launch code/, r.what)
  }
})

test('open endpoints stay open: /healthz and the web app', async () => {
  assert.equal((await httpGet(hub, '/healthz')).status, 200)
  assert.equal((await httpGet(hub, '/')).status, 200)
  assert.equal((await httpGet(hub, `/plan/${planId}`)).status, 200)
})

test('good tokens work: the share link reviews, the agent sees it, admin reads metrics, Node-made tokens verify', async () => {
  assert.equal((await httpGet(hub, '/config.json', { headers: bearer(tokens.share) })).status, 200)
  assert.equal((await httpGet(hub, withToken('/config.json', tokens.fromNode))).status, 200)
  const metrics = await httpGet(hub, '/metrics', { headers: bearer(tokens.admin) })
  assert.equal(metrics.status, 200)
  assert.match(metrics.body, /roundtable_unauthorized_total [1-9]/)

  const reviewer = provider(planId, tokens.fromNode)
  await waitFor(() => reviewer.provider.synced, { message: 'a Node-signed token to sync' })
  review(reviewer.doc, 'approved', 'Node reviewer')
  await waitFor(async () => (await mcpTool(tokens.agent, 'get_feedback', { planId })).structuredContent.status === 'approved',
    { message: 'the approval to reach the agent' })
  // The share link's own token reads its plan over MCP too.
  assert.equal((await mcpTool(tokens.share, 'get_feedback', { planId })).structuredContent.status, 'approved')
  const list = await mcpTool(tokens.readAll, 'list_plans', {})
  assert.match(JSON.stringify(list), new RegExp(planId))
})

test('a read-only token syncs, but its update is refused with 4403 and reaches no one', async () => {
  const writer = provider(planId, tokens.share)
  const reader = provider(planId, tokens.read)
  await waitFor(() => reader.provider.synced && writer.provider.synced, { message: 'both to sync' })
  assert.match(planText(reader.doc), /launch code is 0000/)
  // It still hears the others' edits live.
  writer.doc.getMap('metadata').set('title', 'Secret plan (v2)')
  await waitFor(() => reader.doc.getMap('metadata').get('title') === 'Secret plan (v2)', { message: 'a live edit at the reader' })

  reader.doc.getMap('metadata').set('status', 'approved-by-reader')
  await waitFor(() => reader.closes.includes(4403), { message: 'the reader closed with 4403' })
  await sleep(300) // it reconnects, and its sync step 2 carries the edit again: ignored
  assert.notEqual(writer.doc.getMap('metadata').get('status'), 'approved-by-reader')
  const fresh = provider(planId, tokens.admin)
  await waitFor(() => fresh.provider.synced, { message: 'a fresh provider to sync' })
  assert.notEqual(fresh.doc.getMap('metadata').get('status'), 'approved-by-reader')
  assert.equal(fresh.doc.getMap('metadata').get('title'), 'Secret plan (v2)')
})

test('signaling: any valid token connects; a plan-bound one keeps to its plan\'s room (4403 otherwise)', async () => {
  const conn = (token) => {
    const c = new SignalingConn(withToken(hub.signalUrl, token))
    h.defer(() => c.destroy())
    const received = []
    c.on('message', m => received.push(m))
    return { c, received }
  }
  const room = `roundtable-${planId}`
  const a = conn(tokens.share)
  const b = conn(tokens.agent)
  await waitFor(() => a.c.connected && b.c.connected, { message: 'both signaling connections' })
  a.c.send({ type: 'subscribe', topics: [room] })
  b.c.send({ type: 'subscribe', topics: [room] })
  await sleep(100)
  b.c.send({ type: 'publish', topic: room, data: 'hello' })
  await waitFor(() => a.received.some(m => m.type === 'publish' && m.data === 'hello'), { message: 'a publish in the plan\'s room' })

  const raw = h.raw(withToken(hub.signalUrl, tokens.share))
  await raw.opened
  raw.sendJson({ type: 'subscribe', topics: ['roundtable-someotherplan'] })
  assert.equal((await raw.waitClosed()).code, 4403)
  const raw2 = h.raw(withToken(hub.signalUrl, tokens.share))
  await raw2.opened
  raw2.sendJson({ type: 'publish', topic: 'roundtable-someotherplan', data: 'x' })
  assert.equal((await raw2.waitClosed()).code, 4403)
})

test('without a secret: on loopback no token is needed; on a network address the hub refuses to start unless told', async () => {
  const open = await h.startHub()
  assert.equal((await httpGet(open, '/config.json')).status, 200)
  const doc = new Y.Doc()
  const p = new WebsocketProvider(open.wsBase, 'no-token-needed', doc, { WebSocketPolyfill: WebSocket, disableBc: true })
  h.defer(() => { p.destroy(); doc.destroy() })
  await waitFor(() => p.synced, { message: 'a provider without a token to sync on loopback' })

  let refusal
  try {
    execFileSync(hubBinary, ['serve', '--host', '0.0.0.0', '--port', '0', '--data', h.tmpDir()], { stdio: 'pipe' })
  } catch (e) { refusal = e }
  assert.equal(refusal?.status, 2)
  assert.match(refusal.stderr.toString(), /refusing to serve plans on 0\.0\.0\.0 without access control/)
  const told = await h.startHub({ host: '0.0.0.0', flags: ['--no-access-control'] })
  assert.match(told.output, /NO ACCESS CONTROL on 0\.0\.0\.0/)
})

test('`roundtable mcp` sends ROUNDTABLE_TOKEN as its bearer token; without one the agent is refused', async () => {
  const withToken = await startAgent({
    command: hubBinary, args: ['mcp', '--port', String(hub.port), '--data', hub.dataDir],
    env: { ROUNDTABLE_NO_OPEN: '1', ROUNDTABLE_TOKEN: tokens.agent }, name: 'agent-with-token'
  })
  h.defer(() => withToken.close())
  const created = await withToken.client.callTool({ name: 'create_plan', arguments: { title: 'Through stdio', content: '# Through stdio\n' } })
  assert.ok(!created.isError, JSON.stringify(created))
  assert.match(created.structuredContent.shareUrl, /#k=[A-Za-z0-9_-]+&access_token=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)

  let refused
  try {
    const without = await startAgent({
      command: hubBinary, args: ['mcp', '--port', String(hub.port), '--data', hub.dataDir],
      env: { ROUNDTABLE_NO_OPEN: '1', ROUNDTABLE_TOKEN: '' }, name: 'agent-without-token'
    })
    h.defer(() => without.close())
    const r = await without.client.callTool({ name: 'list_plans', arguments: {} })
    refused = r.isError ? JSON.stringify(r) : null
  } catch (e) { refused = e.message }
  assert.match(refused ?? '', /401/, 'an agent without a token lists nothing')
  assert.doesNotMatch(refused, /Through stdio|Secret plan/)
})

test('a connection whose token expires meanwhile is closed with 4401 at its next message, and not let back in', async () => {
  // Expired 3 s ago: within the 5 s leeway for 2 s more, then refused.
  const issued = now()
  const token = jwt({ sub: 'soon-gone', scope: 'plan:review', plan: planId, iat: issued - 60, exp: issued - 3 })
  const p = provider(planId, token)
  await waitFor(() => p.provider.synced, { message: 'the provider to sync before its token runs out' })
  const signal = h.raw(withToken(hub.signalUrl, token))
  await signal.opened
  await waitFor(() => Date.now() / 1000 >= issued + 2.2, { timeout: 4000, message: 'the leeway to pass' })
  p.doc.getMap('metadata').set('status', 'too-late')
  await waitFor(() => p.closes.includes(4401), { message: 'the provider closed with 4401' })
  signal.sendJson({ type: 'ping' })
  assert.equal((await signal.waitClosed()).code, 4401)
  await sleep(300) // its reconnection attempts are refused at the upgrade
  assert.equal(p.provider.wsconnected, false)
  const fresh = provider(planId, tokens.admin)
  await waitFor(() => fresh.provider.synced, { message: 'a fresh provider to sync' })
  assert.notEqual(fresh.doc.getMap('metadata').get('status'), 'too-late')
})

test('replicas sharing the token secret serve each other\'s MCP sessions; another secret, a forged id or an ended session is 404', async () => {
  const replica = await h.startHub({ flags: ['--token-secret-file', secretFile] })
  const otherFile = path.join(h.tmpDir('roundtable-secret-'), 'token-secret')
  fs.writeFileSync(otherFile, crypto.randomBytes(48).toString('base64') + '\n', { mode: 0o600 })
  const stranger = await h.startHub({ flags: ['--token-secret-file', otherFile] })
  const token = tokens.agent
  const init = await mcpInit(token)
  assert.equal(init.status, 200, init.text)
  const session = init.headers.get('mcp-session-id')
  const call = (target, id, { headers = {}, sessionId = session } = {}) => mcpPost(target, { jsonrpc: '2.0', id, method: 'tools/list' },
    { session: sessionId, headers: { ...bearer(token), ...headers } })
  await mcpPost(hub, { jsonrpc: '2.0', method: 'notifications/initialized' }, { session, headers: bearer(token) })
  assert.equal((await call(hub, 1)).status, 200)
  // Another hub with the same secret (a replica) takes the session up, at the
  // revision the request names, and answers under the same id.
  const taken = await call(replica, 2)
  assert.equal(taken.status, 200, taken.text)
  assert.equal(taken.headers.get('mcp-session-id'), session)
  assert.ok(taken.messages[0].result.tools.some(t => t.name === 'create_plan'))
  const v0326 = await call(replica, 3, { headers: { 'mcp-protocol-version': '2025-03-26' } })
  assert.equal(v0326.status, 200, 'a later request on the taken-up session is served too')
  // A hub with another secret does not, nor does any hub for an id whose signature was altered.
  const strangerToken = execFileSync(hubBinary, ['token', 'issue', '--secret-file', otherFile, '--scope', 'plan:create', '--subject', 'agent-1']).toString().trim()
  assert.equal((await call(stranger, 4, { headers: bearer(strangerToken) })).status, 404)
  const forged = session.replace(/.$/, c => (c === 'A' ? 'B' : 'A'))
  assert.equal((await call(replica, 5, { sessionId: forged })).status, 404)
  assert.equal((await call(hub, 6, { sessionId: 'a'.repeat(32) })).status, 404, 'an unsigned id is unknown')
  // Ended with DELETE where it lives: that hub does not take it up again.
  const ended = await fetch(`${replica.httpUrl}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': session, ...bearer(token) } })
  assert.equal(ended.status, 200)
  assert.equal((await call(replica, 7)).status, 404)
})
