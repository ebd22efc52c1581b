import type { ChangeDetail, FlatBlock } from '../diff/blocks'
import type { Segment } from '../diff/words'

const MARKERS: Record<string, string> = { bulletListItem: '•', numberedListItem: '#', checkListItem: '☐', quote: '│' }

const Segments = ({ segments }: { segments: Segment[] }) => (
  <>
    {segments.map((s, i) =>
      s.op === 'same' ? (
        <span key={i}>{s.text}</span>
      ) : s.op === 'del' ? (
        <del key={i} className="diff-word-del">
          {s.text}
        </del>
      ) : (
        <ins key={i} className="diff-word-add">
          {s.text}
        </ins>
      ),
    )}
  </>
)

const Code = ({ lines }: { lines: { op: 'same' | 'add' | 'del'; text: string }[] }) => (
  <pre className="diff-code">
    {lines.map((l, i) => (
      <div key={i} className={`diff-line diff-line-${l.op}`} data-op={l.op}>
        <span className="diff-gutter" aria-hidden>
          {l.op === 'add' ? '+' : l.op === 'del' ? '−' : ' '}
        </span>
        {l.op === 'add' ? <ins>{l.text}</ins> : l.op === 'del' ? <del>{l.text}</del> : l.text}
      </div>
    ))}
  </pre>
)

const Table = ({ block, detail }: { block: FlatBlock; detail: Extract<ChangeDetail, { kind: 'cells' }> | null }) => (
  <table className="diff-table">
    <tbody>
      {(detail?.rows ?? block.cells.map(r => r.map(text => ({ op: 'same' as const, text, segments: undefined })))).map((row, r) => (
        <tr key={r}>
          {row.map((cell, c) => (
            <td key={c} className={cell.op === 'same' ? undefined : `diff-cell diff-cell-${cell.op}`} data-op={cell.op}>
              {cell.segments ? <Segments segments={cell.segments} /> : cell.op === 'del' ? <del>{cell.text}</del> : cell.text}
            </td>
          ))}
        </tr>
      ))}
    </tbody>
  </table>
)

/** One block of a comparison: as it is, or with what changed in it marked. */
export const DiffBlock = ({ block, detail = null }: { block: FlatBlock; detail?: ChangeDetail | null }) => {
  const style = { marginLeft: block.depth * 24 }
  if (block.type === 'codeBlock')
    return (
      <div style={style}>
        <Code lines={detail?.kind === 'lines' ? detail.lines : block.text.split('\n').map(text => ({ op: 'same' as const, text }))} />
      </div>
    )
  if (block.type === 'table')
    return (
      <div style={style}>
        <Table block={block} detail={detail?.kind === 'cells' ? detail : null} />
      </div>
    )
  const level = block.type === 'heading' ? Number(block.props.level) || 1 : 0
  const marker = MARKERS[block.type]
  return (
    <div className={`diff-text${level ? ` diff-h${Math.min(level, 3)}` : ''}`} style={style}>
      {marker && (
        <span className="diff-marker" aria-hidden>
          {marker}
        </span>
      )}
      {detail?.kind === 'words' ? <Segments segments={detail.segments} /> : block.text || <span className="muted">({block.type})</span>}
    </div>
  )
}
