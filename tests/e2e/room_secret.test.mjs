// The hub's room secret in a real browser (docs/p2p.md, "Room secrets"): the
// author's page opened at /plan/<id> with no fragment ends up in the room the
// hub keeps for the plan (its #k= in the address bar), and its Share link
// carries the same secret as create_plan's shareUrl. A page opened with
// another secret in its link moves to the hub's.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { useHarness } from '../interop/hub_harness.mjs'
import { mcpSession } from '../interop/mcp_harness.mjs'
import { launch, newReviewer, answerIdentity, waitEditor, waitUntil, hubFlags } from './browser.mjs'

const h = useHarness()
let hub, browser, planId, kept

before(async () => {
  hub = await h.startHub({ flags: hubFlags() })
  const agent = await mcpSession(hub)
  const created = (await agent.tool('create_plan', { title: 'Secret room', content: '# Secret room\n\nOne step.\n' })).structuredContent
  planId = created.planId
  kept = new URLSearchParams(new URL(created.shareUrl).hash.slice(1)).get('k')
  browser = await launch(h)
})

const secretInAddressBar = page => new URLSearchParams(new URL(page.url()).hash.slice(1)).get('k')

test('the author\'s page without a fragment gets the hub\'s secret, and its Share link carries it', async () => {
  const author = await newReviewer(browser, { name: 'Author' })
  await author.page.goto(`${hub.httpUrl}/plan/${planId}`)
  await answerIdentity(author, 1)
  await waitEditor(author.page)
  await waitUntil(async () => secretInAddressBar(author.page) === kept, { message: `#k=${kept} in ${author.page.url()}` })
  const link = await author.page.getByTestId('share').getAttribute('data-link')
  assert.equal(new URLSearchParams(new URL(link).hash.slice(1)).get('k'), kept)
})

test('a page opened with another secret moves to the hub\'s room', async () => {
  const other = await newReviewer(browser, { name: 'Stale link' })
  await other.page.goto(`${hub.httpUrl}/plan/${planId}#k=an-older-secret-0123456789`)
  await answerIdentity(other, 2)
  await waitEditor(other.page)
  await waitUntil(async () => secretInAddressBar(other.page) === kept, { message: `#k=${kept} in ${other.page.url()}` })
  const link = await other.page.getByTestId('share').getAttribute('data-link')
  assert.match(link, new RegExp(`#k=${kept}$`))
})
