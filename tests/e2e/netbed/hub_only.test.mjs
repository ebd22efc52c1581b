// The network test bed with no browser of the author's: the author's machine
// (namespace ha) runs only the hub and `roundtable mcp`; the hub joins each
// plan's room as a WebRTC peer through the public relay. Reviewer B, behind
// the other NAT, opens create_plan's share link on the public site and gets
// the plan from the hub alone, comments, and decides; the agent sees it all.
// Topology: netns.sh; the shared setup: bed.mjs.
//
// Also measured (printed as `# hub-only figures {...}`, tabled in
// tests/README.md): time from opening the link to the whole plan on screen,
// small and 2 MB, cone and symmetric NAT; B's comment to the agent's
// get_feedback; B's decision to a pending wait_for_review; the hub's memory
// and CPU time per idle room it joined and per connected peer.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { sleep } from '../../interop/hub_harness.mjs'
import { newReviewer, commentOn, waitEditor, onlineCount, waitUntil, waitText, screenshot } from '../browser.mjs'
import { bigPlan, BIG_PLAN_TITLE, BIG_PLAN_LAST, BIG_PLAN_SECTIONS } from '../big_plan.mjs'
import { useBed, PUBLIC_URL, syncState, peersOf, iceRoutes, commentTimed, stats } from './bed.mjs'

const COMMENTS = 20
const IDLE_ROOMS = 50
const MORE_PEERS = 4
const IDLE_WINDOW_MS = 5_000

const bed = useBed()
const figures = {}
let browserB, B, small, big
let vanished = [] // peer ids of reviewers whose browser went away without a goodbye
let vanishedAt = 0
const secrets = []

const SMALL_TITLE = 'Move search to its own cluster'
const ITEMS = Array.from({ length: COMMENTS + 4 }, (_, i) => `search item ${String(i + 1).padStart(2, '0')}`)
const SMALL_LAST = 'Switch the reads once the replica lag stays under a second.'
const SMALL_MD = `# ${SMALL_TITLE}

Search queries compete with writes on the primary; a cluster of their own takes them.

## Steps

${ITEMS.map(t => `- ${t}: reindex one shard and compare`).join('\n')}

## Cut-over

${SMALL_LAST}
`

const tool = async (name, args, opts) => {
  const r = await bed.agent.tool(name, args, opts)
  assert.ok(!r.isError, `${name}: ${JSON.stringify(r.content)}`)
  return r.structuredContent
}

/** create_plan; resolves with its ids and share link once the hub is in the plan's room. */
const createPlan = async (title, content) => {
  const rooms = bed.hubRooms()
  const { planId, shareUrl } = await tool('create_plan', { title, content })
  assert.ok(shareUrl.startsWith(`${PUBLIC_URL}/plan/${planId}#k=`), `the share link points at the public site: ${shareUrl}`)
  secrets.push(new URL(shareUrl).hash.slice(3))
  await waitUntil(() => bed.hubRooms() > rooms, { timeout: 15_000, message: 'the hub to join the new plan\'s room' })
  return { planId, shareUrl }
}

/** Reviewer Bob in a fresh browser context (no copy of any plan), his name already chosen. */
const bob = async () => {
  const r = await newReviewer(browserB, { name: 'Bob' })
  await r.context.addInitScript(() => {
    if (!localStorage.getItem('roundtable:identity')) localStorage.setItem('roundtable:identity', JSON.stringify({ id: `u-${crypto.randomUUID()}`, name: 'Bob', color: '#0090ff' }))
  })
  return r
}

/** Text of every block in the editor. */
const blockTexts = page => page.locator('.bn-editor .bn-block-content').allTextContents()

/**
 * `r` opens `plan`'s share link; resolves with the ms until the plan's last
 * block (`last`: once someone commented, an empty block may follow it) shows.
 */
const openTimed = async (r, plan, last, timeout = 60_000) => {
  const t0 = Date.now()
  await r.page.goto(plan.shareUrl)
  await waitEditor(r.page, timeout)
  const shows = () => r.page.evaluate(last => [...document.querySelectorAll('.bn-editor .bn-block-content')].some(b => b.textContent === last), last)
  await waitUntil(shows, { timeout, interval: 20, message: `${r.name} shows the plan's last block` })
    .catch(async e => {
      console.log(`# ${r.name}: ${JSON.stringify({ sync: await syncState(r.page), peers: await r.page.evaluate(() => window.__roundtable.peerStates()) })}`)
      await screenshot(r.page, 'netbed-hub-only-missing-plan.png')
      throw e
    })
  return Date.now() - t0
}

/** Resolves with Date.now() when the agent's get_feedback on `planId` has a comment `body` (polled). */
const feedbackShows = async (planId, body, t0, timeout = 15_000) => {
  for (;;) {
    const f = await tool('get_feedback', { planId })
    if (f.threads.some(t => t.comments.some(c => c.body === body && c.author === 'Bob'))) return Date.now()
    if (Date.now() - t0 > timeout) throw new Error(`get_feedback has no "${body}" after ${timeout} ms`)
    await sleep(20)
  }
}

/** Waits until the hub's CPU time grows by under 30 ms a second (at most 30 s); resolves with its usage then. */
const settled = async () => {
  let a = bed.hubUsage()
  for (let i = 0; i < 30; i++) {
    await sleep(1000)
    const b = bed.hubUsage()
    if (b.cpuMs - a.cpuMs < 30) return b
    a = b
  }
  return a
}

/** The hub's usage over an idle window: RSS at its end, CPU ms per minute during it. */
const idleUsage = async () => {
  const a = bed.hubUsage()
  await sleep(IDLE_WINDOW_MS)
  const b = bed.hubUsage()
  return { rssKb: b.rssKb, cpuMsPerMin: Math.round((b.cpuMs - a.cpuMs) * 60_000 / IDLE_WINDOW_MS) }
}

/** B's one connection (the hub): its selected pair. */
const onlyPair = async r => {
  const routes = await iceRoutes(r.page)
  assert.equal(routes.length, 1, `${r.name} has one WebRTC connection, to the hub: ${JSON.stringify(routes)}`)
  const { local, remote } = routes[0]
  return { local, remote, text: `${local.type} ${local.address} -> ${remote.type} ${remote.address}` }
}

before(async () => {
  await bed.up()
  browserB = await bed.chromiumIn('hb')
})

after(() => {
  if (Object.keys(figures).length) console.log(`# hub-only figures ${JSON.stringify(figures)}`)
})

test(`the hub's cost of an idle room: ${IDLE_ROOMS} plans nobody has open`, async () => {
  const before = await idleUsage()
  const t0 = bed.hubUsage()
  for (let i = 0; i < IDLE_ROOMS; i++) await createPlan(`Idle plan ${i + 1}`, `# Idle plan ${i + 1}\n\nNobody opens this one.\n`)
  assert.equal(bed.hubRooms(), IDLE_ROOMS)
  const made = await settled() // each room's key is derived after the hub joins it (PBKDF2, 100,000 rounds)
  const after = await idleUsage()
  figures.idleRooms = {
    rooms: IDLE_ROOMS,
    rssKbBefore: before.rssKb,
    rssKbAfter: after.rssKb,
    rssKbPerRoom: Math.round((after.rssKb - before.rssKb) / IDLE_ROOMS),
    cpuMsPerPlanCreatedAndJoined: Math.round((made.cpuMs - t0.cpuMs) / IDLE_ROOMS), // create_plan, and the room joined
    idleCpuMsPerMinBefore: before.cpuMsPerMin,
    idleCpuMsPerMinAfter: after.cpuMsPerMin,
  }
})

test('1. cone NAT: B opens create_plan\'s share link on the public site and gets the whole plan from the hub alone', async () => {
  small = await createPlan(SMALL_TITLE, SMALL_MD)
  B = await bob()
  figures.openSmallConeMs = await openTimed(B, small, SMALL_LAST)
  await waitText(B.page.getByTestId('plan-title'), SMALL_TITLE)
  // The pill counts peers a moment after the plan's bytes came in over the first.
  await waitUntil(async () => (await syncState(B.page)).peers === 1, { timeout: 5000, message: 'one WebRTC peer: the hub' })
  const s = await syncState(B.page)
  assert.equal(s.hub, 'none', 'the public site keeps no documents')
  assert.equal(s.peers, 1, 'one WebRTC peer: the hub')
  assert.equal(await onlineCount(B.page), 1, 'the hub is not counted as a reviewer')
  const texts = await blockTexts(B.page)
  for (const t of ITEMS) assert.ok(texts.some(x => x.startsWith(t)), `B shows "${t}"`)
  const pair = await onlyPair(B)
  figures.pairCone = pair.text
  assert.ok(!(pair.local.type === 'host' && pair.remote.type === 'host'), `B's pair with the hub: ${pair.text}`)
  await screenshot(B.page, 'netbed-hub-only.png')
})

test(`the hub's cost of a connected peer: ${MORE_PEERS} more reviewers in the room`, async () => {
  await settled()
  const one = await idleUsage()
  const known = bed.hubPeerIds()
  const more = []
  for (let i = 0; i < MORE_PEERS; i++) {
    const r = await bob()
    await openTimed(r, small, SMALL_LAST)
    more.push(r)
  }
  await waitUntil(() => bed.hub.child.output.includes(`(${1 + MORE_PEERS} in the room)`), { timeout: 30_000, message: `the hub to have ${1 + MORE_PEERS} peers` })
  await settled()
  const five = await idleUsage()
  figures.peers = {
    rssKbWith1: one.rssKb,
    [`rssKbWith${1 + MORE_PEERS}`]: five.rssKb,
    rssKbPerPeer: Math.round((five.rssKb - one.rssKb) / MORE_PEERS),
    idleCpuMsPerMinWith1: one.cpuMsPerMin,
    [`idleCpuMsPerMinWith${1 + MORE_PEERS}`]: five.cpuMsPerMin,
  }
  // Closed as a killed browser or a shut laptop goes: no page unload, no goodbye.
  vanished = [...bed.hubPeerIds()].filter(id => !known.has(id))
  assert.equal(vanished.length, MORE_PEERS)
  for (const r of more) await r.context.close()
  vanishedAt = Date.now()
})

test('2. cone NAT: the 2 MB plan, whole, from the hub alone', async () => {
  big = await createPlan(BIG_PLAN_TITLE, bigPlan())
  const r = await bob()
  figures.openBigConeMs = await openTimed(r, big, BIG_PLAN_LAST)
  const steps = (await blockTexts(r.page)).filter(t => /^Step \d+$/.test(t))
  assert.equal(steps.length, BIG_PLAN_SECTIONS, 'every section heading')
  await r.context.close()
})

test(`3. B comments ${COMMENTS} times; the agent's get_feedback has each, by name`, async () => {
  const samples = []
  for (let i = 0; i < COMMENTS; i++) {
    const body = `Bob on search item ${i + 1}`
    samples.push(await commentTimed(B, ITEMS[i], body, t0 => feedbackShows(small.planId, body, t0)))
  }
  figures.commentToGetFeedbackCone = stats(samples)
  console.log(`# cone NAT: B's comment -> get_feedback ${JSON.stringify(stats(samples))} ms`)
  const fb = await tool('get_feedback', { planId: small.planId })
  assert.equal(fb.threads.length, COMMENTS)
  assert.deepEqual(fb.threads.map(t => t.quote).sort(), ITEMS.slice(0, COMMENTS))
})

test('4. a pending wait_for_review answers when B requests changes, and again when B approves', async () => {
  const decide = async (testId, status) => {
    await waitUntil(async () => (await B.page.getByTestId('status-badge').getAttribute('data-status')) === 'pending_review', { message: 'B shows the plan pending review' })
    const waiting = tool('wait_for_review', { planId: small.planId, timeoutSeconds: 60 })
    await sleep(300) // the call is in the hub, waiting
    await B.page.getByTestId(testId).click()
    const t0 = Date.now()
    await B.page.getByTestId('confirm-review').click()
    const answer = await waiting
    const ms = Date.now() - t0
    assert.equal(answer.status, status)
    assert.equal(answer.reviewedBy, 'Bob')
    return ms
  }
  figures.decisionToWaitForReviewMs = { changesRequested: await decide('request-changes', 'changes_requested') }
  await tool('update_plan', { planId: small.planId, status: 'pending_review' })
  figures.decisionToWaitForReviewMs.approved = await decide('approve', 'approved')
})

test('5. symmetric NAT on both sides: B gets the plans from the hub through TURN (the hub\'s own TURN credentials)', async () => {
  await B.context.close()
  bed.nat('symmetric')
  B = await bob()
  figures.openSmallSymmetricMs = await openTimed(B, small, SMALL_LAST)
  const pair = await onlyPair(B)
  figures.pairSymmetric = pair.text
  assert.ok(pair.local.type === 'relay' || pair.remote.type === 'relay', `B's pair with the hub goes through TURN: ${pair.text}`)
  await waitUntil(async () => (await syncState(B.page)).route === 'relayed', { timeout: 5000, message: `B's route: relayed` })

  const r = await bob()
  figures.openBigSymmetricMs = await openTimed(r, big, BIG_PLAN_LAST)
  await r.context.close()
  const again = await bob()
  figures.openSmallSymmetricAgainMs = await openTimed(again, small, SMALL_LAST)
  await again.context.close()

  const samples = []
  for (let i = 0; i < 3; i++) {
    const body = `Bob through TURN ${i + 1}`
    samples.push(await commentTimed(B, SMALL_LAST.slice(0, 30), body, t0 => feedbackShows(small.planId, body, t0)))
  }
  figures.commentToGetFeedbackSymmetric = stats(samples)
})

test('6. relay stopped after B connected: B\'s comments still reach the agent', async () => {
  await bed.relay.kill('SIGTERM')
  const body = 'Bob with the relay down'
  figures.relayDownCommentMs = await commentTimed(B, ITEMS[COMMENTS], body, t0 => feedbackShows(small.planId, body, t0))
  await bed.startRelay()
})

test('the reviewers whose browsers went away without a goodbye are dropped by the hub', async () => {
  // Unanswered ICE keepalives fail the connection (src/webrtc/peer_connection.cc);
  // without that, such sessions stayed "connected" and filled the room.
  const gone = id => new RegExp(`peer ${id} left|no connection to peer ${id}`).test(bed.hub.child.output)
  await waitUntil(() => vanished.every(gone), { timeout: 90_000, interval: 500, message: 'the hub to drop the vanished peers' })
  figures.vanishedPeersDroppedWithinMs = Date.now() - vanishedAt
})

test('7. hub restarted: what B wrote while it was down reaches it', async () => {
  assert.equal((await bed.hub.kill('SIGTERM')).code, 0)
  await peersOf(B, 0, 15_000)
  const body = 'Bob while the hub is down'
  await (await commentOn(B.page, ITEMS[COMMENTS + 1], body))()
  await B.page.getByTestId('comments-panel').getByText(body).waitFor()
  const t0 = Date.now()
  await bed.hub.start()
  await feedbackShows(small.planId, body, t0, 60_000)
  figures.hubRestartCatchUpMs = Date.now() - t0
  await peersOf(B, 1)
})

test('8. the public host saw no plaintext of the plans or the comments, nor the room secrets', async () => {
  const { bytes, has } = await bed.captured()
  figures.captureBytes = bytes
  assert.ok(has(`roundtable-${small.planId}`), 'the capture holds the signaling traffic')
  const bigSentence = bigPlan().split('\n')[4].slice(0, 40)
  for (const s of [SMALL_TITLE, 'reindex one shard', SMALL_LAST, BIG_PLAN_TITLE, BIG_PLAN_LAST, bigSentence,
    'Bob on search item', 'Bob through TURN', 'with the relay down', 'while the hub is down', ...secrets]) {
    assert.ok(!has(s), `plaintext at the public host: ${s}`)
  }
})
