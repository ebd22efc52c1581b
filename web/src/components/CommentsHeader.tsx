/**
 * The top of the comments panel: the open count, a close button on narrow
 * screens, and a hint while there are none. The threads below are grouped
 * (GroupedThreads.tsx); the `c` key shows and hides the panel.
 */
export const CommentsHeader = ({
  open,
  total,
  onClose,
}: {
  open: number
  total: number
  /** Shown only where the panel covers the plan (narrow screens). */
  onClose: (() => void) | null
}) => (
  <div className="comments-head">
    <h2>
      Comments <span className="count">{open}</span>
    </h2>
    {onClose && (
      <button className="btn icon close-comments" aria-label="Close comments" onClick={onClose}>
        ✕
      </button>
    )}
    {total === 0 && <p className="muted hint">Select text in the plan and choose the comment button to start a thread.</p>}
  </div>
)
