import { useEffect, useState } from 'react'
import type { SessionState } from '../collab/session'

/**
 * The plan page on a site without documents while no peer has sent the plan:
 * what it waits for, and why it may wait long.
 */
export const WaitingForPeers = ({ state }: { state: SessionState }) => {
  // The relay answers within a moment of opening; do not flash a warning before.
  const [settled, setSettled] = useState(false)
  useEffect(() => {
    const t = setTimeout(() => setSettled(true), 5000)
    return () => clearTimeout(t)
  }, [])
  const receiving = state.peers > state.peersSynced
  const phase = receiving ? 'receiving' : state.peers > 0 ? 'peers-without-plan' : 'no-peers'
  return (
    <div className="center-card" data-testid="plan-waiting-peers" data-phase={phase} aria-live="polite">
      {receiving ? (
        <>
          <h2>Receiving the plan…</h2>
          <p className="muted">
            Connected to {state.peers === 1 ? 'a reviewer' : `${state.peers} reviewers`} who may have it; it is on its way
            directly from their browser.
          </p>
        </>
      ) : (
        <>
          <h2>Waiting for a reviewer who has this plan to come online…</h2>
          <p className="muted">
            This review site keeps no copy of plans: they come directly from the browsers of the people reviewing them. The
            plan appears as soon as someone who has it open, such as its author, is online.
            {state.peers > 0 &&
              ` ${state.peers === 1 ? 'The reviewer' : `The ${state.peers} reviewers`} connected now ${
                state.peers === 1 ? 'does' : 'do'
              } not have it either.`}
          </p>
        </>
      )}
      {state.peersUnreachable > 0 && (
        <p className="notice warn" data-testid="waiting-unreachable">
          {state.peersUnreachable === 1 ? 'One reviewer was' : `${state.peersUnreachable} reviewers were`} found but could
          not be reached directly: a firewall or NAT blocks the connection. Ask whoever runs this site to add a TURN server.
        </p>
      )}
      {!state.signaling && settled && (
        <p className="notice warn">The signaling relay can’t be reached, so no other reviewer can be found right now.</p>
      )}
    </div>
  )
}
