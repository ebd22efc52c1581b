import type { IceEndpoint } from '../collab/iceRoute'
import type { PeerRoute } from '../collab/peerRoutes'
import type { SessionState } from '../collab/session'

const HUB_TEXT = {
  connected: 'Hub connected',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  offline: 'Hub offline',
  none: 'Peer-to-peer',
} as const

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

const endpointText = (e: IceEndpoint) =>
  `${e.type}${e.address ? ` ${e.address}${e.port !== null ? `:${e.port}` : ''}` : ''}`

const routeText = (r: PeerRoute, i: number) =>
  `peer ${i + 1}: ${r.relayed ? 'relayed through TURN' : 'direct'} (${endpointText(r.local)} ↔ ${endpointText(r.remote)}${
    r.local.protocol ? `, ${r.local.protocol}` : ''
  })`

/**
 * Hub connection and P2P peers, in one pill; details in its tooltip. On a
 * site without documents (hub 'none') it says "Peer-to-peer" and counts the
 * peers, the only source of the plan there. Peers that signaling found but
 * WebRTC could not reach are shown apart, since they need a TURN server.
 */
export const SyncStatus = ({ state, p2p }: { state: SessionState; p2p: boolean }) => {
  const p2pOnly = state.hub === 'none'
  const relayed = state.routes.filter(r => r.relayed).length
  const title = [
    p2pOnly ? 'Peer-to-peer: this site keeps no copy of plans; they come directly from the author’s hub or other reviewers’ browsers' : HUB_TEXT[state.hub],
    state.hubRefused
      ? 'The hub refused an edit from this browser: the plan reached its size limit. The edit is kept in this browser only.'
      : '',
    state.local === 'loaded' ? 'a copy is saved in this browser' : state.local === 'unavailable' ? 'no copy in this browser' : '',
    p2p ? `${plural(state.peers, 'peer')} connected over WebRTC${state.signaling ? '' : ', signaling unreachable'}` : '',
    ...(p2p ? state.routes.map(routeText) : []),
    p2p && state.peersUnreachable > 0
      ? `${plural(state.peersUnreachable, 'peer')} found through signaling could not be reached directly: a firewall or NAT ` +
        'blocks the connection. A TURN server (iceServers in the hub’s configuration) relays such connections.'
      : '',
  ]
    .filter(Boolean)
    .join('\n')
  // Peer-to-peer only: green with a peer, amber (waiting) without.
  const tone = p2pOnly ? (state.peers > 0 ? 'connected' : 'connecting') : state.hub
  const route =
    state.p2pRoute === 'relayed' ? ' via TURN' : state.p2pRoute === 'mixed' ? ` (${relayed} via TURN)` : ''
  return (
    <span
      className={`sync sync-${tone}${p2pOnly ? ' sync-p2p' : ''}`}
      title={title}
      data-testid="sync-status"
      data-mode={p2pOnly ? 'p2p' : 'hub'}
      data-hub={state.hub}
      data-hub-refused={state.hubRefused}
      data-peers={state.peers}
      data-peers-unreachable={state.peersUnreachable}
      data-p2p-route={state.p2pRoute}
    >
      <span className="dot" aria-hidden />
      <span className="sync-label">{HUB_TEXT[state.hub]}</span>
      {state.hubRefused && (
        <span className="sync-refused" data-testid="hub-refused">
          · edits refused: plan too large
        </span>
      )}
      {p2p && (
        <span className="sync-peers" data-testid="p2p-peers">
          · {p2pOnly ? (state.peers === 0 ? 'no peers' : plural(state.peers, 'peer')) : `${state.peers} P2P`}
          {state.peers > 0 && route}
        </span>
      )}
      {p2p && state.peersUnreachable > 0 && (
        <span className="sync-unreachable" data-testid="p2p-unreachable">
          · can’t reach {state.peersUnreachable}
        </span>
      )}
    </span>
  )
}
