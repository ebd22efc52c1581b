// A plan's revisions (docs/product.md, Revisions): the earlier ones kept in
// the `revisions` root, oldest first, and the current one's blocks in
// `content`, which update_plan writes in the same transaction as `document`
// and with the same block ids. Typed reads only; the hub writes both.
import type * as Y from 'yjs'

/** A block as BlockNote's block JSON has it; only what the comparison reads is typed. */
export type PlanBlock = {
  id?: string
  type: string
  props?: Record<string, unknown>
  content?: unknown
  children?: PlanBlock[]
}

export type KeptRevision = {
  revision: number
  /** When its content was set, and when the next revision replaced it (ms since the epoch). */
  createdAt: number | null
  replacedAt: number | null
  title: string
  blocks: PlanBlock[]
  /** Thread id to the text the thread was anchored on in this revision. */
  quotes: Record<string, string>
}

export type RevisionHistory = {
  /** Oldest first. */
  kept: KeptRevision[]
  /** Revisions 1 to this one are no longer kept (0: none dropped). */
  droppedThrough: number
}

export const revisionsArray = (doc: Y.Doc): Y.Array<unknown> => doc.getArray('revisions')
export const contentArray = (doc: Y.Doc): Y.Array<unknown> => doc.getArray('content')

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isBlock = (v: unknown): v is PlanBlock => isObject(v) && typeof v.type === 'string'

const readQuotes = (v: unknown): Record<string, string> => {
  const quotes: Record<string, string> = {}
  if (isObject(v)) for (const [thread, quote] of Object.entries(v)) if (typeof quote === 'string') quotes[thread] = quote
  return quotes
}

/** The kept history; records of another shape are skipped, as the hub skips them. */
export const readRevisions = (doc: Y.Doc): RevisionHistory => {
  const history: RevisionHistory = { kept: [], droppedThrough: 0 }
  for (const entry of revisionsArray(doc).toArray()) {
    if (!isObject(entry)) continue
    if (entry.dropped === true) {
      history.droppedThrough = Math.max(history.droppedThrough, num(entry.through) ?? 0)
      continue
    }
    const revision = num(entry.revision)
    if (revision === null || !Array.isArray(entry.blocks)) continue
    history.kept.push({
      revision,
      createdAt: num(entry.createdAt),
      replacedAt: num(entry.replacedAt),
      title: typeof entry.title === 'string' ? entry.title : '',
      blocks: entry.blocks.filter(isBlock),
      quotes: readQuotes(entry.quotes),
    })
  }
  history.kept.sort((a, b) => a.revision - b.revision)
  return history
}

/** The current revision's blocks. */
export const readCurrentBlocks = (doc: Y.Doc): PlanBlock[] => contentArray(doc).toJSON().filter(isBlock)

/** The blocks of `revision`: the current one's, or a kept one's; null if it is not kept. */
export const blocksOf = (history: RevisionHistory, current: number, currentBlocks: PlanBlock[], revision: number): PlanBlock[] | null =>
  revision === current ? currentBlocks : (history.kept.find(r => r.revision === revision)?.blocks ?? null)

/**
 * The text a thread was anchored on, from the newest kept revision that
 * quotes it: what an outdated thread (its text gone) was about.
 */
export const keptQuote = (history: RevisionHistory, threadId: string): string | null => {
  for (let i = history.kept.length - 1; i >= 0; i--) {
    const q = history.kept[i]!.quotes[threadId]
    if (q !== undefined) return q
  }
  return null
}
