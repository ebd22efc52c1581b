// One Y.Doc per document and the providers that sync it, created outside React
// (as BlockNote's collaboration examples do) and shared by every component
// that shows the document.
//
//   y-websocket  -> the hub (ws://HOST/yjs/<name>); none on a review site
//                   that serves no documents (/config.json "documents": false,
//                   `roundtable signal --web`): there peers are the only source
//   y-indexeddb  -> this browser's copy (checked first, see localStore.ts)
//   y-webrtc     -> other reviewers, in the encrypted room roundtable-<planId>
//                   (large messages split by chunkedPeer.ts)
//
// All three share one Y.Doc and one Awareness, so a peer reachable both
// through the hub and directly is one awareness entry, counted once.
//
// Lifetime: sessions are reference counted. The last release does not destroy
// at once but after a short grace period, so that React StrictMode's
// unmount/remount (and a quick back-and-forth navigation) reuse the same
// providers instead of racing y-webrtc's asynchronous destroy ("A Yjs Doc
// connected to room ... already exists"). When a room must be opened again
// after a real destroy, its creation waits for that destroy to finish.
import * as Y from 'yjs'
import { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import { IndexeddbPersistence } from 'y-indexeddb'
import { WebrtcProvider } from 'y-webrtc'
import type { RuntimeConfig } from '../api/config'
import { selectedRoute, summarizeRoutes, type IceRoute, type P2pRoute } from './iceRoute'
import { LOCAL_SCHEMA_VERSION, SCHEMA_KEY, checkLocalStore, deleteLocalStore, localDbName, type LocalCheck } from './localStore'

/** 'none': this site has no hub for documents (peer-to-peer only). */
export type HubStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'none'

/** A connected peer and the way its connection goes. */
export type PeerRoute = { peerId: string } & IceRoute

export type SessionState = {
  hub: HubStatus
  /** The hub has sent its state at least once since the session started. */
  hubSynced: boolean
  /** The browser's copy: 'loading' until y-indexeddb has applied it. */
  local: 'loading' | 'loaded' | 'unavailable'
  /** What the check of the browser's copy found (a reset is shown to the user). */
  localCheck: LocalCheck | null
  /** Directly connected WebRTC peers. */
  peers: number
  /** Connected peers that have sent their copy of the document. */
  peersSynced: number
  /**
   * Peers the signaling relay found but WebRTC could not connect to (an
   * attempt failed, or none succeeded for UNREACHABLE_AFTER_MS): usually
   * networks that need a TURN server.
   */
  peersUnreachable: number
  /** How the connected peers are reached (from getStats' selected candidate pairs). */
  p2pRoute: P2pRoute
  /** Connected peers whose route is known, one entry each. */
  routes: PeerRoute[]
  /** The signaling relay answers (P2P can find new peers). */
  signaling: boolean
  /**
   * Why this page cannot join the encrypted room at all: a page served over
   * plain http (not localhost) has no WebCrypto, which y-webrtc needs for the
   * room password.
   */
  p2pBlocked: 'insecure-page' | null
}

export type SessionOptions = {
  config: RuntimeConfig
  /** y-webrtc room and its password; no WebRTC without it (the plan index). */
  webrtc?: { room: string; password: string }
}

/** What a session reports before any provider has said anything. */
export const INITIAL_SESSION_STATE: SessionState = {
  hub: 'connecting',
  hubSynced: false,
  local: 'loading',
  localCheck: null,
  peers: 0,
  peersSynced: 0,
  peersUnreachable: 0,
  p2pRoute: 'none',
  routes: [],
  signaling: false,
  p2pBlocked: null,
}

/** Longest pause between reconnection attempts to the hub. */
const MAX_BACKOFF_MS = 10_000
/** How long an unused session lives on (StrictMode remounts, quick navigation). */
const RELEASE_GRACE_MS = 1_500

/** A peer still not connected after this long counts as unreachable. */
const UNREACHABLE_AFTER_MS = 10_000
/**
 * A connection attempt still not connected after this long is closed: y-webrtc
 * then announces itself again and, if the other side is still there, tries
 * anew (ICE itself may never give up when it has no candidate pair to check).
 */
const GIVE_UP_ATTEMPT_MS = 30_000
/** An attempt whose ICE failed or dropped before connecting is closed after this long. */
const BROKEN_ATTEMPT_MS = 3_000
/** A peer that failed and has not been seen again for this long is forgotten (it left). */
const FORGET_PEER_MS = 30_000
/** How often the connected peers' routes are read (getStats). */
const ROUTE_POLL_MS = 2_000

/** What the session remembers of one remote peer (by y-webrtc peer id). */
type PeerTrack = {
  /** When it was last seen in the room's connections. */
  lastSeen: number
  /** Since when it has been waiting for a connection (reset on connect). */
  waitingSince: number
  /** When the current connection attempt began. */
  attemptSince: number
  /** When the current attempt's ICE went 'failed' or 'disconnected' (before connecting). */
  brokenSince?: number
  /** Connected at the last look. */
  connected: boolean
  /** Attempts that ended without ever connecting, since the last success. */
  failures: number
  /** Present in the room's connections at the last look. */
  present: boolean
}

/** The RTCPeerConnection behind a y-webrtc connection (simple-peer keeps it in `_pc`). */
type SimplePeerLike = { destroy?: () => void; _pc?: RTCPeerConnection | null } | null
const peerConnectionOf = (conn: { peer: unknown }): RTCPeerConnection | null => (conn.peer as SimplePeerLike)?._pc ?? null

/** Rooms whose provider is being destroyed: opening them again waits for this. */
const closingRooms = new Map<string, Promise<void>>()

type Listener = () => void

export class DocSession {
  readonly name: string
  readonly doc = new Y.Doc()
  readonly awareness: Awareness
  /** The hub's document sync; null on a site without documents. */
  readonly ws: WebsocketProvider | null
  idb: IndexeddbPersistence | null = null
  rtc: WebrtcProvider | null = null

  private state: SessionState = INITIAL_SESSION_STATE
  private tracked = new Map<string, PeerTrack>()
  private routesKey = ''
  private lastRoutePoll = 0
  private polling = false
  private listeners = new Set<Listener>()
  private everConnected = false
  private destroyed = false
  private timers: ReturnType<typeof setInterval>[] = []
  private rtcKey = ''
  private readonly options: SessionOptions

  constructor(name: string, options: SessionOptions) {
    this.name = name
    this.options = options
    this.awareness = new Awareness(this.doc)
    if (options.config.documents) {
      const ws = new WebsocketProvider(options.config.websocketUrl, encodeURIComponent(name), this.doc, {
        awareness: this.awareness,
        maxBackoffTime: MAX_BACKOFF_MS,
      })
      this.ws = ws
      ws.on('status', () => this.refreshHub())
      ws.on('connection-close', () => this.refreshHub())
      ws.on('connection-error', () => this.refreshHub())
      ws.on('sync', (synced: boolean) => {
        if (synced) this.set({ hubSynced: true })
      })
      window.addEventListener('online', this.refreshHub)
      window.addEventListener('offline', this.refreshHub)
    } else {
      this.ws = null
      this.state = { ...this.state, hub: 'none' }
    }
    void this.openLocal()
    if (options.webrtc) void this.openWebrtc(options.webrtc)
    // Peer connections come and go without always telling the provider.
    this.timers.push(setInterval(() => this.refreshPeers(), 1000))
  }

  // ---- observable state (for useSyncExternalStore)

  getState = (): SessionState => this.state

  subscribe = (fn: Listener): (() => void) => {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private set(patch: Partial<SessionState>): void {
    const next = { ...this.state, ...patch }
    if ((Object.keys(patch) as (keyof SessionState)[]).every(k => next[k] === this.state[k])) return
    this.state = next
    this.listeners.forEach(fn => fn())
  }

  private refreshHub = (): void => {
    if (this.destroyed || !this.ws) return
    let hub: HubStatus
    if (this.ws.wsconnected) {
      this.everConnected = true
      hub = 'connected'
    } else if (!navigator.onLine) {
      hub = 'offline'
    } else {
      const failures = this.ws.wsUnsuccessfulReconnects
      // Never reached it, or several attempts in a row failed: say so plainly.
      if ((!this.everConnected && failures >= 1) || failures >= 3) hub = 'offline'
      else hub = this.everConnected ? 'reconnecting' : 'connecting'
    }
    this.set({ hub })
  }

  private refreshPeers(): void {
    if (this.destroyed) return
    const room = this.rtc?.room
    const now = Date.now()
    let peers = 0
    let peersSynced = 0
    const seen = new Set<string>()
    room?.webrtcConns.forEach((conn, id) => {
      seen.add(id)
      let t = this.tracked.get(id)
      if (!t) {
        t = { lastSeen: now, waitingSince: now, attemptSince: now, connected: false, failures: 0, present: false }
        this.tracked.set(id, t)
      }
      if (!t.present) t.attemptSince = now
      t.lastSeen = now
      t.present = true
      if (conn.connected) {
        peers++
        if (conn.synced) peersSynced++
        t.connected = true
        t.failures = 0
        t.waitingSince = now
      } else {
        if (t.connected) {
          t.connected = false
          t.waitingSince = now
          t.attemptSince = now
        }
        // ICE that failed (or lost its only pair before the data channel
        // opened) does not come back by itself: start over at once rather
        // than after GIVE_UP_ATTEMPT_MS.
        const ice = peerConnectionOf(conn)?.iceConnectionState
        if (ice === 'failed' || ice === 'disconnected') t.brokenSince ??= now
        else t.brokenSince = undefined
        if (now - t.attemptSince >= GIVE_UP_ATTEMPT_MS || (t.brokenSince !== undefined && now - t.brokenSince >= BROKEN_ATTEMPT_MS))
          (conn.peer as SimplePeerLike)?.destroy?.()
      }
    })
    let peersUnreachable = 0
    for (const [id, t] of this.tracked) {
      if (!seen.has(id)) {
        // Its connection is gone: a failed attempt if it never connected,
        // a departure if it was connected.
        if (t.present && !t.connected) t.failures++
        t.present = false
        t.connected = false
        if (now - t.lastSeen > FORGET_PEER_MS || t.failures === 0) {
          this.tracked.delete(id)
          continue
        }
      }
      if (!t.connected && (t.failures > 0 || now - t.waitingSince >= UNREACHABLE_AFTER_MS)) peersUnreachable++
    }
    const signaling = this.rtc ? Array.from(this.rtc.signalingConns).some(c => c.connected) : false
    this.set({ peers, peersSynced, peersUnreachable, signaling })
    if (peers === 0) this.setRoutes([])
    else if (now - this.lastRoutePoll >= ROUTE_POLL_MS || this.state.routes.length !== peers) void this.pollRoutes()
    this.refreshHub()
  }

  /** The selected ICE candidate pair of every connected peer. */
  async routes(): Promise<PeerRoute[]> {
    const out: PeerRoute[] = []
    const conns = Array.from(this.rtc?.room?.webrtcConns ?? [])
    for (const [peerId, conn] of conns) {
      if (!conn.connected) continue
      const route = await selectedRoute(peerConnectionOf(conn))
      if (route) out.push({ peerId, ...route })
    }
    return out
  }

  private async pollRoutes(): Promise<void> {
    if (this.polling) return
    this.polling = true
    this.lastRoutePoll = Date.now()
    try {
      const routes = await this.routes()
      if (!this.destroyed) this.setRoutes(routes)
    } finally {
      this.polling = false
    }
  }

  private setRoutes(routes: PeerRoute[]): void {
    const key = JSON.stringify(routes)
    if (key === this.routesKey) return
    this.routesKey = key
    this.set({ routes, p2pRoute: summarizeRoutes(routes) })
  }

  // ---- providers

  private async openLocal(): Promise<void> {
    const dbName = localDbName(this.name)
    const check = await checkLocalStore(dbName)
    if (this.destroyed) return
    this.set({ localCheck: check })
    if (check === 'unavailable') {
      this.set({ local: 'unavailable' })
      return
    }
    const idb = new IndexeddbPersistence(dbName, this.doc)
    this.idb = idb
    idb.on('synced', () => {
      if (this.destroyed) return
      this.set({ local: 'loaded' })
      void idb.set(SCHEMA_KEY, LOCAL_SCHEMA_VERSION)
    })
  }

  private async openWebrtc(opts: { room: string; password: string }): Promise<void> {
    const key = `${opts.room}\n${opts.password}`
    this.rtcKey = key
    const closing = closingRooms.get(opts.room)
    if (closing) await closing
    if (this.destroyed || this.rtcKey !== key) return
    const { signaling, iceServers } = this.options.config
    if (!window.isSecureContext || !globalThis.crypto?.subtle) {
      this.set({ p2pBlocked: 'insecure-page' })
      return
    }
    try {
      this.rtc = new WebrtcProvider(opts.room, this.doc, {
        signaling,
        password: opts.password,
        awareness: this.awareness,
        maxConns: 20,
        peerOpts: { config: { iceServers } },
      })
      this.rtc.on('peers', () => this.refreshPeers())
    } catch (err) {
      // Another document of this page holds the room (should not happen:
      // sessions are one per plan). Keep working through the hub.
      console.error('roundtable: WebRTC room unavailable', err)
    }
  }

  /** Switches the WebRTC room password (a share link with another secret was opened). */
  async setWebrtc(opts: { room: string; password: string }): Promise<void> {
    if (`${opts.room}\n${opts.password}` === this.rtcKey) return
    this.closeWebrtc()
    await this.openWebrtc(opts)
  }

  private closeWebrtc(): void {
    const rtc = this.rtc
    this.rtc = null
    if (!rtc) return
    const local = this.awareness.getLocalState()
    rtc.destroy()
    // y-webrtc frees the room name only once its key promise settles (its
    // destroy registered its own continuation first, so this one runs after).
    const done = Promise.resolve(rtc.key).then(() => undefined, () => undefined)
    closingRooms.set(rtc.roomName, done)
    void done.then(() => {
      if (closingRooms.get(rtc.roomName) === done) closingRooms.delete(rtc.roomName)
      // Leaving a room clears the local awareness state; stay present.
      if (!this.destroyed && local && this.awareness.getLocalState() === null) this.awareness.setLocalState(local)
    })
    this.tracked.clear()
    this.setRoutes([])
    this.set({ peers: 0, peersSynced: 0, peersUnreachable: 0, signaling: false })
  }

  /** Deletes this browser's copy and reloads it from the hub or peers. */
  async resetLocal(): Promise<void> {
    await this.idb?.destroy()
    this.idb = null
    await deleteLocalStore(localDbName(this.name))
  }

  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.timers.forEach(clearInterval)
    window.removeEventListener('online', this.refreshHub)
    window.removeEventListener('offline', this.refreshHub)
    this.closeWebrtc()
    this.ws?.destroy()
    void this.idb?.destroy()
    this.awareness.destroy()
    this.doc.destroy()
    this.listeners.clear()
  }
}

// ---- registry: one session per document name, reference counted

type Entry = { session: DocSession; refs: number; timer: ReturnType<typeof setTimeout> | null }
const sessions = new Map<string, Entry>()

export const acquireSession = (name: string, options: SessionOptions): DocSession => {
  let entry = sessions.get(name)
  if (entry) {
    if (entry.timer !== null) clearTimeout(entry.timer)
    entry.timer = null
    entry.refs++
    if (options.webrtc) void entry.session.setWebrtc(options.webrtc)
    return entry.session
  }
  entry = { session: new DocSession(name, options), refs: 1, timer: null }
  sessions.set(name, entry)
  return entry.session
}

export const releaseSession = (session: DocSession): void => {
  const entry = sessions.get(session.name)
  if (!entry || entry.session !== session) return
  entry.refs--
  if (entry.refs > 0) return
  entry.timer = setTimeout(() => {
    sessions.delete(session.name)
    session.destroy()
  }, RELEASE_GRACE_MS)
}

/** Live sessions (for tests and the debug hook). */
export const liveSessionNames = (): string[] => Array.from(sessions.keys())

/** Every WebRTC attempt of every session, connected or not, with its RTCPeerConnection states (diagnostics). */
export const peerStates = (): { doc: string; peerId: string; connected: boolean; connection?: string; ice?: string; gathering?: string; signaling?: string }[] => {
  const out: ReturnType<typeof peerStates> = []
  for (const [doc, entry] of sessions) {
    entry.session.rtc?.room?.webrtcConns.forEach((conn, peerId) => {
      const pc = peerConnectionOf(conn)
      out.push({
        doc,
        peerId,
        connected: conn.connected,
        connection: pc?.connectionState,
        ice: pc?.iceConnectionState,
        gathering: pc?.iceGatheringState,
        signaling: pc?.signalingState,
      })
    })
  }
  return out
}

/** The local candidates and candidate pairs of every WebRTC attempt (diagnostics). */
export const iceStats = async (): Promise<unknown[]> => {
  const out: unknown[] = []
  for (const [doc, entry] of sessions) {
    for (const [peerId, conn] of Array.from(entry.session.rtc?.room?.webrtcConns ?? [])) {
      const pc = peerConnectionOf(conn)
      if (!pc) continue
      const candidates: string[] = []
      const pairs: string[] = []
      const stats = await pc.getStats()
      stats.forEach((s: Record<string, unknown>) => {
        if (s.type === 'local-candidate' || s.type === 'remote-candidate')
          candidates.push(`${s.type === 'local-candidate' ? 'L' : 'R'} ${String(s.candidateType)} ${String(s.address ?? s.ip)}:${String(s.port)}`)
        if (s.type === 'candidate-pair') pairs.push(`${String(s.state)} req=${String(s.requestsSent)} resp=${String(s.responsesReceived)} nominated=${String(s.nominated)}`)
      })
      out.push({ doc, peerId, candidates, pairs })
    }
  }
  return out
}

/** Every connected peer of every live session and its route (the debug hook). */
export const iceRoutes = async (): Promise<({ doc: string } & PeerRoute)[]> => {
  const out: ({ doc: string } & PeerRoute)[] = []
  for (const [doc, entry] of sessions) for (const r of await entry.session.routes()) out.push({ doc, ...r })
  return out
}
