import { useEffect, useState } from 'react'
import type { HubPresence } from '../collab/presence'
import type { SessionState } from '../collab/session'

const reviewers = (n: number) => (n === 1 ? 'a reviewer' : `${n} reviewers`)

/**
 * The plan page on a site without documents while no peer has sent the plan:
 * what it waits for, and why it may wait long. A peer is the author's hub
 * (`roundtable serve` joins the rooms of its plans, `hubs` names the ones
 * connected) or a reviewer's browser.
 */
export const WaitingForPeers = ({ state, hubs = [] }: { state: SessionState; hubs?: HubPresence[] }) => {
  // The relay answers within a moment of opening; do not flash a warning before.
  const [settled, setSettled] = useState(false)
  useEffect(() => {
    const t = setTimeout(() => setSettled(true), 5000)
    return () => clearTimeout(t)
  }, [])
  const receiving = state.peers > state.peersSynced
  const phase = receiving ? 'receiving' : state.peers > 0 ? 'peers-without-plan' : 'no-peers'
  // Browsers among the connected peers: the hubs' awareness may lag their connection by a moment.
  const browsers = Math.max(0, state.peers - hubs.length)
  const hub = hubs.length > 0 ? hubs[0].name : null
  return (
    <div className="center-card" data-testid="plan-waiting-peers" data-phase={phase} aria-live="polite">
      {receiving ? (
        <>
          <h2>Receiving the plan…</h2>
          <p className="muted">
            {hub
              ? `Connected to the author’s hub on ${hub}${browsers > 0 ? ` and ${reviewers(browsers)}` : ''}; the plan is on its way directly from there.`
              : `Connected to ${reviewers(state.peers)} who may have it; it is on its way directly from their browser.`}
          </p>
        </>
      ) : (
        <>
          <h2>Waiting for the author’s hub or a reviewer who has this plan…</h2>
          <p className="muted">
            This review site keeps no copy of plans: they come directly from the author’s hub while it runs, or from the
            browser of someone who has the plan open. The plan appears as soon as one of them is online.
            {state.peers > 0 &&
              ` ${state.peers === 1 ? 'The peer' : `The ${state.peers} peers`} connected now ${
                state.peers === 1 ? 'does' : 'do'
              } not have it either.`}
          </p>
        </>
      )}
      {state.peersUnreachable > 0 && (
        <p className="notice warn" data-testid="waiting-unreachable">
          {state.peersUnreachable === 1
            ? 'One peer (the author’s hub or a reviewer’s browser) was'
            : `${state.peersUnreachable} peers (the author’s hub or reviewers’ browsers) were`}{' '}
          found but could not be reached directly: a firewall or NAT blocks the connection. Ask whoever runs this site to
          add a TURN server.
        </p>
      )}
      {!state.signaling && settled && (
        <p className="notice warn">The signaling relay can’t be reached, so neither the author’s hub nor another reviewer can be found right now.</p>
      )}
    </div>
  )
}
