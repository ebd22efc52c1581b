// Block-by-block comparison of two revisions of a plan (docs/web.md,
// "Revisions in the browser"). Blocks are matched by id first (update_plan
// keeps the ids of unchanged blocks), then by content; a removed block and an
// added one of the same type between the same matched neighbours, with most
// of their words in common, are one changed block. Within a changed block:
// words for text, lines for code, cells for tables.
import type { PlanBlock } from '../collab/revisions'
import { diffSequences, type Edit } from './sequence'
import { diffWords, similarity, type Segment } from './words'

/** A block in document order, nested ones after their parent with a depth. */
export type FlatBlock = {
  id: string
  type: string
  depth: number
  props: Record<string, unknown>
  /** Its inline text (code: the code; table: the cells, tab and newline separated). */
  text: string
  /** Table cells' texts by row; empty for other blocks. */
  cells: string[][]
  /** Type, properties and text: equal keys are equal blocks. */
  key: string
}

export type CellChange = { op: 'same' | 'add' | 'del' | 'changed'; text: string; segments?: Segment[] }

export type ChangeDetail =
  | { kind: 'words'; segments: Segment[] }
  | { kind: 'lines'; lines: { op: 'same' | 'add' | 'del'; text: string }[] }
  | { kind: 'cells'; rows: CellChange[][] }

export type BlockRow =
  | { kind: 'same'; before: FlatBlock; after: FlatBlock }
  | { kind: 'added'; after: FlatBlock }
  | { kind: 'removed'; before: FlatBlock }
  | { kind: 'changed'; before: FlatBlock; after: FlatBlock; detail: ChangeDetail }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The text of inline content (text runs, links); anything else reads as nothing. */
export const inlineText = (content: unknown): string => {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map(c => {
      if (!isObject(c)) return ''
      if (c.type === 'text' && typeof c.text === 'string') return c.text
      if (c.type === 'link') return inlineText(c.content)
      return ''
    })
    .join('')
}

/** A table's cells as text; a cell is inline content, or `{type: "tableCell", content}`. */
const tableCells = (content: unknown): string[][] => {
  if (!isObject(content) || !Array.isArray(content.rows)) return []
  return content.rows.map(row =>
    isObject(row) && Array.isArray(row.cells)
      ? row.cells.map(cell => (isObject(cell) && cell.type === 'tableCell' ? inlineText(cell.content) : inlineText(cell)))
      : [],
  )
}

export const flattenBlocks = (blocks: readonly PlanBlock[], depth = 0, out: FlatBlock[] = []): FlatBlock[] => {
  for (const b of blocks) {
    const cells = b.type === 'table' ? tableCells(b.content) : []
    const text = b.type === 'table' ? cells.map(r => r.join('\t')).join('\n') : inlineText(b.content)
    const props = b.props ?? {}
    out.push({ id: b.id ?? '', type: b.type, depth, props, text, cells, key: `${b.type}\u0000${JSON.stringify(props)}\u0000${text}` })
    if (b.children?.length) flattenBlocks(b.children, depth + 1, out)
  }
  return out
}

const detailOf = (before: FlatBlock, after: FlatBlock): ChangeDetail => {
  if (after.type === 'codeBlock') {
    const lines = diffSequences(before.text.split('\n'), after.text.split('\n'), (x, y) => x === y).map(e =>
      e.op === 'same' ? { op: e.op, text: e.b } : e.op === 'del' ? { op: e.op, text: e.a } : { op: e.op, text: e.b },
    )
    return { kind: 'lines', lines }
  }
  if (after.type === 'table') {
    const rows: CellChange[][] = []
    for (let r = 0; r < Math.max(before.cells.length, after.cells.length); r++) {
      const b = before.cells[r] ?? []
      const a = after.cells[r] ?? []
      const row: CellChange[] = []
      for (let c = 0; c < Math.max(a.length, b.length); c++) {
        const was = b[c]
        const now = a[c]
        if (was === undefined) row.push({ op: 'add', text: now ?? '' })
        else if (now === undefined) row.push({ op: 'del', text: was })
        else if (was === now) row.push({ op: 'same', text: now })
        else row.push({ op: 'changed', text: now, segments: diffWords(was, now) })
      }
      rows.push(row)
    }
    return { kind: 'cells', rows }
  }
  return { kind: 'words', segments: diffWords(before.text, after.text) }
}

/** A removed and an added block this alike are shown as one changed block. */
const SIMILAR = 0.5

const alike = (before: FlatBlock, after: FlatBlock): boolean =>
  before.type === after.type && (before.type === 'table' || before.type === 'codeBlock' || similarity(before.text, after.text) >= SIMILAR)

/** Pairs the removed and added blocks between two matched ones, in order. */
const pairGap = (removed: FlatBlock[], added: FlatBlock[], out: BlockRow[]) => {
  let next = 0
  for (const before of removed) {
    let j = next
    while (j < added.length && !alike(before, added[j]!)) j++
    if (j === added.length) {
      out.push({ kind: 'removed', before })
      continue
    }
    for (; next < j; next++) out.push({ kind: 'added', after: added[next]! })
    const after = added[next++]!
    out.push({ kind: 'changed', before, after, detail: detailOf(before, after) })
  }
  for (; next < added.length; next++) out.push({ kind: 'added', after: added[next]! })
}

/** Compares revision `before` with revision `after`, block by block, in the order of `after`. */
export const compareBlocks = (before: readonly PlanBlock[], after: readonly PlanBlock[]): BlockRow[] => {
  const a = flattenBlocks(before)
  const b = flattenBlocks(after)
  const idsA = new Set(a.map(x => x.id).filter(Boolean))
  const idsB = new Set(b.map(x => x.id).filter(Boolean))
  // By id where both sides have the id; by content only between blocks whose id the other side lacks.
  const eq = (x: FlatBlock, y: FlatBlock) =>
    x.id !== '' && x.id === y.id ? true : x.key === y.key && !idsB.has(x.id) && !idsA.has(y.id)
  const rows: BlockRow[] = []
  let removed: FlatBlock[] = []
  let added: FlatBlock[] = []
  const flush = () => {
    pairGap(removed, added, rows)
    removed = []
    added = []
  }
  for (const e of diffSequences(a, b, eq) as Edit<FlatBlock>[]) {
    if (e.op === 'del') removed.push(e.a)
    else if (e.op === 'add') added.push(e.b)
    else {
      flush()
      rows.push(e.a.key === e.b.key ? { kind: 'same', before: e.a, after: e.b } : { kind: 'changed', before: e.a, after: e.b, detail: detailOf(e.a, e.b) })
    }
  }
  flush()
  return rows
}

/** How many blocks were added, removed or changed. */
export const countChanges = (rows: readonly BlockRow[]): number => rows.filter(r => r.kind !== 'same').length
