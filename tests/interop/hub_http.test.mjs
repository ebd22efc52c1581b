// The hub's plain HTTP side: /healthz, /metrics, /config.json, the web app's
// HTML (with the SPA fallback), 404s, and no path traversal.
import { test, before } from 'node:test'
import {
  useHarness, onlyHub, isReference, docName, waitFor, waitSynced, httpGet, assert
} from './hub_harness.mjs'

const h = useHarness()
let hub
before(async () => { hub = await h.startHub() })

/** Parses Prometheus text: Map(metric name (labels included, as written) → number). */
export const parseMetrics = text => {
  const out = new Map()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?)\s+(\S+)/)
    if (m) out.set(m[1], Number(m[2]))
  }
  return out
}
const metric = async name => parseMetrics((await httpGet(hub, '/metrics')).body).get(name)

test('the server answers plain HTTP on its port', async () => {
  const res = await httpGet(hub, '/healthz')
  assert.equal(res.status, 200)
  if (isReference) assert.equal(res.body, 'okay') // the reference answers every request with "okay"
})

test('GET /healthz → 200 ok', onlyHub('/healthz (it answers "okay" to everything)'), async () => {
  const res = await httpGet(hub, '/healthz')
  assert.equal(res.status, 200)
  assert.equal(res.body.trim(), 'ok')
})

test('GET /healthz → 503 once the hub can no longer make edits durable', onlyHub('/healthz'), async () => {
  const fs = await import('node:fs')
  const path = await import('node:path')
  const dataDir = h.tmpDir()
  const own = await h.startHub({ dataDir })
  const name = docName('health')
  const a = h.provider(own, name)
  await waitSynced(a.provider)
  a.doc.getText('text').insert(0, 'stored')
  await waitFor(async () => (await httpGet(own, '/metrics')).body.match(/^roundtable_store_fsyncs_total [1-9]/m),
    { message: 'the first edit fsynced' })
  assert.equal((await httpGet(own, '/healthz')).status, 200)
  // Someone deletes the WAL under the hub: its next fsync cannot cover what
  // it committed, and the store refuses every later write.
  fs.rmSync(path.join(dataDir, 'roundtable.db-wal'))
  a.doc.getText('text').insert(0, 'lost? ')
  await waitFor(async () => (await httpGet(own, '/healthz')).status === 503, { message: '/healthz to answer 503' })
  const res = await httpGet(own, '/healthz')
  assert.match(res.body, /^storage failed: .*fsync/)
  a.provider.destroy()
})

test('GET /metrics: Prometheus text whose numbers move', onlyHub('/metrics'), async () => {
  const res = await httpGet(hub, '/metrics')
  assert.equal(res.status, 200)
  assert.match(res.headers['content-type'] ?? '', /^text\/plain/)
  const m = parseMetrics(res.body)
  for (const name of ['roundtable_connections', 'roundtable_documents_loaded', 'roundtable_updates_total']) {
    assert.ok(m.has(name), `${name} in /metrics:\n${res.body}`)
    assert.ok(Number.isFinite(m.get(name)) && m.get(name) >= 0, `${name} is a number ≥ 0`)
  }

  const updatesBefore = m.get('roundtable_updates_total')
  const fsyncsBefore = m.get('roundtable_store_fsyncs_total')
  assert.ok(Number.isFinite(fsyncsBefore), `roundtable_store_fsyncs_total in /metrics:\n${res.body}`)
  const name = docName('metrics')
  const a = h.provider(hub, name)
  const b = h.provider(hub, name)
  await Promise.all([a, b].map(p => waitSynced(p.provider)))
  await waitFor(async () => (await metric('roundtable_connections')) >= 2, { message: 'roundtable_connections ≥ 2' })
  assert.ok((await metric('roundtable_documents_loaded')) >= 1, 'roundtable_documents_loaded ≥ 1')
  a.doc.getText('text').insert(0, 'counted')
  a.doc.getMap('map').set('k', 'v')
  await waitFor(() => b.doc.getMap('map').get('k') === 'v', { message: 'sync' })
  await waitFor(async () => (await metric('roundtable_updates_total')) > updatesBefore, { message: 'roundtable_updates_total to grow' })
  // The hub's default --fsync background: the commits are fsynced right after.
  await waitFor(async () => (await metric('roundtable_store_fsyncs_total')) > fsyncsBefore, { message: 'roundtable_store_fsyncs_total to grow' })

  const connsWith = await metric('roundtable_connections')
  a.provider.destroy(); b.provider.destroy()
  await waitFor(async () => (await metric('roundtable_connections')) <= connsWith - 2, { message: 'roundtable_connections to drop when clients leave' })
})

test('GET /config.json: signaling URLs and ICE servers', onlyHub('/config.json'), async () => {
  const res = await httpGet(hub, '/config.json')
  assert.equal(res.status, 200)
  assert.match(res.headers['content-type'] ?? '', /application\/json/)
  const cfg = JSON.parse(res.body)
  assert.ok(Array.isArray(cfg.signaling) && cfg.signaling.length >= 1, 'signaling is a non-empty array')
  for (const url of cfg.signaling) assert.match(url, /^wss?:\/\/[^\s]+$/, 'each signaling entry is a ws(s) URL')
  assert.ok(Array.isArray(cfg.iceServers), 'iceServers is an array')
  for (const s of cfg.iceServers) {
    assert.ok(typeof s.urls === 'string' || Array.isArray(s.urls), 'each ICE server has urls (RTCIceServer shape)')
  }
})

test('a public review site: DATA/config.json gives share links, the public relay and expiring TURN credentials', onlyHub('/config.json'), async () => {
  const { default: crypto } = await import('node:crypto')
  const fs = await import('node:fs')
  const path = await import('node:path')
  const dataDir = h.tmpDir()
  const secretFile = path.join(dataDir, 'turn-secret')
  fs.writeFileSync(secretFile, 'north-wind\n')
  fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify({
    publicUrl: 'https://review.example.com',
    iceServers: [{ urls: 'stun:review.example.com:3478' }],
    turn: { urls: ['turn:review.example.com:3478?transport=udp'], secretFile, ttlSeconds: 600 }
  }))
  // --no-p2p: the hub's own peer would dial the public relay, and tests
  // reach nothing but loopback.
  const site = await h.startHub({ dataDir, flags: ['--no-p2p'] })
  const before = Math.floor(Date.now() / 1000)
  const cfg = JSON.parse((await httpGet(site, '/config.json')).body)
  assert.deepEqual(cfg.signaling, ['wss://review.example.com/signal', `ws://127.0.0.1:${site.port}/signal`],
    'the public relay first, then the hub\'s own')
  assert.equal(cfg.publicUrl, 'https://review.example.com')
  assert.equal(cfg.documents, true)
  assert.deepEqual(cfg.iceServers[0], { urls: ['stun:review.example.com:3478'] })
  const turn = cfg.iceServers[1]
  assert.deepEqual(turn.urls, ['turn:review.example.com:3478?transport=udp'])
  const [expiry, user] = turn.username.split(':')
  assert.equal(user, 'roundtable')
  assert.ok(Number(expiry) >= before + 600 && Number(expiry) <= before + 602, `expires in 600 s: ${turn.username}`)
  // What coturn's use-auth-secret checks.
  assert.equal(turn.credential, crypto.createHmac('sha1', 'north-wind').update(turn.username).digest('base64'))
  assert.doesNotMatch(JSON.stringify(cfg), /north-wind/, 'the secret itself is never handed out')

  // The agent's link opens the live plan on this hub; the snapshot opens anywhere, so it points at the public site.
  const { mcpSession } = await import('./mcp_harness.mjs')
  const mcp = await mcpSession(site)
  const { structuredContent: created } = await mcp.tool('create_plan', { title: 'T', content: 'x', snapshot: true })
  const secret = created.url.split('#k=')[1]
  assert.equal(created.url, `http://127.0.0.1:${site.port}/plan/${created.planId}#k=${secret}`)
  assert.equal(created.shareUrl, `https://review.example.com/plan/${created.planId}#k=${secret}`, 'reviewers elsewhere get the public site, in the same room')
  assert.ok(created.snapshotUrl.startsWith('https://review.example.com/plan?d='), created.snapshotUrl)

  // Pages of the review site never get the hub's documents.
  const { tryUpgrade } = await import('./hub_harness.mjs')
  const refused = await tryUpgrade(site.yjsUrl(created.planId), { headers: { origin: 'https://review.example.com' } })
  assert.equal(refused.status, 403)
})

test('roundtable signal --web: the relay serves its own /config.json (no documents; wss behind a TLS proxy)', onlyHub('roundtable signal'), async () => {
  const { spawn } = await import('node:child_process')
  const { hubBinary, freePort, sleep } = await import('./hub_harness.mjs')
  const port = await freePort()
  const relay = spawn(hubBinary, ['signal', '--host', '127.0.0.1', '--port', String(port), '--web', '--public-url', 'https://review.example.com',
    '--turn', 'turn:review.example.com:3478', '--turn-secret', 's', '--turn-ttl', '60'], { stdio: 'ignore' })
  h.defer(() => relay.kill('SIGKILL'))
  let res
  for (let i = 0; i < 100 && !res; i++) {
    res = await httpGet(`http://127.0.0.1:${port}`, '/config.json', { headers: { host: 'review.example.com', 'x-forwarded-proto': 'https' } }).catch(() => null)
    if (!res) await sleep(50)
  }
  const cfg = JSON.parse(res.body)
  assert.deepEqual(cfg.signaling, ['wss://review.example.com/signal'])
  assert.equal(cfg.documents, false)
  assert.equal(cfg.iceServers.length, 1)
  assert.match(cfg.iceServers[0].username, /^\d+:roundtable$/)

  // Signaling at the bare URL (wss://host, as y-webrtc users name relays)
  // and, as with y-webrtc's own server, on any path; a plain GET / is still the web app.
  for (const p of ['', '/signal', '/any/path']) {
    const sig = h.raw(`ws://127.0.0.1:${port}${p}`)
    await sig.opened
    sig.sendJson({ type: 'ping' })
    assert.deepEqual(JSON.parse(await sig.next(m => typeof m === 'string')), { type: 'pong' }, `ping at '${p}'`)
  }
  const page = await httpGet(`http://127.0.0.1:${port}`, '/', { headers: { host: 'review.example.com' } })
  assert.equal(page.status, 200)
  assert.match(page.body, /<html|<!doctype html/i)
})

test('GET / and /plan/<id> serve the web app (text/html, SPA fallback)', onlyHub('web app'), async () => {
  for (const p of ['/', '/plan/x', `/plan/${docName('p')}`, '/plan/abc?d=N4Ig']) {
    const res = await httpGet(hub, p)
    assert.equal(res.status, 200, `${p} status`)
    assert.match(res.headers['content-type'] ?? '', /^text\/html/, `${p} content-type`)
    assert.match(res.body, /<html|<!doctype html/i, `${p} is an HTML page`)
  }
})

test('unknown assets → 404', onlyHub('static file serving'), async () => {
  for (const p of ['/assets/nope.js', '/assets/nope.css', '/assets/deep/nope.map']) {
    const res = await httpGet(hub, p)
    assert.equal(res.status, 404, `${p} status`)
  }
})

test('path traversal never serves a file from outside the web root', onlyHub('static file serving'), async () => {
  const paths = [
    '/../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/assets/../../../../../../etc/passwd',
    '/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/assets/..%5c..%5c..%5c..%5cetc%5cpasswd',
    '/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/assets/%252e%252e/%252e%252e/etc/passwd',
    '/assets/....//....//....//etc/passwd'
  ]
  const index = (await httpGet(hub, '/')).body
  for (const p of paths) {
    const res = await httpGet(hub, p)
    assert.doesNotMatch(res.body, /root:.*:0:0:/, `${p} served /etc/passwd`)
    // refused, or at most the web app's own page (an SPA fallback), never another file
    const refused = [400, 403, 404].includes(res.status)
    const spaPage = res.status === 200 && /^text\/html/.test(res.headers['content-type'] ?? '') && res.body === index
    assert.ok(refused || spaPage, `${p} → ${res.status} ${res.headers['content-type']}, expected 400/403/404 or the index page`)
  }
  // the two the contract names exactly: 404 or 400
  for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
    const res = await httpGet(hub, p)
    assert.ok([400, 404].includes(res.status), `${p} → ${res.status}`)
  }
})
