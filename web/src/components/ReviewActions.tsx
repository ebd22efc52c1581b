import { useState } from 'react'
import type * as Y from 'yjs'
import { MAX_DECISION_NOTE, recordReview, type PlanMeta, type ReviewDecision } from '../collab/plan'
import type { Identity } from '../identity'
import { Dialog } from './ui'

/**
 * "Request changes" and "Approve", each behind a confirmation that says what
 * the agent will be told. The decision is recorded against the revision the
 * dialog opened on: if the agent publishes a new one meanwhile, it is refused
 * and the reviewer is asked to read the changes first.
 */
export const ReviewActions = ({ doc, meta, me }: { doc: Y.Doc; meta: PlanMeta | null; me: Identity }) => {
  const [decision, setDecision] = useState<ReviewDecision | null>(null)
  const [seenRevision, setSeenRevision] = useState<number | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [note, setNote] = useState('')

  const open = (d: ReviewDecision) => {
    setSeenRevision(meta?.revision ?? null)
    setError(null)
    setNote('')
    setDecision(d)
  }
  const confirm = () => {
    if (!decision) return
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
            onChange={e => setNote(e.target.value)}
            placeholder={decision === 'approved' ? 'e.g. Fine, but keep the old endpoint for a release.' : 'What to change first'}
            data-testid="decision-note"
          />
        </label>
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
