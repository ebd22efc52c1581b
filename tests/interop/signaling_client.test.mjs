// The hub's signaling client (src/hub/signaling_client.h) in a room of a
// y-webrtc relay (here the hub's own /signal), beside a real y-webrtc
// WebrtcProvider: it hears the provider's announce, its announce reaches the
// provider (which answers with an offer), and after the relay restarts it
// reconnects, subscribes again and hears the provider announce again.

import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import https from 'node:https'
import os from 'node:os'
import readline from 'node:readline'
import path from 'node:path'
import { WebSocketServer } from 'ws'
import { useHarness, waitFor, docName, buildDir } from './hub_harness.mjs'
import { openWebrtcProvider } from './webrtc_provider.mjs'


const h = useHarness()
let hub
before(async () => { hub = await h.startHub() })

const startClient = (url, room, password, self, caFile) => {
  const proc = spawn(path.join(buildDir, 'roundtable_signaling_client_driver'), [url, room, password, self, ...(caFile ? [caFile] : [])], { stdio: ['pipe', 'pipe', 'inherit'] })
  const events = []
  readline.createInterface({ input: proc.stdout }).on('line', line => events.push(JSON.parse(line)))
  h.defer(async () => {
    proc.stdin.end()
    await new Promise(resolve => proc.once('exit', resolve))
  })
  return { proc, events, send: line => proc.stdin.write(line + '\n') }
}

test('the hub\'s signaling client meets a y-webrtc provider in its room, and again after the relay restarts', async () => {
  const room = docName('roundtable-plan')
  const password = 'share-link secret'
  const self = 'hub-peer-' + process.pid
  const client = startClient(hub.signalUrl, room, password, self)
  await waitFor(() => client.events.some(e => e.event === 'connected'), { message: 'the client connected' })

  const { provider } = await openWebrtcProvider(h, room, hub.signalUrl, password)
  const peerId = provider.room.peerId
  const announces = () => client.events.filter(e => e.event === 'announce' && e.from === peerId).length
  await waitFor(() => announces() >= 1, { message: 'the provider\'s announce at the C++ client' })

  // Our announce reaches the provider, which initiates: its offer is addressed to us.
  client.send('announce')
  await waitFor(() => client.events.some(e => e.event === 'signal' && e.from === peerId && e.type === 'offer'), { message: 'the provider\'s offer' })

  // The relay goes away and comes back on the same port: the client
  // reconnects with its backoff and subscribes again; the provider
  // reconnects too and announces, and the client hears it.
  const before = announces()
  await hub.restart('SIGKILL')
  await waitFor(() => client.events.some(e => e.event === 'disconnected'), { message: 'the drop reported' })
  await waitFor(() => client.events.filter(e => e.event === 'connected').length >= 2, { timeout: 10000, message: 'the client reconnected' })
  await waitFor(() => announces() > before, { timeout: 15000, message: 'an announce after the restart' })
})

test('a URL that is not ws:// or wss:// is refused at once', async () => {
  const proc = spawn(path.join(buildDir, 'roundtable_signaling_client_driver'), ['http://127.0.0.1:1/', 'r', 'p', 's'], { stdio: ['pipe', 'ignore', 'pipe'] })
  let stderr = ''
  proc.stderr.on('data', d => { stderr += d })
  const code = await new Promise(resolve => proc.once('exit', resolve))
  assert.equal(code, 2)
  assert.match(stderr, /ws:\/\/ or wss:\/\//)
})

// A relay over TLS with a self-signed certificate for `name`; the client is
// told to trust that certificate (and nothing else).
const startTlsRelay = async (name) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-tls-'))
  h.defer(() => fs.rmSync(dir, { recursive: true, force: true }))
  const key = path.join(dir, 'key.pem')
  const cert = path.join(dir, 'cert.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`], { stdio: 'ignore' })
  const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) })
  const wss = new WebSocketServer({ server })
  const received = []
  wss.on('connection', ws => ws.on('message', data => {
    const m = JSON.parse(String(data))
    received.push(m)
    if (m.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }))
  }))
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  h.defer(() => new Promise(resolve => { for (const c of wss.clients) c.terminate(); wss.close(); server.close(resolve) }))
  return { port: server.address().port, cert, received }
}

test('over wss:// the client checks the relay\'s certificate and its name, then subscribes', async () => {
  const room = docName('roundtable-plan')
  const good = await startTlsRelay('localhost')
  const client = startClient(`wss://localhost:${good.port}/`, room, 'p', 'hub-peer', good.cert)
  await waitFor(() => client.events.some(e => e.event === 'connected'), { message: 'connected over TLS' })
  await waitFor(() => good.received.some(m => m.type === 'subscribe' && m.topics.includes(room)), { message: 'the subscribe over TLS' })

  // A certificate the client trusts, but for another name: refused, nothing sent.
  const other = await startTlsRelay('relay.example')
  const refused = startClient(`wss://localhost:${other.port}/`, room, 'p', 'hub-peer', other.cert)
  await waitFor(() => refused.events.some(e => e.event === 'disconnected'), { message: 'the TLS refusal' })
  assert.match(refused.events.find(e => e.event === 'disconnected').why, /TLS/)
  assert.ok(!refused.events.some(e => e.event === 'connected'))
  assert.deepEqual(other.received, [])
})
