// The BlockNote editor on a plan's `document` fragment, with comments on
// `threads`. This is the only place that creates an editor on a shared
// document, and it always includes CommentsExtension: an editor without it
// deletes the comment marks it finds (see docs/blocknote.md).
import '@blocknote/core/fonts/inter.css'
import '@blocknote/mantine/style.css'
import { createUserStore, type User } from '@blocknote/core'
import { CommentsExtension, DefaultThreadStoreAuth } from '@blocknote/core/comments'
import { withCollaboration, YjsThreadStore } from '@blocknote/core/yjs'
import { BlockNoteView } from '@blocknote/mantine'
import { BlockNoteViewEditor, useCreateBlockNote } from '@blocknote/react'
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type * as Y from 'yjs'
import { isReadOnlyToken } from '../api/accessToken'
import { currentRevision, documentFragment, readUser, threadsMap, type UserInfo } from '../collab/plan'
import { usePlanUsers } from '../collab/planHooks'
import type { RevisionHistory } from '../collab/revisions'
import type { DocSession } from '../collab/session'
import { initials, type Identity } from '../identity'
import { GroupedThreads } from './GroupedThreads'

/** An avatar image (the initials on the reviewer's colour) for BlockNote's comment UI. */
const avatarUrl = (name: string, color: string): string => {
  const text = initials(name).replace(/[<&>]/g, '')
  const fill = /^#[0-9a-f]{6}$/i.test(color) ? color : '#888888'
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="16" fill="${fill}"/>` +
    `<text x="16" y="21" text-anchor="middle" font-family="system-ui,sans-serif" font-size="13" font-weight="600" fill="#fff">${text}</text></svg>`
  return `data:image/svg+xml,${encodeURIComponent(svg)}`
}

const toUser = (id: string, u: UserInfo): User => ({ id, username: u.name, avatarUrl: avatarUrl(u.name, u.color), color: u.color })

/** Comment authors by name, from the document's `users` map, kept current as it changes. */
const useCommentAuthors = (doc: Y.Doc) => {
  const store = useMemo(
    () =>
      createUserStore(async (ids: string[]) =>
        ids.flatMap(id => {
          const u = readUser(doc, id)
          return u ? [toUser(id, u)] : []
        }),
      ),
    [doc],
  )
  const users = usePlanUsers(doc)
  useEffect(() => {
    const known = Array.from(users, ([id, u]) => toUser(id, u))
    if (known.length > 0) store.setUser(known)
  }, [store, users])
  return store
}

/**
 * BlockNote's YjsThreadStore, with each new thread's metadata recording the
 * plan revision it was made on (docs/product.md, Revisions), so that feedback
 * can say which text a thread was about once a revision has replaced it.
 */
const revisionThreadStore = (doc: Y.Doc, userId: string): YjsThreadStore => {
  const store = new YjsThreadStore(userId, threadsMap(doc), new DefaultThreadStoreAuth(userId, 'comment'))
  const create = store.createThread
  store.createThread = options =>
    create({ ...options, metadata: { ...(options.metadata as object | undefined), revision: currentRevision(doc) } })
  return store
}

export const PlanEditor = ({
  session,
  me,
  theme,
  commentsOpen,
  commentsHeader,
  history,
  revision,
  inPlace,
}: {
  session: DocSession
  me: Identity
  theme: 'light' | 'dark'
  commentsOpen: boolean
  commentsHeader: ReactNode
  /** The kept revisions (outdated threads' quotes) and the current revision's number. */
  history: RevisionHistory
  revision: number
  /**
   * Shown in the editor's place (an earlier revision, a comparison), beside
   * the comments panel; the editor stays alive, with any comment typed in it.
   */
  inPlace: ReactNode
}) => {
  const { doc } = session
  const userStore = useCommentAuthors(doc)
  const threadStore = useMemo(() => revisionThreadStore(doc, me.id), [doc, me.id])
  const editor = useCreateBlockNote(
    withCollaboration({
      collaboration: {
        fragment: documentFragment(doc),
        provider: { awareness: session.awareness },
        // Set once, when the editor is created; later changes of name or
        // colour reach the cursor through publishPresence (presence.ts).
        user: { id: me.id, name: me.name, color: me.color },
        showCursorLabels: 'activity',
      },
      extensions: [CommentsExtension({ threadStore, resolveUsers: userStore })],
    }),
    [doc, threadStore, userStore],
  )

  // Time to interactive: the first frame after the editor shows the plan.
  const rootRef = useRef<HTMLDivElement>(null)
  const [ready, setReady] = useState(false)
  useEffect(() => {
    const raf = requestAnimationFrame(() => {
      if (!performance.getEntriesByName('rt:editor-ready').length) performance.mark('rt:editor-ready')
      setReady(true)
    })
    return () => cancelAnimationFrame(raf)
  }, [editor])

  return (
    // A plan:read token syncs but may not change the plan (the hub refuses it).
    <BlockNoteView editor={editor} editable={!isReadOnlyToken()} theme={theme} renderEditor={false} className="plan-editor-root">
      <div className={`plan-body${commentsOpen ? ' with-comments' : ''}`}>
        <div className="editor-column" ref={rootRef} data-testid="plan-editor" data-ready={ready || undefined} hidden={Boolean(inPlace)}>
          <BlockNoteViewEditor />
        </div>
        {inPlace}
        {commentsOpen && (
          <aside className="comments-panel" aria-label="Comments" data-testid="comments-panel">
            {commentsHeader}
            <GroupedThreads history={history} revision={revision} />
          </aside>
        )}
      </div>
    </BlockNoteView>
  )
}
