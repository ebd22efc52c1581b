// The review of docs/product.md, in two real browsers against a real hub: an
// agent creates a plan over MCP, reviewer A opens it, B opens A's
// share link, both see each other, B comments, A sees it within a second, the
// agent reads it, A approves, the agent's wait_for_review returns, A reloads
// with the hub down and still has everything; then, with the hub still down,
// a comment travels over WebRTC alone, and the hub catches up when it is back.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { useHarness, hubBinary, freePort, sleep } from '../interop/hub_harness.mjs'
import { mcpSession } from '../interop/mcp_harness.mjs'
import { launch, newReviewer, answerIdentity, waitEditor, onlineCount, waitUntil, waitText, hubFlags, screenshot, commentOn } from './browser.mjs'

const PLAN_MD = `# Cache the pricing API

We put a **read-through cache** in front of the pricing service so that checkout stops timing out.

## Steps

- Add a \`PriceCache\` interface
- Implement it with an LRU
  - entries expire after 60 s
- Wire it into checkout

1. Measure the hit rate
2. Roll out behind a flag

\`\`\`ts
export interface PriceCache {
  get(sku: string): Promise<number | undefined>
}
\`\`\`

> Invalidate on every price change event.

## Risks

Stale prices for up to a minute after a change.
`

const h = useHarness()
let hub, signal, signalUrl, mcp, browser, A, B, planId, planUrl, shareUrl
const QUOTE = 'read-through cache'
const COMMENT = 'Which events invalidate it?'

before(async () => {
  // A separate signaling relay (as on a public host), listed first in the
  // hub's /config.json, so that WebRTC peers can still find each other while
  // the hub is down. It is named by its bare URL, as y-webrtc users name
  // relays (wss://host): signaling at `/`.
  const port = await freePort()
  signal = spawn(hubBinary, ['signal', '--host', '127.0.0.1', '--port', String(port)], { stdio: 'ignore' })
  h.defer(() => signal.kill('SIGKILL'))
  signalUrl = `ws://127.0.0.1:${port}`
  hub = await h.startHub({ flags: hubFlags(['--signaling', signalUrl]) })
  mcp = await mcpSession(hub)
  browser = await launch(h)
  A = await newReviewer(browser, { name: 'Alice' })
  B = await newReviewer(browser, { name: 'Bob' })
})

test('1. create_plan over MCP; browser A shows its headings, lists and code block', async () => {
  const res = await mcp.tool('create_plan', { title: 'Cache the pricing API', content: PLAN_MD, repo: 'acme/shop', pr: 812 })
  assert.ok(!res.isError, JSON.stringify(res))
  ;({ planId, url: planUrl } = res.structuredContent)
  assert.match(planUrl, new RegExp(`/plan/${planId}#k=[A-Za-z0-9_-]{24}$`), "the page carries the room secret the share link will carry")

  await A.page.goto(planUrl)
  await answerIdentity(A, 5)
  await waitEditor(A.page)
  const page = A.page
  await waitText(page.getByTestId('plan-title'), 'Cache the pricing API')
  assert.equal(await page.getByTestId('status-badge').textContent(), 'Pending review')
  assert.match(await page.locator('.plan-meta').textContent(), /acme\/shop.*PR #812/)
  const headings = await page.locator('.bn-editor [data-content-type="heading"]').allTextContents()
  assert.deepEqual(headings, ['Cache the pricing API', 'Steps', 'Risks'])
  const bullets = await page.locator('.bn-editor [data-content-type="bulletListItem"]').allTextContents()
  assert.deepEqual(bullets, ['Add a PriceCache interface', 'Implement it with an LRU', 'entries expire after 60 s', 'Wire it into checkout'])
  const numbered = await page.locator('.bn-editor [data-content-type="numberedListItem"]').allTextContents()
  assert.deepEqual(numbered, ['Measure the hit rate', 'Roll out behind a flag'])
  const code = page.locator('.bn-editor [data-content-type="codeBlock"]')
  assert.equal(await code.getAttribute('data-language'), 'ts')
  assert.match(await code.textContent(), /export interface PriceCache \{\s*get\(sku: string\): Promise<number \| undefined>\s*\}/)
  await waitUntil(async () => (await page.getByTestId('sync-status').getAttribute('data-hub')) === 'connected', { message: 'A: hub connected' })
})

test('2. B opens the share link in its own context; both show 2 online, connected peer to peer', async () => {
  await A.page.getByTestId('share').click()
  shareUrl = await A.page.evaluate(() => navigator.clipboard.readText())
  assert.match(shareUrl, new RegExp(`/plan/${planId}#k=[A-Za-z0-9_-]{16,}$`), 'the link carries the room secret in its fragment')
  assert.ok(A.page.url().endsWith(new URL(shareUrl).hash), "A's address bar holds the same secret (reloads stay in the room)")

  await B.page.goto(shareUrl)
  await answerIdentity(B, 2)
  await waitEditor(B.page)
  for (const r of [A, B]) {
    await waitUntil(async () => (await onlineCount(r.page)) === 2, { message: `${r.name} shows 2 online` })
    assert.equal(await r.page.getByTestId('online-count').textContent(), '2 reviewers online')
    // The other browser and the hub, which joins the room as a peer of its
    // own (--signaling) and is not counted online.
    await waitUntil(async () => (await r.page.getByTestId('sync-status').getAttribute('data-peers')) === '2', {
      timeout: 15_000,
      message: `${r.name} has 2 WebRTC peers`,
    })
  }
  const names = await A.page.locator('.presence .avatar').evaluateAll(els => els.map(e => e.getAttribute('title')))
  assert.deepEqual(names, ['Alice (you)', 'Bob'])
})

test('3. B comments on selected text; A shows it within 1 s; get_feedback names B and quotes the text', async () => {
  const submit = await commentOn(B.page, QUOTE, COMMENT)
  const t0 = Date.now()
  await submit()
  await A.page.getByTestId('comments-panel').getByText(COMMENT).waitFor({ timeout: 1000 })
  const elapsed = Date.now() - t0
  console.log(`# comment from B shown in A after ${elapsed} ms`)
  assert.ok(elapsed < 1000)
  const thread = A.page.getByTestId('comments-panel').locator('.bn-thread').first()
  assert.match(await thread.textContent(), /Bob/, 'the comment shows its author by name')
  // The commented text is highlighted in A's editor too.
  assert.equal(await A.page.locator('.bn-editor .bn-thread-mark').first().textContent(), QUOTE)

  const fb = await waitUntil(async () => {
    const r = await mcp.tool('get_feedback', { planId })
    return r.structuredContent.threads.length > 0 ? r.structuredContent : null
  }, { message: 'get_feedback to return the thread' })
  assert.equal(fb.status, 'pending_review')
  assert.equal(fb.threads.length, 1)
  assert.equal(fb.threads[0].quote, QUOTE)
  assert.equal(fb.threads[0].resolved, false)
  assert.equal(fb.threads[0].comments[0].author, 'Bob')
  assert.equal(fb.threads[0].comments[0].body, COMMENT)
  await screenshot(A.page, 'flow-desktop-light-commented.png')
})

test('4. A approves after confirming; wait_for_review returns approved', async () => {
  const waiting = mcp.tool('wait_for_review', { planId, timeoutSeconds: 20 })
  await sleep(200)
  await A.page.getByTestId('approve').click()
  const dialog = A.page.getByRole('dialog', { name: 'Approve this plan?' })
  await dialog.waitFor()
  assert.match(await dialog.textContent(), /Alice approved revision 1/)
  await A.page.getByTestId('confirm-review').click()
  const res = await waiting
  assert.equal(res.structuredContent.status, 'approved')
  assert.equal(res.structuredContent.reviewedBy, 'Alice')
  for (const r of [A, B]) {
    await waitUntil(async () => (await r.page.getByTestId('status-badge').textContent()) === 'Approved', { message: `${r.name} shows Approved` })
  }
  assert.match(await B.page.getByTestId('reviewed-by').textContent(), /Approved by Alice/)
})

test('5. hub stopped: A reloads and still shows the plan and the comment, and says offline', async () => {
  await sleep(300) // y-indexeddb writes each update as it comes; give the last one a moment
  await hub.kill('SIGTERM')
  await A.page.reload()
  await waitEditor(A.page)
  await waitText(A.page.getByTestId('plan-title'), 'Cache the pricing API')
  await A.page.getByTestId('comments-panel').getByText(COMMENT).waitFor()
  await waitUntil(async () => (await A.page.getByTestId('sync-status').getAttribute('data-hub')) === 'offline', {
    message: 'A says the hub is offline',
  })
  assert.match(await A.page.getByTestId('sync-status').textContent(), /Hub offline/)
  assert.equal(await A.page.getByTestId('status-badge').textContent(), 'Approved')
})

test('6. hub still down: B comments again, A gets it over WebRTC within 1 s; the hub catches up when it is back', async () => {
  await waitUntil(async () => (await A.page.getByTestId('sync-status').getAttribute('data-peers')) === '1', {
    timeout: 20_000,
    message: 'A and B reconnected peer to peer through the standalone relay',
  })
  const SECOND = 'Is a minute of stale prices acceptable?'
  const submit = await commentOn(B.page, 'up to a minute', SECOND)
  const t0 = Date.now()
  await submit()
  await A.page.getByTestId('comments-panel').getByText(SECOND).waitFor({ timeout: 1000 })
  console.log(`# comment over WebRTC (hub down) shown in A after ${Date.now() - t0} ms`)

  await hub.start()
  mcp = await mcpSession(hub) // MCP sessions do not outlive the hub
  const fb = await waitUntil(async () => {
    const r = await mcp.tool('get_feedback', { planId }).catch(() => null)
    return r?.structuredContent?.threads?.length === 2 ? r.structuredContent : null
  }, { timeout: 20_000, message: 'the restarted hub to receive the reply made while it was down' })
  const byQuote = Object.fromEntries(fb.threads.map(t => [t.quote, t.comments.map(c => [c.author, c.body])]))
  assert.deepEqual(byQuote, { [QUOTE]: [['Bob', COMMENT]], 'up to a minute': [['Bob', SECOND]] })
  for (const r of [A, B]) {
    await waitUntil(async () => (await r.page.getByTestId('sync-status').getAttribute('data-hub')) === 'connected', {
      timeout: 20_000,
      message: `${r.name} reconnects to the hub`,
    })
    assert.deepEqual(r.errors.filter(e => /already exists|Uncaught/.test(e)), [])
  }
})
