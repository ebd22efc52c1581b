// Presence with clients other than the web app, in Debian's Chromium against
// a real hub: a Yjs client that publishes only the standard awareness field
// `user: {name, color}` (as BlockNote's and y-prosemirror's collaboration
// cursors do) is a reviewer online like any other; the web app's own states,
// which carry both `reviewer` and `user`, still count one person once.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { useHarness, waitSynced, sleep } from '../interop/hub_harness.mjs'
import { mcpSession } from '../interop/mcp_harness.mjs'
import { launch, newReviewer, answerIdentity, waitEditor, onlineCount, waitUntil, hubFlags } from './browser.mjs'

const h = useHarness()
let hub, mcp, browser

before(async () => {
  hub = await h.startHub({ flags: hubFlags() })
  mcp = await mcpSession(hub)
  browser = await launch(h)
})

const avatarTitles = page => page.locator('.presence .avatar').evaluateAll(els => els.map(e => e.getAttribute('title')))

test('a y-websocket client that publishes only `user: {name, color}` is counted and shown; it leaves, the count drops', async () => {
  const res = await mcp.tool('create_plan', { title: 'Presence across clients', content: '# Presence\n\nWho is here?\n' })
  assert.ok(!res.isError, JSON.stringify(res.content))
  const { planId, url } = res.structuredContent

  const A = await newReviewer(browser, { name: 'Alice' })
  await A.page.goto(url)
  await answerIdentity(A, 5)
  await waitEditor(A.page)
  await waitUntil(async () => (await A.page.getByTestId('sync-status').getAttribute('data-hub')) === 'connected', { message: 'A: hub connected' })
  await waitUntil(async () => (await onlineCount(A.page)) === 1, { message: 'A shows itself online' })

  // The real y-websocket provider and yjs, on the document the page syncs
  // (the web app puts the plan id in the URL encoded).
  const { provider, awareness } = h.provider(hub, encodeURIComponent(planId))
  await waitSynced(provider, 10_000)
  // Connected, but its awareness state names nobody yet: not a reviewer.
  await sleep(1000)
  assert.equal(await onlineCount(A.page), 1, 'a state without a name is not counted')

  awareness.setLocalStateField('user', { name: 'Ada', color: '#ff0000' })
  await waitUntil(async () => (await onlineCount(A.page)) === 2, { message: 'A counts Ada' })
  assert.equal(await A.page.getByTestId('online-count').textContent(), '2 reviewers online')
  assert.deepEqual(await avatarTitles(A.page), ['Alice (you)', 'Ada'])
  const ada = A.page.locator('.presence .avatar[title="Ada"]')
  assert.equal(await ada.textContent(), 'A')
  assert.equal(await ada.evaluate(e => getComputedStyle(e).backgroundColor), 'rgb(255, 0, 0)')

  // One person once: Alice in a second tab (same browser profile, same
  // reviewer id, another awareness client) is still one reviewer.
  const tab = await A.context.newPage()
  await tab.goto(A.page.url())
  await waitEditor(tab)
  await waitUntil(async () => (await onlineCount(tab)) === 2, { message: 'the second tab shows Alice and Ada' })
  await sleep(500)
  assert.equal(await onlineCount(A.page), 2, 'a second tab of the same reviewer is not a third reviewer')
  await tab.close()

  provider.destroy()
  await waitUntil(async () => (await onlineCount(A.page)) === 1, { message: 'A back to 1 after Ada left' })
  assert.equal(await A.page.getByTestId('online-count').textContent(), '1 reviewer online')
  assert.deepEqual(await avatarTitles(A.page), ['Alice (you)'])
  assert.deepEqual(A.errors.filter(e => /Uncaught/.test(e)), [])
  await A.context.close()
})
