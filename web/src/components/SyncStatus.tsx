import type { SessionState } from '../collab/session'

const HUB_TEXT = {
  connected: 'Hub connected',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  offline: 'Hub offline',
} as const

/** Hub connection and P2P peers, in one pill; details in its tooltip. */
export const SyncStatus = ({ state, p2p }: { state: SessionState; p2p: boolean }) => {
  const title = [
    HUB_TEXT[state.hub],
    state.local === 'loaded' ? 'a copy is saved in this browser' : state.local === 'unavailable' ? 'no copy in this browser' : '',
    p2p ? `${state.peers} direct peer${state.peers === 1 ? '' : 's'} (WebRTC)${state.signaling ? '' : ', signaling unreachable'}` : '',
  ]
    .filter(Boolean)
    .join(' · ')
  return (
    <span className={`sync sync-${state.hub}`} title={title} data-testid="sync-status" data-hub={state.hub} data-peers={state.peers}>
      <span className="dot" aria-hidden />
      <span className="sync-label">{HUB_TEXT[state.hub]}</span>
      {p2p && (
        <span className="sync-peers" data-testid="p2p-peers">
          · {state.peers} P2P
        </span>
      )}
    </span>
  )
}
