// The hub's side of y-webrtc rooms (src/p2p/) against y-webrtc 10.3 itself:
// its room encryption against y-webrtc's own crypto.js (the same key from the
// same password and room, and each side opens what the other sealed, bytes
// and lib0 values), and its room messages against a real WebrtcProvider
// (with a real WebRTC stack in Node, @roamhq/wrtc) through the hub's relay.

import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { Driver, hex, unhex } from './driver_client.mjs'
import { useHarness, waitFor, docName } from './hub_harness.mjs'
import { openWebrtcProvider } from './webrtc_provider.mjs'

// y-webrtc exports only its provider; its crypto module is read from the
// pinned package by path.
const cryptoutils = await import(new URL('./node_modules/y-webrtc/src/crypto.js', import.meta.url))

const driver = new Driver('roundtable_p2p_driver', { statusErrors: true })
after(() => driver.close())
const h = useHarness()
let hub
before(async () => { hub = await h.startHub() })

const rooms = [
  { password: 'correct horse battery staple', room: 'roundtable-plan-4f2a' },
  { password: 'pässwörd 🔑', room: 'räum 🚪' },
  { password: '', room: 'x' },
  { password: 'p'.repeat(300), room: 'r'.repeat(300) }
]

const keys = new Map()
const keyOf = async ({ password, room }) => {
  const id = password + '\u0000' + room
  if (!keys.has(id)) keys.set(id, await cryptoutils.deriveKey(password, room))
  return keys.get(id)
}

test('the same password and room name give y-webrtc\'s key, byte for byte', async () => {
  for (const r of rooms) {
    const raw = new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', await keyOf(r)))
    const res = await driver.call({ cmd: 'derive', ...r })
    assert.equal(res.key, hex(raw), JSON.stringify(r).slice(0, 80))
  }
})

test('bytes: y-webrtc seals, the C++ opens; the C++ seals, y-webrtc opens', async () => {
  for (const r of rooms) {
    const key = await keyOf(r)
    for (const size of [0, 1, 15, 16, 17, 1000, 100000]) {
      const plain = new Uint8Array(crypto.randomBytes(size))
      const sealedByJs = await cryptoutils.encrypt(plain, key)
      const opened = await driver.call({ cmd: 'decrypt', ...r, hex: hex(sealedByJs) })
      assert.ok(opened.ok, opened.error)
      assert.equal(opened.hex, hex(plain))
      const sealedByCpp = await driver.call({ cmd: 'encrypt', ...r, hex: hex(plain) })
      assert.deepEqual(new Uint8Array(await cryptoutils.decrypt(unhex(sealedByCpp.hex), key)), plain)
    }
  }
})

test('signaling messages as y-webrtc publishes them: encryptJson and decryptJson both ways', async () => {
  const r = rooms[0]
  const key = await keyOf(r)
  const messages = [
    { type: 'announce', from: 'c2b0e1c4-5f0e-4b1e-9d7c-1a2b3c4d5e6f' },
    { type: 'signal', from: 'a', to: 'b', token: 0.123456789, signal: { type: 'offer', sdp: 'v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\n' } },
    { type: 'signal', from: 'b', to: 'a', token: 7, signal: { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 2122260223 10.0.0.2 54321 typ host', sdpMLineIndex: 0, sdpMid: '0' } } },
    { type: 'signal', from: 'a', to: 'b', signal: { renegotiate: true }, list: [1, -2, 3.5, null, true, 'ü'] }
  ]
  for (const m of messages) {
    const fromJs = await driver.call({ cmd: 'decryptAny', ...r, hex: hex(await cryptoutils.encryptJson(m, key)) })
    assert.ok(fromJs.ok, fromJs.error)
    assert.deepEqual(JSON.parse(fromJs.json), m)
    const fromCpp = await driver.call({ cmd: 'encryptAny', ...r, json: JSON.stringify(m) })
    assert.deepEqual(await cryptoutils.decryptJson(unhex(fromCpp.hex), key), m)
  }
})

test('another room or password, or an altered message, is refused with a reason', async () => {
  const [a, b] = rooms
  const sealed = await cryptoutils.encryptJson({ type: 'announce', from: 'x' }, await keyOf(a))
  for (const other of [b, { password: a.password, room: a.room + '!' }, { password: a.password + '!', room: a.room }]) {
    const res = await driver.call({ cmd: 'decryptAny', ...other, hex: hex(sealed) })
    assert.equal(res.ok, false)
    assert.equal(res.code, 'InvalidArgument')
    assert.match(res.error, /does not authenticate/)
  }
  const altered = sealed.slice()
  altered[altered.length - 1] ^= 0x80
  const res = await driver.call({ cmd: 'decrypt', ...a, hex: hex(altered) })
  assert.equal(res.code, 'InvalidArgument')
  // What y-webrtc does with the same bytes: WebCrypto refuses them too.
  await assert.rejects(cryptoutils.decrypt(altered, await keyOf(a)))
})

test('a real y-webrtc peer through the relay: the C++ reads its announce; the C++ announce makes it send an offer, which the C++ reads', async () => {
  const room = docName('roundtable-plan')
  const password = 'share-link secret'
  const self = 'hub-peer-' + process.pid
  const raw = h.raw(hub.signalUrl)
  await raw.opened
  raw.sendJson({ type: 'subscribe', topics: [room] })
  const { provider } = await openWebrtcProvider(h, room, hub.signalUrl, password)
  const peerId = provider.room.peerId

  /** Every relayed publish so far, as the C++ reads it for `self`. */
  const readAll = async () => {
    const out = []
    for (const text of raw.messages.filter(m => typeof m === 'string')) {
      const res = await driver.call({ cmd: 'read', password, room, self, text })
      assert.ok(res.ok, res.error)
      if (res.message) out.push(JSON.parse(res.message))
    }
    return out
  }
  let read = []
  await waitFor(async () => (read = await readAll()).length > 0, { message: 'the provider\'s announce' })
  assert.deepEqual(read[0], { type: 'announce', from: peerId })

  // A signal the C++ addresses to another peer: y-webrtc ignores it (no connection made).
  const other = await driver.call({ cmd: 'publish', password, room, message: JSON.stringify({ type: 'signal', from: self, to: 'someone-else', signal: { type: 'offer', sdp: 'v=0' } }) })
  raw.send(other.text)
  const announce = await driver.call({ cmd: 'publish', password, room, message: JSON.stringify({ type: 'announce', from: self }) })
  raw.send(announce.text)
  let offer
  await waitFor(async () => {
    offer = (await readAll()).find(m => m.type === 'signal' && m.signal.type === 'offer')
    return offer
  }, { timeout: 10000, message: 'an offer from y-webrtc to the C++ peer' })
  assert.equal(offer.from, peerId)
  assert.equal(offer.to, self)
  assert.equal(typeof offer.token, 'number') // y-webrtc's glare token
  assert.match(offer.signal.sdp, /^v=0\r\n/)
  assert.match(offer.signal.sdp, /webrtc-datachannel/) // simple-peer's data channel
  assert.deepEqual([...provider.room.webrtcConns.keys()], [self])
})
