// y-webrtc's connections to other peers, and the RTCPeerConnection behind
// each. y-webrtc keeps them in `room.webrtcConns` (keyed by the remote peer's
// id); simple-peer keeps the RTCPeerConnection in its private `_pc`, which is
// only read here, never written.
import type { WebrtcConn, WebrtcProvider } from 'y-webrtc'

export type { WebrtcConn }

/** A room's connection attempts by remote peer id, connected or not. */
export type PeerConns = ReadonlyMap<string, WebrtcConn>

const NO_CONNS: PeerConns = new Map()

export const peerConnsOf = (rtc: WebrtcProvider | null): PeerConns => rtc?.room?.webrtcConns ?? NO_CONNS

type SimplePeerLike = { destroy?: () => void; _pc?: RTCPeerConnection | null } | null

export const peerConnectionOf = (conn: WebrtcConn): RTCPeerConnection | null => (conn.peer as SimplePeerLike)?._pc ?? null

/**
 * Ends a connection attempt. y-webrtc notices the closed peer, drops the
 * connection and, when the other side announces itself again, tries anew.
 */
export const abandonAttempt = (conn: WebrtcConn): void => (conn.peer as SimplePeerLike)?.destroy?.()
