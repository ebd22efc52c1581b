// The network test bed: reviewers on two home networks, each behind
// its own NAT router, review a plan together over WebRTC, through a public
// host that runs only `roundtable signal --web` and coturn. Topology and
// addresses: netns.sh. Everything runs inside namespaces this test creates;
// nothing reaches a real network.
//
// The author's hub joins the plan's room too, as a WebRTC peer of its own
// (hub_only.test.mjs reviews with it alone): each browser here has two
// connections, to the other browser and to the hub, and the steps tell them
// apart by the peer ids the hub logs.
//
// The steps (tests/README.md lists them with their figures): share link from the public site, 2 online, 20
// comments timed from B's action to A's display over a route that is not
// host-to-host, the agent's get_feedback, the hub stopped and started again,
// the relay stopped, symmetric NAT on both sides (TURN), a negative control
// without STUN/TURN, and a capture at the public host without plaintext.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { sleep } from '../../interop/hub_harness.mjs'
import { launch, newReviewer, answerIdentity, waitEditor, onlineCount, waitUntil, waitText, screenshot, commentOn } from '../browser.mjs'
import { useBed, PUBLIC_IP, PUBLIC_URL, syncState, peersOf, iceRoutes, shownAt, commentTimed, stats } from './bed.mjs'

const COMMENTS = 20

const bed = useBed()
const { h, tmp } = bed
const figures = {}

let browserA, browserB, A, B, planId, planUrl, shareUrl
const secrets = []

const PLAN_TITLE = 'Shard the ledger by tenant'
const TASKS = Array.from({ length: COMMENTS + 4 }, (_, i) => `ledger task ${String(i + 1).padStart(2, '0')}`)
const WAVES = Array.from({ length: COMMENTS }, (_, i) => `rollout wave ${String(i + 1).padStart(2, '0')}`)
const PLAN_MD = `# ${PLAN_TITLE}

The ledger table has outgrown one primary; we split it by tenant with a routing layer in front.

## Steps

${TASKS.map(t => `- ${t}: migrate the next tenant range`).join('\n')}

## Rollout

${WAVES.map(w => `1. ${w}: one region at a time`).join('\n')}

## Risks

Cross-tenant reports need a fan-out query.
`

/** `from` comments on `quote`; resolves with the ms until `to` shows it. */
const timedComment = (from, to, quote, body) => commentTimed(from, quote, body, () => shownAt(to.page, body).catch(async e => {
  console.log(`# not shown: ${JSON.stringify({ from: from.name, [from.name]: await syncState(from.page), [to.name]: await syncState(to.page) })}`)
  await screenshot(to.page, `netbed-missing-comment-${to.name}.png`)
  await screenshot(from.page, `netbed-missing-comment-from-${from.name}.png`)
  throw e
}))

/**
 * The page's connections split by who is at the other end: `browser`, the
 * other reviewer's (a peer the hub also connected to), and `hub`.
 */
const routesOf = async r => {
  const ids = bed.hubPeerIds()
  const routes = await iceRoutes(r.page)
  return { browser: routes.filter(x => ids.has(x.peerId)), hub: routes.filter(x => !ids.has(x.peerId)) }
}
const pairOf = ({ local, remote }) => `${local.type} ${local.address} -> ${remote.type} ${remote.address}`

const feedback = async () => (await bed.agent.tool('get_feedback', { planId })).structuredContent

before(async () => {
  await bed.up()
  browserA = await bed.chromiumIn('ha')
  browserB = await bed.chromiumIn('hb')
  A = await newReviewer(browserA, { name: 'Alice' })
  B = await newReviewer(browserB, { name: 'Bob' })
})

after(() => {
  if (Object.keys(figures).length) console.log(`# netbed figures ${JSON.stringify(figures)}`)
})

test('1. A opens the plan the agent created; B opens the share link on the public site; both show 2 online', async () => {
  const created = await bed.agent.tool('create_plan', { title: PLAN_TITLE, content: PLAN_MD, repo: 'acme/ledger' })
  assert.ok(!created.isError, JSON.stringify(created.content))
  ;({ planId, url: planUrl } = created.structuredContent)
  await A.page.goto(planUrl)
  await answerIdentity(A, 1)
  await waitEditor(A.page)

  await A.page.getByTestId('share').click()
  shareUrl = await A.page.evaluate(() => navigator.clipboard.readText())
  assert.ok(shareUrl.startsWith(`${PUBLIC_URL}/plan/${planId}#k=`), `the share link points at the public site: ${shareUrl}`)
  secrets.push(new URL(shareUrl).hash.slice(3))

  await B.page.goto(shareUrl)
  await answerIdentity(B, 3)
  await waitEditor(B.page, 30_000) // B's sources of the plan are A and the author's hub, over WebRTC
  await waitText(B.page.getByTestId('plan-title'), PLAN_TITLE, 30_000)
  for (const r of [A, B]) {
    await waitUntil(async () => (await onlineCount(r.page)) === 2, { timeout: 30_000, message: `${r.name} shows 2 online` })
    await peersOf(r, 2) // the other reviewer and the author's hub, which is not counted online
  }
  for (const r of [A, B]) {
    const { browser, hub } = await routesOf(r)
    assert.equal(browser.length, 1, `${r.name} is connected to the other browser`)
    assert.equal(hub.length, 1, `${r.name} is connected to the hub`)
  }
  await screenshot(B.page, 'netbed-remote-reviewer.png')
})

test('a review site served over plain http says why peers cannot be reached, instead of waiting forever', async () => {
  // No secure-origin switch: this is what https in front of the relay prevents.
  const wrapper = path.join(tmp, 'chromium-hb')
  const plain = await launch(h, { executablePath: wrapper, reachable: [PUBLIC_IP] })
  const C = await newReviewer(plain, { name: 'Carol' })
  await C.page.goto(shareUrl)
  await answerIdentity(C, 4)
  await C.page.getByTestId('p2p-insecure-page').waitFor({ timeout: 10_000 })
  assert.match(await C.page.getByTestId('p2p-insecure-page').textContent(), /HTTPS/)
  assert.deepEqual(C.errors.filter(e => /importKey|Uncaught/.test(e)), [])
  await plain.close()
})

test(`2. B comments ${COMMENTS} times; each shows at A within 1 s, over a route that is not host-to-host`, async () => {
  const samples = []
  for (let i = 0; i < COMMENTS; i++) samples.push(await timedComment(B, A, TASKS[i], `Bob asks about task ${i + 1}`))
  const routes = { A: await routesOf(A), B: await routesOf(B) }
  const pairs = { AB: pairOf(routes.A.browser[0]), Ahub: pairOf(routes.A.hub[0]), Bhub: pairOf(routes.B.hub[0]) }
  figures.coneNat = { ...stats(samples), pairs }
  console.log(`# cone NAT: B -> A comment latency ${JSON.stringify(stats(samples))} ms; pairs ${JSON.stringify(pairs)}`)
  assert.ok(stats(samples).max < 1000, `slowest comment took ${stats(samples).max} ms`)
  for (const side of ['A', 'B']) {
    const { local, remote } = routes[side].browser[0]
    assert.ok(!(local.type === 'host' && remote.type === 'host'), `${side}'s pair with the other browser is ${local.type} -> ${remote.type}`)
  }
  // The hub is on A's machine (host to host); B reaches it through both NATs.
  assert.ok(routes.B.hub[0].local.type !== 'host' || routes.B.hub[0].remote.type !== 'host', `B's pair with the hub: ${pairs.Bhub}`)
})

test('3. the agent\'s get_feedback returns B\'s comments, by name, with their quotes', async () => {
  const fb = await waitUntil(async () => {
    const f = await feedback()
    return f.threads.length === COMMENTS ? f : null
  }, { timeout: 15_000, message: `get_feedback to return ${COMMENTS} threads` })
  const got = fb.threads.map(t => [t.quote, t.comments[0].author, t.comments[0].body]).sort()
  const want = TASKS.slice(0, COMMENTS).map((t, i) => [t, 'Bob', `Bob asks about task ${i + 1}`]).sort()
  assert.deepEqual(got, want)
})

test('4. hub stopped: A and B keep syncing comments and status both ways; started again, it has everything', async () => {
  assert.equal((await bed.hub.kill('SIGTERM')).code, 0)
  await waitUntil(async () => (await syncState(A.page)).hub !== 'connected', { message: 'A notices the hub is gone' })
  const fromB = await timedComment(B, A, TASKS[COMMENTS], 'Bob, while the hub is down')
  const fromA = await timedComment(A, B, TASKS[COMMENTS + 1], 'Alice, while the hub is down')
  figures.hubDown = { fromB, fromA }
  assert.ok(fromB < 1000 && fromA < 1000, `hub down: B->A ${fromB} ms, A->B ${fromA} ms`)
  await A.page.getByTestId('request-changes').click()
  await A.page.getByTestId('confirm-review').click()
  await waitUntil(async () => (await B.page.getByTestId('status-badge').textContent()) === 'Changes requested', {
    message: 'B shows the status A set with the hub down',
  })

  const t0 = Date.now()
  await bed.hub.start()
  let last = null
  const fb = await waitUntil(async () => {
    last = await feedback().catch(e => ({ error: e.message }))
    return last?.threads?.length === COMMENTS + 2 && last.status === 'changes_requested' ? last : null
  }, { timeout: 30_000, interval: 200, message: 'the restarted hub to have what happened while it was down' }).catch(async e => {
    console.log(`# hub after restart: ${JSON.stringify({ status: last?.status, threads: last?.threads?.length, error: last?.error, A: await syncState(A.page) })}`)
    throw e
  })
  figures.hubCatchUpMs = Date.now() - t0
  const bodies = fb.threads.flatMap(t => t.comments.map(c => `${c.author}: ${c.body}`))
  assert.ok(bodies.includes('Bob: Bob, while the hub is down'))
  assert.ok(bodies.includes('Alice: Alice, while the hub is down'))
  assert.equal(fb.reviewedBy, 'Alice')
})

test('5. relay stopped after the peers connected: they keep syncing', async () => {
  await bed.relay.kill('SIGTERM')
  const fromB = await timedComment(B, A, TASKS[COMMENTS + 2], 'Bob, with the relay down')
  const fromA = await timedComment(A, B, TASKS[COMMENTS + 3], 'Alice, with the relay down')
  figures.relayDown = { fromB, fromA }
  assert.ok(fromB < 1000 && fromA < 1000, `relay down: B->A ${fromB} ms, A->B ${fromA} ms`)
  await bed.startRelay()
})

test('peer lifecycle: B closes the tab (no ghost), A works meanwhile, B comes back and catches up; still 2 online', async () => {
  await B.page.close({ runBeforeUnload: true })
  await waitUntil(async () => (await onlineCount(A.page)) === 1, { timeout: 5_000, message: 'A stops counting B once its tab is closed' })
  const WHILE_AWAY = 'Alice, while Bob was away'
  const submit = await commentOn(A.page, 'fan-out query', WHILE_AWAY)
  await submit()
  await A.page.getByTestId('comments-panel').getByText(WHILE_AWAY).waitFor()

  B.page = await B.context.newPage()
  B.page.on('pageerror', e => B.errors.push(e.message))
  await B.page.goto(shareUrl)
  await waitEditor(B.page, 30_000)
  await B.page.getByTestId('comments-panel').getByText(WHILE_AWAY).waitFor({ timeout: 30_000 })
  const seen = []
  for (let i = 0; i < 20; i++) {
    seen.push(await onlineCount(A.page))
    await sleep(100)
  }
  for (const r of [A, B]) await waitUntil(async () => (await onlineCount(r.page)) === 2, { message: `${r.name} shows 2 online again` })
  assert.ok(seen.every(n => n <= 2), `A never counts B twice: ${seen}`)
})

test('6. symmetric NAT on both sides: the peers connect through TURN, and comments still arrive within 1 s', async () => {
  // Both reviewers start over behind symmetric NATs (new browser profiles,
  // so nothing of the direct connection is reused).
  await A.context.close()
  await B.context.close()
  bed.nat('symmetric')
  const t0 = Date.now()
  A = await newReviewer(browserA, { name: 'Alice' })
  B = await newReviewer(browserB, { name: 'Bob' })
  if (process.env.NETBED_LOG) for (const r of [A, B]) await r.context.addInitScript(() => localStorage.setItem('log', 'y-webrtc'))
  await A.page.goto(planUrl)
  await answerIdentity(A, 1)
  await waitEditor(A.page)
  await A.page.getByTestId('share').click()
  shareUrl = await A.page.evaluate(() => navigator.clipboard.readText())
  secrets.push(new URL(shareUrl).hash.slice(3))
  await B.page.goto(shareUrl)
  await answerIdentity(B, 3)
  for (const r of [A, B]) {
    await waitEditor(r.page, 60_000)
    await peersOf(r, 2, 60_000).catch(async e => {
      for (const x of [A, B]) console.log(`# TURN, ${x.name}: ${JSON.stringify(await x.page.evaluate(() => window.__roundtable.peerStates()))}`)
      for (const x of [A, B]) console.log(`# ICE stats, ${x.name}: ${JSON.stringify(await x.page.evaluate(() => window.__roundtable.iceStats()))}`)
      throw e
    })
  }
  figures.turnConnectMs = Date.now() - t0
  const routes = { A: await routesOf(A), B: await routesOf(B) }
  for (const [side, pair] of [['A', routes.A.browser[0]], ['B', routes.B.browser[0]], ['B (hub)', routes.B.hub[0]]]) {
    assert.ok(pair.local.type === 'relay' || pair.remote.type === 'relay', `${side}'s pair goes through TURN: ${pairOf(pair)}`)
  }
  // B's every connection is relayed; A's with its own hub stays on the machine.
  await waitUntil(async () => (await syncState(B.page)).route === 'relayed', { timeout: 5000, message: `B's route: relayed` })
  await waitUntil(async () => (await syncState(A.page)).route === 'mixed', { timeout: 5000, message: `A's route: mixed` })
  const samples = []
  for (let i = 0; i < COMMENTS; i++) samples.push(await timedComment(B, A, WAVES[i], `Bob again (symmetric NAT) ${i + 1}`))
  const pairs = { AB: pairOf(routes.A.browser[0]), Ahub: pairOf(routes.A.hub[0]), Bhub: pairOf(routes.B.hub[0]) }
  figures.symmetricNat = { ...stats(samples), pairs }
  console.log(`# symmetric NAT: B -> A comment latency ${JSON.stringify(stats(samples))} ms; pairs ${JSON.stringify(pairs)}`)
  assert.ok(stats(samples).max < 1000, `slowest comment took ${stats(samples).max} ms`)
})

test('7. negative control: with no STUN or TURN nothing connects across the NATs, the hub neither, and the pages say so', async () => {
  await bed.relay.kill('SIGTERM')
  await bed.startRelay({ ice: false })
  await bed.hub.kill('SIGTERM')
  bed.writeHubConfig({ ice: false })
  await bed.hub.start()
  for (const r of [A, B]) await r.page.reload()
  await waitEditor(A.page, 30_000)
  // All three find each other through the relay. Only A and the hub, on one
  // machine, connect (host candidates); across the NATs nothing does: B
  // reaches neither A nor the hub.
  for (const [r, unreachable, peers] of [[A, 1, 1], [B, 2, 0]]) {
    await waitUntil(async () => (await syncState(r.page)).unreachable === unreachable, { timeout: 45_000, message: `${r.name} reports ${unreachable} unreachable peer(s)` })
    const s = await syncState(r.page)
    assert.equal(s.peers, peers, `${r.name} has ${peers} WebRTC peer(s)`)
    assert.match(await r.page.getByTestId('sync-status').textContent(), /can.t reach/i)
  }
  const { hub: aHub } = await routesOf(A)
  assert.equal(aHub.length, 1, 'A is connected to its own hub')
  assert.equal(aHub[0].local.address, aHub[0].remote.address, `A and its hub on one machine: ${pairOf(aHub[0])}`)
  assert.equal(await onlineCount(B.page), 1, 'B counts only itself online')
})

test('8. the public host saw no plaintext of the plan or the comments, nor the room secret', async () => {
  const { bytes, has } = await bed.captured()
  figures.captureBytes = bytes
  // The capture holds the relay's traffic: its JSON messages name the room.
  assert.ok(has(`roundtable-${planId}`), 'the capture holds the signaling traffic')
  for (const s of [PLAN_TITLE, 'outgrown one primary', 'migrate the next tenant range', 'one region at a time', 'Cross-tenant reports', 'Bob asks about task',
    'while the hub is down', 'with the relay down', 'while Bob was away', 'symmetric NAT', ...secrets]) {
    assert.ok(!has(s), `plaintext at the public host: ${s}`)
  }
})
