import { useState } from 'react'
import type { DocSession } from '../collab/session'
import { Dialog } from './ui'

/**
 * "Reset this browser's copy", behind a confirmation: the way out when the
 * plan looks wrong here but not elsewhere (anything not yet synced is lost).
 */
export const ResetLocalCopy = ({ session, p2pOnly }: { session: DocSession; p2pOnly: boolean }) => {
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
