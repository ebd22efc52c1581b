// What the debug hook (window.__roundtable, see main.tsx) reports about the
// WebRTC connections of every live session: the e2e tests and the network
// test bed read it, and a person chasing a connection problem can too.
import { connectedRoutes, type PeerRoute } from './peerRoutes'
import { liveSessions } from './sessionRegistry'
import { peerConnectionOf } from './webrtcConns'

export type PeerAttemptState = {
  doc: string
  peerId: string
  connected: boolean
  connection?: string
  ice?: string
  gathering?: string
  signaling?: string
}

/** Every WebRTC attempt of every session, connected or not, with its RTCPeerConnection states. */
export const peerStates = (): PeerAttemptState[] => {
  const out: PeerAttemptState[] = []
  for (const session of liveSessions()) {
    session.peerConns().forEach((conn, peerId) => {
      const pc = peerConnectionOf(conn)
      out.push({
        doc: session.name,
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

/** The local candidates and candidate pairs of every WebRTC attempt. */
export const iceStats = async (): Promise<unknown[]> => {
  const out: unknown[] = []
  for (const session of liveSessions()) {
    for (const [peerId, conn] of Array.from(session.peerConns())) {
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
      out.push({ doc: session.name, peerId, candidates, pairs })
    }
  }
  return out
}

/** Every connected peer of every live session and its route. */
export const iceRoutes = async (): Promise<({ doc: string } & PeerRoute)[]> => {
  const out: ({ doc: string } & PeerRoute)[] = []
  for (const session of liveSessions()) for (const r of await connectedRoutes(session.peerConns())) out.push({ doc: session.name, ...r })
  return out
}
