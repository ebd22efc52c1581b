/**
 * "Revision 3 · 4 blocks changed since you last looked", with one click to
 * the comparison from the revision this browser last saw. `changed` is null
 * when that revision is no longer kept (the comparison then starts at the
 * oldest kept one).
 */
export const ChangedNotice = ({
  current,
  since,
  changed,
  onCompare,
  onDismiss,
}: {
  current: number
  since: number
  changed: number | null
  onCompare: () => void
  onDismiss: () => void
}) => (
  <div className="notice info changed-notice" role="status" data-testid="changed-notice">
    <span>
      <strong>Revision {current}</strong> ·{' '}
      {changed === null
        ? `changed since you last looked (revision ${since}, which is no longer kept)`
        : `${changed} ${changed === 1 ? 'block' : 'blocks'} changed since you last looked (revision ${since})`}
    </span>
    <button className="btn primary" onClick={onCompare} data-testid="show-changes">
      Show changes
    </button>
    <button className="btn icon ghost" aria-label="Dismiss" onClick={onDismiss}>
      ✕
    </button>
  </div>
)
