// One Y.Doc per document and the providers that sync it, created outside React
// (as BlockNote's collaboration examples do) and shared by every component
// that shows the document.
//
//   y-websocket  -> the hub (ws://HOST/yjs/<name>)
//   y-indexeddb  -> this browser's copy (checked first, see localStore.ts)
//   y-webrtc     -> other reviewers, in the encrypted room roundtable-<planId>
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
import { LOCAL_SCHEMA_VERSION, SCHEMA_KEY, checkLocalStore, deleteLocalStore, localDbName, type LocalCheck } from './localStore'

export type HubStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline'

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
  /** The signaling relay answers (P2P can find new peers). */
  signaling: boolean
}

export type SessionOptions = {
  config: RuntimeConfig
  /** y-webrtc room and its password; no WebRTC without it (the plan index). */
  webrtc?: { room: string; password: string }
}

/** Longest pause between reconnection attempts to the hub. */
const MAX_BACKOFF_MS = 10_000
/** How long an unused session lives on (StrictMode remounts, quick navigation). */
const RELEASE_GRACE_MS = 1_500

/** Rooms whose provider is being destroyed: opening them again waits for this. */
const closingRooms = new Map<string, Promise<void>>()

type Listener = () => void

export class DocSession {
  readonly name: string
  readonly doc = new Y.Doc()
  readonly awareness: Awareness
  readonly ws: WebsocketProvider
  idb: IndexeddbPersistence | null = null
  rtc: WebrtcProvider | null = null

  private state: SessionState = {
    hub: 'connecting',
    hubSynced: false,
    local: 'loading',
    localCheck: null,
    peers: 0,
    signaling: false,
  }
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
    this.ws = new WebsocketProvider(options.config.websocketUrl, encodeURIComponent(name), this.doc, {
      awareness: this.awareness,
      maxBackoffTime: MAX_BACKOFF_MS,
    })
    this.ws.on('status', () => this.refreshHub())
    this.ws.on('connection-close', () => this.refreshHub())
    this.ws.on('connection-error', () => this.refreshHub())
    this.ws.on('sync', (synced: boolean) => {
      if (synced) this.set({ hubSynced: true })
    })
    window.addEventListener('online', this.refreshHub)
    window.addEventListener('offline', this.refreshHub)
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
    if (this.destroyed) return
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
    const room = this.rtc?.room
    let peers = 0
    room?.webrtcConns.forEach(conn => {
      if (conn.connected) peers++
    })
    const signaling = this.rtc ? Array.from(this.rtc.signalingConns).some(c => c.connected) : false
    this.set({ peers, signaling })
    this.refreshHub()
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
    this.set({ peers: 0, signaling: false })
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
    this.ws.destroy()
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
