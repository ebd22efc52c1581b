// The hub's WebRTC peer (src/webrtc/peer_connection.h, GStreamer's webrtcbin)
// against simple-peer 9.11, the library y-webrtc opens its connections with,
// on a real WebRTC stack in Node (@roamhq/wrtc, libwebrtc): offers, answers
// and trickled candidates pass between them as y-webrtc passes them, in both
// roles, and binary messages cross the data channel both ways.

import test from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import readline from 'node:readline'
import path from 'node:path'
import Peer from 'simple-peer'
import wrtc from '@roamhq/wrtc'
import { buildDir, hex } from './driver_client.mjs'

// The C++ peer in its driver process: requests answered in order, events
// queued until a test waits for them.
class CppPeer {
  constructor () {
    this.proc = spawn(path.join(buildDir, 'roundtable_webrtc_driver'), [], { stdio: ['pipe', 'pipe', 'inherit'] })
    this.nextId = 1
    this.pending = new Map()
    this.events = []
    this.waiters = []
    this.onSignal = null
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const msg = JSON.parse(line)
      if (msg.event === 'signal' && this.onSignal) this.onSignal(msg.signal)
      if (msg.event) {
        this.events.push(msg)
        for (const w of this.waiters.splice(0)) w()
      } else {
        this.pending.get(msg.id)?.(msg)
        this.pending.delete(msg.id)
      }
    })
  }

  call (req) {
    const id = this.nextId++
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      this.proc.stdin.write(JSON.stringify({ id, ...req }) + '\n')
    })
  }

  // The first event (not yet taken) for which `pred` holds.
  async waitEvent (pred, what, ms = 15000) {
    const deadline = Date.now() + ms
    for (;;) {
      const i = this.events.findIndex(pred)
      if (i >= 0) return this.events.splice(i, 1)[0]
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events.map(e => e.event))}`)
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => { clearTimeout(t); resolve() })
      })
    }
  }

  async stop () {
    this.proc.stdin.end()
    await new Promise((resolve) => this.proc.once('exit', resolve))
  }
}

// simple-peer as y-webrtc makes it (trickle on, its default), with no STUN
// server: the two ends find each other by host candidates on this machine.
const makeSimplePeer = (initiator) => new Peer({ initiator, wrtc, config: { iceServers: [] } })

const connectPair = async (cppInitiates, { maxMessageBytes } = {}) => {
  const cpp = new CppPeer()
  const sp = makeSimplePeer(!cppInitiates)
  const signalsFromCpp = []
  cpp.onSignal = (signal) => { signalsFromCpp.push(signal.type); sp.signal(signal) }
  const signalsFromSp = []
  const refused = []
  sp.on('signal', async (signal) => {
    signalsFromSp.push(signal.type)
    const res = await cpp.call({ cmd: 'signal', signal })
    if (!res.ok) refused.push(res.error)
  })
  const received = []
  sp.on('data', (d) => received.push(new Uint8Array(d)))
  const spConnected = new Promise((resolve, reject) => { sp.once('connect', resolve); sp.once('error', reject) })
  const created = await cpp.call({ cmd: 'create', initiator: cppInitiates, ...(maxMessageBytes ? { maxMessageBytes } : {}) })
  assert.ok(created.ok, created.error)
  await cpp.waitEvent((e) => e.event === 'open', 'the C++ data channel to open')
  await spConnected
  return { cpp, sp, received, signalsFromCpp, signalsFromSp, refused }
}

const waitFor = async (cond, what, ms = 10000) => {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const byteSum = (u8) => u8.reduce((s, b) => (s + b) >>> 0, 0)

for (const cppInitiates of [false, true]) {
  const role = cppInitiates ? 'the C++ peer initiates, simple-peer answers' : 'simple-peer initiates, the C++ peer answers'
  test(`${role}: connected, and binary messages cross both ways`, async () => {
    const { cpp, sp, received, signalsFromCpp, signalsFromSp, refused } = await connectPair(cppInitiates)
    try {
      assert.deepEqual(refused, [], 'the C++ peer took every signal simple-peer sent')
      // The descriptions went the expected way, and candidates trickled.
      assert.equal(signalsFromCpp[0], cppInitiates ? 'offer' : 'answer')
      assert.equal(signalsFromSp[0], cppInitiates ? 'answer' : 'offer')
      assert.ok(signalsFromCpp.includes('candidate') && signalsFromSp.includes('candidate'))

      // simple-peer -> C++: a y-websocket-sized message and one of 64 KiB
      // (what the web app's frames are at most).
      const small = new Uint8Array([0, 0, 1, 42])
      sp.send(small)
      const m1 = await cpp.waitEvent((e) => e.event === 'message', 'a small message')
      assert.equal(m1.hex, hex(small))
      const frame = new Uint8Array(64 * 1024).map((_, i) => (i * 7) & 0xff)
      sp.send(frame)
      const m2 = await cpp.waitEvent((e) => e.event === 'message', 'a 64 KiB message')
      assert.equal(m2.size, frame.length)
      assert.equal(m2.sum, byteSum(frame))

      // C++ -> simple-peer, in order.
      assert.ok((await cpp.call({ cmd: 'send', hex: '0001ff' })).ok)
      assert.ok((await cpp.call({ cmd: 'sendRepeat', byte: 9, size: 64 * 1024 })).ok)
      await waitFor(() => received.length >= 2, 'two messages at simple-peer')
      assert.deepEqual([...received[0]], [0, 1, 255])
      assert.equal(received[1].length, 64 * 1024)
      assert.ok(received[1].every((b) => b === 9))
    } finally {
      sp.destroy()
      await cpp.stop()
    }
  })
}

test('simple-peer closing its end is reported once by the C++ peer', async () => {
  const { cpp, sp } = await connectPair(false)
  try {
    sp.destroy()
    const closed = await cpp.waitEvent((e) => e.event === 'closed', 'the closed event')
    assert.match(closed.reason, /closed|failed/)
    assert.equal((await cpp.call({ cmd: 'send', hex: '00' })).ok, false, 'nothing can be sent on a closed channel')
  } finally {
    await cpp.stop()
  }
})

test('a message over the limit closes the connection; a smaller one before it arrived', async () => {
  const { cpp, sp } = await connectPair(false, { maxMessageBytes: 1000 })
  try {
    sp.send(new Uint8Array(1000).fill(1))
    const ok = await cpp.waitEvent((e) => e.event === 'message', 'the message at the limit')
    assert.equal(ok.size, 1000)
    sp.send(new Uint8Array(1001).fill(1))
    const closed = await cpp.waitEvent((e) => e.event === 'closed', 'the closed event')
    assert.match(closed.reason, /1001 bytes is over the limit of 1000/)
    assert.equal(cpp.events.filter((e) => e.event === 'message').length, 0, 'the oversized message is not handed on')
  } finally {
    sp.destroy()
    await cpp.stop()
  }
})

test('malformed signals are refused with a reason and the connection is unharmed', async () => {
  const { cpp, sp, received } = await connectPair(false)
  try {
    const bad = [
      {},
      { type: 'offer' },
      { type: 'offer', sdp: 42 },
      { type: 'offer', sdp: 'v=0\r\n' },
      { type: 'offer', sdp: 'x'.repeat(70 * 1024) },
      { type: 'pranswer', sdp: 'v=0\r\n' },
      { type: 'candidate', candidate: { candidate: 7 } },
      { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMLineIndex: 1e9 } },
      'not an object'
    ]
    for (const signal of bad) {
      const res = await cpp.call({ cmd: 'signal', signal })
      assert.equal(res.ok, false, `refused: ${JSON.stringify(signal).slice(0, 60)}`)
      assert.ok(res.error.length > 0)
    }
    // A second offer after the connection is up is refused too (y-webrtc never renegotiates).
    const again = await cpp.call({ cmd: 'signal', signal: { type: 'offer', sdp: sp._pc.localDescription.sdp } })
    assert.equal(again.ok, false)
    assert.ok((await cpp.call({ cmd: 'send', hex: '03' })).ok)
    await waitFor(() => received.length === 1, 'a message after the bad signals')
    assert.deepEqual([...received[0]], [3])
  } finally {
    sp.destroy()
    await cpp.stop()
  }
})
