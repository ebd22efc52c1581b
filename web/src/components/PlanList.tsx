import { useMemo } from 'react'
import type { RuntimeConfig } from '../api/config'
import { useDocSession, useSessionState } from '../collab/hooks'
import { STATUSES } from '../collab/plan'
import { usePlanIndex } from '../collab/planHooks'
import { navigate, planPath } from '../router'
import { AccessNeeded } from './AccessNeeded'
import { SyncStatus } from './SyncStatus'
import { StatusBadge, fullTime, relativeTime } from './ui'

const INDEX_DOC = 'plan-index'

/** Every plan in the hub's `plan-index` document, newest first, live. */
export const PlanList = ({ config }: { config: RuntimeConfig }) => {
  const options = useMemo(() => ({ config }), [config])
  const session = useDocSession(INDEX_DOC, options)
  const state = useSessionState(session)
  const plans = usePlanIndex(session?.doc ?? null)
  const loading = plans.length === 0 && !state.hubSynced && state.local !== 'loaded' && state.hub !== 'offline'
  const counts = STATUSES.map(s => [s, plans.filter(p => p.status === s).length] as const).filter(([, n]) => n > 0)

  if (state.access) return <AccessNeeded problem={state.access} />
  return (
    <main className="page list-page">
      <div className="list-head">
        <div>
          <h1>Plans</h1>
          <p className="muted">
            {plans.length === 0 ? 'Nothing to review yet.' : `${plans.length} plan${plans.length === 1 ? '' : 's'}`}
            {counts.length > 0 && ' · '}
            {counts.map(([s, n], i) => (
              <span key={s}>
                {i > 0 && ', '}
                {n} {s.replace('_', ' ')}
              </span>
            ))}
          </p>
        </div>
        <SyncStatus state={state} p2p={false} />
      </div>
      {loading ? (
        <div className="skeleton-list" aria-busy>
          <div className="skeleton" />
          <div className="skeleton" />
          <div className="skeleton" />
        </div>
      ) : plans.length === 0 ? (
        <div className="empty">
          <h2>No plans yet</h2>
          <p className="muted">
            When your coding agent calls <code>create_plan</code>, its plan shows up here for review.
            {state.hub === 'offline' && ' The hub is offline, so only plans saved in this browser can appear.'}
          </p>
        </div>
      ) : (
        <ul className="plan-list" data-testid="plan-list">
          {plans.map(p => (
            <li key={p.id}>
              <a
                className="plan-row"
                href={planPath(p.id)}
                data-plan-id={p.id}
                onClick={e => {
                  if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return
                  e.preventDefault()
                  navigate(planPath(p.id))
                }}
              >
                <span className="plan-row-title">{p.title}</span>
                <StatusBadge status={p.status} />
                <span className="plan-row-time muted" title={fullTime(p.updatedAt || p.createdAt)}>
                  {relativeTime(p.updatedAt || p.createdAt)}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </main>
  )
}

/**
 * `/` on a review site without documents (`roundtable signal --web`): there is
 * no plan index here, only share links.
 */
export const ReviewSiteHome = () => (
  <main className="center-card" data-testid="review-site-home">
    <h1>Roundtable review site</h1>
    <p className="muted">
      This site doesn't keep plans. It puts reviewers' browsers in touch with each other, so a plan travels directly from the
      browser of whoever shared it to yours.
    </p>
    <p className="muted">
      To review a plan, open the share link you were sent: it looks like{' '}
      <code>
        {window.location.origin}/plan/…#k=…
      </code>
      . Plans you opened before are saved in this browser and open again from their links.
    </p>
  </main>
)
