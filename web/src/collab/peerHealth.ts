// How the WebRTC peers of one room are doing, from repeated looks at
// y-webrtc's connections: how many are connected and synced, and how many
// were found through signaling but cannot be reached (usually networks that
// need a TURN server). It also ends attempts that will never connect, which
// y-webrtc and ICE do not always do by themselves.
import { abandonAttempt, peerConnectionOf, type PeerConns } from './webrtcConns'

export type PeerCounts = {
  /** Directly connected WebRTC peers. */
  peers: number
  /** Connected peers that have sent their copy of the document. */
  peersSynced: number
  /**
   * Peers the signaling relay found but WebRTC could not connect to (an
   * attempt failed, or none succeeded for UNREACHABLE_AFTER_MS).
   */
  peersUnreachable: number
}

export const NO_PEERS: PeerCounts = { peers: 0, peersSynced: 0, peersUnreachable: 0 }

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

/** What is remembered of one remote peer between looks. */
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

/**
 * The peers of one room over time. y-webrtc forgets a connection as soon as
 * it closes, so a failed attempt leaves no trace there; this remembers it
 * (for FORGET_PEER_MS) to tell "unreachable" from "never there".
 */
export class PeerHealth {
  private tracked = new Map<string, PeerTrack>()

  /** Looks at the room's connections at time `now` and counts. */
  check(conns: PeerConns, now: number): PeerCounts {
    let peers = 0
    let peersSynced = 0
    const seen = new Set<string>()
    conns.forEach((conn, id) => {
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
          abandonAttempt(conn)
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
    return { peers, peersSynced, peersUnreachable }
  }

  /** Forgets every peer (the room was left). */
  reset(): void {
    this.tracked.clear()
  }
}
