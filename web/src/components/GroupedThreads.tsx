// The comments panel's threads in three groups (docs/web.md): open on the
// current revision (their text is in the plan), outdated (not resolved, and
// their text is gone: a later revision removed it; quoted from the kept
// revision it was made on), and resolved. BlockNote's ThreadsSidebar filters
// but cannot group, so this lists its Thread component itself, as the sidebar
// does (selecting a thread on focus shows its reply box). A thread with no
// text in the plan is selected here only: BlockNote's selection would also
// open its floating card, which closes, and deselects the thread, at the
// first click into the reply box. A resolved thread waits until the name of
// whoever resolved it is loaded: BlockNote's Thread throws without it (seen
// on a reload, before the user store has the names from `users`).
import { CommentsExtension, type ThreadData } from '@blocknote/core/comments'
import { Thread, useBlockNoteEditor, useExtension, useExtensionState, useThreads } from '@blocknote/react'
import { useEffect, useState, useSyncExternalStore, type FocusEvent } from 'react'
import type { RevisionHistory } from '../collab/revisions'
import { keptQuote } from '../collab/revisions'

type Entry = { thread: ThreadData; quote: string; from: number | null; caption: string | null }

const madeOn = (t: ThreadData): number | null => {
  const r = (t.metadata as { revision?: unknown } | undefined)?.revision
  return typeof r === 'number' ? r : null
}

const Group = ({ title, entries, selected, testId }: { title: string; entries: Entry[]; selected: string | undefined; testId: string }) => {
  const comments = useExtension(CommentsExtension)
  const [local, setLocal] = useState<string | undefined>(undefined)
  const users = comments.userStore.store
  const known = useSyncExternalStore(users.subscribe, () => users.state)
  const resolvers = entries.flatMap(e => (e.thread.resolved && e.thread.resolvedBy ? [e.thread.resolvedBy] : [])).join(',')
  useEffect(() => {
    if (resolvers) void comments.userStore.loadUsers(resolvers.split(','))
  }, [comments, resolvers])
  if (entries.length === 0) return null
  const onFocus = (e: FocusEvent, { thread, from }: Entry) => {
    if ((e.target as HTMLElement).closest('.bn-action-toolbar')) return
    if (from === null) setLocal(thread.id)
    else comments.selectThread(thread.id)
  }
  return (
    <section className="thread-group" data-testid={testId}>
      <h3>
        {title} <span className="count">{entries.length}</span>
      </h3>
      {entries.map(entry => (
        <div key={entry.thread.id} className="grouped-thread">
          {entry.caption && <p className="muted thread-caption">{entry.caption}</p>}
          {entry.thread.resolved && entry.thread.resolvedBy && !known.has(entry.thread.resolvedBy) ? (
            <p className="muted">Loading…</p>
          ) : (
            <Thread
              thread={entry.thread}
              // Stays selected, reply box and any draft in it kept, until another thread is chosen.
              selected={entry.from === null ? entry.thread.id === local : entry.thread.id === selected}
              referenceText={entry.quote}
              orphaned={testId === 'threads-outdated'}
              tabIndex={0}
              onFocus={e => onFocus(e, entry)}
            />
          )}
        </div>
      ))}
    </section>
  )
}

export const GroupedThreads = ({ history, revision }: { history: RevisionHistory; revision: number }) => {
  const editor = useBlockNoteEditor()
  const threads = useThreads()
  const { selectedThreadId, threadPositions } = useExtensionState(CommentsExtension)
  const open: Entry[] = []
  const outdated: Entry[] = []
  const resolved: Entry[] = []
  for (const thread of threads.values()) {
    if (thread.deletedAt) continue
    const pos = threadPositions.get(thread.id)
    const quote = pos
      ? editor.transact(tr => (tr.doc.nodeSize < pos.to ? '' : tr.doc.textBetween(pos.from, pos.to)))
      : (keptQuote(history, thread.id) ?? '')
    const r = madeOn(thread)
    const caption = pos ? null : r !== null ? `Made on revision ${r}` : 'Made on an earlier revision'
    const entry = { thread, quote, from: pos?.from ?? null, caption }
    if (thread.resolved) resolved.push(entry)
    else if (pos) open.push(entry)
    else outdated.push(entry)
  }
  open.sort((a, b) => (a.from ?? 0) - (b.from ?? 0))
  const byTime = (a: Entry, b: Entry) => a.thread.createdAt.getTime() - b.thread.createdAt.getTime()
  outdated.sort(byTime)
  resolved.sort(byTime)
  return (
    <div className="bn-threads-sidebar grouped-threads">
      <Group title={`Open on revision ${revision}`} entries={open} selected={selectedThreadId} testId="threads-open" />
      <Group title="Outdated: their text is gone" entries={outdated} selected={selectedThreadId} testId="threads-outdated" />
      <Group title="Resolved" entries={resolved} selected={selectedThreadId} testId="threads-resolved" />
    </div>
  )
}
