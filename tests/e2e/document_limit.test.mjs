// A plan at its size limit, in Debian's Chromium against a real hub: the hub
// refuses the edit that would pass --max-document-bytes (close 4413), the
// page that made it says so, and the document as the hub kept it still
// opens for another reviewer, who can go on editing.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { useHarness } from '../interop/hub_harness.mjs'
import { mcpSession } from '../interop/mcp_harness.mjs'
import { launch, newReviewer, answerIdentity, waitEditor, waitUntil, hubFlags } from './browser.mjs'

const h = useHarness()
let hub, mcp, browser

before(async () => {
  hub = await h.startHub({ flags: hubFlags(['--max-document-bytes', String(64 << 10)]) })
  mcp = await mcpSession(hub)
  browser = await launch(h)
})

const hubStatus = page => page.getByTestId('sync-status').getAttribute('data-hub')

test('an edit past the document limit is refused and the page says so; the plan still opens for others', async () => {
  const res = await mcp.tool('create_plan', { title: 'Near the limit', content: '# Near the limit\n\nA short plan.\n' })
  assert.ok(!res.isError, JSON.stringify(res.content))
  const { url } = res.structuredContent

  const A = await newReviewer(browser, { name: 'Alice' })
  await A.page.goto(url)
  await answerIdentity(A, 1)
  await waitEditor(A.page)
  await waitUntil(async () => (await hubStatus(A.page)) === 'connected', { message: 'A: hub connected' })
  assert.equal(await A.page.getByTestId('hub-refused').count(), 0)

  // 100 KB typed at once into the last paragraph: past the 64 KiB limit.
  await A.page.locator('.bn-editor [data-content-type="paragraph"]').last().click()
  await A.page.keyboard.insertText('x'.repeat(100_000))
  await waitUntil(async () => (await A.page.getByTestId('hub-refused').count()) === 1, {
    timeout: 15_000, message: 'A is told that the hub refused the edit'
  })
  assert.equal(await A.page.getByTestId('sync-status').getAttribute('data-hub-refused'), 'true')
  assert.match(await A.page.getByTestId('sync-status').getAttribute('title'), /refused an edit from this browser/)
  assert.match(hub.output, /update refused: the document .* would pass its size limit of 65536 bytes/)

  // Another reviewer gets the plan as the hub kept it (without the refused
  // text) and can still edit it.
  const B = await newReviewer(browser, { name: 'Bob' })
  await B.page.goto(url)
  await answerIdentity(B, 2)
  await waitEditor(B.page)
  await waitUntil(async () => (await hubStatus(B.page)) === 'connected', { message: 'B: hub connected' })
  const text = await B.page.locator('.bn-editor').textContent()
  assert.ok(text.includes('A short plan.'), text.slice(0, 200))
  assert.ok(!text.includes('x'.repeat(1000)), 'the refused text is not in the hub’s copy')
  assert.equal(await B.page.getByTestId('hub-refused').count(), 0, 'B made no refused edit')
  await A.context.close()
  await B.context.close()
})
