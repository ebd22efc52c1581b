// Review in rounds over MCP, against the real BlockNote: each update_plan
// keeps the revision it replaces in the plan document; read_plan lists the
// kept revisions and reads any of them; feedback says which revision each
// thread was made on and which threads are outdated (their text is gone),
// with their quote; a decision carries its revision and the reviewer's note.
//
//   cd tests/interop && node --test plan_revisions.test.mjs
import { test } from 'node:test'
import { useHarness, assert, waitFor } from './hub_harness.mjs'
import { mcpSession, openPlan } from './mcp_harness.mjs'
import { commentOn, editorBlocks } from './reviewer.mjs'

const h = useHarness()
const bob = { id: 'u-bob', name: 'Bob Reviewer', color: '#0090ff' }

const V1 = '# Billing migration\n\nCopy the invoices table.\n\nRun one big migration on Sunday.\n\nKeep the old API for a week.\n'
const V2 = '# Billing migration\n\nCopy the invoices table.\n\nMigrate one customer group at a time.\n\nKeep the old API for a week.\n'
const V3 = V2 + '\nDelete the old table after a month.\n'

const text = result => result.content.map(c => c.text).join('\n')

test('rounds: every revision kept and readable, threads outdated with their quote, a decision with its revision and note',
  async () => {
    const hub = await h.startHub()
    const agent = await mcpSession(hub)
    const created = await agent.tool('create_plan', { title: 'Billing migration', content: V1 })
    assert.ok(!created.isError, JSON.stringify(created))
    const { planId } = created.structuredContent

    // Bob comments on revision 1, on a sentence revision 2 removes and on one it keeps.
    const browser = await openPlan(hub, planId)
    h.defer(() => browser.close())
    const gone = await commentOn(browser.doc, { user: bob, quote: 'one big migration', text: 'Too risky in one go.', metadata: { revision: 1 } })
    const kept = await commentOn(browser.doc, { user: bob, quote: 'old API', text: 'Two weeks, please.', metadata: { revision: 1 } })
    // Anchored at the hub: the thread comes before its mark in the text.
    await waitFor(async () => (await agent.tool('get_feedback', { planId })).structuredContent.threads.filter(t => t.quote).length === 2,
      { message: 'both threads anchored at the hub' })
    const blocksOfRevision1 = await editorBlocks(browser.doc)

    const second = await agent.tool('update_plan', { planId, content: V2 })
    assert.ok(!second.isError, JSON.stringify(second))
    assert.equal(second.structuredContent.metadata.revision, 2)
    const third = await agent.tool('update_plan', { planId, content: V3 })
    assert.equal(third.structuredContent.metadata.revision, 3)

    // The kept revision is what BlockNote read from the document at revision 1.
    await waitFor(() => browser.doc.getArray('revisions').length === 2, { message: 'the history at the browser' })
    const record = browser.doc.getArray('revisions').get(0)
    assert.equal(record.revision, 1)
    assert.equal(record.title, 'Billing migration')
    assert.deepStrictEqual(record.blocks, blocksOfRevision1)

    // read_plan: the revisions with what each changed, any of them readable.
    const read = await agent.tool('read_plan', { planId })
    assert.ok(!read.isError, JSON.stringify(read))
    const revisions = read.structuredContent.revisions
    assert.deepEqual(revisions.map(r => r.revision), [1, 2, 3])
    assert.equal(revisions[0].blocksAdded, undefined, 'revision 1 has no revision before it')
    assert.deepEqual([revisions[1].blocksAdded, revisions[1].blocksRemoved], [1, 1], 'one sentence rewritten')
    assert.deepEqual([revisions[2].blocksAdded, revisions[2].blocksRemoved], [1, 0], 'one sentence added')
    assert.ok(revisions.every(r => r.createdAt > 0))
    assert.equal(read.structuredContent.revision, 3)
    assert.match(read.structuredContent.markdown, /Delete the old table/)
    const first = await agent.tool('read_plan', { planId, revision: 1 })
    assert.equal(first.structuredContent.revision, 1)
    assert.match(first.structuredContent.markdown, /one big migration/)
    assert.doesNotMatch(first.structuredContent.markdown, /one customer group/)
    assert.match(text(first), /Showing revision 1, not the current one \(3\)/)
    const missing = await agent.tool('read_plan', { planId, revision: 9 })
    assert.ok(missing.isError)
    assert.match(text(missing), /revision 9 of plan '.*' is not kept \(kept: 1 to 3\)/)

    // Feedback: the thread on the removed sentence is outdated and keeps its quote.
    const fb = await agent.tool('get_feedback', { planId })
    const byId = Object.fromEntries(fb.structuredContent.threads.map(t => [t.id, t]))
    assert.deepEqual(
      { outdated: byId[gone].outdated, quote: byId[gone].quote, revision: byId[gone].revision, blockId: byId[gone].blockId },
      { outdated: true, quote: 'one big migration', revision: 1, blockId: '' })
    assert.deepEqual({ outdated: byId[kept].outdated, quote: byId[kept].quote }, { outdated: false, quote: 'old API' })
    assert.equal(fb.structuredContent.threads.at(-1).id, gone, 'outdated threads come last')
    assert.match(text(fb), /# Outdated: their text is no longer in the plan\n\n## Thread [^\n]* · made on revision 1\nWas on: "one big migration"/)

    // Bob approves revision 3 with a note, as the web app writes it.
    browser.doc.transact(() => {
      const m = browser.doc.getMap('metadata')
      m.set('status', 'approved')
      m.set('reviewedAt', Date.now())
      m.set('reviewedBy', 'Bob Reviewer')
      m.set('reviewedRevision', 3)
      m.set('decisionNote', 'Fine; announce the API change first.')
    })
    const decided = await agent.tool('wait_for_review', { planId, timeoutSeconds: 10 })
    assert.equal(decided.structuredContent.status, 'approved')
    assert.equal(decided.structuredContent.reviewedRevision, 3)
    assert.equal(decided.structuredContent.decisionNote, 'Fine; announce the API change first.')
    assert.match(text(decided), /approved by Bob Reviewer at .* on revision 3 \(current revision 3\)\nDecision note: Fine; announce the API change first\./)
  })

test('a plan written before revisions were kept reads as its current revision alone', async () => {
  const hub = await h.startHub()
  const agent = await mcpSession(hub)
  const { planId } = (await agent.tool('create_plan', { title: 'Old', content: '# Old\n\nText.\n' })).structuredContent
  // What the previous version left: revision 4, no revisedAt, no history.
  const browser = await openPlan(hub, planId)
  h.defer(() => browser.close())
  browser.doc.transact(() => {
    browser.doc.getMap('metadata').set('revision', 4)
    browser.doc.getMap('metadata').delete('revisedAt')
  })
  await waitFor(async () => (await agent.tool('read_plan', { planId })).structuredContent.metadata.revision === 4)
  const read = await agent.tool('read_plan', { planId })
  assert.deepEqual(read.structuredContent.revisions.map(r => r.revision), [4])
  assert.equal(read.structuredContent.revisions[0].blocksAdded, undefined)
  assert.ok((await agent.tool('read_plan', { planId, revision: 3 })).isError)
  // Its next revision keeps revision 4 as the first of its history.
  await agent.tool('update_plan', { planId, content: '# Old\n\nNew text.\n' })
  const after = await agent.tool('read_plan', { planId, revision: 4 })
  assert.match(after.structuredContent.markdown, /^Text\.$/m)
})
