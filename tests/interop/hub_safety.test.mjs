// Untrusted input: foreign origins and hosts (DNS rebinding), connection and
// topic limits, oversized and malformed messages, slow consumers, and a
// second hub on the same data directory.
import { test, before } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import {
  useHarness, onlyHub, isReference, docName, waitFor, waitSynced, sleep, httpGet, tryUpgrade,
  digest, assert, Y, encoding, updateMsg, syncStep1Msg, isSync, MSG_SYNC
} from './hub_harness.mjs'

const h = useHarness()
let hub // --allow-origin http://x.test --max-message-bytes 65536
const MAX_MESSAGE = 65536
before(async () => {
  hub = await h.startHub({ flags: ['--allow-origin', 'http://x.test', '--max-message-bytes', String(MAX_MESSAGE)] })
})

const build = f => { const e = encoding.createEncoder(); f(e); return encoding.toUint8Array(e) }
const wsTargets = () => [hub.yjsUrl(docName('origin')), hub.signalUrl]

/** Expects an upgrade to be refused with `status`. */
const assertRefused = async (url, options, status, what) => {
  const r = await tryUpgrade(url, options)
  if (r.opened) r.ws.terminate()
  assert.equal(r.status, status, `${what}: ${url} → ${JSON.stringify({ ...r, ws: undefined })}`)
}
const assertOpens = async (url, options, what) => {
  const r = await tryUpgrade(url, options)
  assert.ok(r.opened, `${what}: ${url} → ${JSON.stringify(r)}`)
  r.ws.terminate()
}

// ---- Origin and Host -------------------------------------------------------

test('a foreign Origin is refused with 403 on WebSocket upgrades and HTTP requests', onlyHub('Origin checks'), async () => {
  const foreign = ['http://evil.example', 'https://x.test', 'http://x.test.evil.example', `http://127.0.0.1:${hub.port + 1}`, 'null']
  for (const origin of foreign) {
    for (const url of wsTargets()) await assertRefused(url, { origin }, 403, `Origin ${origin}`)
    for (const p of ['/config.json', '/']) {
      const res = await httpGet(hub, p, { headers: { Origin: origin } })
      assert.equal(res.status, 403, `GET ${p} with Origin ${origin}`)
    }
  }
})

test("the hub's own origins, allow-listed origins and no Origin at all are let in", async () => {
  const own = [`http://127.0.0.1:${hub.port}`, `http://localhost:${hub.port}`]
  const allowed = isReference ? [undefined] : [undefined, ...own, 'http://x.test']
  for (const origin of allowed) {
    for (const url of wsTargets()) await assertOpens(url, origin ? { origin } : {}, `Origin ${origin}`)
    if (!isReference) {
      const res = await httpGet(hub, '/config.json', { headers: origin ? { Origin: origin } : {} })
      assert.equal(res.status, 200, `GET /config.json with Origin ${origin}`)
    }
  }
})

test('a foreign Host header is refused with 403 (DNS rebinding); its own hosts are served', onlyHub('Host checks'), async () => {
  for (const host of ['evil.example', `evil.example:${hub.port}`, `127.0.0.1.evil.example:${hub.port}`, `localhost.evil.example:${hub.port}`]) {
    for (const p of ['/healthz', '/config.json', '/']) {
      const res = await httpGet(hub, p, { headers: { Host: host } })
      assert.equal(res.status, 403, `GET ${p} with Host ${host}`)
    }
    for (const url of wsTargets()) await assertRefused(url, { headers: { Host: host } }, 403, `Host ${host}`)
  }
  for (const host of [`127.0.0.1:${hub.port}`, `localhost:${hub.port}`, `[::1]:${hub.port}`]) {
    const res = await httpGet(hub, '/healthz', { headers: { Host: host } })
    assert.equal(res.status, 200, `GET /healthz with Host ${host}`)
    for (const url of wsTargets()) await assertOpens(url, { headers: { Host: host } }, `Host ${host}`)
  }
})

// ---- connection limit ------------------------------------------------------

test('--max-conns-per-ip 3: a 4th connection is refused while 3 are live; the 3 keep working', onlyHub('per-IP connection limit'), async () => {
  const limited = await h.startHub({ flags: ['--max-conns-per-ip', '3'] })
  const name = docName('conns')
  const clients = [h.rawDoc(limited.yjsUrl(name)), h.rawDoc(limited.yjsUrl(name)), h.rawDoc(limited.yjsUrl(name))]
  await Promise.all(clients.map(c => c.sync()))

  const fourth = await tryUpgrade(limited.yjsUrl(name))
  if (fourth.opened) {
    // accepted then closed with 1013 (try again later) is the other allowed answer
    const code = await new Promise(resolve => { fourth.ws.once('close', resolve); setTimeout(() => resolve('still open'), 3000) })
    fourth.ws.terminate()
    assert.equal(code, 1013, 'the 4th connection is closed with 1013')
  } else {
    assert.ok(fourth.status === 429 || fourth.closeCode === 1013, `4th connection: ${JSON.stringify(fourth)}, expected HTTP 429 or close 1013`)
  }

  // the three live ones still sync with each other
  const d = new Y.Doc()
  d.on('update', u => clients[0].sendUpdate(u))
  d.getText('text').insert(0, 'still working')
  await waitFor(() => clients.slice(1).every(c => c.doc.getText('text').toString() === 'still working'), { message: 'the 3 live connections to keep syncing' })
  assert.ok(clients.every(c => c.isOpen))

  // when one leaves, a new one gets in
  clients[2].close()
  await waitFor(async () => {
    const r = await tryUpgrade(limited.yjsUrl(name))
    if (!r.opened) return false
    const stays = await new Promise(resolve => { r.ws.once('close', () => resolve(false)); setTimeout(() => resolve(true), 300) })
    r.ws.terminate()
    return stays
  }, { timeout: 5000, interval: 100, message: 'a free slot after a client left' })
})

// ---- message size ----------------------------------------------------------

test('a message over --max-message-bytes closes that connection with 1009; the hub and the doc are unaffected', onlyHub('--max-message-bytes'), async () => {
  const name = docName('big')
  const [a, b] = [h.provider(hub, name), h.provider(hub, name)]
  await Promise.all([waitSynced(a.provider), waitSynced(b.provider)])
  a.doc.getText('text').insert(0, 'before ')
  await waitFor(() => b.doc.getText('text').toString() === 'before ', { message: 'first edit' })

  const bigDoc = new Y.Doc()
  bigDoc.getMap('map').set('too-big', 'x'.repeat(MAX_MESSAGE + 1000))
  const tooBig = updateMsg(Y.encodeStateAsUpdate(bigDoc))
  assert.ok(tooBig.length > MAX_MESSAGE)
  const sender = h.rawDoc(hub.yjsUrl(name))
  await sender.sync()
  sender.send(tooBig)
  const { code } = await sender.waitClosed(5000)
  assert.equal(code, 1009, 'closed with 1009 (message too big)')

  // just under the limit is fine
  const okDoc = new Y.Doc()
  okDoc.getMap('map').set('fits', 'y'.repeat(MAX_MESSAGE - 1000))
  const fits = updateMsg(Y.encodeStateAsUpdate(okDoc))
  assert.ok(fits.length <= MAX_MESSAGE)
  const sender2 = h.rawDoc(hub.yjsUrl(name))
  await sender2.sync()
  sender2.send(fits)
  await waitFor(() => b.doc.getMap('map').get('fits')?.length === MAX_MESSAGE - 1000, { message: 'an update just under the limit to be relayed' })

  a.doc.getText('text').insert(7, 'after')
  await waitFor(() => b.doc.getText('text').toString() === 'before after', { message: 'sync after the oversized message' })
  assert.equal(b.doc.getMap('map').has('too-big'), false)
  assert.equal((await httpGet(hub, '/healthz')).status, 200)
})

// ---- malformed messages ----------------------------------------------------

/** An update with one struct whose content claims more than the message holds. */
const hugeStructUpdate = (contentRef, writeContent) => build(e => {
  encoding.writeVarUint(e, 1) // one client
  encoding.writeVarUint(e, 1) // one struct
  encoding.writeVarUint(e, 4242) // client
  encoding.writeVarUint(e, 0) // clock
  encoding.writeUint8(e, contentRef) // info: content ref, no origins, no parentSub
  encoding.writeVarUint(e, 1) // parent is a root type, by name
  encoding.writeVarString(e, 'text')
  writeContent(e)
  encoding.writeVarUint(e, 0) // empty delete set
})
const wrapUpdate = update => build(e => { encoding.writeVarUint(e, MSG_SYNC); encoding.writeVarUint(e, 2); encoding.writeVarUint8Array(e, update) })

const validUpdate = (() => {
  const d = new Y.Doc()
  d.getText('text').insert(0, 'an update that was cut short')
  d.getMap('map').set('cut', 'short')
  return Y.encodeStateAsUpdate(d)
})()

// `update`: the Yjs update inside, which real yjs must reject (checked below)
const MALFORMED = [
  { name: 'bad varint (never ends)', msg: new Uint8Array(11).fill(0xff) },
  { name: 'bad varint in the sync type', msg: new Uint8Array([0, ...new Array(11).fill(0xff)]) },
  { name: 'update whose length prefix claims more than the frame', msg: updateMsg(validUpdate).slice(0, 12) },
  { name: 'truncated update (half)', update: validUpdate.slice(0, validUpdate.length >> 1) },
  { name: 'truncated update (3 bytes short)', update: validUpdate.slice(0, validUpdate.length - 3) },
  { name: 'string struct claiming 2^40 bytes', update: hugeStructUpdate(4, e => encoding.writeVarUint(e, 2 ** 40)) },
  { name: 'array struct claiming 2^40 items', update: hugeStructUpdate(8, e => { encoding.writeVarUint(e, 2 ** 40); encoding.writeUint8(e, 119); encoding.writeVarString(e, 'x') }) },
  { name: 'unknown message type 99', msg: new Uint8Array([99]) },
  { name: 'unknown sync message type 7', msg: new Uint8Array([0, 7, 1, 0]) },
  { name: 'awareness update with a state that is not JSON', msg: build(e => { encoding.writeVarUint(e, 1); encoding.writeVarUint8Array(e, build(a => { encoding.writeVarUint(a, 1); encoding.writeVarUint(a, 77); encoding.writeVarUint(a, 1); encoding.writeVarString(a, '{not json') })) }) },
  { name: 'empty frame', msg: new Uint8Array(0) },
  { name: 'text frame', msg: 'hello, I am not binary' }
]

test('malformed messages close that connection; the other clients keep syncing and the doc is unchanged', async t => {
  if (isReference) t.diagnostic('reference: @y/websocket-server logs and ignores malformed messages without closing, so only "others unaffected, doc unchanged" is checked')
  const name = docName('malformed')
  const [a, b] = [h.provider(hub, name), h.provider(hub, name)]
  await Promise.all([waitSynced(a.provider), waitSynced(b.provider)])
  let round = 0
  for (const m of MALFORMED) {
    if (m.update) assert.throws(() => Y.applyUpdate(new Y.Doc(), m.update), `${m.name}: real yjs rejects it`)
    const msg = m.msg ?? wrapUpdate(m.update)

    const bad = h.rawDoc(hub.yjsUrl(name))
    await bad.sync()
    bad.send(msg)
    if (!isReference) {
      const closed = await bad.waitClosed(3000).catch(() => null)
      assert.ok(closed, `${m.name}: the connection that sent it is closed`)
    } else {
      await sleep(100)
    }
    bad.close()

    // the others keep syncing
    a.doc.getText('text').insert(a.doc.getText('text').length, `r${round};`)
    b.doc.getMap('map').set(`r${round}`, round)
    await waitFor(() => isDeepStrictEqual(digest(a.doc), digest(b.doc)) && b.doc.getText('text').toString().endsWith(`r${round};`) && a.doc.getMap('map').get(`r${round}`) === round,
      { message: `${m.name}: the other clients to keep syncing` })
    round++

    // and the hub's document is exactly theirs: nothing of the malformed message got in
    const reader = h.rawDoc(hub.yjsUrl(name))
    await reader.sync()
    assert.deepEqual(digest(reader.doc), digest(a.doc), `${m.name}: the document is unchanged`)
    reader.close()
  }
  assert.equal(a.doc.getMap('map').has('cut'), false)
})

// ---- slow consumers --------------------------------------------------------

test('a client that stops reading is disconnected once its queue passes --max-queued-bytes; the others get every update', onlyHub('--max-queued-bytes'), async () => {
  const QUEUE = 1 << 20
  // The document grows to 40 MB: past the default document limit (32 MiB).
  const slowHub = await h.startHub({ flags: ['--max-queued-bytes', String(QUEUE), '--max-document-bytes', String(64 << 20)] })
  const name = docName('slow')
  const writer = h.rawDoc(slowHub.yjsUrl(name))
  const fast = h.rawDoc(slowHub.yjsUrl(name))
  const slow = h.rawDoc(slowHub.yjsUrl(name))
  await Promise.all([writer.sync(), fast.sync(), slow.sync()])
  let slowBytes = 0
  slow.ws._socket.on('data', c => { slowBytes += c.length })
  slow.ws._socket.pause() // stops reading: its TCP window fills up, then the hub's queue

  // 40 MB in 100 KB updates, in batches the fast reader keeps up with
  // (so that only the slow one can overflow its queue), well beyond what the
  // kernel buffers of a loopback connection hold.
  const doc = new Y.Doc()
  doc.on('update', u => writer.sendUpdate(u))
  const chunk = 100_000
  const total = 400
  let sent = 0
  for (let batch = 0; sent < total; batch++) {
    for (let i = 0; i < 4 && sent < total; i++, sent++) doc.getMap('map').set(`u${sent}`, String(sent % 10).repeat(chunk))
    await waitFor(() => fast.doc.getMap('map').has(`u${sent - 1}`), { timeout: 10000, message: `the fast reader to get update ${sent - 1}` })
  }
  assert.equal(fast.doc.getMap('map').size, total, 'the fast reader got every update')
  assert.ok(fast.isOpen && writer.isOpen, 'the writer and the fast reader stay connected')

  // Reading again, the slow client finds its connection closed before the end of the stream.
  slow.ws._socket.resume()
  await slow.waitClosed(15000)
  assert.ok(slow.doc.getMap('map').size < total, `the slow client was cut off (it got ${slow.doc.getMap('map').size} of ${total} updates, ${slowBytes} bytes)`)
})

// ---- one hub per data directory --------------------------------------------

test('a second `roundtable serve` on the same --data exits non-zero, naming the data directory', onlyHub('data directory lock'), async () => {
  const second = h.newHub({ dataDir: hub.dataDir })
  const err = await second.start().then(() => null, e => e)
  assert.ok(err, 'the second hub did not start')
  const exit = await Promise.race([second.exited, sleep(10000).then(() => ({ code: 'still running after 10 s', signal: null }))])
  assert.notEqual(exit.code, 0, `exit ${JSON.stringify(exit)}`)
  assert.equal(exit.signal, null, `it exits by itself (${JSON.stringify(exit)})`)
  assert.ok(second.output.includes(hub.dataDir) || /data dir/i.test(second.output), `the message names the data directory:\n${second.output}`)
  // the first one is unharmed
  assert.equal((await httpGet(hub, '/healthz')).status, 200)
})
