import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { PlanBlock } from '../collab/revisions'
import { compareBlocks, type BlockRow } from '../diff/blocks'
import { DiffBlock } from './DiffBlock'
import { useKeys } from './keys'

type Item = { kind: 'run'; rows: BlockRow[]; key: number } | { kind: 'change'; row: BlockRow; change: number; key: number }

/** Changes one by one; unchanged blocks between them as runs, shown collapsed. */
const itemsOf = (rows: BlockRow[]): Item[] => {
  const items: Item[] = []
  let changes = 0
  for (const row of rows) {
    const last = items[items.length - 1]
    if (row.kind !== 'same') items.push({ kind: 'change', row, change: changes++, key: items.length })
    else if (last?.kind === 'run') last.rows.push(row)
    else items.push({ kind: 'run', rows: [row], key: items.length })
  }
  return items
}

const LABEL = { added: 'Added', removed: 'Removed', changed: 'Changed', same: '' } as const

/**
 * Two revisions block by block: added, removed and changed blocks, the words
 * (code lines, table cells) that changed inside a changed one, unchanged runs
 * collapsed. Keys: j or n next change, k or p previous, Esc closes.
 */
export const CompareView = ({
  from,
  to,
  before,
  after,
  onClose,
}: {
  from: number
  to: number
  before: PlanBlock[]
  after: PlanBlock[]
  onClose: () => void
}) => {
  const rows = useMemo(() => compareBlocks(before, after), [before, after])
  const items = useMemo(() => itemsOf(rows), [rows])
  const total = items.filter(i => i.kind === 'change').length
  const [current, setCurrent] = useState(-1)
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set())
  const root = useRef<HTMLElement>(null)
  const [ready, setReady] = useState(false)

  // Rendered: the first frame after the comparison is in the page.
  useEffect(() => {
    const raf = requestAnimationFrame(() => {
      performance.mark('rt:compare-ready')
      setReady(true)
    })
    return () => cancelAnimationFrame(raf)
  }, [rows])

  const go = useCallback(
    (step: 1 | -1) => {
      if (total === 0) return
      const next = current < 0 ? (step === 1 ? 0 : total - 1) : (current + step + total) % total
      setCurrent(next)
      root.current?.querySelector(`[data-change="${next}"]`)?.scrollIntoView({ block: 'center', behavior: 'instant' })
    },
    [current, total],
  )

  const keys = useMemo(() => ({ Escape: onClose, j: () => go(1), n: () => go(1), k: () => go(-1), p: () => go(-1) }), [go, onClose])
  useKeys(keys)

  return (
    <section className="compare-view" ref={root} data-testid="compare-view" data-ready={ready || undefined} aria-label={`Revision ${from} compared with ${to}`}>
      <div className="compare-head">
        <h2>
          Revision {from} → {to}
        </h2>
        <span className="muted" data-testid="change-count">
          {total === 0 ? 'No changes' : current < 0 ? `${total} ${total === 1 ? 'change' : 'changes'}` : `Change ${current + 1} of ${total}`}
        </span>
        <span className="row gap-s">
          <button className="btn" onClick={() => go(-1)} disabled={total === 0} title="Previous change (k or p)" data-testid="prev-change">
            ↑ Previous
          </button>
          <button className="btn" onClick={() => go(1)} disabled={total === 0} title="Next change (j or n)" data-testid="next-change">
            ↓ Next
          </button>
          <button className="btn" onClick={onClose} title="Close (Esc)" data-testid="close-view">
            Close
          </button>
        </span>
      </div>
      <div className="compare-body">
        {items.map(item =>
          item.kind === 'run' ? (
            expanded.has(item.key) ? (
              <div key={item.key} className="diff-run" data-testid="unchanged-run">
                {item.rows.map((r, i) => (r.kind === 'same' ? <DiffBlock key={i} block={r.after} /> : null))}
              </div>
            ) : (
              <button
                key={item.key}
                className="diff-collapsed"
                onClick={() => setExpanded(new Set(expanded).add(item.key))}
                data-testid="unchanged-collapsed"
              >
                {item.rows.length} unchanged {item.rows.length === 1 ? 'block' : 'blocks'}
              </button>
            )
          ) : (
            <div
              key={item.key}
              className={`diff-block diff-${item.row.kind}${item.change === current ? ' current' : ''}`}
              data-testid="diff-block"
              data-kind={item.row.kind}
              data-change={item.change}
              aria-current={item.change === current || undefined}
            >
              <span className="diff-label">{LABEL[item.row.kind]}</span>
              {item.row.kind === 'added' ? (
                <DiffBlock block={item.row.after} />
              ) : item.row.kind === 'removed' ? (
                <DiffBlock block={item.row.before} />
              ) : item.row.kind === 'changed' ? (
                <DiffBlock block={item.row.after} detail={item.row.detail} />
              ) : null}
            </div>
          ),
        )}
      </div>
    </section>
  )
}
