// Shared harness for the hub tests (tests/interop/hub_*.test.mjs).
//
// It starts the server under test, waits until it is ready, hands out URLs and
// clients, and in the file's `after` hook kills every process and closes every
// client it made, even when a test failed half-way.
//
// Which server:
//   default            the C++ hub: $ROUNDTABLE_BUILD_DIR/roundtable serve
//                      (ROUNDTABLE_BUILD_DIR defaults to ../../build)
//   HUB_IMPL=reference the JavaScript reference servers that speak the same
//                      protocols: @y/websocket-server for /yjs and y-webrtc's
//                      signaling server for /signal (each on its own port).
//
// Tests that need what only the hub has (persistence, origin checks, limits,
// /metrics, ...) pass `onlyHub('X')` as test options: skipped with
// "reference server has no X" when HUB_IMPL=reference, run against the hub.
// HUB_REFERENCE_PERSIST=1 runs the reference y-websocket server with its
// LevelDB persistence (YPERSISTENCE) and un-skips the persistence tests, to
// check the persistence tests' own mechanics against a JavaScript server.
//
// Usage:
//   const h = useHarness()                       // registers the cleanup hook
//   const hub = await h.startHub({ flags: ['--unload-grace-ms', '200'] })
//   const { doc, provider } = h.provider(hub, 'doc-name')
//   await waitSynced(provider)
import { after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'

const here = import.meta.dirname

export const IMPL = process.env.HUB_IMPL === 'reference' ? 'reference' : 'hub'
export const isReference = IMPL === 'reference'
export const referencePersist = isReference && process.env.HUB_REFERENCE_PERSIST === '1'
export const buildDir = process.env.ROUNDTABLE_BUILD_DIR || path.resolve(here, '../../build')
export const hubBinary = path.join(buildDir, 'roundtable')

/** Test options: skip against the reference servers, run against the hub. */
export const onlyHub = what => (isReference ? { skip: `reference server has no ${what}` } : {})
/** Like onlyHub, but also run against the reference when HUB_REFERENCE_PERSIST=1. */
export const needsPersistence = what =>
  (isReference && !referencePersist ? { skip: `reference server has no ${what} (HUB_REFERENCE_PERSIST=1 runs it with LevelDB)` } : {})

/**
 * Against the hub: nothing. With HUB_REFERENCE_PERSIST=1: waits a second
 * before a kill, because the reference writes to LevelDB asynchronously after
 * relaying and loses the latest updates on SIGTERM/SIGKILL (measured: a kill
 * right after the relay loses the whole document). This lets the persistence
 * tests' own mechanics be checked against it; the hub gets no such grace.
 */
export const referencePersistSettle = () => (referencePersist ? sleep(1000) : Promise.resolve())

// y-websocket message types
export const MSG_SYNC = 0
export const MSG_AWARENESS = 1
export const MSG_AUTH = 2
export const MSG_QUERY_AWARENESS = 3

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

/** Polls `pred` (sync or async) until it returns truthy; fails with `message` after `timeout` ms. */
export const waitFor = async (pred, { timeout = 5000, interval = 10, message = 'condition' } = {}) => {
  const deadline = Date.now() + timeout
  for (;;) {
    const v = await pred()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${message}`)
    await sleep(interval)
  }
}

/** A seeded PRNG (mulberry32): tests print their seed and replay with SEED=n. */
export const prng = seed => {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    pick: arr => arr[Math.floor(next() * arr.length)],
    bool: (p = 0.5) => next() < p
  }
}
export const seedFromEnv = fallback => (process.env.SEED ? Number(process.env.SEED) : fallback)

let uniq = 0
/** A doc name unique within this process (the servers are shared between tests of a file). */
export const docName = prefix => `${prefix}-${process.pid}-${++uniq}`

export const freePort = () => new Promise((resolve, reject) => {
  const srv = net.createServer()
  srv.once('error', reject)
  srv.listen(0, '127.0.0.1', () => {
    const { port } = srv.address()
    srv.close(() => resolve(port))
  })
})

const tcpReady = (port, timeout) => waitFor(() => new Promise(resolve => {
  const s = net.connect(port, '127.0.0.1')
  s.once('connect', () => { s.destroy(); resolve(true) })
  s.once('error', () => resolve(false))
}), { timeout, interval: 25, message: `a TCP listener on port ${port}` })

// Every child process any harness started, so that even an uncaught failure
// does not leave servers behind.
const liveChildren = new Set()
process.setMaxListeners(200) // every WebsocketProvider adds a process 'exit' listener
process.on('exit', () => { for (const c of liveChildren) { try { c.kill('SIGKILL') } catch {} } })

/** One child process with its output collected and its exit awaited. */
export class Child {
  constructor (cmd, args, env, label) {
    this.label = label
    this.output = ''
    this.proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    liveChildren.add(this.proc)
    this.exitInfo = null
    this.exited = new Promise(resolve => {
      this.proc.once('exit', (code, signal) => {
        liveChildren.delete(this.proc)
        this.exitInfo = { code, signal }
        resolve(this.exitInfo)
      })
      this.proc.once('error', err => {
        liveChildren.delete(this.proc)
        this.output += `\n[spawn error: ${err.message}]`
        this.exitInfo = { code: null, signal: null, error: err }
        resolve(this.exitInfo)
      })
    })
    const collect = chunk => {
      this.output += chunk.toString()
      if (process.env.HUB_LOG) process.stderr.write(`[${label}] ${chunk}`)
    }
    this.proc.stdout.on('data', collect)
    this.proc.stderr.on('data', collect)
  }

  get running () { return this.exitInfo === null }

  /** Resolves with the first match of `re` in the output; rejects if the process exits first or on timeout. */
  waitOutput (re, timeout = 15000) {
    return new Promise((resolve, reject) => {
      let finished = false
      const finish = (fn, v) => {
        if (finished) return
        finished = true
        clearTimeout(timer)
        this.proc.stdout.off('data', check)
        this.proc.stderr.off('data', check)
        fn(v)
      }
      const check = () => { const m = this.output.match(re); if (m) finish(resolve, m) }
      const timer = setTimeout(() => finish(reject, new Error(`${this.label} did not print ${re} within ${timeout} ms; output:\n${this.output}`)), timeout)
      this.proc.stdout.on('data', check)
      this.proc.stderr.on('data', check)
      this.exited.then(() => { check(); finish(reject, new Error(`${this.label} exited (${JSON.stringify(this.exitInfo)}) before printing ${re}; output:\n${this.output}`)) })
      check()
    })
  }

  async kill (signal = 'SIGTERM', timeout = 10000) {
    if (!this.running) return this.exitInfo
    this.proc.kill(signal)
    const timer = setTimeout(() => { if (this.running) this.proc.kill('SIGKILL') }, timeout)
    const info = await this.exited
    clearTimeout(timer)
    return info
  }
}

/**
 * A running server under test.
 *   httpUrl   http://127.0.0.1:PORT (reference: the y-websocket server's port)
 *   wsBase    serverUrl for WebsocketProvider: ws://127.0.0.1:PORT/yjs
 *   yjsUrl(name)  ws URL of one document; `name` is used as is (encode it yourself)
 *   signalUrl ws://127.0.0.1:PORT/signal (reference: the signaling server's port)
 *   dataDir   the --data directory
 */
export class Hub {
  /**
   * `host` is the address it listens on (and the tests reach it at); `prefix`
   * a command it runs under, such as ['ip', 'netns', 'exec', NS].
   */
  constructor ({ flags = [], dataDir, port = 0, env = {}, host = '127.0.0.1', prefix = [] } = {}) {
    this.flags = flags
    this.host = host
    this.prefix = prefix
    this.dataDir = dataDir
    this.requestedPort = port
    this.env = env
    this.children = []
    this.starts = 0
  }

  get yjsPort () { return this.port }

  async start () {
    this.starts++
    if (isReference) return this._startReference()
    if (!fs.existsSync(hubBinary)) {
      throw new Error(`no hub binary at ${hubBinary}: build it (cmake --build build) or set ROUNDTABLE_BUILD_DIR, or run with HUB_IMPL=reference`)
    }
    const args = ['serve', '--host', this.host, '--port', String(this.requestedPort), '--data', this.dataDir, ...this.flags]
    const [cmd, ...cmdArgs] = [...this.prefix, hubBinary, ...args]
    const child = new Child(cmd, cmdArgs, this.env, `hub#${this.starts}`)
    this.child = child
    this.children = [child]
    const m = await child.waitOutput(/listening on (http:\/\/[^\s]+)/)
    const url = new URL(m[1])
    this.port = Number(url.port)
    this.requestedPort = this.port // a restart comes back on the same port
    this.httpUrl = `http://${this.host}:${this.port}`
    this.wsBase = `ws://${this.host}:${this.port}/yjs`
    this.signalUrl = `ws://${this.host}:${this.port}/signal`
    return this
  }

  async _startReference () {
    if (!this.requestedPort) this.requestedPort = await freePort()
    if (!this.signalPort) this.signalPort = await freePort()
    const env = { HOST: '127.0.0.1', PORT: String(this.requestedPort), ...this.env }
    if (referencePersist) env.YPERSISTENCE = path.join(this.dataDir, 'leveldb')
    const yws = new Child(process.execPath, [path.join(here, 'node_modules/@y/websocket-server/src/server.js')], env, `y-websocket-server#${this.starts}`)
    const sig = new Child(process.execPath, [path.join(here, 'node_modules/y-webrtc/bin/server.js')], { PORT: String(this.signalPort) }, `y-webrtc-signaling#${this.starts}`)
    this.child = yws
    this.signalChild = sig
    this.children = [yws, sig]
    await yws.waitOutput(/running at/)
    await sig.waitOutput(/Signaling server running/)
    await tcpReady(this.signalPort, 10000) // it prints before it listens
    this.port = this.requestedPort
    this.httpUrl = `http://127.0.0.1:${this.port}`
    this.wsBase = `ws://127.0.0.1:${this.port}/yjs`
    this.signalUrl = `ws://127.0.0.1:${this.signalPort}/signal`
    return this
  }

  yjsUrl (name) { return `${this.wsBase}/${name}` }

  get running () { return this.children.some(c => c.running) }
  get output () { return this.children.map(c => c.output).join('\n') }
  get exited () { return this.child.exited }

  /** Sends `signal` to the server (both reference servers) and resolves with the main process's {code, signal}. */
  async kill (signal = 'SIGTERM') {
    const infos = await Promise.all(this.children.map(c => c.kill(signal)))
    return infos[0]
  }

  /** Kills the server with `signal` and starts it again on the same port and data directory. */
  async restart (signal = 'SIGKILL') {
    const info = await this.kill(signal)
    await this.start()
    return info
  }
}

/** Minimal HTTP client with full control over the path and headers (no normalisation, no implicit Origin). */
export const httpGet = (hubOrUrl, reqPath, { headers = {}, method = 'GET', timeout = 5000 } = {}) => new Promise((resolve, reject) => {
  const base = new URL(typeof hubOrUrl === 'string' ? hubOrUrl : hubOrUrl.httpUrl)
  const req = http.request({ host: base.hostname, port: base.port, path: reqPath, method, headers, timeout, agent: false }, res => {
    const chunks = []
    res.on('data', c => chunks.push(c))
    res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }))
    res.on('error', reject)
  })
  req.on('timeout', () => req.destroy(new Error(`GET ${reqPath} timed out`)))
  req.on('error', reject)
  req.end()
})

/**
 * Tries a WebSocket upgrade and reports how it ended:
 * { opened: true, ws } or { opened: false, status } (HTTP status of a refused upgrade)
 * or { opened: false, closeCode } (accepted then closed at once) or { opened: false, error }.
 */
export const tryUpgrade = (url, options = {}) => new Promise(resolve => {
  const ws = new WebSocket(url, options)
  let settled = false
  const settle = v => { if (!settled) { settled = true; resolve(v) } }
  ws.on('unexpected-response', (_req, res) => {
    res.resume()
    settle({ opened: false, status: res.statusCode })
    ws.terminate()
  })
  ws.on('open', () => settle({ opened: true, ws }))
  ws.on('close', code => settle({ opened: false, closeCode: code }))
  ws.on('error', err => settle({ opened: false, error: err.message }))
})

/**
 * A raw WebSocket client: collects every message, tells how it closed.
 *   messages       all received messages (Uint8Array for binary, string for text)
 *   closed         promise of { code, reason } when the socket closes
 *   next(pred)     resolves with the first message (received earlier but not yet taken, or later) matching pred
 */
export class RawClient {
  constructor (url, options = {}) {
    this.url = url
    this.ws = new WebSocket(url, options)
    this.ws.binaryType = 'nodebuffer'
    this.messages = []
    this.taken = 0
    this.waiters = []
    this.closeInfo = null
    this.closed = new Promise(resolve => {
      this.ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() }
        resolve(this.closeInfo)
        for (const w of this.waiters) w.reject(new Error(`connection closed (${code}) while waiting for a message`))
        this.waiters = []
      })
    })
    this.ws.on('error', err => { this.error = err })
    this.ws.on('message', (data, isBinary) => {
      const msg = isBinary ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data.toString()
      this.messages.push(msg)
      this.onMessage?.(msg)
      this.waiters = this.waiters.filter(w => {
        if (!w.pred(msg)) return true
        w.resolve(msg)
        return false
      })
    })
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve)
      this.ws.once('error', reject)
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)))
    })
  }

  get isOpen () { return this.ws.readyState === WebSocket.OPEN }

  send (data) { this.ws.send(data) }
  sendJson (obj) { this.ws.send(JSON.stringify(obj)) }

  /** Waits for a message matching pred (messages already received count too, each only once). */
  next (pred = () => true, timeout = 5000) {
    for (let i = this.taken; i < this.messages.length; i++) {
      if (pred(this.messages[i])) {
        this.taken = i + 1
        return Promise.resolve(this.messages[i])
      }
    }
    if (this.closeInfo) return Promise.reject(new Error(`connection closed (${this.closeInfo.code}) while waiting for a message`))
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: m => { clearTimeout(timer); this.taken = this.messages.length; resolve(m) },
        reject: e => { clearTimeout(timer); reject(e) }
      }
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter(x => x !== w)
        reject(new Error(`no matching message within ${timeout} ms on ${this.url}`))
      }, timeout)
      this.waiters.push(w)
    })
  }

  /** Resolves with the close info, or fails if the socket stays open for `timeout` ms. */
  async waitClosed (timeout = 5000) {
    let timer
    const t = new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${this.url} still open after ${timeout} ms`)), timeout) })
    try { return await Promise.race([this.closed, t]) } finally { clearTimeout(timer) }
  }

  close () { try { this.ws.terminate() } catch {} }
}

// ---- y-websocket messages, built with y-protocols itself -------------------

const build = f => { const e = encoding.createEncoder(); f(e); return encoding.toUint8Array(e) }
export const syncStep1Msg = doc => build(e => { encoding.writeVarUint(e, MSG_SYNC); syncProtocol.writeSyncStep1(e, doc) })
/** Sync step 1 with an explicit (encoded) state vector, e.g. of an empty doc: new Uint8Array([0]). */
export const syncStep1RawMsg = sv => build(e => { encoding.writeVarUint(e, MSG_SYNC); encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep1); encoding.writeVarUint8Array(e, sv) })
export const syncStep2Msg = (doc, sv) => build(e => { encoding.writeVarUint(e, MSG_SYNC); syncProtocol.writeSyncStep2(e, doc, sv) })
export const updateMsg = update => build(e => { encoding.writeVarUint(e, MSG_SYNC); syncProtocol.writeUpdate(e, update) })
export const awarenessMsg = (awareness, clients) => build(e => { encoding.writeVarUint(e, MSG_AWARENESS); encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, clients)) })
export const queryAwarenessMsg = () => build(e => { encoding.writeVarUint(e, MSG_QUERY_AWARENESS) })

/**
 * Parses one y-websocket message: { type, syncType?, payload? }.
 * sync messages: syncType 0 (step1, payload = state vector), 1 (step2, payload = update), 2 (update)
 * awareness: payload = the awareness update
 */
export const parseMsg = msg => {
  const d = decoding.createDecoder(msg)
  const type = decoding.readVarUint(d)
  if (type === MSG_SYNC) {
    const syncType = decoding.readVarUint(d)
    return { type, syncType, payload: decoding.readVarUint8Array(d) }
  }
  if (type === MSG_AWARENESS) return { type, payload: decoding.readVarUint8Array(d) }
  return { type }
}
export const isSync = syncType => m => m instanceof Uint8Array && m.length > 1 && m[0] === MSG_SYNC && m[1] === syncType
export const isAwareness = m => m instanceof Uint8Array && m.length > 0 && m[0] === MSG_AWARENESS

/** Decodes an awareness update into Map(clientID → {clock, state}). */
export const decodeAwareness = update => {
  const d = decoding.createDecoder(update)
  const n = decoding.readVarUint(d)
  const out = new Map()
  for (let i = 0; i < n; i++) {
    const client = decoding.readVarUint(d)
    const clock = decoding.readVarUint(d)
    out.set(client, { clock, state: JSON.parse(decoding.readVarString(d)) })
  }
  return out
}

/**
 * A raw y-websocket client with its own Y.Doc: applies every sync step 2 and
 * update it receives (origin 'remote'), answers nothing unless asked.
 */
export class RawDocClient extends RawClient {
  constructor (url, { doc = new Y.Doc(), ...options } = {}) {
    super(url, options)
    this.doc = doc
    this.received = 0
    this.onMessage = msg => {
      if (!(msg instanceof Uint8Array) || msg.length < 2 || msg[0] !== MSG_SYNC) return
      const { syncType, payload } = parseMsg(msg)
      if (syncType === 1 || syncType === 2) {
        Y.applyUpdate(this.doc, payload, 'remote')
        this.received++
        this.onUpdate?.(payload)
      }
    }
  }

  /** Opens, sends sync step 1 with this doc's state vector and waits for the server's step 2. */
  async sync (timeout = 5000) {
    await this.opened
    const step2 = this.next(isSync(1), timeout)
    this.send(syncStep1Msg(this.doc))
    await step2
    return this
  }

  sendUpdate (update) { this.send(updateMsg(update)) }
}

// ---- providers -------------------------------------------------------------

/** Resolves when the provider is synced (sync step 2 received). */
export const waitSynced = (provider, timeout = 5000) => provider.synced
  ? Promise.resolve()
  : waitFor(() => provider.synced, { timeout, message: `provider ${provider.roomname} to sync` })

/** Document content used for convergence checks. */
export const docContent = doc => ({
  text: doc.getText('text').toDelta(),
  map: doc.getMap('map').toJSON(),
  xml: doc.getXmlFragment('xml').toString()
})

/** Replaces long strings by their length and hash, so that a failed deepEqual prints a readable diff. */
export const shorten = v => {
  if (typeof v === 'string') return v.length > 120 ? `<${v.length} chars ${createHash('sha1').update(v).digest('hex').slice(0, 12)}>` : v
  if (Array.isArray(v)) return v.map(shorten)
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shorten(x)]))
  return v
}

/** What two docs must agree on: content (long strings hashed) and state vector. */
export const digest = doc => ({ content: shorten(docContent(doc)), sv: stateVector(doc) })

/** The state vector as a sorted array of [client, clock] (encodeStateVector's entry order is map order). */
export const stateVector = doc => [...Y.decodeStateVector(Y.encodeStateVector(doc)).entries()].sort((a, b) => a[0] - b[0])

// ---- the per-file harness --------------------------------------------------

export class Harness {
  constructor () {
    this.hubs = []
    this.cleanups = []
    this.tmpDirs = []
  }

  tmpDir (prefix = 'roundtable-hub-') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
    this.tmpDirs.push(dir)
    return dir
  }

  /** Registers fn to run at cleanup (in reverse order). */
  defer (fn) { this.cleanups.push(fn); return fn }

  /** Starts a server; options: flags (hub only), dataDir (default: a new temp dir), port, env. */
  async startHub (opts = {}) {
    const hub = this.newHub(opts)
    await hub.start()
    return hub
  }

  /** A Hub that is cleaned up with the others but not started yet (to watch a start that should fail). */
  newHub (opts = {}) {
    const hub = new Hub({ ...opts, dataDir: opts.dataDir ?? this.tmpDir() })
    this.hubs.push(hub)
    return hub
  }

  /** A WebsocketProvider (Node `ws`, BroadcastChannel off so that only the server connects peers) on a fresh Y.Doc. */
  provider (hub, name, opts = {}) {
    const doc = opts.doc ?? new Y.Doc()
    const provider = new WebsocketProvider(hub.wsBase, name, doc, { WebSocketPolyfill: WebSocket, disableBc: true, maxBackoffTime: 500, ...opts, doc: undefined })
    // a provider must never keep the test process alive
    this.defer(() => { provider.destroy(); doc.destroy() })
    return { doc, provider, awareness: provider.awareness }
  }

  raw (url, options) { const c = new RawClient(url, options); this.defer(() => c.close()); return c }
  rawDoc (url, options) { const c = new RawDocClient(url, options); this.defer(() => c.close()); return c }
  track (ws) { this.defer(() => { try { ws.terminate?.() ?? ws.destroy?.() } catch {} }); return ws }

  async cleanup () {
    for (const fn of this.cleanups.reverse()) {
      try { await fn() } catch {}
    }
    this.cleanups = []
    await Promise.all(this.hubs.map(h => h.kill('SIGKILL').catch(() => {})))
    for (const dir of this.tmpDirs) fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** Creates the file's harness and registers its cleanup in the file's `after` hook. */
export const useHarness = () => {
  const h = new Harness()
  after(() => h.cleanup())
  return h
}

export { assert, Y, WebSocket, WebsocketProvider, encoding, decoding, syncProtocol, awarenessProtocol }
