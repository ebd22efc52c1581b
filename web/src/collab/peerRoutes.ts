// Which way each connected WebRTC peer is reached (direct or through TURN),
// read from getStats (see iceRoute.ts) and kept current by polling: the
// browser announces no event when the selected candidate pair changes.
import { selectedRoute, summarizeRoutes, type IceRoute, type P2pRoute } from './iceRoute'
import { peerConnectionOf, type PeerConns } from './webrtcConns'

/** A connected peer and the way its connection goes. */
export type PeerRoute = { peerId: string } & IceRoute

/** How often the connected peers' routes are read (getStats is not free). */
const ROUTE_POLL_MS = 2_000

/** The selected ICE candidate pair of every connected peer whose route is known. */
export const connectedRoutes = async (conns: PeerConns): Promise<PeerRoute[]> => {
  const out: PeerRoute[] = []
  for (const [peerId, conn] of Array.from(conns)) {
    if (!conn.connected) continue
    const route = await selectedRoute(peerConnectionOf(conn))
    if (route) out.push({ peerId, ...route })
  }
  return out
}

export type RoutesReport = { routes: PeerRoute[]; p2pRoute: P2pRoute }

/** Polls the routes of one room's peers and reports them when they change. */
export class RouteWatcher {
  private key = ''
  private known = 0
  private lastPoll = 0
  private polling = false
  private stopped = false
  private readonly report: (r: RoutesReport) => void

  constructor(report: (r: RoutesReport) => void) {
    this.report = report
  }

  /**
   * Called on every peer check: polls when the interval passed, or at once
   * when the number of connected peers no longer matches the known routes
   * (a peer came or went).
   */
  update(conns: PeerConns, connected: number, now: number): void {
    if (connected === 0) this.set([])
    else if (now - this.lastPoll >= ROUTE_POLL_MS || this.known !== connected) void this.poll(conns)
  }

  /** No peers any more (the room was left). */
  clear(): void {
    this.set([])
  }

  stop(): void {
    this.stopped = true
  }

  private async poll(conns: PeerConns): Promise<void> {
    if (this.polling) return
    this.polling = true
    this.lastPoll = Date.now()
    try {
      const routes = await connectedRoutes(conns)
      if (!this.stopped) this.set(routes)
    } finally {
      this.polling = false
    }
  }

  private set(routes: PeerRoute[]): void {
    const key = JSON.stringify(routes)
    if (key === this.key) return
    this.key = key
    this.known = routes.length
    this.report({ routes, p2pRoute: summarizeRoutes(routes) })
  }
}
