// The hub keeps each plan's WebRTC room secret (src/hub/room_secrets.h,
// docs/p2p.md "Room secrets"): create_plan's links carry it, the hub's own
// pages read it from GET /api/plans/<id>/room-secret, and a plan made before
// the hub kept secrets adopts the first one a page offers (POST). Only the
// hub's own pages get it: a cross-site request is refused, and with access
// control a request without a token.
//
//   cd tests/interop && node --test hub_room_secret.test.mjs

import { test } from 'node:test'
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { useHarness, hubBinary, assert, httpGet, Child } from './hub_harness.mjs'
import { mcpSession } from './mcp_harness.mjs'

const h = useHarness()

const secretPath = id => `/api/plans/${encodeURIComponent(id)}/room-secret`
const getSecret = (hub, id, headers = {}) => httpGet(hub, secretPath(id), { headers })
const postSecret = async (hub, id, body, headers = {}) => {
  const res = await fetch(`${hub.httpUrl}${secretPath(id)}`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })
  return { status: res.status, headers: res.headers, body: await res.text() }
}
const secretOf = res => JSON.parse(res.body).secret
const fragmentOf = url => new URLSearchParams(new URL(url).hash.slice(1))

const createPlan = async (hub, title) => {
  const s = await mcpSession(hub)
  const result = await s.tool('create_plan', { title, content: `# ${title}\n\nA step.\n` })
  return result.structuredContent
}

test('create_plan\'s links carry the secret the hub keeps, across a restart', async () => {
  const hub = await h.startHub()
  const created = await createPlan(hub, 'Kept secret')
  const k = fragmentOf(created.shareUrl).get('k')
  assert.equal(fragmentOf(created.url).get('k'), k, 'url and shareUrl name one room')
  assert.match(k, /^[A-Za-z0-9_-]{24}$/)

  const res = await getSecret(hub, created.planId)
  assert.equal(res.status, 200, res.body)
  assert.equal(res.headers['cache-control'], 'no-store')
  assert.equal(secretOf(res), k)

  const mode = fs.statSync(path.join(hub.dataDir, 'room-secrets.json')).mode & 0o777
  assert.equal(mode, 0o600)

  await hub.restart('SIGKILL')
  assert.equal(secretOf(await getSecret(hub, created.planId)), k, 'the secret survives a restart')
  const other = await createPlan(hub, 'Another plan')
  assert.notEqual(fragmentOf(other.shareUrl).get('k'), k, 'each plan has its own')
})

test('an older plan adopts the first secret offered and keeps it', async () => {
  const hub = await h.startHub()
  const { planId } = await createPlan(hub, 'Older plan')
  // A plan made before the hub kept secrets: its document, no secret.
  await hub.kill('SIGTERM')
  fs.rmSync(path.join(hub.dataDir, 'room-secrets.json'))
  await hub.start()
  assert.equal((await getSecret(hub, planId)).status, 404)

  const first = 'browser-made-secret-0123'
  let res = await postSecret(hub, planId, { secret: first })
  assert.equal(res.status, 200, res.body)
  assert.equal(secretOf(res), first)
  res = await postSecret(hub, planId, { secret: 'another-browser-secret-456' })
  assert.equal(res.status, 200, res.body)
  assert.equal(secretOf(res), first, 'the first one offered is kept')
  assert.equal(secretOf(await getSecret(hub, planId)), first)

  for (const body of ['not json', '{}', { secret: 'short' }, { secret: 'has spaces in it 0123' }, { secret: 17 }]) {
    assert.equal((await postSecret(hub, planId, body)).status, 400, JSON.stringify(body))
  }
  assert.equal((await postSecret(hub, planId, JSON.stringify({ secret: first, pad: 'x'.repeat(8192) }))).status, 413)
  assert.equal((await postSecret(hub, 'no-such-plan', { secret: first })).status, 404, 'no secret for a plan the hub does not have')
  assert.equal((await getSecret(hub, 'no-such-plan')).status, 404)
  assert.equal((await postSecret(hub, 'plan-index', { secret: first })).status, 400, 'the index is not a plan')
})

test('only the hub\'s own pages get a secret', async () => {
  const hub = await h.startHub()
  const { planId } = await createPlan(hub, 'Same origin only')
  for (const site of ['cross-site', 'same-site']) {
    const res = await getSecret(hub, planId, { 'sec-fetch-site': site })
    assert.equal(res.status, 403, site)
    assert.ok(!res.body.includes('"secret"'))
    assert.equal((await postSecret(hub, planId, { secret: 'x'.repeat(20) }, { 'sec-fetch-site': site })).status, 403)
  }
  assert.equal((await getSecret(hub, planId, { origin: 'https://evil.example' })).status, 403, 'a foreign Origin')
  assert.equal((await getSecret(hub, planId, { host: 'evil.example' })).status, 403, 'a rebound Host')
  for (const site of ['same-origin', 'none']) assert.equal((await getSecret(hub, planId, { 'sec-fetch-site': site })).status, 200, site)
  assert.equal((await getSecret(hub, planId, { origin: hub.httpUrl, 'sec-fetch-site': 'same-origin' })).status, 200)
})

test('with access control, a token allowing the plan is needed', async () => {
  const secretFile = path.join(h.tmpDir('roundtable-secret-'), 'token-secret')
  fs.writeFileSync(secretFile, crypto.randomBytes(48).toString('base64') + '\n', { mode: 0o600 })
  const issue = (...args) => execFileSync(hubBinary, ['token', 'issue', '--secret-file', secretFile, ...args]).toString().trim()
  const hub = await h.startHub({ flags: ['--token-secret-file', secretFile] })
  const agent = issue('--scope', 'plan:create')
  const bearer = token => ({ authorization: `Bearer ${token}` })
  const s = await fetch(`${hub.httpUrl}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...bearer(agent), 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } })
  })
  const session = s.headers.get('mcp-session-id')
  await s.text()
  const call = await fetch(`${hub.httpUrl}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...bearer(agent), 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'create_plan', arguments: { title: 'Guarded', content: '# Guarded\n' } } })
  })
  const text = await call.text()
  const message = text.startsWith('{') ? JSON.parse(text) : JSON.parse(text.split('\n').find(l => l.startsWith('data:')).slice(5))
  const { planId, shareUrl } = message.result.structuredContent
  const share = fragmentOf(shareUrl)

  const refused = await getSecret(hub, planId)
  assert.equal(refused.status, 401)
  assert.match(refused.headers['www-authenticate'] ?? '', /^Bearer /)
  assert.equal((await postSecret(hub, planId, { secret: 'y'.repeat(20) })).status, 401)
  assert.equal((await getSecret(hub, planId, bearer(issue('--scope', 'plan:review', '--plan', 'another')))).status, 401, 'another plan\'s token')
  const readOnly = bearer(issue('--scope', 'plan:read', '--plan', planId))
  assert.equal(secretOf(await getSecret(hub, planId, readOnly)), share.get('k'), 'plan:read reads it')
  assert.equal((await postSecret(hub, planId, { secret: 'y'.repeat(20) }, readOnly)).status, 401, 'plan:read cannot offer one')
  const res = await postSecret(hub, planId, { secret: 'y'.repeat(20) }, bearer(share.get('access_token')))
  assert.equal(res.status, 200, res.body)
  assert.equal(secretOf(res), share.get('k'), 'the share link\'s token may offer; the kept secret answers')
})

test('a relay without documents has no room secrets', async () => {
  const child = new Child(hubBinary, ['signal', '--host', '127.0.0.1', '--port', '0'], {}, 'signal')
  h.defer(() => child.kill('SIGKILL'))
  const m = await child.waitOutput(/listening on (http:\/\/[^\s]+)/)
  const url = m[1]
  assert.equal((await httpGet(url, secretPath('anyplan'))).status, 404)
  const post = await fetch(`${url}${secretPath('anyplan')}`, { method: 'POST', body: JSON.stringify({ secret: 'z'.repeat(20) }) })
  assert.equal(post.status, 404)
})
