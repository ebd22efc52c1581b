import { useState } from 'react'
import type { PlanMeta } from '../collab/plan'
import type { RevisionHistory } from '../collab/revisions'
import { fullTime, relativeTime } from './ui'

export type RevisionEntry = { revision: number; createdAt: number | null }

/** Every revision still readable, oldest first: the kept ones and the current one. */
export const revisionList = (meta: PlanMeta, history: RevisionHistory): RevisionEntry[] => {
  const current = meta.revision ?? 1
  return [
    ...history.kept.filter(r => r.revision < current).map(r => ({ revision: r.revision, createdAt: r.createdAt })),
    { revision: current, createdAt: meta.revisedAt ?? meta.createdAt },
  ]
}

const label = (r: RevisionEntry, current: number) =>
  `Revision ${r.revision}${r.revision === current ? ' (current)' : ''}${r.createdAt ? ` · ${fullTime(r.createdAt)}` : ''}`

const RevisionSelect = ({
  label,
  aria,
  list,
  value,
  onChange,
  testId,
}: {
  label: string
  aria: string
  list: RevisionEntry[]
  value: number
  onChange: (revision: number) => void
  testId: string
}) => (
  <label className="row gap-s">
    <span className="muted">{label}</span>
    <select value={value} onChange={e => onChange(Number(e.target.value))} data-testid={testId} aria-label={aria}>
      {list.map(r => (
        <option key={r.revision} value={r.revision}>
          {r.revision}
        </option>
      ))}
    </select>
  </label>
)

/**
 * Under the plan's header: the current revision and when it was set; open
 * any kept revision read-only; compare any two (the one before the current
 * with the current one by default).
 */
export const RevisionBar = ({
  meta,
  history,
  onOpen,
  onCompare,
}: {
  meta: PlanMeta
  history: RevisionHistory
  onOpen: (revision: number) => void
  onCompare: (from: number, to: number) => void
}) => {
  const list = revisionList(meta, history)
  const current = meta.revision ?? 1
  const previous = list.length > 1 ? list[list.length - 2]!.revision : current
  // null: the default (the one before the current, and the current one).
  const [from, setFrom] = useState<number | null>(null)
  const [to, setTo] = useState<number | null>(null)
  const fromRev = from !== null && list.some(r => r.revision === from) ? from : previous
  const toRev = to !== null && list.some(r => r.revision === to) ? to : current
  const createdAt = list[list.length - 1]!.createdAt

  return (
    <div className="revision-bar" data-testid="revision-bar">
      <span className="chip" data-testid="current-revision">
        Revision {current}
      </span>
      {createdAt && (
        <span className="muted" title={fullTime(createdAt)}>
          set {relativeTime(createdAt)}
        </span>
      )}
      {list.length > 1 ? (
        <>
          <label className="row gap-s">
            <span className="muted">Open</span>
            <select
              value=""
              onChange={e => e.target.value && onOpen(Number(e.target.value))}
              data-testid="open-revision"
              aria-label="Open a revision read-only"
            >
              <option value="">a revision…</option>
              {list.map(r => (
                <option key={r.revision} value={r.revision} data-testid="revision-option">
                  {label(r, current)}
                </option>
              ))}
            </select>
          </label>
          <RevisionSelect label="Compare" aria="Compare from" list={list} value={fromRev} onChange={setFrom} testId="compare-from" />
          <RevisionSelect label="with" aria="Compare with" list={list} value={toRev} onChange={setTo} testId="compare-to" />
          <button className="btn" disabled={fromRev === toRev} onClick={() => onCompare(fromRev, toRev)} data-testid="compare">
            Compare
          </button>
        </>
      ) : (
        <span className="muted">No earlier revisions</span>
      )}
      {history.droppedThrough > 0 && (
        <span className="muted" data-testid="revisions-dropped">
          {history.droppedThrough === 1 ? 'Revision 1 no longer kept' : `Revisions 1–${history.droppedThrough} no longer kept`}
        </span>
      )}
    </div>
  )
}
