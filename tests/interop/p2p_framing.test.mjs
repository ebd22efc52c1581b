// The hub's framing of large y-webrtc messages (src/p2p/message_framing.h)
// against the web app's own p2pFraming.ts (web/src/collab/), compiled here
// with the web app's TypeScript: each side reassembles what the other split,
// the C++ frames are the TypeScript's byte for byte, and both drop the same
// frame sequences for the same reasons, keeping the same bytes for what is
// partial. The sending and receiving rules of chunkedPeer.ts (messages up to
// 64 KiB unchanged; only frames reassembled) are the two small functions
// below, over p2pFraming.ts's own constants.
//
//   cd tests/interop && ROUNDTABLE_BUILD_DIR=../../build node --test p2p_framing.test.mjs

import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { Driver, hex, unhex } from './driver_client.mjs'
import { importWebModule } from './web_module.mjs'

// Node 20 cannot strip types itself: web_module.mjs compiles the module
// (it imports nothing) with the web app's TypeScript.
const web = await importWebModule('src/collab/p2pFraming.ts')

const driver = new Driver('roundtable_p2p_driver', { statusErrors: true })
after(() => driver.close())

const KiB = 1024
const MiB = 1024 * KiB

// chunkedPeer.ts send(): what goes on the channel for one message.
const webSend = (message, id) =>
  message.byteLength <= web.CHUNK_THRESHOLD ? [message] : web.encodeFrames(message, id, web.CHUNK_PAYLOAD)

// chunkedPeer.ts _onChannelMessage(): frames to the Reassembler, the rest to
// y-webrtc unchanged. Each push's outcome: the message out (hex) or null, and
// the reasons of what it dropped.
const webReceiver = () => {
  const r = new web.Reassembler()
  let reasons = []
  r.onDrop = (reason) => reasons.push(reason)
  return {
    r,
    push (frame) {
      reasons = []
      const whole = web.isFrame(frame) ? r.push(frame) : frame
      return { whole: whole ? hex(whole) : null, reasons }
    }
  }
}

let connections = 0
const cppReceive = async (frames) => {
  const conn = `in-${connections++}`
  const res = await driver.call({ cmd: 'assemble', conn, frames: frames.map(hex) })
  await driver.call({ cmd: 'reset', conn })
  return res
}

const randomBytes = (n) => {
  const b = new Uint8Array(n)
  // Random, but cheap for megabytes: random blocks repeated at odd offsets.
  const block = crypto.randomBytes(4099)
  for (let i = 0; i < n; i += block.length) b.set(block.subarray(0, Math.min(block.length, n - i)), i)
  if (n > 0) b[n - 1] ^= 0x5a
  return b
}

const sizes = [0, 1, 64 * KiB - 1, 64 * KiB, 64 * KiB + 1, 2 * web.CHUNK_PAYLOAD, 3 * MiB + 3]

test('the C++ frames are the web app\'s, byte for byte, and the web app reassembles them', async () => {
  assert.equal(web.CHUNK_PAYLOAD, 64 * KiB - 20)
  const conn = 'out'
  for (const size of sizes) {
    const message = randomBytes(size)
    const res = await driver.call({ cmd: 'split', conn, hex: hex(message) })
    assert.ok(res.ok, res.error)
    const frames = res.frames.map(unhex)
    const id = frames.length > 1 ? new DataView(frames[0].buffer).getUint32(4, true) : 0
    assert.deepEqual(frames.map(hex), webSend(message, id).map(hex), `size ${size}`)
    assert.equal(frames.length, size <= 64 * KiB ? 1 : Math.ceil(size / web.CHUNK_PAYLOAD), `size ${size}`)
    for (const f of frames) assert.ok(f.byteLength <= 64 * KiB)
    const rx = webReceiver()
    const out = frames.map((f) => rx.push(f))
    assert.deepEqual(out.slice(0, -1).map((o) => o.whole), Array(frames.length - 1).fill(null), `size ${size}`)
    assert.equal(out.at(-1).whole, hex(message), `size ${size}`)
    assert.deepEqual(rx.r.dropped, {})
  }
})

test('the web app\'s frames are reassembled by the C++', async () => {
  let id = 0x7ffffffe // ids up to 2^32 - 1
  for (const size of sizes) {
    const message = randomBytes(size)
    const frames = webSend(message, id++)
    const res = await cppReceive(frames)
    const wholes = res.results.map((r) => { assert.ok(r.ok, r.error); return r.whole })
    assert.deepEqual(wholes.slice(0, -1), Array(frames.length - 1).fill(null), `size ${size}`)
    assert.equal(wholes.at(-1), hex(message), `size ${size}`)
    assert.equal(res.pending, 0)
    assert.deepEqual(res.dropped, {})
  }
  // A y-webrtc message between the frames of another passes, and leaves it whole.
  const message = randomBytes(MiB + 3)
  const frames = web.encodeFrames(message, 0xffffffff)
  const sync = new Uint8Array([0, 1, 2, 3])
  const res = await cppReceive([...frames.slice(0, 3), sync, ...frames.slice(3)])
  assert.equal(res.results[3].whole, hex(sync))
  assert.equal(res.results.at(-1).whole, hex(message))
})

// A frame with any header.
const frame = (id, index, count, total, body) => {
  const f = new Uint8Array(20 + body.length)
  f.set(web.FRAME_MAGIC)
  const v = new DataView(f.buffer)
  v.setUint32(4, id, true)
  v.setUint32(8, index, true)
  v.setUint32(12, count, true)
  v.setUint32(16, total, true)
  f.set(body, 20)
  return f
}

// Pushes the same frames into both and compares every outcome: the message
// out, whether the frame was refused and why (the C++ error starts with the
// web app's reason), what each dropped in all and what each holds.
const sameOutcome = async (what, frames) => {
  const rx = webReceiver()
  const webOut = frames.map((f) => rx.push(f))
  const webPending = rx.r.pendingBytes
  rx.r.reset()
  const cpp = await cppReceive(frames)
  for (let i = 0; i < frames.length; i++) {
    const w = webOut[i]
    const c = cpp.results[i]
    const at = `${what}, frame ${i}`
    assert.equal(c.ok ? c.whole : null, w.whole, at)
    // A frame is refused when the web app drops for any reason but a new message's start.
    const refused = w.reasons.filter((r) => r !== 'interrupted')
    assert.equal(!c.ok, refused.length > 0, `${at}: C++ ${c.error ?? 'took it'}, web app dropped ${w.reasons}`)
    if (!c.ok) assert.equal(c.error.split(':')[0], refused[0], at)
  }
  assert.deepEqual(cpp.dropped, { ...rx.r.dropped }, what)
  assert.equal(cpp.pending, webPending, what)
  return { webOut, cpp }
}

test('both drop the same malformed and out-of-sequence frames, for the same reasons', async () => {
  const a = randomBytes(3 * web.CHUNK_PAYLOAD - 5)
  const b = randomBytes(2 * web.CHUNK_PAYLOAD + 9)
  const [a0, a1, a2] = web.encodeFrames(a, 1)
  const [b0, b1, b2] = web.encodeFrames(b, 2)
  const body = (f) => f.subarray(20)
  const n = a.byteLength
  const cases = {
    'index skipped': [a0, a2],
    'index repeated': [a0, a1, a1, a2],
    'no first frame': [a1, a2],
    'frames reversed': [a2, a1, a0],
    'a new id mid-message': [a0, b1, a2],
    'a new message mid-message, then the old one\'s next frame': [a0, b0, a1],
    'a new message mid-message, whole': [a0, a1, b0, b1, b2],
    'a new message mid-message, its only frame short': [a0, frame(3, 0, 1, 5, [1, 2, 3])],
    'a new message mid-message, its first frame over its total': [a0, frame(3, 0, 2, 2, [1, 2, 3])],
    'another count mid-message': [a0, frame(1, 1, 4, n, body(a1)), a2],
    'another total mid-message': [a0, frame(1, 1, 3, n + 1, body(a1)), a2],
    'count 0': [frame(1, 0, 0, n, body(a0))],
    'total 0': [frame(1, 0, 1, 0, body(a0))],
    'count over total': [frame(1, 0, 4, 3, [1, 2, 3])],
    'index past count': [a0, a1, frame(1, 3, 3, n, body(a2))],
    'empty payload': [a0, frame(1, 1, 3, n, [])],
    'total over 64 MiB': [frame(1, 0, 1025, 64 * MiB + 1, body(a0))],
    'total over 64 MiB mid-message': [a0, frame(1, 1, 3, 0xffffffff, body(a1)), a2],
    'total 64 MiB, one frame': [frame(1, 0, 1025, 64 * MiB, body(a0))],
    'more payload than total': [a0, a1, frame(1, 2, 3, n, [...body(a2), 0])],
    'less payload than total': [a0, a1, frame(1, 2, 3, n, body(a2).subarray(1))],
    'a frame after the last': [b0, b1, b2, frame(2, 3, 4, b.byteLength, [1])],
    'a 19-byte message with the magic, mid-message': [a0, frame(1, 1, 3, n, []).subarray(0, 19), a1, a2],
    'a y-webrtc message mid-message': [a0, new Uint8Array([1, 0]), a1, a2]
  }
  for (const [what, frames] of Object.entries(cases)) {
    // Then a whole message: nothing is left over.
    await sameOutcome(what, [...frames.map((f) => new Uint8Array(f)), ...web.encodeFrames(b, 9)])
  }
  // A claim of 64 MiB costs what arrived: 1 MiB, then 2 MiB after 17 frames, on both sides.
  const claim = Array.from({ length: 20 }, (_, i) => frame(3, i, 1025, 64 * MiB, body(a0)))
  const { cpp } = await sameOutcome('a claim of 64 MiB', claim)
  assert.equal(cpp.pending, 2 * MiB)
  // The cases do what they say in the web app.
  const rx = webReceiver()
  for (const f of [a0, b1]) rx.push(f)
  for (const f of [a0, frame(1, 0, 1025, 64 * MiB + 1, body(a0))]) rx.push(f)
  for (const f of [a0, frame(1, 1, 4, n, body(a1))]) rx.push(f)
  assert.deepEqual(rx.r.dropped, { 'out-of-order': 2, 'too-large': 1 })
  rx.r.reset()
})

test('random frame sequences: the same outcome frame by frame', async () => {
  // Small payloads make many frames cheaply; the web app's Reassembler takes any.
  // mulberry32, seeded: the same sequences every run.
  let seed = 1
  const rand = (n) => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) % n
  }
  for (let run = 0; run < 300; run++) {
    const frames = []
    for (let m = 0; m < 1 + rand(4); m++) {
      const payload = 1 + rand(40)
      const message = randomBytes(rand(200))
      const fs = web.encodeFrames(message, rand(3), payload)
      // Perturb: drop, repeat, swap, rewrite a header field or cut a frame.
      if (fs.length > 0 && rand(2)) {
        const i = rand(fs.length)
        const f = new Uint8Array(fs[i])
        switch (rand(6)) {
          case 0: fs.splice(i, 1); break
          case 1: fs.splice(i, 0, f); break
          case 2: { const j = rand(fs.length); [fs[i], fs[j]] = [fs[j], fs[i]]; break }
          case 3: new DataView(f.buffer).setUint32(4 * (1 + rand(4)), rand(5) === 0 ? 64 * MiB + rand(3) - 1 : rand(300), true); fs[i] = f; break
          case 4: fs[i] = f.subarray(0, rand(f.length)); break
          case 5: fs.splice(i, 0, new Uint8Array([rand(5), 1, 2])); break
        }
      }
      frames.push(...fs)
    }
    await sameOutcome(`run ${run}`, frames)
  }
})
