// One Y.Doc per document and the providers that sync it, created outside React
// (as BlockNote's collaboration examples do) and shared by every component
// that shows the document. This module owns the providers' lifetime; what is
// said about their health comes from hubHealth.ts and peerHealth.ts, and the
// registry that hands sessions out is sessionRegistry.ts.
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
import * as Y from 'yjs'
import { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import { IndexeddbPersistence } from 'y-indexeddb'
import { WebrtcProvider } from 'y-webrtc'
import { checkAccess } from '../api/accessCheck'
import { accessToken } from '../api/accessToken'
import type { RuntimeConfig } from '../api/config'
import { HubHealth, type HubReport } from './hubHealth'
import { LOCAL_SCHEMA_VERSION, SCHEMA_KEY, checkLocalStore, deleteLocalStore, localDbName, type LocalCheck } from './localStore'
import { NO_PEERS, PeerHealth, type PeerCounts } from './peerHealth'
import { RouteWatcher, type RoutesReport } from './peerRoutes'
import { StateStore } from './stateStore'
import { peerConnsOf, type PeerConns } from './webrtcConns'

/** Everything the page shows about how a document is synced. */
export type SessionState = HubReport &
  PeerCounts &
  RoutesReport & {
    /** The browser's copy: 'loading' until y-indexeddb has applied it. */
    local: 'loading' | 'loaded' | 'unavailable'
    /** What the check of the browser's copy found (a reset is shown to the user). */
    localCheck: LocalCheck | null
    /** The signaling relay answers (P2P can find new peers). */
    signaling: boolean
    /**
     * Why this page cannot join the encrypted room at all: a page served over
     * plain http (not localhost) has no WebCrypto, which y-webrtc needs for the
     * room password.
     */
    p2pBlocked: 'insecure-page' | null
  }

/** What a session reports before any provider has said anything. */
export const INITIAL_SESSION_STATE: SessionState = {
  hub: 'connecting',
  hubSynced: false,
  hubRefused: false,
  access: null,
  local: 'loading',
  localCheck: null,
  ...NO_PEERS,
  p2pRoute: 'none',
  routes: [],
  signaling: false,
  p2pBlocked: null,
}

export type WebrtcRoom = { room: string; password: string }

export type SessionOptions = {
  config: RuntimeConfig
  /** y-webrtc room and its password; no WebRTC without it (the plan index). */
  webrtc?: WebrtcRoom
}

/** y-websocket's query parameters: the access token, if the page has one. */
const tokenParams = (): Record<string, string> => {
  const token = accessToken()
  return token ? { access_token: token } : {}
}

/** The plan list's document; every other document is a plan. */
const INDEX_DOC = 'plan-index'

/**
 * An HTTP endpoint the hub guards as it guards the document's WebSocket: a
 * plan's room secret needs plan:read on that plan, as /yjs/<planId> does;
 * /config.json needs any valid token.
 */
const accessProbeOf = (name: string): string =>
  name === INDEX_DOC ? '/config.json' : `/api/plans/${encodeURIComponent(name)}/room-secret`

/** How long after finding the hub down (not refusing) the page asks again. */
const ACCESS_RECHECK_MS = 10_000

/** Longest pause between reconnection attempts to the hub. */
const MAX_BACKOFF_MS = 10_000
/** How often peers and the hub are looked at: connections come and go without always telling their provider. */
const HEALTH_CHECK_MS = 1_000

/**
 * Rooms whose provider is being destroyed: opening them again waits for this
 * (y-webrtc's destroy is asynchronous, and a second provider for a room it
 * still holds throws "A Yjs Doc connected to room ... already exists").
 */
const closingRooms = new Map<string, Promise<void>>()

export class DocSession {
  readonly name: string
  readonly doc = new Y.Doc()
  readonly awareness: Awareness
  /** The hub's document sync; null on a site without documents. */
  private readonly ws: WebsocketProvider | null
  private idb: IndexeddbPersistence | null = null
  private rtc: WebrtcProvider | null = null
  /** The room and password `rtc` is for (or being opened for). */
  private rtcKey = ''
  private destroyed = false
  private readonly store = new StateStore<SessionState>(INITIAL_SESSION_STATE)
  private readonly hubHealth: HubHealth | null
  private readonly peerHealth = new PeerHealth()
  private readonly routeWatcher = new RouteWatcher(r => this.store.patch(r))
  private readonly healthTimer: ReturnType<typeof setInterval>
  private readonly options: SessionOptions
  /** An access check is in flight, or was made for the current outage. */
  private probed = false

  constructor(name: string, options: SessionOptions) {
    this.name = name
    this.options = options
    this.awareness = new Awareness(this.doc)
    if (options.config.documents) {
      this.ws = new WebsocketProvider(options.config.websocketUrl, encodeURIComponent(name), this.doc, {
        awareness: this.awareness,
        maxBackoffTime: MAX_BACKOFF_MS,
        // The hub's access token: a WebSocket cannot carry an Authorization header.
        params: tokenParams(),
      })
      this.hubHealth = new HubHealth(this.ws, r => this.onHubReport(r))
    } else {
      this.ws = null
      this.hubHealth = null
      this.store.patch({ hub: 'none' })
    }
    void this.openLocal()
    if (options.webrtc) void this.openWebrtc(options.webrtc)
    this.healthTimer = setInterval(() => this.checkHealth(), HEALTH_CHECK_MS)
  }

  // ---- observable state (for useSyncExternalStore)

  getState = (): SessionState => this.store.get()
  subscribe = (fn: () => void): (() => void) => this.store.subscribe(fn)

  /** The room's WebRTC connection attempts, connected or not (empty without a room). */
  peerConns(): PeerConns {
    return peerConnsOf(this.rtc)
  }

  private checkHealth = (): void => {
    if (this.destroyed) return
    const conns = this.peerConns()
    const now = Date.now()
    const counts = this.peerHealth.check(conns, now)
    const signaling = this.rtc ? Array.from(this.rtc.signalingConns).some(c => c.connected) : false
    this.store.patch({ ...counts, signaling })
    this.routeWatcher.update(conns, counts.peers, now)
    this.hubHealth?.refresh()
  }

  /**
   * The hub's status, and what it means for access: once the hub counts as
   * offline, one HTTP request tells a refused token from a hub that is down;
   * a refused page stops reconnecting (each attempt would be refused again).
   */
  private onHubReport(r: Partial<SessionState>): void {
    if (this.destroyed || this.store.get().access) return
    this.store.patch(r)
    if (r.access) return this.refuse()
    if (r.hub === 'connected') this.probed = false
    if (r.hub !== 'offline' || this.probed) return
    this.probed = true
    void checkAccess(accessProbeOf(this.name)).then(problem => {
      if (this.destroyed) return
      if (!problem) {
        // Down rather than refusing: ask again later, in case it comes back refusing.
        setTimeout(() => (this.probed = false), ACCESS_RECHECK_MS)
        return
      }
      this.store.patch({ access: problem })
      this.refuse()
    })
  }

  private refuse(): void {
    this.ws?.disconnect()
    // y-webrtc's destroy leaves its signaling connections reconnecting; disconnect closes them.
    this.rtc?.disconnect()
    this.closeWebrtc()
  }

  // ---- providers

  private async openLocal(): Promise<void> {
    const dbName = localDbName(this.name)
    const check = await checkLocalStore(dbName)
    if (this.destroyed) return
    this.store.patch({ localCheck: check })
    if (check === 'unavailable') {
      this.store.patch({ local: 'unavailable' })
      return
    }
    const idb = new IndexeddbPersistence(dbName, this.doc)
    this.idb = idb
    idb.on('synced', () => {
      if (this.destroyed) return
      this.store.patch({ local: 'loaded' })
      void idb.set(SCHEMA_KEY, LOCAL_SCHEMA_VERSION)
    })
  }

  private async openWebrtc(opts: WebrtcRoom): Promise<void> {
    const key = `${opts.room}\n${opts.password}`
    this.rtcKey = key
    const closing = closingRooms.get(opts.room)
    if (closing) await closing
    // A page the hub refused joins no room either: the relays check the same token.
    if (this.destroyed || this.rtcKey !== key || this.store.get().access) return
    const { signaling, iceServers } = this.options.config
    if (!window.isSecureContext || !globalThis.crypto?.subtle) {
      this.store.patch({ p2pBlocked: 'insecure-page' })
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
      this.rtc.on('peers', this.checkHealth)
    } catch (err) {
      // Another document of this page holds the room (should not happen:
      // sessions are one per plan). Keep working through the hub.
      console.error('roundtable: WebRTC room unavailable', err)
    }
  }

  /** Switches the WebRTC room password (a share link with another secret was opened). */
  async setWebrtc(opts: WebrtcRoom): Promise<void> {
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
    this.peerHealth.reset()
    this.routeWatcher.clear()
    this.store.patch({ ...NO_PEERS, signaling: false })
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
    clearInterval(this.healthTimer)
    this.routeWatcher.stop()
    this.hubHealth?.close()
    this.closeWebrtc()
    this.ws?.destroy()
    void this.idb?.destroy()
    this.awareness.destroy()
    this.doc.destroy()
    this.store.close()
  }
}
