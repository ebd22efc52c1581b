import type { PlanBlock, RevisionHistory } from '../collab/revisions'
import { blocksOf } from '../collab/revisions'
import { CompareView } from './CompareView'
import { RevisionView } from './RevisionView'

/** What the plan page shows in the editor's place: an earlier revision, or two revisions compared. */
export type PlanView = { kind: 'revision'; revision: number } | { kind: 'compare'; from: number; to: number }

export const InPlaceView = ({
  view,
  history,
  current,
  currentBlocks,
  theme,
  onCompare,
  onClose,
}: {
  view: PlanView
  history: RevisionHistory
  current: number
  currentBlocks: PlanBlock[]
  theme: 'light' | 'dark'
  onCompare: (from: number, to: number) => void
  onClose: () => void
}) => {
  if (view.kind === 'revision') {
    const record = view.revision === current ? null : history.kept.find(r => r.revision === view.revision)
    if (record)
      return <RevisionView record={record} current={current} theme={theme} onCompare={() => onCompare(record.revision, current)} onClose={onClose} />
  } else {
    const before = blocksOf(history, current, currentBlocks, view.from)
    const after = blocksOf(history, current, currentBlocks, view.to)
    if (before && after) return <CompareView from={view.from} to={view.to} before={before} after={after} onClose={onClose} />
  }
  return (
    <div className="notice warn" role="alert">
      That revision is no longer kept.{' '}
      <button className="btn" onClick={onClose} data-testid="close-view">
        Back to the plan
      </button>
    </div>
  )
}
