import type { ReactNode } from 'react'
import type { PlanMeta } from '../collab/plan'
import { StatusBadge, fullTime, relativeTime } from './ui'

/** GitHub's address of the plan's pull request, when the repository looks like owner/name. */
const pullRequestLink = (meta: PlanMeta | null): string | null =>
  meta?.repo && meta.pr !== null && /^[\w.-]+\/[\w.-]+$/.test(meta.repo) ? `https://github.com/${meta.repo}/pull/${meta.pr}` : null

/**
 * The plan's title, status and metadata, and a toolbar: `status` on the left
 * (presence, sync), `actions` on the right (share, review).
 */
export const PlanHeader = ({ meta, status, actions }: { meta: PlanMeta | null; status: ReactNode; actions: ReactNode }) => {
  const prLink = pullRequestLink(meta)
  return (
    <header className="plan-header">
      <div className="plan-title-row">
        <h1 className="plan-title" data-testid="plan-title">
          {meta?.title ?? 'Loading plan…'}
        </h1>
        {meta && <StatusBadge status={meta.status} />}
      </div>
      <div className="plan-meta muted">
        {meta?.repo && (
          <span className="chip" title="Repository">
            {meta.repo}
          </span>
        )}
        {meta?.pr !== null && meta?.pr !== undefined && (
          <span className="chip" title="Pull request">
            {prLink ? (
              <a href={prLink} target="_blank" rel="noreferrer">
                PR #{meta.pr}
              </a>
            ) : (
              `PR #${meta.pr}`
            )}
          </span>
        )}
        {meta?.updatedAt && <span title={fullTime(meta.updatedAt)}>Updated {relativeTime(meta.updatedAt)}</span>}
        {meta?.reviewedBy && meta.status !== 'pending_review' && (
          <span data-testid="reviewed-by" title={fullTime(meta.reviewedAt)}>
            {meta.status === 'approved' ? 'Approved' : 'Reviewed'} by {meta.reviewedBy} {relativeTime(meta.reviewedAt)}
          </span>
        )}
      </div>
      <div className="plan-toolbar">
        <div className="row gap-s wrap">{status}</div>
        <div className="row gap-s wrap actions">{actions}</div>
      </div>
    </header>
  )
}
