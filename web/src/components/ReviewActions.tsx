import { useState } from 'react'
import type * as Y from 'yjs'
import { MAX_DECISION_NOTE, recordReview, type PlanMeta, type ReviewDecision } from '../collab/plan'
import type { Identity } from '../identity'
import { hasUnsentComment } from './draftGuard'
import { Dialog } from './ui'

/**
 * "Request changes" and "Approve", each behind a confirmation that says what
 * the agent will be told. The decision is recorded against the revision the
 * dialog opened on: if the agent publishes a new one meanwhile, it is refused
 * and the reviewer is asked to read the changes first. Requesting changes
 * with no open thread asks for a note (the agent would have no reason), and
 * a comment typed and not sent is pointed out before deciding.
 */
export const ReviewActions = ({ doc, meta, me, openThreads }: { doc: Y.Doc; meta: PlanMeta | null; me: Identity; openThreads: number }) => {
  const [decision, setDecision] = useState<ReviewDecision | null>(null)
  const [seenRevision, setSeenRevision] = useState<number | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [note, setNote] = useState('')
  const [needsNote, setNeedsNote] = useState(false)
  const [unsent, setUnsent] = useState(false)

  const open = (d: ReviewDecision) => {
    setSeenRevision(meta?.revision ?? null)
    setError(null)
    setNote('')
    setNeedsNote(false)
    setUnsent(hasUnsentComment())
    setDecision(d)
  }
  const confirm = () => {
    if (!decision) return
    if (decision === 'changes_requested' && openThreads === 0 && note.trim() === '') {
      setNeedsNote(true)
      return
    }
    if (recordReview(doc, decision, me, seenRevision, note)) {
      setDecision(null)
    } else {
      setError('The agent published a new revision while this dialog was open. Read the changes, then decide again.')
    }
  }

  return (
    <>
      <button className="btn warn-outline" disabled={!meta} onClick={() => open('changes_requested')} data-testid="request-changes">
        Request changes
      </button>
      <button className="btn primary" disabled={!meta} onClick={() => open('approved')} data-testid="approve">
        Approve
      </button>
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
        <label className="decision-note">
          <span className="muted">Note for the agent (optional)</span>
          <textarea
            value={note}
            maxLength={MAX_DECISION_NOTE}
            rows={3}
            onChange={e => {
              setNote(e.target.value)
              setNeedsNote(false)
            }}
            aria-invalid={needsNote || undefined}
            placeholder={decision === 'approved' ? 'e.g. Fine, but keep the old endpoint for a release.' : 'What to change first'}
            data-testid="decision-note"
          />
        </label>
        {unsent && (
          <p className="notice warn" role="alert" data-testid="unsent-comment-warning">
            You have typed a comment that is not sent: the agent will not see it. Cancel and send it first, or decide without it.
          </p>
        )}
        {needsNote && (
          <p className="notice warn" role="alert" data-testid="note-required">
            There are no open comments, so the agent would not know what to change. Write what to change in the note.
          </p>
        )}
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
    </>
  )
}
