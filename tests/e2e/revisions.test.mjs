// Review in rounds in the browser: an agent creates a plan over
// MCP, reviewer Bea comments on revision 1, the agent revises twice with
// update_plan; Bea reopens the plan and is told what changed since she last
// looked, opens the comparison and finds exactly the scripted edits (the
// changed words, the code line, the table cell, the removed and the added
// block), steps through them with the keyboard, finds her comment under
// "Outdated" with its quote and replies to it, opens an earlier revision
// read-only; requesting changes without open threads asks for a note, and a
// typed, unsent comment is pointed out before deciding and before leaving.
// Then the numbers: time to open the comparison of a 200-block plan with 10
// revisions, and how much the document grows per revision.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { useHarness, Y } from '../interop/hub_harness.mjs'
import { mcpSession, openPlan } from '../interop/mcp_harness.mjs'
import { launch, newReviewer, answerIdentity, waitEditor, waitUntil, waitText, hubFlags, screenshot, commentOn } from './browser.mjs'

// The plan, and the two rounds of edits as a reviewer would describe them.
const CHANGED = { before: 'We move invoices to the ledger service in three steps over two weeks.', after: 'We move invoices to the ledger service in four steps over six weeks.' }
const REMOVED = 'The old billing tables stay read-only until the audit signs off.'
const ADDED = 'Rollback: point reads back at the old tables and replay the copy log.'
const CODE = { before: 'ledger.sync({ batch: 500 })', after: 'ledger.sync({ batch: 100, dryRun: true })' }
const CELL = { before: 'Bo', after: 'Cy' }
const QUOTE = 'stay read-only'
const COMMENT = 'Who signs off, and by when?'

const plan = ({ intro, removed, code, owner, added }) => `# Move billing to the ledger

${intro}

${removed ? removed + '\n\n' : ''}## Steps

- Copy the invoices nightly
- Switch reads behind a flag

\`\`\`ts
const ledger = connect(LEDGER_URL)
${code}
ledger.close()
\`\`\`

| Step | Owner |
|---|---|
| Copy | Ana |
| Switch | ${owner} |

## Risks

Double charges if the copy runs twice.
${added ? '\n' + added + '\n' : ''}`

const V1 = plan({ intro: CHANGED.before, removed: REMOVED, code: CODE.before, owner: CELL.before })
// Round 2 rewrites a few words of the intro and removes the commented paragraph;
const V2 = plan({ intro: CHANGED.after, code: CODE.before, owner: CELL.before })
// round 3 changes one code line and one table cell, and adds a paragraph.
const V3 = plan({ intro: CHANGED.after, code: CODE.after, owner: CELL.after, added: ADDED })
// Blocks a reviewer expects to see marked, revision 1 against 3.
const EXPECTED = { changed: 3, removed: 1, added: 1 }

const h = useHarness()
let hub, mcp, browser, bea, planId, planUrl

before(async () => {
  hub = await h.startHub({ flags: hubFlags() })
  mcp = await mcpSession(hub)
  browser = await launch(h)
  bea = await newReviewer(browser, { name: 'Bea' })
})

const panel = () => bea.page.getByTestId('comments-panel')
const compareView = () => bea.page.getByTestId('compare-view')
const changeBlocks = kind => compareView().locator(`[data-testid="diff-block"][data-kind="${kind}"]`)

test('1. revision 1: the bar says so, with nothing earlier; Bea comments; her thread is open on revision 1', async () => {
  const res = await mcp.tool('create_plan', { title: 'Move billing to the ledger', content: V1 })
  assert.ok(!res.isError, JSON.stringify(res))
  ;({ planId, url: planUrl } = res.structuredContent)
  await bea.page.goto(planUrl)
  await answerIdentity(bea, 3)
  await waitEditor(bea.page)
  await waitText(bea.page.getByTestId('current-revision'), 'Revision 1')
  assert.match(await bea.page.getByTestId('revision-bar').textContent(), /No earlier revisions/)
  await (await commentOn(bea.page, QUOTE, COMMENT))()
  const open = panel().getByTestId('threads-open')
  await open.getByText(COMMENT).waitFor()
  assert.match(await open.locator('h3').textContent(), /Open on revision 1/)
  const fb = await waitUntil(async () => (await mcp.tool('get_feedback', { planId })).structuredContent.threads[0], { message: 'the thread at the hub' })
  assert.equal(fb.revision, 1)
})

test('2. two revisions while Bea is away; reopening says what changed since she looked, the bar lists 3 revisions', async () => {
  await bea.page.goto('about:blank')
  for (const content of [V2, V3]) {
    const r = await mcp.tool('update_plan', { planId, content })
    assert.ok(!r.isError, JSON.stringify(r.content))
  }
  await bea.page.goto(planUrl)
  await waitEditor(bea.page)
  const notice = bea.page.getByTestId('changed-notice')
  await notice.waitFor()
  const total = EXPECTED.changed + EXPECTED.removed + EXPECTED.added
  assert.match(await notice.textContent(), new RegExp(`^Revision 3 · ${total} blocks changed since you last looked \\(revision 1\\)`))
  assert.equal(await bea.page.getByTestId('current-revision').textContent(), 'Revision 3')
  const options = await bea.page.getByTestId('open-revision').locator('option[data-testid="revision-option"]').allTextContents()
  assert.deepEqual(options.map(o => o.match(/^Revision \d+( \(current\))?/)[0]), ['Revision 1', 'Revision 2', 'Revision 3 (current)'])
})

test('3. the notice leads to the comparison 1 → 3: exactly the scripted edits, changed words, the code line and the table cell', async () => {
  await bea.page.getByTestId('show-changes').click()
  await compareView().locator('[data-ready]').or(compareView().and(bea.page.locator('[data-ready]'))).first().waitFor()
  assert.match(await compareView().locator('h2').textContent(), /Revision 1 → 3/)
  assert.equal(await bea.page.getByTestId('changed-notice').count(), 0, 'opening the comparison marks revision 3 seen')
  for (const [kind, n] of Object.entries(EXPECTED)) assert.equal(await changeBlocks(kind).count(), n, `${n} ${kind}`)

  assert.equal((await changeBlocks('removed').textContent()).replace(/^Removed/, ''), REMOVED)
  assert.equal((await changeBlocks('added').textContent()).replace(/^Added/, ''), ADDED)
  // The intro: the words that changed marked, the rest as it was.
  const intro = changeBlocks('changed').filter({ hasText: 'invoices' })
  const only = (a, b) => a.split(/[ .]+/).filter(w => w && !b.split(/[ .]+/).includes(w))
  assert.deepEqual(await intro.locator('del').allTextContents(), only(CHANGED.before, CHANGED.after))
  assert.deepEqual(await intro.locator('ins').allTextContents(), only(CHANGED.after, CHANGED.before))
  const without = tag => intro.evaluate((el, tag) => {
    const c = el.cloneNode(true)
    c.querySelectorAll(`${tag}, .diff-label`).forEach(d => d.remove())
    return c.textContent
  }, tag)
  assert.equal(await without('del'), CHANGED.after, 'the block reads as revision 3 without the struck words')
  assert.equal(await without('ins'), CHANGED.before, 'and as revision 1 without the inserted ones')
  // The code block: one line out, one line in, the others unchanged.
  const code = changeBlocks('changed').filter({ has: bea.page.locator('.diff-code') })
  assert.deepEqual(await code.locator('[data-op="del"]').allTextContents(), ['−' + CODE.before])
  assert.deepEqual(await code.locator('[data-op="add"]').allTextContents(), ['+' + CODE.after])
  assert.equal(await code.locator('[data-op="same"]').count(), 2)
  // The table: one cell changed, from Bo to Cy.
  const table = changeBlocks('changed').filter({ has: bea.page.locator('.diff-table') })
  const cells = table.locator('td[data-op="changed"]')
  assert.equal(await cells.count(), 1)
  assert.equal(await cells.locator('del').textContent(), CELL.before)
  assert.equal(await cells.locator('ins').textContent(), CELL.after)
  assert.equal(await table.locator('td[data-op="same"]').count(), 5)

  // Unchanged blocks collapsed into runs; with the changed and added ones they are the plan's blocks.
  const runs = await compareView().getByTestId('unchanged-collapsed').allTextContents()
  const unchanged = runs.reduce((n, t) => n + Number(t.match(/^(\d+) unchanged block/)[1]), 0)
  const planBlocks = await bea.page.locator('[data-testid="plan-editor"] .bn-block-outer').count()
  assert.equal(unchanged + EXPECTED.changed + EXPECTED.added, planBlocks)
  await compareView().getByTestId('unchanged-collapsed').first().click()
  assert.ok((await compareView().getByTestId('unchanged-run').count()) === 1, 'a run expands on click')

  await screenshot(bea.page, 'compare-desktop-light.png')
  await bea.page.emulateMedia({ colorScheme: 'dark' })
  await screenshot(bea.page, 'compare-desktop-dark.png')
  await bea.page.setViewportSize({ width: 390, height: 844 })
  await screenshot(bea.page, 'compare-phone-dark.png')
  await bea.page.emulateMedia({ colorScheme: 'light' })
  await screenshot(bea.page, 'compare-phone-light.png')
  await bea.page.setViewportSize({ width: 1280, height: 860 })
})

test('4. keyboard: j/n next change, k/p previous, Esc closes the comparison', async () => {
  const total = EXPECTED.changed + EXPECTED.removed + EXPECTED.added
  const count = bea.page.getByTestId('change-count')
  const current = async () => Number(await compareView().locator('[aria-current="true"]').getAttribute('data-change'))
  await bea.page.locator('body').click({ position: { x: 2, y: 2 } })
  await bea.page.keyboard.press('j')
  assert.equal(await count.textContent(), `Change 1 of ${total}`)
  assert.equal(await current(), 0)
  await bea.page.keyboard.press('n')
  await bea.page.keyboard.press('j')
  assert.equal(await count.textContent(), `Change 3 of ${total}`)
  await bea.page.keyboard.press('k')
  assert.equal(await current(), 1)
  await bea.page.keyboard.press('p')
  await bea.page.keyboard.press('p')
  assert.equal(await count.textContent(), `Change ${total} of ${total}`, 'previous from the first wraps to the last')
  await bea.page.getByTestId('next-change').click()
  assert.equal(await current(), 0, 'the buttons step too')
  await bea.page.keyboard.press('Escape')
  await compareView().waitFor({ state: 'detached' })
  assert.ok(await bea.page.getByTestId('plan-editor').isVisible(), 'back to the plan')
})

test('5. the comments panel: the thread whose text revision 2 removed is under Outdated, with its quote, and takes a reply', async () => {
  const outdated = panel().getByTestId('threads-outdated')
  await outdated.getByText(COMMENT).waitFor()
  assert.equal(await panel().getByTestId('threads-open').count(), 0, 'nothing is open on revision 3')
  assert.match(await outdated.textContent(), /Made on revision 1/)
  assert.match(await outdated.textContent(), new RegExp(QUOTE))
  // "c" hides and shows the panel.
  await bea.page.keyboard.press('c')
  await panel().waitFor({ state: 'detached' })
  await bea.page.keyboard.press('c')
  await panel().waitFor()

  const REPLY = 'Keep them until the end of the quarter.'
  await outdated.locator('.bn-thread').first().click()
  const composer = outdated.locator('.bn-thread .bn-editor[contenteditable="true"]').last()
  await composer.click()
  await bea.page.keyboard.type(REPLY)
  await screenshot(bea.page, 'outdated-reply-typed.png')
  await bea.page.keyboard.press('Enter')
  await outdated.getByText(REPLY).waitFor()
  const t = await waitUntil(async () => {
    const th = (await mcp.tool('get_feedback', { planId })).structuredContent.threads[0]
    return th.comments.length === 2 ? th : null
  }, { message: 'the reply at the hub' })
  assert.equal(t.outdated, true)
  assert.equal(t.quote, QUOTE)
  assert.deepEqual(t.comments.map(c => c.body), [COMMENT, REPLY])
})

test('6. an earlier revision opens read-only; Esc goes back', async () => {
  await bea.page.getByTestId('open-revision').selectOption('2')
  const view = bea.page.getByTestId('revision-view')
  await view.getByTestId('revision-editor').locator('.bn-block-content').first().waitFor()
  const text = await view.getByTestId('revision-editor').textContent()
  assert.ok(text.includes(CHANGED.after) && !text.includes(REMOVED) && text.includes(CODE.before) && !text.includes(ADDED), 'revision 2 as it was')
  assert.equal(await view.locator('[contenteditable="true"]').count(), 0, 'read-only')
  await bea.page.keyboard.press('Escape')
  await view.waitFor({ state: 'detached' })
})

test('7. deciding: a typed, unsent comment is pointed out; changes without open threads need a note; leaving asks first', async () => {
  // A reply typed and not sent.
  const outdated = panel().getByTestId('threads-outdated')
  await outdated.locator('.bn-thread').first().click()
  await outdated.locator('.bn-thread .bn-editor[contenteditable="true"]').last().click()
  await bea.page.keyboard.type('Also: who pays for')
  await bea.page.getByTestId('approve').click()
  await bea.page.getByTestId('unsent-comment-warning').waitFor()
  await bea.page.getByRole('button', { name: 'Cancel' }).click()

  // Leaving the page asks first (the browser's own beforeunload prompt).
  const page2 = bea.page
  const dialog = page2.waitForEvent('dialog')
  await page2.close({ runBeforeUnload: true })
  const d = await dialog
  assert.equal(d.type(), 'beforeunload')
  await d.dismiss() // stay
  assert.ok(!page2.isClosed(), 'the reviewer stayed')
  await bea.page.keyboard.press('Control+A')
  await bea.page.keyboard.press('Delete')

  // Resolve the outdated thread: it moves to Resolved; no thread is open now.
  await outdated.locator('.bn-thread-comment').first().hover()
  await outdated.locator('[data-test="resolve"]').click()
  await panel().getByTestId('threads-resolved').getByText(COMMENT).waitFor()

  await bea.page.getByTestId('request-changes').click()
  await bea.page.getByTestId('confirm-review').click()
  await bea.page.getByTestId('note-required').waitFor()
  const NOTE = 'Split the copy into per-tenant batches.'
  await bea.page.getByTestId('decision-note').fill(NOTE)
  await bea.page.getByTestId('confirm-review').click()
  await waitText(bea.page.getByTestId('status-badge'), 'Changes requested')
  const fb = (await mcp.tool('get_feedback', { planId })).structuredContent
  assert.equal(fb.status, 'changes_requested')
  assert.equal(fb.reviewedRevision ?? fb.decision?.revision, 3)
  assert.equal(fb.decisionNote ?? fb.decision?.note, NOTE)
  assert.deepEqual(bea.errors.filter(e => /Uncaught/.test(e)), [])
})

test('8. hub down: the reloaded page still has the history, the comparison and the grouped threads, from this browser\'s copy', async () => {
  await new Promise(r => setTimeout(r, 300)) // y-indexeddb writes each update as it comes; give the last one a moment
  await hub.kill('SIGTERM')
  await bea.page.reload()
  await waitEditor(bea.page)
  await waitUntil(async () => (await bea.page.getByTestId('sync-status').getAttribute('data-hub')) === 'offline', { message: 'hub offline' })
  await waitText(bea.page.getByTestId('current-revision'), 'Revision 3')
  await bea.page.getByTestId('compare-from').selectOption('1')
  await bea.page.getByTestId('compare').click()
  await compareView().waitFor()
  for (const [kind, n] of Object.entries(EXPECTED)) assert.equal(await changeBlocks(kind).count(), n, `${n} ${kind} with the hub down`)
  await bea.page.keyboard.press('Escape')
  await panel().getByTestId('threads-resolved').getByText(COMMENT).waitFor()
  await hub.start()
  mcp = await mcpSession(hub) // MCP sessions do not outlive the hub
})

test('measured: opening the comparison of a 200-block plan with 10 revisions, and document growth per revision', async () => {
  const long = round => {
    let md = '# A long plan\n\n'
    for (let i = 1; i < 200; i++) {
      const edited = i % 9 === round % 9 ? ` (round ${round})` : ''
      md += i % 10 === 0 ? `## Part ${i / 10}\n\n` : `Paragraph ${i}${edited}. We change module ${i} so that it reads from the new store, and keep the old path behind a flag for one release.\n\n`
    }
    return md
  }
  const { planId: id, url } = (await mcp.tool('create_plan', { title: 'Two hundred blocks', content: long(0) })).structuredContent
  const view = await openPlan(hub, id)
  const sizes = [Y.encodeStateAsUpdate(view.doc).length]
  for (let round = 1; round <= 10; round++) {
    const r = await mcp.tool('update_plan', { planId: id, content: long(round) })
    assert.ok(!r.isError, JSON.stringify(r.content))
    await waitUntil(() => view.doc.getMap('metadata').get('revision') === round + 1, { message: `revision ${round + 1} at the reader` })
    sizes.push(Y.encodeStateAsUpdate(view.doc).length)
  }
  const kept = view.doc.getArray('revisions').get(0)
  const record = JSON.stringify(kept).length
  const scratch = new Y.Doc()
  scratch.getArray('revisions').push([kept])
  const recordYjs = Y.encodeStateAsUpdate(scratch).length
  view.close()
  const growth = sizes.slice(1).map((s, i) => s - sizes[i])
  const r = await newReviewer(browser, { name: 'Tim' })
  await r.page.addInitScript(() => localStorage.setItem('roundtable:identity', JSON.stringify({ id: 'u-tim', name: 'Tim', color: '#0090ff' })))
  await r.page.goto(url)
  await waitEditor(r.page, 30_000)
  await waitText(r.page.getByTestId('current-revision'), 'Revision 11')
  const samples = []
  for (const from of [1, 6, 10]) {
    await r.page.getByTestId('compare-from').selectOption(String(from))
    await r.page.getByTestId('compare').click()
    await r.page.locator('[data-testid="compare-view"][data-ready]').waitFor()
    samples.push(Math.round(await r.page.evaluate(() => {
      const open = performance.getEntriesByName('rt:compare-open').at(-1).startTime
      return performance.getEntriesByName('rt:compare-ready').at(-1).startTime - open
    })))
    const blocks = await r.page.getByTestId('diff-block').count()
    assert.ok(blocks > 0, 'the comparison shows changes')
    await r.page.keyboard.press('Escape')
    await r.page.getByTestId('compare-view').waitFor({ state: 'detached' })
  }
  console.log(`# comparison of a 200-block plan, 11 revisions, click to rendered: ${samples.join(', ')} ms (from revisions 1, 6, 10 to 11)`)
  console.log(`# Yjs state: ${sizes[0]} bytes at revision 1, ${sizes.at(-1)} at revision 11; growth per update_plan: ${growth.join(', ')} bytes; one kept revision's record: ${record} bytes of JSON, ${recordYjs} in a Yjs update of its own`)
  assert.ok(Math.max(...samples) < 5_000)
})
