// The hub as a reviewer's only peer, in Debian's Chromium (docs/p2p.md, the
// hub's own peer; docs/web.md, presence).
//
// On loopback: the public review site (`roundtable signal --web`: relay and
// web app, no documents) and the author's hub, configured with that relay and
// with no author browser anywhere. The agent creates a plan through MCP; a
// reviewer opens its share link on the review site, where the plan can come
// only from the hub's WebRTC peer. The reviewer must see all of it, presence
// must show the hub as a hub ("⇄ <machine>'s hub") and not as a reviewer
// ("1 reviewer online": the reviewer alone), and the reviewer's comment and
// decision must reach the agent's get_feedback and a pending wait_for_review.
//
// Run twice: with Chromium's host candidates as plain addresses (the e2e
// default), and with Chromium's default of hiding them behind random `.local`
// mDNS names, as real users' browsers do. The hub's ICE (libnice) cannot
// resolve those names; on loopback the connection can still form through the
// peer-reflexive candidate the hub learns from the browser's own checks.
//
// Last, the hub stops: the chip must go with the connection. (The hub sends
// no removal of its awareness entry when it leaves, so without the page's own
// rule, no peer means no hub, the chip stayed past 20 s, until the entry
// timed out.)
//
//   cd tests/e2e && node --test hub_peer.test.mjs
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import os from 'node:os'
import { useHarness } from '../interop/hub_harness.mjs'
import { mcpSession } from '../interop/mcp_harness.mjs'
import { launch, newReviewer, answerIdentity, waitEditor, waitUntil, hubFlags, startReviewSite, screenshot, commentOn, onlineCount } from './browser.mjs'

const h = useHarness()
let site, hub, mcp

const LAST = 'Last step: roll out behind the flag, one tenant first.'
const planText = title => [
  `# ${title}`, '',
  '## Context', '', 'The nightly export times out on the largest tenants.', '',
  '## Steps', '',
  '- Stream the rows instead of buffering them', '- Page the query by primary key', '- Add a progress metric', '',
  '```sql', 'SELECT id, payload FROM exports WHERE id > $1 ORDER BY id LIMIT 1000;', '```', '',
  LAST, '',
].join('\n')

before(async () => {
  // The public review site: relay + web app, no documents.
  site = await startReviewSite(h)
  // The author's hub: share links point to the review site, and the hub joins
  // its plans' rooms through the site's relay (the relay of --public-url).
  hub = await h.startHub({ flags: hubFlags(['--public-url', site.http]) })
  mcp = await mcpSession(hub)
})

/** The addresses of the host candidates a page's RTCPeerConnection gathers. */
const hostCandidates = page => page.evaluate(async () => {
  const pc = new RTCPeerConnection({ iceServers: [] })
  pc.createDataChannel('probe')
  const found = []
  const done = new Promise(resolve => {
    pc.onicecandidate = e => {
      if (!e.candidate) return resolve()
      if (e.candidate.type === 'host') found.push(e.candidate.address)
    }
  })
  await pc.setLocalDescription(await pc.createOffer())
  await Promise.race([done, new Promise(resolve => setTimeout(resolve, 3000))])
  pc.close()
  return found
})

/**
 * The agent creates a plan; a reviewer in a Chromium of its own opens the
 * share link on the review site, reviews it there, and the agent hears back.
 */
const reviewThroughTheHub = async ({ mdns, label }) => {
  const title = `Stream the nightly export (${label})`
  const res = await mcp.tool('create_plan', { title, content: planText(title) })
  assert.ok(!res.isError, JSON.stringify(res.content))
  const { planId, shareUrl } = res.structuredContent
  assert.ok(shareUrl.startsWith(`${site.http}/plan/${planId}#k=`), `the share link points to the review site: ${shareUrl}`)

  const browser = await launch(h, { mdns })
  const R = await newReviewer(browser, { name: 'Rita' })
  // What this Chromium puts in its host candidates: .local names, or addresses.
  await R.page.goto(site.http + '/')
  const hosts = await hostCandidates(R.page)
  assert.ok(hosts.length > 0, 'host candidates gathered')
  assert.ok(hosts.every(a => a.endsWith('.local') === mdns), `host candidates ${mdns ? 'hidden behind mDNS names' : 'as addresses'}: ${hosts}`)
  const t0 = Date.now()
  await R.page.goto(shareUrl)
  await answerIdentity(R, 2)
  // The plan's only source is the hub's peer.
  await waitEditor(R.page, 45_000)
  const blocks = R.page.locator('[data-testid="plan-editor"] .bn-block-content')
  await waitUntil(async () => (await blocks.last().textContent()) === LAST, { timeout: 30_000, message: 'the last block' })
  console.log(`# ${label}: the reviewer showed the plan ${Date.now() - t0} ms after opening the link, from the hub alone`)
  assert.equal(await R.page.getByTestId('plan-title').textContent(), title)
  // Every block, in order (the code block as its source).
  assert.deepEqual(await blocks.allTextContents(), [title, 'Context', 'The nightly export times out on the largest tenants.', 'Steps',
    'Stream the rows instead of buffering them', 'Page the query by primary key', 'Add a progress metric',
    'SELECT id, payload FROM exports WHERE id > $1 ORDER BY id LIMIT 1000;', LAST])

  // Presence: the hub as a hub, named after its machine; the reviewer alone online.
  const chip = R.page.getByTestId('hub-chip')
  await chip.waitFor({ timeout: 10_000 })
  assert.equal(await chip.count(), 1)
  assert.equal(await chip.getAttribute('data-hub-name'), os.hostname())
  assert.equal(await chip.textContent(), `⇄${os.hostname()}’s hub`)
  assert.match(await chip.getAttribute('title'), /author’s hub is connected: the plan and your comments reach the agent even with no author browser open/)
  assert.match(await chip.getAttribute('aria-label'), new RegExp(`^${os.hostname()}’s hub is connected`))
  assert.equal(await onlineCount(R.page), 1)
  assert.equal(await R.page.getByTestId('online-count').textContent(), '1 reviewer online')
  assert.deepEqual(await R.page.locator('.presence .avatar').evaluateAll(els => els.map(e => e.getAttribute('title'))), ['Rita (you)'])

  // The one peer is the hub, and no /yjs connection was tried.
  const status = R.page.getByTestId('sync-status')
  assert.equal(await status.getAttribute('data-mode'), 'p2p')
  // (The pill looks at the connections every few seconds.)
  await waitUntil(async () => (await status.getAttribute('data-peers')) === '1', { timeout: 10_000, message: 'one peer' })
  assert.equal(await status.getAttribute('data-peers-unreachable'), '0')
  await waitUntil(async () => (await status.getAttribute('data-p2p-route')) === 'direct', { timeout: 15_000, message: 'route direct' })
  const routes = await R.page.evaluate(() => window.__roundtable.iceRoutes())
  assert.equal(routes.length, 1, JSON.stringify(routes))
  console.log(`# ${label}: route ${routes[0].local.type} ${routes[0].local.address || '(address hidden)'} ↔ ${routes[0].remote.type} ${routes[0].remote.address ?? ''}`)
  const sockets = await R.page.evaluate(() => window.__sockets())
  assert.equal(sockets.created.yjs, 0, `no /yjs connection: ${JSON.stringify(sockets)}`)
  await screenshot(R.page, `hub-peer-${mdns ? 'mdns' : 'host'}-desktop-light.png`)
  if (!mdns) {
    await R.page.setViewportSize({ width: 390, height: 844 })
    assert.ok(await chip.isVisible(), 'the chip shows on a phone')
    await screenshot(R.page, 'hub-peer-phone-light.png')
    await R.page.setViewportSize({ width: 1280, height: 860 })
  }

  // The reviewer comments and requests changes; the agent is waiting.
  const waiting = mcp.tool('wait_for_review', { planId, timeoutSeconds: 60 })
  const COMMENT = 'How big is one page of rows?'
  const QUOTE = 'Page the query'
  const submit = await commentOn(R.page, QUOTE, COMMENT)
  await submit()
  await R.page.getByTestId('comments-panel').getByText(COMMENT).waitFor({ timeout: 10_000 })
  await R.page.getByTestId('request-changes').click()
  await R.page.getByRole('dialog', { name: 'Request changes?' }).waitFor()
  const t1 = Date.now()
  await R.page.getByTestId('confirm-review').click()
  await waitUntil(async () => (await R.page.getByTestId('status-badge').textContent()) === 'Changes requested', {
    message: 'the reviewer shows Changes requested',
  })
  const answered = await waiting
  assert.ok(!answered.isError, JSON.stringify(answered.content))
  assert.equal(answered.structuredContent.status, 'changes_requested', JSON.stringify(answered.structuredContent).slice(0, 400))
  console.log(`# ${label}: wait_for_review answered ${Date.now() - t1} ms after the reviewer confirmed the decision`)
  const fb = await waitUntil(async () => {
    const r = await mcp.tool('get_feedback', { planId })
    return r.structuredContent.threads.length === 1 ? r.structuredContent : null
  }, { message: 'the comment in get_feedback' })
  assert.equal(fb.status, 'changes_requested')
  assert.equal(fb.reviewedBy, 'Rita')
  assert.equal(fb.threads[0].quote, QUOTE)
  assert.equal(fb.threads[0].comments[0].author, 'Rita')
  assert.equal(fb.threads[0].comments[0].body, COMMENT)
  assert.deepEqual(R.errors.filter(e => /Uncaught|\/yjs/.test(e)), [])
  await browser.close()
}

test('no author browser: a reviewer on the review site gets the plan from the hub, sees its chip, and the agent hears back', async () => {
  await reviewThroughTheHub({ mdns: false, label: 'host candidates' })
})

test('the same with Chromium hiding its host addresses behind mDNS names, as real users\' browsers do', async () => {
  await reviewThroughTheHub({ mdns: true, label: 'mDNS host candidates' })
})

test('the hub stops: its chip goes with its connection, not 30 s later when its awareness entry times out', async () => {
  const title = 'Hub goes away'
  const res = await mcp.tool('create_plan', { title, content: planText(title) })
  assert.ok(!res.isError, JSON.stringify(res.content))
  const browser = await launch(h)
  const R = await newReviewer(browser, { name: 'Rita' })
  await R.page.goto(res.structuredContent.shareUrl)
  await answerIdentity(R, 2)
  await waitEditor(R.page, 45_000)
  const chip = R.page.getByTestId('hub-chip')
  await chip.waitFor({ timeout: 10_000 })
  const status = R.page.getByTestId('sync-status')
  await waitUntil(async () => (await status.getAttribute('data-peers')) === '1', { timeout: 10_000, message: 'one peer' })

  const t0 = Date.now()
  await hub.kill('SIGTERM')
  await waitUntil(async () => (await chip.count()) === 0, { timeout: 20_000, message: 'the hub chip gone' })
  console.log(`# the hub chip went ${Date.now() - t0} ms after SIGTERM to the hub`)
  assert.equal(await status.getAttribute('data-peers'), '0')
  assert.equal(await onlineCount(R.page), 1)
  // The plan stays: this browser has its copy.
  assert.equal(await R.page.getByTestId('plan-title').textContent(), title)
  await browser.close()
})
