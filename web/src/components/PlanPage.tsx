import { useCallback, useEffect, useMemo, useState } from 'react'
import type { RuntimeConfig } from '../api/config'
import { useDocSession, useSessionState, useYValue } from '../collab/hooks'
import { documentFragment, metadataMap, publishUser, readMeta, recordReview, threadsMap, type ReviewDecision } from '../collab/plan'
import { publishPresence, useReviewers } from '../collab/presence'
import type { SessionState } from '../collab/session'
import { resolveRoomSecret, roomName, shareLink } from '../collab/share'
import type { Identity } from '../identity'
import { PlanEditor, type CommentsFilter } from './PlanEditor'
import { Presence } from './Presence'
import { SyncStatus } from './SyncStatus'
import { Dialog, StatusBadge, fullTime, relativeTime } from './ui'

const useIsNarrow = () => {
  const [narrow, setNarrow] = useState(() => window.matchMedia('(max-width: 900px)').matches)
  useEffect(() => {
    const mq = window.matchMedia('(max-width: 900px)')
    const on = () => setNarrow(mq.matches)
    mq.addEventListener('change', on)
    return () => mq.removeEventListener('change', on)
  }, [])
  return narrow
}

export const PlanPage = ({
  planId,
  config,
  me,
  theme,
}: {
  planId: string
  config: RuntimeConfig
  me: Identity
  theme: 'light' | 'dark'
}) => {
  const secret = useMemo(() => resolveRoomSecret(planId), [planId])
  const options = useMemo(() => ({ config, webrtc: { room: roomName(planId), password: secret } }), [config, planId, secret])
  const session = useDocSession(planId, options)
  const state = useSessionState(session)
  const doc = session?.doc ?? null

  const readMetaCb = useCallback(() => (doc ? readMeta(doc, planId) : null), [doc, planId])
  const meta = useYValue(doc ? metadataMap(doc) : null, readMetaCb)
  const readHasContent = useCallback(() => (doc ? documentFragment(doc).length > 0 : false), [doc])
  const hasContent = useYValue(doc ? documentFragment(doc) : null, readHasContent)
  const readThreadCount = useCallback(() => {
    if (!doc) return { open: 0, total: 0 }
    let open = 0
    let total = 0
    threadsMap(doc).forEach(t => {
      const thread = t as { get?: (k: string) => unknown }
      if (typeof thread.get !== 'function' || thread.get('deletedAt')) return
      total++
      if (!thread.get('resolved')) open++
    })
    return { open, total }
  }, [doc])
  const threadCount = useYValue(doc ? threadsMap(doc) : null, readThreadCount)

  const reviewers = useReviewers(session?.awareness ?? null)

  // Presence and the name shown on comments.
  useEffect(() => {
    if (!session) return
    publishPresence(session.awareness, me)
    publishUser(session.doc, me)
  }, [session, me])

  const narrow = useIsNarrow()
  const [commentsOpen, setCommentsOpen] = useState<boolean | null>(null)
  const showComments = commentsOpen ?? !narrow
  const [filter, setFilter] = useState<CommentsFilter>('open')

  useEffect(() => {
    document.title = meta ? `${meta.title} · Roundtable` : 'Roundtable'
  }, [meta])

  if (!session) return <PlanSkeleton />

  // A review site without documents (`roundtable signal --web`) never knows
  // that a plan does not exist: it waits for a peer that has it.
  const p2pOnly = !config.documents
  const notFound = !p2pOnly && !hasContent && !meta && state.hubSynced
  if (notFound) {
    return (
      <main className="center-card" data-testid="plan-missing">
        <h1>Plan not found</h1>
        <p className="muted">
          The hub has no plan with the id <code>{planId}</code>. It may have been created on another machine: ask for its
          share link or snapshot link.
        </p>
        <a className="btn" href="/">
          All plans
        </a>
      </main>
    )
  }

  return (
    <main className="page plan-page">
      {state.localCheck === 'reset-corrupt' && (
        <div className="notice warn" role="status" data-testid="local-reset-notice">
          This browser's saved copy of the plan could not be read, so it was discarded. The plan is loaded again from{' '}
          {p2pOnly ? 'other reviewers' : 'the hub and other reviewers'}.
        </div>
      )}
      {state.p2pBlocked === 'insecure-page' && <InsecurePageNotice />}
      <PlanHeader
        planId={planId}
        meta={meta}
        me={me}
        session={session}
        secret={secret}
        config={config}
        right={
          <>
            <Presence reviewers={reviewers} />
            <SyncStatus state={state} p2p />
          </>
        }
      />
      {!hasContent ? (
        p2pOnly ? (
          state.local === 'loading' ? <PlanSkeleton /> : <WaitingForPeers state={state} />
        ) : state.hub === 'offline' && state.local !== 'loading' ? (
          <div className="center-card" data-testid="plan-unavailable">
            <h2>Waiting for the plan</h2>
            <p className="muted">
              This browser has no saved copy of this plan and the hub is offline. It appears here as soon as the hub or
              another reviewer can be reached. A snapshot link (<code>/plan?d=…</code>) opens without either.
            </p>
          </div>
        ) : (
          <PlanSkeleton />
        )
      ) : (
        <PlanEditor
          session={session}
          me={me}
          theme={theme}
          commentsOpen={showComments}
          filter={filter}
          commentsHeader={
            <div className="comments-head">
              <h2>
                Comments <span className="count">{threadCount.open}</span>
              </h2>
              <div className="segmented" role="tablist" aria-label="Which comments">
                {(['open', 'resolved', 'all'] as const).map(f => (
                  <button key={f} role="tab" aria-selected={filter === f} onClick={() => setFilter(f)}>
                    {f[0]!.toUpperCase() + f.slice(1)}
                  </button>
                ))}
              </div>
              {narrow && (
                <button className="btn icon close-comments" aria-label="Close comments" onClick={() => setCommentsOpen(false)}>
                  ✕
                </button>
              )}
              {threadCount.total === 0 && (
                <p className="muted hint">Select text in the plan and choose the comment button to start a thread.</p>
              )}
            </div>
          }
        />
      )}
      {hasContent && (
        <button
          className={`comments-toggle btn${showComments ? ' active' : ''}`}
          onClick={() => setCommentsOpen(!showComments)}
          aria-pressed={showComments}
          data-testid="comments-toggle"
        >
          {threadCount.open > 0 ? `${threadCount.open} open` : 'Comments'}
        </button>
      )}
      <footer className="plan-footer muted">
        {state.local === 'loaded' && hasContent && 'Saved in this browser. '}
        <ResetLocal session={session} p2pOnly={p2pOnly} />
      </footer>
    </main>
  )
}

const PlanSkeleton = () => (
  <div className="plan-skeleton" aria-busy aria-label="Loading plan">
    <div className="skeleton h" />
    <div className="skeleton" />
    <div className="skeleton" />
    <div className="skeleton short" />
  </div>
)

/**
 * The plan page on a site without documents while no peer has sent the plan:
 * what it waits for, and why it may wait long.
 */
const InsecurePageNotice = () => (
  <p className="notice warn" data-testid="p2p-insecure-page">
    This page was opened over plain HTTP, so the browser withholds the encryption that private peer-to-peer rooms need:
    other reviewers can’t be reached from here. Open the link over HTTPS (or on this machine, at localhost).
  </p>
)

const WaitingForPeers = ({ state }: { state: SessionState }) => {
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

const ResetLocal = ({ session, p2pOnly }: { session: NonNullable<ReturnType<typeof useDocSession>>; p2pOnly: boolean }) => {
  const [confirm, setConfirm] = useState(false)
  return (
    <>
      <button className="linklike" onClick={() => setConfirm(true)} data-testid="reset-local">
        Reset this browser's copy
      </button>
      <Dialog open={confirm} title="Reset this browser's copy?" onClose={() => setConfirm(false)}>
        <p className="muted">
          Deletes the copy of this plan saved in this browser and loads it again from{' '}
          {p2pOnly ? 'other reviewers' : 'the hub and other reviewers'}. Use it if the plan looks wrong here but not elsewhere.
          Anything not yet synced from this browser is lost.
        </p>
        <div className="row end gap-s">
          <button className="btn" onClick={() => setConfirm(false)}>
            Cancel
          </button>
          <button
            className="btn danger"
            onClick={async () => {
              await session.resetLocal()
              window.location.reload()
            }}
          >
            Reset and reload
          </button>
        </div>
      </Dialog>
    </>
  )
}

const PlanHeader = ({
  planId,
  meta,
  me,
  session,
  secret,
  config,
  right,
}: {
  planId: string
  meta: ReturnType<typeof readMeta>
  me: Identity
  session: NonNullable<ReturnType<typeof useDocSession>>
  secret: string
  config: RuntimeConfig
  right: React.ReactNode
}) => {
  const [decision, setDecision] = useState<ReviewDecision | null>(null)
  const [seenRevision, setSeenRevision] = useState<number | null>(null)
  const [error, setError] = useState<string | null>(null)
  const prLink =
    meta?.repo && meta.pr !== null && /^[\w.-]+\/[\w.-]+$/.test(meta.repo) ? `https://github.com/${meta.repo}/pull/${meta.pr}` : null

  const open = (d: ReviewDecision) => {
    setSeenRevision(meta?.revision ?? null)
    setError(null)
    setDecision(d)
  }
  const confirm = () => {
    if (!decision) return
    if (recordReview(session.doc, decision, me, seenRevision)) {
      setDecision(null)
    } else {
      setError('The agent published a new revision while this dialog was open. Read the changes, then decide again.')
    }
  }

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
        {meta?.revision !== null && meta?.revision !== undefined && <span className="chip">Revision {meta.revision}</span>}
        {meta?.updatedAt && <span title={fullTime(meta.updatedAt)}>Updated {relativeTime(meta.updatedAt)}</span>}
        {meta?.reviewedBy && meta.status !== 'pending_review' && (
          <span data-testid="reviewed-by" title={fullTime(meta.reviewedAt)}>
            {meta.status === 'approved' ? 'Approved' : 'Reviewed'} by {meta.reviewedBy} {relativeTime(meta.reviewedAt)}
          </span>
        )}
      </div>
      <div className="plan-toolbar">
        <div className="row gap-s wrap">{right}</div>
        <div className="row gap-s wrap actions">
          <ShareButton planId={planId} secret={secret} publicUrl={config.publicUrl} />
          <button className="btn warn-outline" disabled={!meta} onClick={() => open('changes_requested')} data-testid="request-changes">
            Request changes
          </button>
          <button className="btn primary" disabled={!meta} onClick={() => open('approved')} data-testid="approve">
            Approve
          </button>
        </div>
      </div>
      <Dialog
        open={decision !== null}
        title={decision === 'approved' ? 'Approve this plan?' : 'Request changes?'}
        onClose={() => setDecision(null)}
      >
        <p className="muted">
          {decision === 'approved'
            ? `The agent is told that ${me.name} approved revision ${seenRevision ?? 1} and can start implementing it.`
            : `The agent is told that ${me.name} wants changes, and reads the open comments as the reasons. Add comments first if you have not.`}
        </p>
        {error && (
          <p className="notice warn" role="alert">
            {error}
          </p>
        )}
        <div className="row end gap-s">
          <button className="btn" onClick={() => setDecision(null)}>
            Cancel
          </button>
          <button
            className={`btn ${decision === 'approved' ? 'primary' : 'warn'}`}
            onClick={confirm}
            data-testid="confirm-review"
            disabled={error !== null}
          >
            {decision === 'approved' ? 'Approve' : 'Request changes'}
          </button>
        </div>
      </Dialog>
    </header>
  )
}

const ShareButton = ({ planId, secret, publicUrl }: { planId: string; secret: string; publicUrl: string | null }) => {
  const [copied, setCopied] = useState<'copied' | 'shown' | null>(null)
  const link = shareLink(planId, secret, publicUrl)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link)
      setCopied('copied')
    } catch {
      setCopied('shown')
    }
  }
  useEffect(() => {
    if (copied !== 'copied') return
    const t = setTimeout(() => setCopied(null), 2500)
    return () => clearTimeout(t)
  }, [copied])
  return (
    <>
      <button className="btn" onClick={copy} data-testid="share" data-link={link} title="Copy a link for other reviewers">
        {copied === 'copied' ? '✓ Link copied' : 'Share'}
      </button>
      <Dialog open={copied === 'shown'} title="Share this plan" onClose={() => setCopied(null)}>
        <p className="muted">Copy this link and send it to reviewers. The part after # is the key of the private P2P room.</p>
        <input className="share-input" readOnly value={link} onFocus={e => e.currentTarget.select()} data-testid="share-link" />
        <div className="row end">
          <button className="btn" onClick={() => setCopied(null)}>
            Done
          </button>
        </div>
      </Dialog>
    </>
  )
}
