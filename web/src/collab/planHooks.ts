// The plan documents' values as React state, live: each hook re-reads its
// value (with plan.ts's typed reads) after every change below the root type
// it depends on. A null doc (no session yet) gives the empty value.
import { useCallback } from 'react'
import type * as Y from 'yjs'
import { useYValue } from './hooks'
import {
  documentFragment,
  hasContent,
  indexMap,
  metadataMap,
  readIndex,
  readMeta,
  readThreadCounts,
  readUsers,
  threadsMap,
  usersMap,
  type PlanMeta,
  type PlanSummary,
  type ThreadCounts,
  type UserInfo,
} from './plan'
import { contentArray, readCurrentBlocks, readRevisions, revisionsArray, type PlanBlock, type RevisionHistory } from './revisions'

const NO_THREADS: ThreadCounts = { open: 0, total: 0 }
const NO_PLANS: PlanSummary[] = []
const NO_HISTORY: RevisionHistory = { kept: [], droppedThrough: 0 }
const NO_BLOCKS: PlanBlock[] = []
const NO_USERS: ReadonlyMap<string, UserInfo> = new Map()

/** The plan's metadata; null until the document has some. */
export const usePlanMeta = (doc: Y.Doc | null, planId: string): PlanMeta | null => {
  const read = useCallback(() => (doc ? readMeta(doc, planId) : null), [doc, planId])
  return useYValue(doc ? metadataMap(doc) : null, read)
}

/** The plan has blocks to show. */
export const usePlanHasContent = (doc: Y.Doc | null): boolean => {
  const read = useCallback(() => (doc ? hasContent(doc) : false), [doc])
  return useYValue(doc ? documentFragment(doc) : null, read)
}

export const useThreadCounts = (doc: Y.Doc | null): ThreadCounts => {
  const read = useCallback(() => (doc ? readThreadCounts(doc) : NO_THREADS), [doc])
  return useYValue(doc ? threadsMap(doc) : null, read)
}

/** The plans of the `plan-index` document, newest first. */
export const usePlanIndex = (doc: Y.Doc | null): PlanSummary[] => {
  const read = useCallback(() => (doc ? readIndex(doc) : NO_PLANS), [doc])
  return useYValue(doc ? indexMap(doc) : null, read)
}

/** The names and colours in the plan's `users` map, by user id. */
export const usePlanUsers = (doc: Y.Doc | null): ReadonlyMap<string, UserInfo> => {
  const read = useCallback(() => (doc ? readUsers(doc) : NO_USERS), [doc])
  return useYValue(doc ? usersMap(doc) : null, read)
}

/** The plan's kept earlier revisions, oldest first. */
export const useRevisionHistory = (doc: Y.Doc | null): RevisionHistory => {
  const read = useCallback(() => (doc ? readRevisions(doc) : NO_HISTORY), [doc])
  return useYValue(doc ? revisionsArray(doc) : null, read)
}

/** The current revision's blocks (block JSON). */
export const useCurrentBlocks = (doc: Y.Doc | null): PlanBlock[] => {
  const read = useCallback(() => (doc ? readCurrentBlocks(doc) : NO_BLOCKS), [doc])
  return useYValue(doc ? contentArray(doc) : null, read)
}
