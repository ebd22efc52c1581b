import type { PartialBlock } from '@blocknote/core'
import { useMemo } from 'react'
import type { KeptRevision } from '../collab/revisions'
import { ErrorBoundary } from './ErrorBoundary'
import { useKeys } from './keys'
import { ReadOnlyPlan } from './ReadOnlyPlan'
import { fullTime } from './ui'

/** An earlier revision, read-only, in place of the live plan; Esc or the button closes it. */
export const RevisionView = ({
  record,
  current,
  theme,
  onCompare,
  onClose,
}: {
  record: KeptRevision
  current: number
  theme: 'light' | 'dark'
  onCompare: () => void
  onClose: () => void
}) => {
  useKeys(useMemo(() => ({ Escape: onClose }), [onClose]))
  return (
    <section className="revision-view" data-testid="revision-view" aria-label={`Revision ${record.revision}`}>
      <div className="notice info row gap-s wrap">
        <span>
          Revision {record.revision}, read-only{record.createdAt ? `, from ${fullTime(record.createdAt)}` : ''}. The current revision is{' '}
          {current}.
        </span>
        <span className="row gap-s">
          <button className="btn" onClick={onCompare} data-testid="compare-with-current">
            Compare with current
          </button>
          <button className="btn" onClick={onClose} data-testid="close-view">
            Back to the plan
          </button>
        </span>
      </div>
      <ErrorBoundary>
        <ReadOnlyPlan blocks={record.blocks as PartialBlock[]} theme={theme} testId="revision-editor" />
      </ErrorBoundary>
    </section>
  )
}
