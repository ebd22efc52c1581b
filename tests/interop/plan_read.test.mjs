// read_plan's C++ side against the real BlockNote 0.55:
//  (a) markdown -> BlockNote blocks -> its Y.XmlFragment -> C++ reader ->
//      C++ markdown -> BlockNote's parser -> the same blocks;
//  (b) comment threads made by a real mounted editor with YjsThreadStore ->
//      C++ annotations and thread list.
// Needs build/roundtable_plan_driver (see driver_client.mjs).

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { ServerBlockNoteEditor } from '@blocknote/server-util'
import { Driver, hex } from './driver_client.mjs'
import { corpus } from './plan_read_corpus.mjs'
import { makeCommentedPlan } from './plan_read_comments.mjs'

let driver
let editor

before(() => {
  driver = new Driver('roundtable_plan_driver')
  editor = ServerBlockNoteEditor.create()
})
after(() => driver.close())

// JSON form (undefined dropped, as the C++ side has no undefined), ids removed.
const normal = (blocks) => JSON.parse(JSON.stringify(blocks))
const stripIds = (v) => JSON.parse(JSON.stringify(v, (k, x) => (k === 'id' ? undefined : x)))

function docFromBlocks (blocks) {
  const doc = new Y.Doc()
  editor.blocksToYXmlFragment(blocks, doc.getXmlFragment('document'))
  return doc
}

test('the C++ reader gives the blocks BlockNote reads, ids included', async () => {
  for (const { name, md } of corpus) {
    const blocks = await editor.tryParseMarkdownToBlocks(md)
    const doc = docFromBlocks(blocks)
    const res = await driver.call({ cmd: 'readBlocks', update: hex(Y.encodeStateAsUpdate(doc)) })
    assert.equal(res.unchanged, true, name)
    // BlockNote's own reading of the same fragment, watched for repairs.
    let repaired = false
    doc.on('update', () => { repaired = true })
    const theirs = editor.yXmlFragmentToBlocks(doc.getXmlFragment('document'))
    assert.equal(repaired, false, `${name}: BlockNote repaired its own fragment`)
    assert.deepEqual(res.blocks, normal(theirs), name)
    assert.deepEqual(res.blocks, normal(blocks), name)
  }
})

test('C++ markdown reads back through BlockNote to the same blocks', async () => {
  for (const { name, md } of corpus) {
    const blocks = await editor.tryParseMarkdownToBlocks(md)
    const res = await driver.call({ cmd: 'toMarkdown', update: hex(Y.encodeStateAsUpdate(docFromBlocks(blocks))), annotations: false })
    const again = await editor.tryParseMarkdownToBlocks(res.markdown)
    assert.deepEqual(stripIds(again), stripIds(blocks), `${name}: markdown was\n${res.markdown}`)
    // And the markdown is stable: writing the re-read blocks gives it again.
    const res2 = await driver.call({ cmd: 'toMarkdown', update: hex(Y.encodeStateAsUpdate(docFromBlocks(again))) })
    assert.equal(res2.markdown, res.markdown, name)
  }
})

test('blocks made in the editor (not from markdown) keep their text through markdown', async () => {
  // Text that needs escaping, written directly as blocks.
  const tricky = [
    '*not bold* _not italic_ `not code` ~~not struck~~',
    '# not a heading', '- not a list', '+ not a list', '1. not a list', '2) neither',
    '> not a quote', '[not](a link) ![not](an image)', 'a | pipe', 'back\\slash \\* \\_',
    'Vec<T> and <div> and <a href=x> and <!-- c --> and <http://x.y>',
    'snake_case_name and __dunder__', '***', '---', '```', 'ünïcödé 😀 中文',
  ]
  const blocks = tricky.map((text) => ({ type: 'paragraph', content: [{ type: 'text', text, styles: {} }] }))
  blocks.push({
    type: 'paragraph',
    content: [
      { type: 'text', text: 'a', styles: { italic: true } },
      { type: 'text', text: 'b', styles: { bold: true } },
      { type: 'text', text: '(c)', styles: { bold: true } },
      { type: 'text', text: 'd', styles: {} },
      { type: 'text', text: 'x\ny', styles: { strike: true } },
      { type: 'text', text: 'u', styles: { underline: true } },
      { type: 'text', text: 'co`de', styles: { code: true } },
    ],
  })
  blocks.push({ type: 'codeBlock', props: { language: 'md' }, content: [{ type: 'text', text: '```\n````\ninner', styles: {} }] })
  blocks.push({ type: 'paragraph', content: [{ type: 'link', href: 'http://x/a b(c', content: [{ type: 'text', text: 'link [1]', styles: {} }] }] })
  const full = normal(await docBlocks(blocks))
  const res = await driver.call({ cmd: 'toMarkdown', update: hex(Y.encodeStateAsUpdate(docFromBlocks(full))) })
  const again = await editor.tryParseMarkdownToBlocks(res.markdown)
  // The link's URL is percent-encoded where it had an unbalanced parenthesis.
  const expected = stripIds(full)
  expected[expected.length - 1].content[0].href = 'http://x/a b%28c'
  assert.deepEqual(stripIds(again), expected, res.markdown)
})

// Blocks as BlockNote completes them (defaults filled in).
async function docBlocks (partial) {
  const doc = new Y.Doc()
  editor.blocksToYXmlFragment(partial, doc.getXmlFragment('document'))
  return editor.yXmlFragmentToBlocks(doc.getXmlFragment('document'))
}

test('threads made by the real editor: placement, quotes, names, JSON', async () => {
  const plan = await makeCommentedPlan()
  const res = await driver.call({ cmd: 'toMarkdown', update: hex(plan.update), annotations: true })
  const md = res.markdown

  // The thread list equals the store's getThreads(), mapped.
  assert.deepEqual(res.threads, plan.expectedThreads)

  // Quotes: the text under each thread's mark, as the editor sees it.
  const anchors = Object.fromEntries(res.anchors.map((a) => [a.threadId, a]))
  for (const t of plan.threads) {
    if (t.quote === undefined) {
      assert.equal(anchors[t.id], undefined, `${t.label} should have no anchor`)
      continue
    }
    assert.equal(anchors[t.id]?.quote, t.quote, t.label)
    assert.equal(anchors[t.id]?.blockId, t.blockId, t.label)
  }

  // Placement: each thread's annotation sits right after its block, before
  // the next block's text, in the order the marks appear.
  const pos = (s, from = 0) => {
    const i = md.indexOf(s, from)
    assert.ok(i >= 0, `missing ${JSON.stringify(s)} in\n${md}`)
    return i
  }
  for (const t of plan.threads) {
    const head = pos('`' + t.id + '`')
    if (t.quote === undefined) {
      assert.ok(head > pos('## Comments on removed text'), `${t.label} listed with the orphans`)
      continue
    }
    assert.ok(md.slice(head).startsWith('`' + t.id + '` · ' + (t.resolved ? 'resolved' : 'open')), t.label)
    const lineStart = md.lastIndexOf('\n', head) + 1
    assert.equal(md.slice(lineStart, head), (t.indent ?? '> ') + '**Comment thread** ', `${t.label}: indentation`)
    assert.ok(md.slice(head).split('\n')[0].endsWith(`on "${t.quote}"`), `${t.label}: quote in\n${md}`)
    const blockText = pos(t.blockText)
    assert.ok(blockText < head, `${t.label} after its block`)
    if (t.nextBlockText) assert.ok(head < pos(t.nextBlockText), `${t.label} before the next block\n${md}`)
    // Comments in order with their authors' names, times and bodies.
    let at = head
    for (const c of t.comments) {
      const line = `**${c.author}** · ${new Date(c.createdAt).toISOString()}`
      const i = pos(line, at)
      assert.ok(md.slice(i).split('\n')[0].endsWith(c.body), `${t.label}: ${c.body}`)
      at = i
    }
    for (const gone of t.hiddenBodies ?? []) assert.ok(!md.includes(gone), `${t.label}: deleted comment shown`)
  }
  assert.ok(!md.includes(plan.goneThread), 'a thread whose only comment was deleted is gone')
  assert.ok(md.includes('>   Second paragraph of the comment.\n'), 'multi-line bodies continue in the item')
  for (const [first, second] of plan.orderedPairs) assert.ok(pos('`' + first + '`') < pos('`' + second + '`'))
  assert.ok(md.includes(plan.resolvedLine), md)
  assert.ok(md.includes(plan.reactionLine), md)

  // Without annotations, no thread appears.
  const bare = await driver.call({ cmd: 'toMarkdown', update: hex(plan.update), annotations: false })
  assert.ok(!bare.markdown.includes('Comment thread'))
})
