// Plan documents (docs/product.md): typed reads of the root types and the few writes
// the web app makes (review status, the reviewer's name in `users`). Components
// read documents through these (or planHooks.ts), never the raw Y types.
import type * as Y from 'yjs'
import type { Identity } from '../identity'

export const STATUSES = ['draft', 'pending_review', 'approved', 'changes_requested'] as const
export type PlanStatus = (typeof STATUSES)[number]

export const isStatus = (v: unknown): v is PlanStatus => STATUSES.includes(v as PlanStatus)

export const STATUS_LABEL: Record<PlanStatus, string> = {
  draft: 'Draft',
  pending_review: 'Pending review',
  approved: 'Approved',
  changes_requested: 'Changes requested',
}

export type PlanMeta = {
  id: string
  title: string
  status: PlanStatus
  repo: string | null
  pr: number | string | null
  createdAt: number | null
  updatedAt: number | null
  reviewedAt: number | null
  reviewedBy: string | null
  revision: number | null
  /** When the current revision's content was set. */
  revisedAt: number | null
  /** The revision the last decision was made on, and the reviewer's note with it. */
  reviewedRevision: number | null
  decisionNote: string | null
}

export type PlanSummary = { id: string; title: string; status: PlanStatus; createdAt: number; updatedAt: number }

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/** Reads plain metadata (from the Y.Map's JSON or a snapshot). */
export const parseMeta = (raw: Record<string, unknown>, fallbackId: string): PlanMeta => ({
  id: str(raw.id) ?? fallbackId,
  title: str(raw.title) ?? 'Untitled plan',
  status: isStatus(raw.status) ? raw.status : 'pending_review',
  repo: str(raw.repo),
  pr: num(raw.pr) ?? str(raw.pr),
  createdAt: num(raw.createdAt),
  updatedAt: num(raw.updatedAt),
  reviewedAt: num(raw.reviewedAt),
  reviewedBy: str(raw.reviewedBy),
  revision: num(raw.revision),
  revisedAt: num(raw.revisedAt),
  reviewedRevision: num(raw.reviewedRevision),
  decisionNote: str(raw.decisionNote),
})

export const metadataMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('metadata')
export const documentFragment = (doc: Y.Doc): Y.XmlFragment => doc.getXmlFragment('document')
export const threadsMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('threads')
export const usersMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('users')
/** The hub's `plan-index` document: one plain-object summary per plan id. */
export const indexMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('plans')

export const readMeta = (doc: Y.Doc, planId: string): PlanMeta | null => {
  const m = metadataMap(doc)
  return m.size === 0 ? null : parseMeta(m.toJSON() as Record<string, unknown>, planId)
}

/** The plan has blocks (an empty fragment: not synced yet, or no such plan). */
export const hasContent = (doc: Y.Doc): boolean => documentFragment(doc).length > 0

export type ThreadCounts = { open: number; total: number }

/** Comment threads that are not deleted, and how many of them are not resolved. */
export const readThreadCounts = (doc: Y.Doc): ThreadCounts => {
  let open = 0
  let total = 0
  threadsMap(doc).forEach(t => {
    // BlockNote's YjsThreadStore keeps each thread as a Y.Map; skip anything else.
    const thread = t as { get?: (k: string) => unknown }
    if (typeof thread.get !== 'function' || thread.get('deletedAt')) return
    total++
    if (!thread.get('resolved')) open++
  })
  return { open, total }
}

/** Plans in the index, newest first. */
export const readIndex = (doc: Y.Doc): PlanSummary[] => {
  const plans: PlanSummary[] = []
  indexMap(doc).forEach((value, id) => {
    if (typeof value !== 'object' || value === null) return
    const m = parseMeta(value as Record<string, unknown>, id)
    plans.push({ id, title: m.title, status: m.status, createdAt: m.createdAt ?? 0, updatedAt: m.updatedAt ?? 0 })
  })
  return plans.sort((a, b) => b.createdAt - a.createdAt || b.updatedAt - a.updatedAt || a.id.localeCompare(b.id))
}

export type UserInfo = { name: string; color: string }

const parseUser = (v: unknown): UserInfo | null => {
  if (typeof v !== 'object' || v === null) return null
  const { name, color } = v as { name?: unknown; color?: unknown }
  return typeof name === 'string' ? { name, color: typeof color === 'string' ? color : '#888888' } : null
}

export const readUser = (doc: Y.Doc, userId: string): UserInfo | null => parseUser(usersMap(doc).get(userId))

/** Every readable entry of `users`, by user id (comment authors' names and colours). */
export const readUsers = (doc: Y.Doc): Map<string, UserInfo> => {
  const users = new Map<string, UserInfo>()
  usersMap(doc).forEach((v, id) => {
    const u = parseUser(v)
    if (u) users.set(id, u)
  })
  return users
}

/** Publishes the reviewer's name and colour in `users`, writing only when they changed. */
export const publishUser = (doc: Y.Doc, me: Identity): void => {
  const current = readUser(doc, me.id)
  if (current?.name === me.name && current.color === me.color) return
  usersMap(doc).set(me.id, { name: me.name, color: me.color })
}

export type ReviewDecision = 'approved' | 'changes_requested'

/** Longest note a reviewer can give with a decision (docs/product.md). */
export const MAX_DECISION_NOTE = 4000

/**
 * Records a review decision in one transaction, with the revision it was
 * made on and the reviewer's note (empty: none). It refuses (returns false)
 * when the plan got a new revision after the reviewer opened the dialog, so a
 * decision is never recorded against text the reviewer did not see.
 */
export const recordReview = (
  doc: Y.Doc,
  decision: ReviewDecision,
  me: Identity,
  seenRevision: number | null,
  note = '',
): boolean => {
  const m = metadataMap(doc)
  let ok = false
  doc.transact(() => {
    const revision = num(m.get('revision'))
    if (revision !== seenRevision) return
    const now = Date.now()
    m.set('status', decision)
    m.set('reviewedAt', now)
    m.set('reviewedBy', me.name)
    m.set('reviewedRevision', revision ?? 1)
    const trimmed = note.trim().slice(0, MAX_DECISION_NOTE)
    if (trimmed) m.set('decisionNote', trimmed)
    else m.delete('decisionNote')
    m.set('updatedAt', now)
    ok = true
  }, 'review')
  return ok
}

/** The plan's current revision (1 for a plan that does not say). */
export const currentRevision = (doc: Y.Doc): number => num(metadataMap(doc).get('revision')) ?? 1
