import { useCallback, useEffect, useMemo, useState } from 'react'
import { isReadOnlyToken } from '../api/accessToken'
import type { RuntimeConfig } from '../api/config'
import { useDocSession, useSessionState } from '../collab/hooks'
import { publishUser } from '../collab/plan'
import { useCurrentBlocks, usePlanHasContent, usePlanMeta, useRevisionHistory, useThreadCounts } from '../collab/planHooks'
import { blocksOf } from '../collab/revisions'
import { publishPresence, useHubs, useReviewers } from '../collab/presence'
import { resolveRoomSecret, roomName } from '../collab/share'
import { AccessNeeded } from './AccessNeeded'
import { compareBlocks, countChanges } from '../diff/blocks'
import type { Identity } from '../identity'
import { useChangedSince } from '../lastSeen'
import { useIsNarrow } from '../layout'
import { ChangedNotice } from './ChangedNotice'
import { CommentsHeader } from './CommentsHeader'
import { useLeaveGuard } from './draftGuard'
import { InPlaceView, type PlanView } from './InPlaceView'
import { InsecurePageNotice } from './InsecurePageNotice'
import { useKeys } from './keys'
import { PlanEditor } from './PlanEditor'
import { PlanHeader } from './PlanHeader'
import { PlanNotFound } from './PlanNotFound'
import { PlanSkeleton } from './PlanSkeleton'
import { Presence } from './Presence'
import { ResetLocalCopy } from './ResetLocalCopy'
import { RevisionBar } from './RevisionBar'
import { ReviewActions } from './ReviewActions'
import { ShareButton } from './ShareButton'
import { SyncStatus } from './SyncStatus'
import { WaitingForHub } from './WaitingForHub'
import { WaitingForPeers } from './WaitingForPeers'

/**
 * A plan under review: its header, the shared editor with the comments panel,
 * and, until the plan's blocks have arrived, what it is waiting for.
 */
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
  // The room secret comes from the hub (or the link, or this browser): the
  // hub's WebSocket syncs meanwhile, WebRTC waits for it.
  const [resolved, setResolved] = useState<{ planId: string; secret: string } | null>(null)
  useEffect(() => {
    let current = true
    void resolveRoomSecret(planId, config).then(secret => {
      if (current) setResolved({ planId, secret })
    })
    return () => {
      current = false
    }
  }, [planId, config])
  const secret = resolved?.planId === planId ? resolved.secret : null
  const options = useMemo(
    () => ({ config, webrtc: secret ? { room: roomName(planId), password: secret } : undefined }),
    [config, planId, secret],
  )
  const session = useDocSession(planId, options)
  const state = useSessionState(session)
  const doc = session?.doc ?? null

  const meta = usePlanMeta(doc, planId)
  const hasContent = usePlanHasContent(doc)
  const threadCount = useThreadCounts(doc)
  const reviewers = useReviewers(session?.awareness ?? null)
  const hubs = useHubs(session?.awareness ?? null)

  // Presence, and the name shown on comments.
  useEffect(() => {
    if (!session) return
    publishPresence(session.awareness, me)
    if (!isReadOnlyToken()) publishUser(session.doc, me)
  }, [session, me])

  const narrow = useIsNarrow()
  const [commentsOpen, setCommentsOpen] = useState<boolean | null>(null)
  const showComments = commentsOpen ?? !narrow
  useKeys(useMemo(() => ({ c: () => setCommentsOpen(open => !(open ?? !narrow)) }), [narrow]))
  useLeaveGuard()

  // Review in rounds: the kept revisions, what changed since this browser
  // last looked, and an earlier revision or a comparison in the editor's place.
  const history = useRevisionHistory(doc)
  const currentBlocks = useCurrentBlocks(doc)
  const revision = meta?.revision ?? 1
  const { since, acknowledge } = useChangedSince(planId, meta?.revision ?? null)
  const changedSince = useMemo(() => {
    if (since === null) return null
    const before = blocksOf(history, revision, currentBlocks, since)
    return before ? countChanges(compareBlocks(before, currentBlocks)) : null
  }, [since, history, revision, currentBlocks])
  const [view, setView] = useState<PlanView | null>(null)
  const compare = useCallback(
    (from: number, to: number) => {
      performance.mark('rt:compare-open')
      setView({ kind: 'compare', from, to })
      if (to === revision) acknowledge()
    },
    [revision, acknowledge],
  )
  const closeView = useCallback(() => setView(null), [])

  useEffect(() => {
    document.title = meta ? `${meta.title} · Roundtable` : 'Roundtable'
  }, [meta])

  if (!session) return <PlanSkeleton />
  // Nothing of the document, not even this browser's copy of it, once the hub refuses the page.
  if (state.access) return <AccessNeeded problem={state.access} />

  // A review site without documents (`roundtable signal --web`) never knows
  // that a plan does not exist: it waits for a peer that has it.
  const p2pOnly = !config.documents
  if (!p2pOnly && !hasContent && !meta && state.hubSynced) return <PlanNotFound planId={planId} />

  // A hub that went away keeps its awareness entry until it times out (30 s);
  // on a review site, no peer means no hub.
  const hubsNow = p2pOnly && state.peers === 0 ? [] : hubs

  const waiting = p2pOnly ? (
    state.local === 'loading' ? <PlanSkeleton /> : <WaitingForPeers state={state} hubs={hubsNow} />
  ) : state.hub === 'offline' && state.local !== 'loading' ? (
    <WaitingForHub />
  ) : (
    <PlanSkeleton />
  )

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
        meta={meta}
        status={
          <>
            <Presence reviewers={reviewers} hubs={hubsNow} />
            <SyncStatus state={state} p2p />
          </>
        }
        actions={
          <>
            {secret && <ShareButton planId={planId} secret={secret} publicUrl={config.publicUrl} />}
            {!isReadOnlyToken() && <ReviewActions doc={session.doc} meta={meta} me={me} openThreads={threadCount.open} />}
          </>
        }
      />
      {since !== null && hasContent && (
        <ChangedNotice
          current={revision}
          since={since}
          changed={changedSince}
          onCompare={() => compare(changedSince === null ? (history.kept[0]?.revision ?? revision) : since, revision)}
          onDismiss={acknowledge}
        />
      )}
      {meta && hasContent && (
        <RevisionBar meta={meta} history={history} onOpen={r => setView(r === revision ? null : { kind: 'revision', revision: r })} onCompare={compare} />
      )}
      {!hasContent ? (
        waiting
      ) : (
        <PlanEditor
          session={session}
          me={me}
          theme={theme}
          commentsOpen={showComments}
          history={history}
          revision={revision}
          inPlace={
            view && (
              <InPlaceView
                view={view}
                history={history}
                current={revision}
                currentBlocks={currentBlocks}
                theme={theme}
                onCompare={compare}
                onClose={closeView}
              />
            )
          }
          commentsHeader={
            <CommentsHeader
              open={threadCount.open}
              total={threadCount.total}
              onClose={narrow ? () => setCommentsOpen(false) : null}
            />
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
        <ResetLocalCopy session={session} p2pOnly={p2pOnly} />
      </footer>
    </main>
  )
}
