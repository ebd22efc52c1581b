// A plan with comment threads made the way the web app makes them: a real
// BlockNoteEditor with the collaboration and comments extensions, mounted in
// ServerBlockNoteEditor's jsdom, creating threads on selected text through
// YjsThreadStore; other users reply, react, resolve and delete through their
// own YjsThreadStore on the same `threads` map.
//
// makeCommentedPlan() -> {update, threads: [expectations], expectedThreads,
// orderedPairs, resolvedLine, reactionLine}

import * as Y from 'yjs'
import { BlockNoteEditor } from '@blocknote/core'
import { withCollaboration, YjsThreadStore } from '@blocknote/core/yjs'
import { CommentsExtension, DefaultThreadStoreAuth } from '@blocknote/core/comments'
import { ServerBlockNoteEditor } from '@blocknote/server-util'

const MARKDOWN = `# Release plan

The quick brown fox jumps over the lazy dog.

- First step with details
  - Nested step to check
- Second step

| Col A | Col B |
| --- | --- |
| cell one | cell two |

Closing paragraph text here.

Paragraph that will be deleted.
`

const USERS = {
  alice: { name: 'Alice Example', color: '#f00' },
  bob: { name: 'Bob', color: '#0f0' },
  // carol has no entry: she is named by her id
}
const nameOf = (id) => USERS[id]?.name ?? id

const body = (...lines) => lines.map((text, i) => ({
  id: `body-${i}`,
  type: 'paragraph',
  props: { backgroundColor: 'default', textColor: 'default', textAlignment: 'left' },
  content: [{ type: 'text', text, styles: {} }],
  children: [],
}))
const bodyText = (b) => (b ?? []).map((blk) => (blk.content ?? []).map((c) => c.text ?? '').join('')).join('\n')

// ProseMirror positions of `text` inside the first textblock holding it.
function findText (pmDoc, text) {
  let found = null
  pmDoc.descendants((node, pos) => {
    if (found) return false
    if (node.isTextblock) {
      const i = node.textContent.indexOf(text)
      if (i >= 0) found = { from: pos + 1 + i, to: pos + 1 + i + text.length }
      return false
    }
    return true
  })
  if (!found) throw new Error(`text not found: ${text}`)
  return found
}

function blockIdOf (editor, text) {
  let id = null
  const visit = (blocks) => {
    for (const b of blocks) {
      const own = JSON.stringify(b.content ?? '')
      if (!id && own.includes(text)) id = b.id
      visit(b.children)
    }
  }
  visit(editor.document)
  return id
}

export async function makeCommentedPlan () {
  const server = ServerBlockNoteEditor.create()
  const doc = new Y.Doc()
  const fragment = doc.getXmlFragment('document')
  server.blocksToYXmlFragment(await server.tryParseMarkdownToBlocks(MARKDOWN), fragment)
  const usersMap = doc.getMap('users')
  for (const [id, u] of Object.entries(USERS)) usersMap.set(id, u)
  const threadsMap = doc.getMap('threads')
  const store = (user) => new YjsThreadStore(user, threadsMap, new DefaultThreadStoreAuth(user, 'editor'))
  const alice = store('alice')
  const bob = store('bob')
  const carol = store('carol')

  const ids = {}
  await server._withJSDOM(async () => {
    const editor = BlockNoteEditor.create(withCollaboration({
      collaboration: { fragment, user: { name: 'Alice Example', color: '#f00' }, provider: undefined },
      extensions: [CommentsExtension({ threadStore: alice, resolveUsers: async (userIds) => userIds.map((id) => ({ id, username: nameOf(id), avatarUrl: '' })) })],
    }))
    const div = document.createElement('div')
    document.body.appendChild(div)
    editor.mount(div)
    const tt = editor._tiptapEditor
    const comments = editor.getExtension(CommentsExtension)

    // Alice comments through the editor (as the UI does); `from`/`to` texts
    // give a selection spanning blocks.
    const newThread = async (fromText, toText, ...lines) => {
      const before = new Set(threadsMap.keys())
      const a = findText(tt.state.doc, fromText)
      const b = toText ? findText(tt.state.doc, toText) : a
      tt.commands.setTextSelection({ from: a.from, to: b.to })
      await comments.createThread({ initialComment: { body: body(...lines) } })
      return [...threadsMap.keys()].find((k) => !before.has(k))
    }

    ids.quick = await newThread('quick brown', null, 'Is "quick" the right word?')
    // Bob starts an overlapping thread: his own store, the mark set as the
    // extension sets it.
    {
      const t = await bob.createThread({ initialComment: { body: body('Brown or red?', 'Second paragraph of the comment.') } })
      const r = findText(tt.state.doc, 'brown fox')
      tt.commands.setTextSelection(r)
      tt.commands.setMark('comment', { orphan: false, threadId: t.id })
      ids.brown = t.id
    }
    ids.span = await newThread('jumps over the lazy dog.', 'First step', 'This spans two blocks.')
    ids.nested = await newThread('Nested step', null, 'Check this nested step.')
    ids.cell = await newThread('cell two', null, 'Table cell comment.')
    ids.orphan = await newThread('will be deleted', null, 'Comment on text that goes away.')
    ids.gone = await newThread('Closing', null, 'A comment deleted in the UI.')

    // Replies, reactions, deletions, resolution.
    const c = (id) => threadsMap.get(id).get('comments')
    await bob.addComment({ threadId: ids.quick, comment: { body: body('Yes, keep it.') } })
    await bob.addReaction({ threadId: ids.quick, commentId: c(ids.quick).get(0).get('id'), emoji: '👍' })
    await carol.addReaction({ threadId: ids.quick, commentId: c(ids.quick).get(0).get('id'), emoji: '👍' })
    await alice.addReaction({ threadId: ids.quick, commentId: c(ids.quick).get(0).get('id'), emoji: '🎉' })
    await carol.addComment({ threadId: ids.brown, comment: { body: body("Carol's reply") } })
    await alice.addComment({ threadId: ids.brown, comment: { body: body('A reply Alice removed') } })
    await alice.deleteComment({ threadId: ids.brown, commentId: c(ids.brown).get(2).get('id') })
    await bob.addComment({ threadId: ids.brown, comment: { body: body('A soft deleted reply') } })
    await bob.deleteComment({ threadId: ids.brown, commentId: c(ids.brown).get(2).get('id'), softDelete: true })
    await carol.resolveThread({ threadId: ids.nested })
    await alice.deleteComment({ threadId: ids.gone, commentId: c(ids.gone).get(0).get('id') })

    // The orphan's text is removed in the editor.
    editor.removeBlocks([blockIdOf(editor, 'will be deleted')])
    ids.blocks = {
      para: blockIdOf(editor, 'The quick brown'),
      nested: blockIdOf(editor, 'Nested step'),
      table: blockIdOf(editor, 'cell two'),
      closing: blockIdOf(editor, 'Closing'),
    }
    editor.unmount()
  })

  const threads = alice.getThreads()
  if (threads.has(ids.gone)) throw new Error('the UI delete of the only comment should remove the thread')
  const expectedThreads = [...threads.values()].map((t) => ({
    id: t.id,
    createdAt: t.createdAt.getTime(),
    updatedAt: t.updatedAt.getTime(),
    resolved: !!t.resolved,
    ...(t.resolvedBy ? { resolvedBy: t.resolvedBy, resolvedByName: nameOf(t.resolvedBy) } : {}),
    ...(isNaN(t.resolvedUpdatedAt?.getTime()) ? {} : { resolvedUpdatedAt: t.resolvedUpdatedAt.getTime() }),
    comments: t.comments.map((cm) => ({
      id: cm.id,
      userId: cm.userId,
      author: nameOf(cm.userId),
      text: bodyText(cm.body),
      ...(cm.body !== undefined ? { body: cm.body } : {}),
      createdAt: cm.createdAt.getTime(),
      updatedAt: cm.updatedAt.getTime(),
      ...(cm.deletedAt ? { deletedAt: cm.deletedAt.getTime() } : {}),
      reactions: cm.reactions.map((r) => ({ emoji: r.emoji, userIds: r.userIds, userNames: r.userIds.map(nameOf), createdAt: r.createdAt.getTime() })),
    })),
  }))

  const shown = (id) => threads.get(id).comments.filter((cm) => !cm.deletedAt).map((cm) => ({ author: nameOf(cm.userId), createdAt: cm.createdAt.getTime(), body: bodyText(cm.body).split('\n')[0] }))
  const para = { blockId: ids.blocks.para, blockText: 'The quick brown fox', nextBlockText: '- First step with details' }
  return {
    update: Y.encodeStateAsUpdate(doc),
    threads: [
      { label: 'quick', id: ids.quick, quote: 'quick brown', ...para, comments: shown(ids.quick) },
      { label: 'overlapping brown', id: ids.brown, quote: 'brown fox', ...para, comments: shown(ids.brown), hiddenBodies: ['A reply Alice removed', 'A soft deleted reply'] },
      { label: 'spanning', id: ids.span, quote: 'jumps over the lazy dog. … First step', ...para, comments: shown(ids.span) },
      { label: 'nested', id: ids.nested, quote: 'Nested step', blockId: ids.blocks.nested, blockText: '  - Nested step to check', nextBlockText: '- Second step', resolved: true, indent: '    > ', comments: shown(ids.nested) },
      { label: 'table cell', id: ids.cell, quote: 'cell two', blockId: ids.blocks.table, blockText: '| cell one | cell two |', nextBlockText: 'Closing paragraph', comments: shown(ids.cell) },
      { label: 'orphan', id: ids.orphan, quote: undefined, comments: shown(ids.orphan) },
    ],
    goneThread: ids.gone,
    expectedThreads,
    orderedPairs: [[ids.quick, ids.brown], [ids.brown, ids.span], [ids.span, ids.nested], [ids.nested, ids.cell], [ids.cell, ids.orphan]],
    resolvedLine: `\`${ids.nested}\` · resolved by carol at ${threads.get(ids.nested).resolvedUpdatedAt.toISOString()} · on "Nested step"`,
    reactionLine: '>   reactions: 👍 Bob, carol; 🎉 Alice Example',
  }
}
