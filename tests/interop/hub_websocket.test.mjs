// The hub's WebSocket layer against RFC 6455, over raw TCP (node:net): the
// opening handshake, frame validation and the close codes it leads to, control
// frames, fragmentation, pipelined and byte-at-a-time input, the close
// handshake, the message size limit, and answers queued for a client that
// does not read (many frames per write; pongs). Close codes are read from the
// server's close frame; "the connection ends" means the server closed TCP.
//
// Against the reference servers (HUB_IMPL=reference), the cases that check how
// invalid input is refused run on /signal only: y-webrtc's signaling server
// uses ws 8, which is strict, while @y/websocket-server (/yjs) uses ws 6,
// which accepts unmasked client frames, checks a Sec-WebSocket-Key only for
// presence, and on a protocol error destroys the socket without a close frame.
// The signaling server also exits on a protocol error, after ws has sent its
// close frame (it has no 'error' listener on the connection), so each such
// case restarts the reference servers. The hub runs every case on both
// endpoints (one WebSocketSession serves both).
import { test, before, afterEach } from 'node:test'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import {
  useHarness, onlyHub, isReference, docName, waitFor, sleep, assert, Y, syncStep1RawMsg, updateMsg, parseMsg, MSG_SYNC
} from './hub_harness.mjs'

const h = useHarness()
let hub
before(async () => { hub = await h.startHub() })

// A case that made a reference server crash restarts them here.
let crashesReference = false
afterEach(async () => {
  if (isReference && crashesReference) await hub.restart('SIGKILL')
  crashesReference = false
})

// ---- frames ----------------------------------------------------------------

const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xA }
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
const acceptFor = key => createHash('sha1').update(key + GUID).digest('base64')
const bytes = x => (typeof x === 'string' ? Buffer.from(x) : Buffer.from(x ?? []))

/**
 * A client frame. `length` declares a payload length other than the payload's
 * (to send a header alone); `masked: false` sends it unmasked; `rsv` is the
 * three reserved bits (4 = RSV1, 2 = RSV2, 1 = RSV3).
 */
const frame = ({ opcode, payload, fin = true, rsv = 0, masked = true, length } = {}) => {
  const data = bytes(payload)
  const n = length ?? data.length
  let header
  if (n < 126) {
    header = Buffer.from([0, n])
  } else if (n <= 0xFFFF) {
    header = Buffer.alloc(4)
    header[1] = 126
    header.writeUInt16BE(n, 2)
  } else {
    header = Buffer.alloc(10)
    header[1] = 127
    header.writeBigUInt64BE(BigInt(n), 2)
  }
  header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode
  if (!masked) return Buffer.concat([header, data])
  header[1] |= 0x80
  const mask = randomBytes(4)
  const body = Buffer.from(data)
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3]
  return Buffer.concat([header, mask, body])
}
const closePayload = (code, reason = '') => {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(code)
  return Buffer.concat([b, bytes(reason)])
}
const ping = payload => frame({ opcode: OP.ping, payload })
const text = (payload, opts) => frame({ opcode: OP.text, payload, ...opts })
const binary = (payload, opts) => frame({ opcode: OP.binary, payload, ...opts })
const continuation = (payload, opts) => frame({ opcode: OP.continuation, payload, ...opts })
const closeFrame = (code, reason) => frame({ opcode: OP.close, payload: code === undefined ? [] : closePayload(code, reason) })

// Close codes a server may put in a close frame (RFC 6455 section 7.4).
const isSendableCloseCode = c => (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999)

/** The opening handshake request for `url`, with `headers` overriding (a value of null leaves a header out). */
const upgradeRequest = (url, { key = randomBytes(16).toString('base64'), headers = {} } = {}) => {
  const u = new URL(url)
  const all = {
    Host: u.host,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Version': '13',
    ...headers
  }
  const lines = Object.entries(all).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`)
  return Buffer.from(`GET ${u.pathname} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`)
}

const parseHead = head => {
  const [statusLine, ...lines] = head.toString('latin1').split('\r\n')
  const headers = {}
  for (const line of lines) {
    const i = line.indexOf(':')
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
  }
  return { status: Number(statusLine.split(' ')[1]), statusLine, headers }
}

/**
 * A WebSocket client on a raw TCP socket. It writes the upgrade request (and
 * `after`, bytes sent in the same write), reads the response, then parses the
 * server's frames: data messages (reassembled), pongs, pings, the close frame,
 * and anything a server must not send (violations).
 */
class RawWs {
  constructor (url, { key, headers, after, connect = true } = {}) {
    this.url = url
    this.key = key ?? randomBytes(16).toString('base64')
    this.request = upgradeRequest(url, { key: this.key, headers })
    this.buffer = Buffer.alloc(0)
    this.response = null // { status, headers } of the handshake
    this.messages = [] // { opcode, data }
    this.taken = 0
    this.pongs = []
    this.pongsTaken = 0
    this.pings = []
    this.close = null // { code, reason } of the server's close frame (code 1005: none)
    this.afterClose = 0 // frames the server sent after its close frame
    this.violations = []
    this.ended = null // how the TCP connection ended: 'fin' or an error code
    this.fragments = null
    const u = new URL(url)
    this.socket = net.connect(Number(u.port), u.hostname)
    this.socket.setNoDelay(true)
    h.defer(() => this.socket.destroy())
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve)
      this.socket.once('error', reject)
    })
    this.connected.catch(() => {})
    this.socket.on('data', d => this._onData(d))
    this.socket.on('end', () => { this.ended ??= 'fin' })
    this.socket.on('error', err => { this.ended ??= err.code ?? err.message })
    this.socket.on('close', () => { this.ended ??= 'closed' })
    if (connect) this.connected.then(() => this.socket.write(after ? Buffer.concat([this.request, after]) : this.request))
  }

  /** Opens a connection and checks the 101 response. */
  static async open (url, opts) {
    const ws = new RawWs(url, opts)
    await ws.handshake()
    assert.equal(ws.response.status, 101, `upgrade of ${url}: ${ws.response.statusLine}`)
    return ws
  }

  async handshake (timeout = 5000) {
    await waitFor(() => this.response || this.ended, { timeout, message: `the handshake response from ${this.url}` })
    if (!this.response) throw new Error(`${this.url}: connection ended (${this.ended}) before a handshake response`)
    return this.response
  }

  write (data) { this.socket.write(data) }

  /** Writes `data` one byte per TCP write, `delay` ms apart. */
  async trickle (data, delay = 2) {
    for (const b of data) {
      this.socket.write(Buffer.from([b]))
      await sleep(delay)
    }
  }

  _onData (d) {
    this.buffer = Buffer.concat([this.buffer, d])
    if (!this.response) {
      const end = this.buffer.indexOf('\r\n\r\n')
      if (end < 0) return
      this.response = parseHead(this.buffer.subarray(0, end))
      this.buffer = this.buffer.subarray(end + 4)
      if (this.response.status !== 101) {
        this.body = this.buffer
        this.buffer = Buffer.alloc(0)
        this.refused = true
      }
    }
    if (this.refused) {
      this.body = Buffer.concat([this.body, this.buffer])
      this.buffer = Buffer.alloc(0)
      return
    }
    for (;;) {
      const b = this.buffer
      if (b.length < 2) return
      let len = b[1] & 0x7F
      let pos = 2
      if (len === 126) {
        if (b.length < 4) return
        len = b.readUInt16BE(2)
        pos = 4
      } else if (len === 127) {
        if (b.length < 10) return
        len = Number(b.readBigUInt64BE(2))
        pos = 10
      }
      const masked = (b[1] & 0x80) !== 0
      if (masked) pos += 4
      if (b.length < pos + len) return
      const payload = Buffer.from(b.subarray(pos, pos + len))
      if (masked) {
        const mask = b.subarray(pos - 4, pos)
        for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3]
      }
      this.buffer = b.subarray(pos + len)
      this._onFrame({ fin: (b[0] & 0x80) !== 0, rsv: (b[0] >> 4) & 7, opcode: b[0] & 0x0F, masked, payload })
    }
  }

  _onFrame (f) {
    const bad = why => this.violations.push(`${why} (opcode ${f.opcode}, ${f.payload.length} bytes)`)
    if (f.masked) bad('server frame masked')
    if (f.rsv) bad('server frame with reserved bits')
    if (this.close) { this.afterClose++; bad('frame after the close frame') }
    if (f.opcode >= 0x8) {
      if (!f.fin) bad('fragmented control frame')
      if (f.payload.length > 125) bad('control frame over 125 bytes')
    }
    switch (f.opcode) {
      case OP.ping: this.pings.push(f.payload); return
      case OP.pong: this.pongs.push(f.payload); return
      case OP.close:
        if (f.payload.length === 1) bad('close frame of one byte')
        this.close = f.payload.length >= 2
          ? { code: f.payload.readUInt16BE(0), reason: f.payload.subarray(2).toString() }
          : { code: 1005, reason: '' }
        if (f.payload.length >= 2 && !isSendableCloseCode(this.close.code)) bad(`close code ${this.close.code}`)
        return
      case OP.text:
      case OP.binary:
        if (this.fragments) bad('new message inside a fragmented one')
        this.fragments = { opcode: f.opcode, parts: [] }
        break
      case OP.continuation:
        if (!this.fragments) { bad('continuation without a message'); return }
        break
      default:
        bad('unknown opcode')
        return
    }
    this.fragments.parts.push(f.payload)
    if (!f.fin) return
    const data = Buffer.concat(this.fragments.parts)
    this.messages.push({ opcode: this.fragments.opcode, data: this.fragments.opcode === OP.text ? data.toString() : new Uint8Array(data) })
    this.fragments = null
  }

  assertNoViolations () { assert.deepEqual(this.violations, [], `what ${this.url} sent`) }

  /** The next data message (not taken before) matching pred. */
  async nextMessage (pred = () => true, { timeout = 5000, what = 'a message' } = {}) {
    let found
    await waitFor(() => {
      for (let i = this.taken; i < this.messages.length; i++) {
        if (pred(this.messages[i].data)) {
          found = this.messages[i].data
          this.taken = i + 1
          return true
        }
      }
      if (this.ended || this.close) throw new Error(`${this.url}: connection closed (${JSON.stringify(this.close)}, ${this.ended}) while waiting for ${what}`)
      return false
    }, { timeout, message: `${what} from ${this.url}` })
    this.assertNoViolations()
    return found
  }

  /** The payload of the next pong (not taken before). */
  async nextPong (timeout = 5000) {
    const n = this.pongsTaken
    await waitFor(() => this.pongs.length > n || this.ended, { timeout, message: `a pong from ${this.url}` })
    if (this.pongs.length === n) throw new Error(`${this.url}: connection ended (${this.ended}, close ${JSON.stringify(this.close)}) before a pong`)
    this.pongsTaken++
    return this.pongs[n]
  }

  /** The server's close frame. */
  async closeReceived (timeout = 5000) {
    await waitFor(() => this.close || this.ended, { timeout, message: `a close frame from ${this.url}` })
    assert.ok(this.close, `${this.url}: connection ended (${this.ended}) without a close frame`)
    this.assertNoViolations()
    return this.close
  }

  /** Resolves when the server has closed the TCP connection. */
  async endReceived (timeout = 5000) {
    await waitFor(() => this.ended, { timeout, message: `${this.url} to close the TCP connection` })
    return this.ended
  }
}

// ---- endpoints and the checks the cases share -------------------------------

const yjsUrl = () => hub.yjsUrl(docName('ws'))
// Where conformant behaviour is checked: both endpoints (the reference /yjs too).
const allEndpoints = () => [['/yjs', yjsUrl()], ['/signal', hub.signalUrl]]
// Where the refusal of invalid input is checked (see the top of the file).
const strictEndpoints = () => (isReference ? [['/signal', hub.signalUrl]] : allEndpoints())

const isStep2 = m => m instanceof Uint8Array && m[0] === MSG_SYNC && m[1] === 1
const step2Update = m => parseMsg(m).payload
const isPong = m => typeof m === 'string' && JSON.parse(m).type === 'pong'
const signalPing = (extra = {}) => JSON.stringify({ type: 'ping', ...extra })
const emptyStep1 = () => syncStep1RawMsg(new Uint8Array([0]))
// A complete, valid data message for the endpoint (one the server answers).
const goodMessage = endpoint => (endpoint === '/yjs' ? binary(emptyStep1()) : text(signalPing()))

/** An update that sets the text 'text' of a fresh doc to `s`, and that doc. */
const textUpdate = s => {
  const d = new Y.Doc()
  d.getText('text').insert(0, s)
  return { doc: d, update: Y.encodeStateAsUpdate(d) }
}
const textOf = update => {
  const d = new Y.Doc()
  Y.applyUpdate(d, update)
  return d.getText('text').toString()
}

/**
 * Resolves when the server has taken all `socket` has written, or has stopped
 * taking it (it may stop reading while its answers are not read).
 */
const settled = async socket => {
  let last = -1
  for (;;) {
    await sleep(300)
    const left = socket.writableLength
    if (left === 0 || left === last) return
    last = left
  }
}

/**
 * Opens `url`, writes `bytes` and expects the server to fail the connection
 * with `code`: its close frame carries the code, and after our answering close
 * frame (the server may already be gone) it closes TCP.
 */
const expectFailure = async (url, data, code, what) => {
  const ws = await RawWs.open(url)
  crashesReference = true
  ws.write(data)
  const close = await ws.closeReceived()
  assert.equal(close.code, code, `${what} on ${url}: close ${JSON.stringify(close)}`)
  try { ws.write(closeFrame(close.code)) } catch {}
  await ws.endReceived()
  return ws
}

/** Expects `url` to fail each of `cases` ([what, bytes]) with `code`, on every strict endpoint. */
const expectFailures = async (cases, code) => {
  for (const [endpoint] of strictEndpoints()) {
    for (const [what, data] of cases) {
      const url = endpoint === '/yjs' ? yjsUrl() : hub.signalUrl
      await expectFailure(url, typeof data === 'function' ? data(endpoint) : data, code, what)
      if (isReference) { await hub.restart('SIGKILL'); crashesReference = false }
    }
  }
}

/** Sends a request with raw HTTP and returns the response once the server has closed the connection. */
const refusedUpgrade = async (url, headers, key) => {
  const ws = new RawWs(url, { headers, key })
  const response = await ws.handshake()
  await ws.endReceived()
  return { ...response, body: ws.body?.toString() ?? '' }
}

// ---- 1. the opening handshake -----------------------------------------------

test('the handshake answers 101 with the Sec-WebSocket-Accept of the key (RFC 6455 4.2.2)', async () => {
  const keys = ['dGhlIHNhbXBsZSBub25jZQ==', randomBytes(16).toString('base64'), Buffer.alloc(16, 0xFF).toString('base64')]
  assert.equal(acceptFor(keys[0]), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=') // RFC 6455 section 1.3
  // header values as browsers send them: Firefox's 'keep-alive, Upgrade'; the tokens are case-insensitive
  const variants = [{}, { Connection: 'keep-alive, Upgrade' }, { Upgrade: 'WebSocket', Connection: 'upgrade' }]
  for (const [endpoint, url] of allEndpoints()) {
    for (const [i, key] of keys.entries()) {
      const ws = await RawWs.open(url, { key, headers: variants[i] })
      const { headers } = ws.response
      assert.equal(headers['sec-websocket-accept'], acceptFor(key), `${endpoint} accept for ${key}`)
      assert.equal(headers.upgrade?.toLowerCase(), 'websocket', `${endpoint} Upgrade header`)
      assert.ok(/\bupgrade\b/i.test(headers.connection ?? ''), `${endpoint} Connection header: ${headers.connection}`)
      assert.equal(headers['sec-websocket-extensions'], undefined, 'no extension was offered, none is accepted')
      // and it is a WebSocket now
      ws.write(ping('after the handshake'))
      assert.equal((await ws.nextPong()).toString(), 'after the handshake')
      ws.assertNoViolations()
      ws.socket.destroy()
    }
  }
})

test('an upgrade with a missing or malformed Sec-WebSocket-Key or a wrong version is refused, not upgraded', async () => {
  const badKeys = [
    ['no key', null],
    ['empty key', ''],
    ['key not base64', '!!!!!!!!!!!!!!!!!!!!!!=='],
    ['key of 15 bytes', randomBytes(15).toString('base64')],
    ['key of 17 bytes', randomBytes(17).toString('base64')],
    ['key without padding', randomBytes(16).toString('base64').slice(0, 22)]
  ]
  for (const [endpoint, url] of strictEndpoints()) {
    for (const [what, key] of badKeys) {
      const r = await refusedUpgrade(url, { 'Sec-WebSocket-Key': key })
      assert.equal(r.status, 400, `${endpoint}, ${what}: ${r.statusLine}`)
      assert.equal(r.headers['sec-websocket-accept'], undefined, `${endpoint}, ${what}: no accept header`)
    }
    for (const version of [null, '12', '14', '7', 'thirteen']) {
      const r = await refusedUpgrade(url, { 'Sec-WebSocket-Version': version })
      // 426 Upgrade Required is the RFC's example; ws answers 400. An
      // unsupported version is answered with the versions the server speaks.
      assert.ok(r.status === 400 || r.status === 426, `${endpoint}, version ${version}: ${r.statusLine}`)
      assert.equal(r.headers['sec-websocket-accept'], undefined, `${endpoint}, version ${version}: no accept header`)
      if (version !== null) {
        assert.ok((r.headers['sec-websocket-version'] ?? '').split(/\s*,\s*/).includes('13'),
          `${endpoint}, version ${version}: Sec-WebSocket-Version ${r.headers['sec-websocket-version']}`)
      }
    }
  }
})

// ---- 2. frames a server must refuse with 1002 --------------------------------

test('an unmasked client frame is refused with 1002', async () => {
  await expectFailures([
    ['unmasked binary frame', () => binary([MSG_SYNC], { masked: false })],
    ['unmasked text frame', () => text(signalPing(), { masked: false })],
    ['unmasked ping', () => frame({ opcode: OP.ping, payload: 'x', masked: false })],
    ['unmasked empty frame', () => binary([], { masked: false })]
  ], 1002)
})

test('a frame with a reserved bit set (no extension negotiated) is refused with 1002', async () => {
  await expectFailures([
    ['RSV1', () => text(signalPing(), { rsv: 4 })],
    ['RSV2', () => text(signalPing(), { rsv: 2 })],
    ['RSV3', () => binary([1, 2, 3], { rsv: 1 })],
    ['RSV1 on a ping', () => frame({ opcode: OP.ping, payload: 'x', rsv: 4 })]
  ], 1002)
})

test('a frame with a reserved opcode is refused with 1002', async () => {
  await expectFailures([0x3, 0x7, 0xB, 0xF].map(op => [`opcode 0x${op.toString(16)}`, () => frame({ opcode: op, payload: 'x' })]), 1002)
})

test('a control frame over 125 bytes is refused with 1002', async () => {
  await expectFailures([
    ['ping of 126 bytes', () => ping(Buffer.alloc(126, 0x61))],
    ['pong of 200 bytes', () => frame({ opcode: OP.pong, payload: Buffer.alloc(200, 0x61) })],
    ['close of 126 bytes', () => frame({ opcode: OP.close, payload: closePayload(1000, 'x'.repeat(124)) })]
  ], 1002)
})

test('a fragmented control frame is refused with 1002', async () => {
  await expectFailures([
    ['ping without FIN', () => Buffer.concat([frame({ opcode: OP.ping, payload: 'ab', fin: false }), continuation('cd')])],
    ['close without FIN', () => frame({ opcode: OP.close, payload: closePayload(1000), fin: false })],
    ['pong without FIN inside a message', () => Buffer.concat([text('{"type":', { fin: false }), frame({ opcode: OP.pong, payload: 'x', fin: false })])]
  ], 1002)
})

test('a continuation frame without a message to continue is refused with 1002', async () => {
  await expectFailures([
    ['first frame a final continuation', () => continuation(signalPing())],
    ['first frame a non-final continuation', () => continuation('{"type":', { fin: false })],
    ['a continuation after a complete message', endpoint => Buffer.concat([ping('p'), goodMessage(endpoint), continuation('x')])]
  ], 1002)
})

test('a new data frame while a fragmented message is open is refused with 1002', async () => {
  await expectFailures([
    ['text inside text', () => Buffer.concat([text('{"type":', { fin: false }), text(signalPing())])],
    ['binary inside text', () => Buffer.concat([text('{"type":', { fin: false }), binary([0, 0, 1, 0])])],
    ['text inside binary, after a ping', () => Buffer.concat([binary([0, 0], { fin: false }), ping('x'), text('{}', { fin: false })])]
  ], 1002)
})

// ---- 3. text must be UTF-8 ----------------------------------------------------

test('invalid UTF-8 in a text message on /signal is refused with 1007, also when split across fragments', async () => {
  const json = (pre, bad, post = '"}') => Buffer.concat([Buffer.from(pre), Buffer.from(bad), Buffer.from(post)])
  const pre = '{"type":"ping","x":"'
  const cases = [
    ['a lone 0xFF', () => text(json(pre, [0xFF]))],
    ['an overlong encoding', () => text(json(pre, [0xC0, 0xAF]))],
    ['a surrogate', () => text(json(pre, [0xED, 0xA0, 0x80]))],
    ['above U+10FFFF', () => text(json(pre, [0xF4, 0x90, 0x80, 0x80]))],
    ['a truncated sequence at the end', () => text(Buffer.from([0x7B, 0xE2, 0x82]))],
    ['a lead byte ending one fragment, no continuation byte in the next', () => Buffer.concat([
      text(json(pre, [0xC3], ''), { fin: false }), continuation('("}')])],
    ['a sequence cut short by the end of the message, in fragments', () => Buffer.concat([
      text(pre, { fin: false }), continuation(Buffer.from([0xE2, 0x82]))])],
    ['bad byte in the last of three fragments', () => Buffer.concat([
      text('{"type":', { fin: false }), continuation('"ping","x":"', { fin: false }), continuation(json('', [0x80]))])]
  ]
  for (const [what, data] of cases) {
    await expectFailure(hub.signalUrl, data(), 1007, what)
    if (isReference) { await hub.restart('SIGKILL'); crashesReference = false }
  }
})

test('valid UTF-8 split between fragments inside a character is accepted', async () => {
  const ws = await RawWs.open(hub.signalUrl)
  const msg = Buffer.from(signalPing({ x: 'é€😀' }))
  // cut inside each multi-byte character
  const cuts = [msg.indexOf(0xC3) + 1, msg.indexOf(0xE2) + 2, msg.indexOf(0xF0) + 3]
  const parts = [msg.subarray(0, cuts[0]), msg.subarray(cuts[0], cuts[1]), msg.subarray(cuts[1], cuts[2]), msg.subarray(cuts[2])]
  ws.write(Buffer.concat(parts.map((p, i) => frame({ opcode: i === 0 ? OP.text : OP.continuation, payload: p, fin: i === parts.length - 1 }))))
  await ws.nextMessage(isPong, { what: 'the pong' })
  ws.assertNoViolations()
})

// ---- 4. the message size limit ---------------------------------------------

test('a frame header declaring 4 GiB is refused with 1009 before its payload arrives', async () => {
  for (const [endpoint, url] of strictEndpoints()) {
    for (const opcode of [OP.binary, OP.text]) {
      const header = frame({ opcode, length: 2 ** 32 }) // the header (and its mask) only
      assert.equal(header.length, 14)
      const ws = await expectFailure(url, header, 1009, `${endpoint}: header of 4 GiB`)
      ws.assertNoViolations()
      if (isReference) { await hub.restart('SIGKILL'); crashesReference = false }
    }
  }
})

test('--max-message-bytes 1024: 1024 bytes pass; more is refused with 1009 from the header, also across fragments', onlyHub('--max-message-bytes'), async () => {
  const small = await h.startHub({ flags: ['--max-message-bytes', '1024'] })
  const pingOf = n => {
    const base = signalPing({ pad: '' })
    const m = Buffer.from(signalPing({ pad: 'x'.repeat(n - base.length) }))
    assert.equal(m.length, n)
    return m
  }
  // exactly the limit, in one frame and in three
  const ok = await RawWs.open(small.signalUrl)
  ok.write(text(pingOf(1024)))
  await ok.nextMessage(isPong, { what: 'the pong to 1024 bytes' })
  const m = pingOf(1024)
  ok.write(Buffer.concat([text(m.subarray(0, 500), { fin: false }), continuation(m.subarray(500, 1000), { fin: false }), continuation(m.subarray(1000))]))
  await ok.nextMessage(isPong, { what: 'the pong to 1024 bytes in fragments' })

  for (const [endpoint, url] of [['/yjs', small.yjsUrl(docName('ws'))], ['/signal', small.signalUrl]]) {
    // one byte over, declared in the header: nothing of the payload is sent
    await expectFailure(url, frame({ opcode: OP.binary, length: 1025 }), 1009, `${endpoint}: header of 1025 bytes`)
    await expectFailure(url, frame({ opcode: OP.text, length: 1 << 20 }), 1009, `${endpoint}: header of 1 MiB`)
    // fragments: 600 bytes, then a header of 600 more (its payload not sent)
    await expectFailure(url, Buffer.concat([text(Buffer.alloc(600, 0x20), { fin: false }), frame({ opcode: OP.continuation, length: 600 })]),
      1009, `${endpoint}: fragments totalling 1200 bytes`)
  }
  // a control frame does not count towards the message
  ok.write(Buffer.concat([text(m.subarray(0, 1000), { fin: false }), ping(Buffer.alloc(125, 1)), continuation(m.subarray(1000))]))
  assert.equal((await ok.nextPong()).length, 125)
  await ok.nextMessage(isPong, { what: 'the pong to a message with a ping inside' })
  assert.equal(ok.close, null)
})

// ---- 5. ping and pong --------------------------------------------------------

test('a ping is answered with a pong carrying the same payload', async () => {
  for (const [endpoint, url] of allEndpoints()) {
    const ws = await RawWs.open(url)
    const payloads = [Buffer.alloc(0), Buffer.from('hello'), Buffer.from([0, 0xFF, 0x80, 0xC3]), randomBytes(125)]
    for (const p of payloads) {
      ws.write(ping(p))
      const pong = await ws.nextPong()
      assert.deepEqual(pong, p, `${endpoint}: pong to a ping of ${p.length} bytes`)
    }
    // several pings in one write: as many pongs, in order
    const many = [0, 1, 2, 3, 4].map(i => Buffer.from(`ping ${i}`))
    const before = ws.pongs.length
    ws.write(Buffer.concat(many.map(ping)))
    await waitFor(() => ws.pongs.length >= before + many.length, { message: `${endpoint}: 5 pongs` })
    assert.deepEqual(ws.pongs.slice(before).map(String), many.map(String))
    ws.pongsTaken = ws.pongs.length
    ws.assertNoViolations()
    assert.equal(ws.close, null)
  }
})

test('a client that stops reading gets every answer, in order, once it reads again (thousands of frames queued)', async () => {
  // Sync step 1 messages, answered with a sync step 2 of about 1 KB each, and
  // now and then a ping: beyond what the kernel buffers, thousands of frames
  // wait in the server, to be written many per write (partly written ones
  // included). Few pings: ws terminates a connection with more than 60 pongs
  // unsent (maxPendingAutoPongs).
  const ws = await RawWs.open(yjsUrl())
  const content = 'x'.repeat(1000)
  ws.write(binary(updateMsg(textUpdate(content).update)))
  ws.socket.pause()
  const requests = 12000
  const pings = 30
  const payloadOf = i => Buffer.from(String(i).padStart(125, '.'))
  const step1 = binary(emptyStep1())
  // Written without waiting for 'drain': a server may also stop reading
  // while its answers are not read, and then the rest waits here.
  for (let i = 0; i < requests; i += 400) {
    ws.socket.write(Buffer.concat([ping(payloadOf(i / 400)), ...Array(400).fill(step1)]))
  }
  await settled(ws.socket)
  ws.socket.resume()
  const answers = () => ws.messages.filter(m => isStep2(m.data))
  await waitFor(() => (ws.pongs.length >= pings && answers().length >= requests) || ws.ended,
    { timeout: 30000, interval: 100, message: `${pings} pongs and ${requests} sync step 2` })
  assert.equal(ws.ended, null, `the connection ended after ${ws.pongs.length} pongs, ${answers().length} sync step 2`)
  assert.ok(hub.running, 'the server is running')
  assert.deepEqual(ws.pongs.map(String), Array.from({ length: pings }, (_, i) => String(payloadOf(i))), 'every ping answered, in order')
  const step2s = answers()
  assert.equal(step2s.length, requests)
  for (let i = 0; i < requests; i += 997) assert.equal(textOf(step2Update(step2s[i].data)), content, `sync step 2 number ${i}`)
  assert.equal(textOf(step2Update(step2s[requests - 1].data)), content)
  ws.assertNoViolations()
})

test('pings from a client that does not read leave the hub bounded; the last ping is answered', onlyHub('pong coalescing (ws terminates a connection with more than 60 pongs unsent)'), async () => {
  // Beyond what the kernel buffers (a few MB each way on loopback), pongs
  // wait in the hub. RFC 6455 section 5.5.3 lets a server answer only the
  // most recent ping: it must not keep one pong per ping.
  const ws = await RawWs.open(hub.signalUrl)
  const rss = () => Number(fs.readFileSync(`/proc/${hub.child.proc.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) * 1024
  ws.socket.pause()
  const before = rss()
  const count = 200000
  const payloadOf = i => Buffer.from(String(i).padStart(125, '.'))
  for (let i = 0; i < count; i += 1000) {
    ws.socket.write(Buffer.concat(Array.from({ length: 1000 }, (_, j) => ping(payloadOf(i + j)))))
  }
  await settled(ws.socket)
  const grown = rss() - before
  ws.socket.resume()
  assert.ok(grown < 16 << 20, `the hub grew by ${(grown / 1048576).toFixed(1)} MB for ${count} pings of 125 bytes`)
  const last = payloadOf(count - 1)
  await waitFor(() => ws.pongs.length && ws.pongs[ws.pongs.length - 1].equals(last), { timeout: 10000, interval: 50, message: 'the pong to the last ping' })
  assert.ok(ws.pongs.length <= count)
  ws.assertNoViolations()
  assert.equal(ws.close, null)
})

test('--idle-seconds 1: a silent connection is pinged, then cut off; one that answers the pings stays open', onlyHub('--idle-seconds'), async () => {
  const quick = await h.startHub({ flags: ['--idle-seconds', '1'] })
  const name = docName('idle')
  const silent = await RawWs.open(quick.yjsUrl(name))
  const answering = await RawWs.open(quick.yjsUrl(name))
  let answered = 0
  const answer = setInterval(() => {
    for (; answered < answering.pings.length; answered++) answering.write(frame({ opcode: OP.pong, payload: answering.pings[answered] }))
  }, 50)
  try {
    // Deadlines are whole seconds on a one-second tick: pinged after 1-2 s
    // of silence, cut off after 2-3 s.
    const t0 = Date.now()
    await waitFor(() => silent.pings.length > 0, { timeout: 4000, message: 'a ping to the silent connection' })
    await waitFor(() => silent.ended !== null, { timeout: 5000, message: 'the silent connection to be cut off' })
    const cutAfter = Date.now() - t0
    assert.ok(cutAfter >= 900 && cutAfter < 5000, `cut off after ${cutAfter} ms`)
    // (A tick that dropped the last reference to the silent session under
    // the timers' mutex once deadlocked here: no more pings for anyone.)
    await sleep(3000)
    assert.ok(answering.pings.length >= 2, `the answering connection is pinged as it idles (${answering.pings.length} pings)`)
    assert.equal(answering.ended, null, 'the connection that answers pings is still open')
    answering.write(binary(emptyStep1()))
    await answering.nextMessage(isStep2, { what: 'sync step 2 on the connection that stayed open' })
  } finally {
    clearInterval(answer)
  }
})

test('an unsolicited pong is ignored: the connection stays open and usable', async () => {
  const [, yjs] = allEndpoints()[0]
  const ws = await RawWs.open(yjs)
  const { update } = textUpdate('pong ignored')
  ws.write(Buffer.concat([frame({ opcode: OP.pong, payload: 'unsolicited' }), frame({ opcode: OP.pong }), binary(updateMsg(update))]))
  await sleep(200)
  ws.write(binary(emptyStep1()))
  const step2 = await ws.nextMessage(isStep2, { what: 'sync step 2' })
  assert.equal(textOf(step2Update(step2)), 'pong ignored')
  assert.equal(ws.close, null)
  assert.equal(ws.ended, null)

  const sig = await RawWs.open(hub.signalUrl)
  sig.write(Buffer.concat([frame({ opcode: OP.pong, payload: Buffer.alloc(125, 7) }), text(signalPing())]))
  await sig.nextMessage(isPong, { what: 'the JSON pong after an unsolicited pong' })
  assert.equal(sig.close, null)
})

// ---- 6. fragmentation -------------------------------------------------------

test('a y-websocket message in 3 fragments with pings between them is reassembled', async () => {
  const ws = await RawWs.open(yjsUrl())
  const { update } = textUpdate('reassembled from fragments')
  ws.write(binary(updateMsg(update)))
  const step1 = emptyStep1() // [0, 0, 1, 0]
  ws.write(binary(step1.subarray(0, 1), { fin: false }))
  ws.write(ping('between 1 and 2'))
  assert.equal((await ws.nextPong()).toString(), 'between 1 and 2', 'a ping inside a message is answered before the message ends')
  ws.write(continuation(step1.subarray(1, 3), { fin: false }))
  ws.write(ping('between 2 and 3'))
  assert.equal((await ws.nextPong()).toString(), 'between 2 and 3')
  assert.equal(ws.messages.filter(m => isStep2(m.data)).length, 0, 'no answer before the last fragment')
  ws.write(continuation(step1.subarray(3)))
  const step2 = await ws.nextMessage(isStep2, { what: 'sync step 2' })
  assert.equal(textOf(step2Update(step2)), 'reassembled from fragments')

  // empty fragments count too: an empty first and last fragment around the message
  ws.write(Buffer.concat([binary([], { fin: false }), continuation(step1, { fin: false }), continuation([])]))
  assert.equal(textOf(step2Update(await ws.nextMessage(isStep2, { what: 'sync step 2 from empty fragments' }))), 'reassembled from fragments')
  ws.assertNoViolations()
})

test('a text message on /signal in fragments (one per byte) is reassembled', async () => {
  const ws = await RawWs.open(hub.signalUrl)
  const msg = Buffer.from(signalPing())
  ws.write(Buffer.concat([...msg].map((b, i) => frame({ opcode: i === 0 ? OP.text : OP.continuation, payload: [b], fin: i === msg.length - 1 }))))
  await ws.nextMessage(isPong, { what: 'the pong' })
  ws.assertNoViolations()
})

// ---- 7. pipelining ------------------------------------------------------------

test('several frames in one TCP write are all processed, in order', async () => {
  const ws = await RawWs.open(yjsUrl())
  const { doc, update } = textUpdate('pipelined')
  ws.write(Buffer.concat([
    binary(updateMsg(update)),
    binary(emptyStep1()), // answered with the whole doc
    ping('in the middle'),
    binary(syncStep1RawMsg(Y.encodeStateVector(doc))) // answered with nothing new
  ]))
  const first = await ws.nextMessage(isStep2, { what: 'the first sync step 2' })
  const second = await ws.nextMessage(isStep2, { what: 'the second sync step 2' })
  assert.equal(textOf(step2Update(first)), 'pipelined')
  assert.equal(textOf(step2Update(second)), '', 'the second answer has nothing the second state vector lacks')
  assert.equal((await ws.nextPong()).toString(), 'in the middle')

  const sig = await RawWs.open(hub.signalUrl)
  sig.write(Buffer.concat([text(signalPing()), ping('a'), text(signalPing()), text(signalPing())]))
  for (let i = 0; i < 3; i++) await sig.nextMessage(isPong, { what: `pong ${i + 1} of 3` })
  assert.equal((await sig.nextPong()).toString(), 'a')
  ws.assertNoViolations()
  sig.assertNoViolations()
})

test('frames sent in the same TCP write as the upgrade request are processed', async () => {
  const { update } = textUpdate('sent with the request')
  const yjs = new RawWs(yjsUrl(), {
    after: Buffer.concat([ping('early'), binary(updateMsg(update)), binary(emptyStep1())])
  })
  await yjs.handshake()
  assert.equal(yjs.response.status, 101)
  assert.equal((await yjs.nextPong()).toString(), 'early')
  const step2 = await yjs.nextMessage(isStep2, { what: 'sync step 2' })
  assert.equal(textOf(step2Update(step2)), 'sent with the request')

  const sig = new RawWs(hub.signalUrl, { after: Buffer.concat([text(signalPing()), ping('early too')]) })
  await sig.handshake()
  assert.equal(sig.response.status, 101)
  await sig.nextMessage(isPong, { what: 'the JSON pong' })
  assert.equal((await sig.nextPong()).toString(), 'early too')

  // a close frame right behind the request: the close handshake still happens
  const closing = new RawWs(hub.signalUrl, { after: closeFrame(1000, 'at once') })
  await closing.handshake()
  assert.equal(closing.response.status, 101)
  assert.equal((await closing.closeReceived()).code, 1000)
  await closing.endReceived()
})

// ---- 8. the close handshake ----------------------------------------------------

test('a close frame is answered with a close frame (the same code), then the server closes TCP', async () => {
  for (const [endpoint, url] of allEndpoints()) {
    for (const [code, reason] of [[1000, 'bye'], [1000, ''], [1001, 'going away'], [4000, 'app-specific'], [1000, 'é'.repeat(61)]]) {
      const ws = await RawWs.open(url)
      ws.write(closeFrame(code, reason))
      const close = await ws.closeReceived()
      assert.equal(close.code, code, `${endpoint}: answer to close ${code}`)
      // the server ends the TCP connection; the client does not have to
      assert.equal(await ws.endReceived(), 'fin', `${endpoint}: the server closes TCP after close ${code}`)
      ws.assertNoViolations()
    }
    // a close frame without a status code: answered with an empty one or 1000
    const ws = await RawWs.open(url)
    ws.write(closeFrame())
    const close = await ws.closeReceived()
    assert.ok(close.code === 1005 || close.code === 1000, `${endpoint}: answer to an empty close: ${JSON.stringify(close)}`)
    await ws.endReceived()
  }
})

test('a data frame after the client\'s close frame is not answered', async () => {
  for (const [endpoint, url] of allEndpoints()) {
    const ws = await RawWs.open(url)
    ws.write(Buffer.concat([closeFrame(1000), goodMessage(endpoint), ping('late')]))
    assert.equal((await ws.closeReceived()).code, 1000)
    await ws.endReceived()
    assert.deepEqual(ws.messages.filter(m => isStep2(m.data) || (typeof m.data === 'string' && isPong(m.data))), [], `${endpoint}: nothing answered after close`)
    assert.deepEqual(ws.pongs, [], `${endpoint}: no pong after close`)
  }
})

test('a close frame with an invalid code or a 1-byte payload is refused with 1002', async () => {
  const cases = [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535].map(c => [`close code ${c}`, () => closeFrame(c, 'x')])
  cases.push(['close payload of 1 byte', () => frame({ opcode: OP.close, payload: [0x03] })])
  await expectFailures(cases, 1002)
})

test('a close frame whose reason is not UTF-8 is refused with 1007', async () => {
  await expectFailures([
    ['reason 0xFF', () => frame({ opcode: OP.close, payload: Buffer.concat([closePayload(1000), Buffer.from([0xFF])]) })],
    ['reason with a truncated sequence', () => frame({ opcode: OP.close, payload: Buffer.concat([closePayload(1000, 'ok'), Buffer.from([0xE2, 0x82])]) })]
  ], 1007)
})

// ---- 9. byte-at-a-time input --------------------------------------------------

test('a request and frames delivered one byte per TCP segment still work', async () => {
  const { update } = textUpdate('one byte at a time')
  const yjs = new RawWs(yjsUrl(), { connect: false })
  await yjs.connected
  await yjs.trickle(yjs.request, 1)
  await yjs.handshake()
  assert.equal(yjs.response.status, 101)
  assert.equal(yjs.response.headers['sec-websocket-accept'], acceptFor(yjs.key))
  // an update, then a sync step 1 in two fragments with a ping between them
  await yjs.trickle(Buffer.concat([
    binary(updateMsg(update)),
    binary(emptyStep1().subarray(0, 2), { fin: false }),
    ping('trickled'),
    continuation(emptyStep1().subarray(2))
  ]))
  assert.equal((await yjs.nextPong()).toString(), 'trickled')
  assert.equal(textOf(step2Update(await yjs.nextMessage(isStep2, { what: 'sync step 2' }))), 'one byte at a time')

  // a text frame with a 16-bit length (200 bytes)
  const sig = await RawWs.open(hub.signalUrl)
  const m = Buffer.from(signalPing({ pad: 'p'.repeat(200 - signalPing({ pad: '' }).length) }))
  assert.equal(m.length, 200)
  await sig.trickle(text(m))
  await sig.nextMessage(isPong, { what: 'the pong' })
  // and a close frame, byte by byte
  await sig.trickle(closeFrame(1000, 'done'))
  assert.equal((await sig.closeReceived()).code, 1000)
  await sig.endReceived()
  yjs.assertNoViolations()
  sig.assertNoViolations()
})
