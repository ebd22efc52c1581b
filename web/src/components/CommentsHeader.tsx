import type { CommentsFilter } from './PlanEditor'

const FILTERS: CommentsFilter[] = ['open', 'resolved', 'all']

/**
 * The top of the comments panel: the open count, which threads to show, a
 * close button on narrow screens, and a hint while there are none.
 */
export const CommentsHeader = ({
  open,
  total,
  filter,
  onFilter,
  onClose,
}: {
  open: number
  total: number
  filter: CommentsFilter
  onFilter: (f: CommentsFilter) => void
  /** Shown only where the panel covers the plan (narrow screens). */
  onClose: (() => void) | null
}) => (
  <div className="comments-head">
    <h2>
      Comments <span className="count">{open}</span>
    </h2>
    <div className="segmented" role="tablist" aria-label="Which comments">
      {FILTERS.map(f => (
        <button key={f} role="tab" aria-selected={filter === f} onClick={() => onFilter(f)}>
          {f[0]!.toUpperCase() + f.slice(1)}
        </button>
      ))}
    </div>
    {onClose && (
      <button className="btn icon close-comments" aria-label="Close comments" onClick={onClose}>
        ✕
      </button>
    )}
    {total === 0 && <p className="muted hint">Select text in the plan and choose the comment button to start a thread.</p>}
  </div>
)
