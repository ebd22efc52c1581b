// y-webrtc signaling through the hub's /signal, with y-webrtc's own signaling
// client (SignalingConn, the lib0 WebsocketClient it extends) and raw `ws`
// clients: subscribe, publish (to every subscriber of the topic, sender
// included, with the subscriber count), unsubscribe, topic isolation,
// ping/pong, and what happens to clients that misbehave.
import { test, before } from 'node:test'
import {
  useHarness, onlyHub, waitFor, sleep, assert, WebSocket, docName
} from './hub_harness.mjs'

// y-webrtc's client code uses the browser's global WebSocket.
globalThis.WebSocket ??= WebSocket
const { SignalingConn } = await import('y-webrtc')

const h = useHarness()
let hub
before(async () => { hub = await h.startHub({ flags: ['--max-topics-per-conn', '8'] }) })

/** A y-webrtc SignalingConn that records the JSON messages it receives. */
const signalingConn = async url => {
  const conn = new SignalingConn(url)
  h.defer(() => conn.destroy())
  const received = []
  conn.on('message', m => received.push(m))
  await waitFor(() => conn.connected, { message: `SignalingConn to ${url}` })
  return {
    conn,
    received,
    send: m => conn.send(m),
    /** Sends a ping and waits for its pong: everything sent before is processed by then. */
    barrier: async () => {
      const n = received.filter(m => m.type === 'pong').length
      conn.send({ type: 'ping' })
      await waitFor(() => received.filter(m => m.type === 'pong').length > n, { message: 'pong' })
    },
    published: topic => received.filter(m => m.type === 'publish' && m.topic === topic)
  }
}

/** A raw `ws` client speaking the JSON protocol. */
const rawSignal = async url => {
  const c = h.raw(url)
  await c.opened
  const json = () => c.messages.filter(m => typeof m === 'string').map(m => JSON.parse(m))
  return {
    c,
    send: m => c.sendJson(m),
    json,
    barrier: async () => {
      const n = json().filter(m => m.type === 'pong').length
      c.sendJson({ type: 'ping' })
      await waitFor(() => json().filter(m => m.type === 'pong').length > n, { message: 'pong' })
    },
    published: topic => json().filter(m => m.type === 'publish' && m.topic === topic)
  }
}

test('ping → pong (raw ws and SignalingConn)', async () => {
  const raw = await rawSignal(hub.signalUrl)
  raw.send({ type: 'ping' })
  const pong = await raw.c.next(m => typeof m === 'string')
  assert.deepEqual(JSON.parse(pong), { type: 'pong' })
  const sc = await signalingConn(hub.signalUrl)
  await sc.barrier()
})

test('publish reaches every subscriber of the topic, sender included, with clients = subscriber count; other topics see nothing', async () => {
  const topic = docName('room')
  const otherTopic = docName('other-room')
  const a = await signalingConn(hub.signalUrl)
  const b = await signalingConn(hub.signalUrl)
  const c = await rawSignal(hub.signalUrl)
  const d = await rawSignal(hub.signalUrl) // subscribed elsewhere
  for (const x of [a, b, c]) x.send({ type: 'subscribe', topics: [topic] })
  d.send({ type: 'subscribe', topics: [otherTopic] })
  await Promise.all([a, b, c, d].map(x => x.barrier()))

  // data is opaque: nested JSON as y-webrtc sends it, and a base64 string as an encrypted room sends it
  const data = { type: 'announce', from: 'peer-ä-😀', nested: { list: [1, 2.5, null, true, 'x'], s: '"quoted"\\n' } }
  a.send({ type: 'publish', topic, data })
  await waitFor(() => [a, b, c].every(x => x.published(topic).length === 1), { message: 'the publish at all three subscribers' })
  for (const x of [a, b, c]) {
    const m = x.published(topic)[0]
    assert.equal(m.type, 'publish')
    assert.equal(m.topic, topic)
    assert.equal(m.clients, 3)
    assert.deepEqual(m.data, data)
  }
  const encrypted = Buffer.from('ciphertext \x00\x01 bytes').toString('base64')
  c.send({ type: 'publish', topic, data: encrypted })
  await waitFor(() => [a, b, c].every(x => x.published(topic).length === 2), { message: 'the second publish' })
  for (const x of [a, b, c]) assert.equal(x.published(topic)[1].data, encrypted)

  // the other topic saw nothing; its own publish reaches only itself
  d.send({ type: 'publish', topic: otherTopic, data: { hello: 1 } })
  await waitFor(() => d.published(otherTopic).length === 1, { message: 'publish on the other topic' })
  assert.equal(d.published(otherTopic)[0].clients, 1)
  await sleep(50)
  assert.equal(d.published(topic).length, 0, 'a subscriber of another topic received nothing')
  for (const x of [a, b, c]) assert.equal(x.published(otherTopic).length, 0)
})

test('a bare relay URL (path /, as y-webrtc users name relays) signals like /signal; other paths stay free on the hub', async () => {
  const topic = docName('bare')
  const bare = hub.signalUrl.replace(/\/signal$/, '')
  const a = await signalingConn(bare)
  const b = await signalingConn(hub.signalUrl)
  const c = await rawSignal(bare + '/')
  for (const x of [a, b, c]) x.send({ type: 'subscribe', topics: [topic] })
  await Promise.all([a, b, c].map(x => x.barrier()))
  a.send({ type: 'publish', topic, data: { from: 'bare' } })
  await waitFor(() => [a, b, c].every(x => x.published(topic).length === 1), { message: 'the publish at all three subscribers' })
  for (const x of [a, b, c]) assert.deepEqual(x.published(topic)[0], { type: 'publish', topic, data: { from: 'bare' }, clients: 3 })
})

test('the hub refuses an upgrade on a path that is neither /, /signal nor /yjs/<doc>', onlyHub('other endpoints'), async () => {
  const { tryUpgrade } = await import('./hub_harness.mjs')
  const bare = hub.signalUrl.replace(/\/signal$/, '')
  for (const p of ['/mcp', '/some/path', '/signal/x']) {
    const r = await tryUpgrade(bare + p)
    assert.equal(r.status, 404, `${p}: ${JSON.stringify({ ...r, ws: undefined })}`)
  }
})

test('unsubscribe stops delivery and lowers the count', async () => {
  const topic = docName('unsub')
  const a = await signalingConn(hub.signalUrl)
  const b = await signalingConn(hub.signalUrl)
  const c = await rawSignal(hub.signalUrl)
  for (const x of [a, b, c]) x.send({ type: 'subscribe', topics: [topic] })
  await Promise.all([a, b, c].map(x => x.barrier()))
  b.send({ type: 'unsubscribe', topics: [topic] })
  await b.barrier()
  a.send({ type: 'publish', topic, data: { n: 1 } })
  await waitFor(() => a.published(topic).length === 1 && c.published(topic).length === 1, { message: 'the publish at the remaining subscribers' })
  assert.equal(a.published(topic)[0].clients, 2)
  assert.equal(c.published(topic)[0].clients, 2)
  await b.barrier()
  await sleep(50)
  assert.equal(b.published(topic).length, 0, 'an unsubscribed client received a publish')

  // a subscriber that disconnects is gone from the count too
  c.c.close()
  await sleep(100)
  a.send({ type: 'publish', topic, data: { n: 2 } })
  await waitFor(() => a.published(topic).length === 2, { message: 'publish after a subscriber left' })
  assert.equal(a.published(topic)[1].clients, 1)
})

test('publish to a topic with no subscribers is dropped; the publisher keeps working', async () => {
  const a = await rawSignal(hub.signalUrl)
  a.send({ type: 'publish', topic: docName('empty'), data: {} })
  a.send({ type: 'subscribe', topics: [] })
  a.send({ type: 'unsubscribe', topics: [docName('never-subscribed')] })
  await a.barrier()
  assert.equal(a.json().filter(m => m.type === 'publish').length, 0)
})

test('a non-JSON message closes that connection; the others keep working',
  onlyHub('protection against non-JSON messages (JSON.parse throws and the whole reference process dies)'), async () => {
    const topic = docName('nonjson')
    const good = await signalingConn(hub.signalUrl)
    const other = await rawSignal(hub.signalUrl)
    good.send({ type: 'subscribe', topics: [topic] })
    other.send({ type: 'subscribe', topics: [topic] })
    await Promise.all([good.barrier(), other.barrier()])

    const bad = await rawSignal(hub.signalUrl)
    bad.send({ type: 'subscribe', topics: [topic] })
    await bad.barrier()
    bad.c.send('this is {not json')
    await bad.c.waitClosed(3000)

    const bad2 = await rawSignal(hub.signalUrl)
    bad2.c.send(Buffer.from([0xff, 0x00, 0x7b])) // binary junk
    await bad2.c.waitClosed(3000)

    good.send({ type: 'publish', topic, data: { still: 'alive' } })
    await waitFor(() => good.published(topic).length === 1 && other.published(topic).length === 1, { message: 'publish after the bad clients' })
    assert.equal(good.published(topic)[0].clients, 2, 'the closed client is no longer counted')
  })

test('a publish nested 60,000 deep (about 120 KB) closes that connection (1003); the relay and the other subscribers keep working',
  onlyHub('protection against deep nesting (the reference re-serialises the message)'), async () => {
    const topic = docName('deep')
    const good = await signalingConn(hub.signalUrl)
    const other = await rawSignal(hub.signalUrl)
    const bad = await rawSignal(hub.signalUrl)
    for (const x of [good, other, bad]) x.send({ type: 'subscribe', topics: [topic] })
    await Promise.all([good.barrier(), other.barrier(), bad.barrier()])

    const deep = `{"type":"publish","topic":"${topic}","data":${'['.repeat(60000)}${']'.repeat(60000)}}`
    bad.c.send(deep)
    const { code } = await bad.c.waitClosed(3000)
    assert.equal(code, 1003)
    assert.ok(hub.running, 'the hub is still running')
    assert.equal(other.published(topic).length, 0, 'the deep message was not relayed')

    good.send({ type: 'publish', topic, data: { still: 'alive' } })
    await waitFor(() => good.published(topic).length === 1 && other.published(topic).length === 1, { message: 'publish after the deep message' })
    assert.equal(good.published(topic)[0].clients, 2)
  })

test('a publish is relayed as the bytes that arrived, with clients appended (the payload is never rebuilt)',
  onlyHub('byte-exact relaying (the reference re-serialises)'), async () => {
    const topic = docName('bytes')
    const sub = await rawSignal(hub.signalUrl)
    sub.send({ type: 'subscribe', topics: [topic] })
    await sub.barrier()
    const sent = `{ "type": "publish", "topic": "${topic}", "data": {"s": "\\u00e9 \\ud83d\\ude00", "n": 1.50e0, "clients": 99} }`
    sub.c.send(sent)
    const got = await sub.c.next(m => typeof m === 'string' && m.includes('"publish"'))
    assert.equal(got, sent.replace(/}$/, ',"clients":1}'))
    assert.equal(JSON.parse(got).clients, 1, 'JSON.parse reads the relay\'s count')
  })

test('subscribing to more than --max-topics-per-conn topics closes the connection (1008)',
  onlyHub('per-connection topic limit'), async () => {
    const ok = await rawSignal(hub.signalUrl)
    ok.send({ type: 'subscribe', topics: Array.from({ length: 8 }, (_, i) => `lim-ok-${i}`) })
    await ok.barrier() // 8 is allowed
    assert.ok(ok.c.isOpen)

    const over = await rawSignal(hub.signalUrl)
    over.send({ type: 'subscribe', topics: Array.from({ length: 5 }, (_, i) => `lim-a-${i}`) })
    await over.barrier()
    over.send({ type: 'subscribe', topics: Array.from({ length: 5 }, (_, i) => `lim-b-${i}`) }) // 10 > 8
    const { code } = await over.c.waitClosed(3000)
    assert.equal(code, 1008)

    // the client within the limit is unaffected
    ok.send({ type: 'publish', topic: 'lim-ok-3', data: 1 })
    await waitFor(() => ok.published('lim-ok-3').length === 1, { message: 'publish on the client within the limit' })
  })
