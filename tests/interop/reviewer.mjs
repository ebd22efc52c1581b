// A reviewer as the web app makes one: a real BlockNoteEditor with the
// collaboration and comments extensions on a plan's `document` fragment,
// commenting through BlockNote's YjsThreadStore on `threads`, named in
// `users`. It runs in ServerBlockNoteEditor's jsdom, on a Y.Doc that a
// y-websocket provider keeps in sync with the hub.

import { BlockNoteEditor } from '@blocknote/core'
import { withCollaboration, YjsThreadStore } from '@blocknote/core/yjs'
import { CommentsExtension, DefaultThreadStoreAuth } from '@blocknote/core/comments'
import { ServerBlockNoteEditor } from '@blocknote/server-util'
import * as Y from 'yjs'

let server
const serverEditor = () => (server ??= ServerBlockNoteEditor.create())

export const commentBody = text => [{
  id: 'c1',
  type: 'paragraph',
  props: { backgroundColor: 'default', textColor: 'default', textAlignment: 'left' },
  content: [{ type: 'text', text, styles: {} }],
  children: []
}]

/**
 * Selects `quote` (the first text block holding it) and creates a thread on it
 * with `text` as its first comment, as user {id, name, color}, with the
 * thread `metadata` given (the web app gives {revision}). Returns the thread id.
 */
export async function commentOn (doc, { user, quote, text, metadata }) {
  doc.getMap('users').set(user.id, { name: user.name, color: user.color })
  const store = new YjsThreadStore(user.id, doc.getMap('threads'), new DefaultThreadStoreAuth(user.id, 'editor'))
  let threadId
  await serverEditor()._withJSDOM(async () => {
    const editor = BlockNoteEditor.create(withCollaboration({
      collaboration: { fragment: doc.getXmlFragment('document'), user: { name: user.name, color: user.color }, provider: undefined },
      extensions: [CommentsExtension({ threadStore: store, resolveUsers: async ids => ids.map(id => ({ id, username: id, avatarUrl: '' })) })]
    }))
    const div = document.createElement('div')
    document.body.appendChild(div)
    editor.mount(div)
    const tt = editor._tiptapEditor
    let range = null
    tt.state.doc.descendants((node, pos) => {
      if (range) return false
      if (node.isTextblock) {
        const i = node.textContent.indexOf(quote)
        if (i >= 0) range = { from: pos + 1 + i, to: pos + 1 + i + quote.length }
        return false
      }
      return true
    })
    if (!range) throw new Error(`no text block holds "${quote}"`)
    tt.commands.setTextSelection(range)
    const before = new Set(doc.getMap('threads').keys())
    await editor.getExtension(CommentsExtension).createThread({ initialComment: { body: commentBody(text) }, metadata })
    threadId = [...doc.getMap('threads').keys()].find(k => !before.has(k))
    editor.unmount()
  })
  return threadId
}

/** A reply in an existing thread, as `user`. */
export async function reply (doc, { user, threadId, text }) {
  doc.getMap('users').set(user.id, { name: user.name, color: user.color })
  const store = new YjsThreadStore(user.id, doc.getMap('threads'), new DefaultThreadStoreAuth(user.id, 'editor'))
  await store.addComment({ threadId, comment: { body: commentBody(text) } })
}

/**
 * The blocks the web app's editor (with the comments extension, which knows
 * the comment marks) reads from `doc`'s `document`: BlockNote's editor.document,
 * read from a copy so that nothing it repairs reaches `doc`.
 */
export async function editorBlocks (doc) {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  const store = new YjsThreadStore('reader', copy.getMap('threads'), new DefaultThreadStoreAuth('reader', 'editor'))
  let blocks
  await serverEditor()._withJSDOM(async () => {
    const editor = BlockNoteEditor.create(withCollaboration({
      collaboration: { fragment: copy.getXmlFragment('document'), user: { name: 'reader', color: '#000000' }, provider: undefined },
      extensions: [CommentsExtension({ threadStore: store, resolveUsers: async ids => ids.map(id => ({ id, username: id, avatarUrl: '' })) })]
    }))
    const div = document.createElement('div')
    document.body.appendChild(div)
    editor.mount(div)
    blocks = JSON.parse(JSON.stringify(editor.document))
    editor.unmount()
  })
  return blocks
}
