// Remote review, the web side (docs/p2p.md): a remote reviewer on the public review site.
//
// On loopback: a hub (the author's machine) and, apart from it, what a team
// deploys publicly, `roundtable signal --web` (signaling relay, the web app and
// its /config.json with "documents": false, no /yjs). The agent creates a plan
// of about 2 MB (far above a data channel's 256 KiB message limit); the author
// A opens it on the hub; B opens A's share link on the review site, where the
// plan's only source is A's browser over WebRTC. B must show all of it,
// comment and request changes, and A (and through A's hub, the agent) must
// see both. Also: the review site's home and unknown plans, and the chunking
// layer's limits and back-pressure tested in the page.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { useHarness, Y, WebsocketProvider, WebSocket, waitSynced } from '../interop/hub_harness.mjs'
import { mcpSession } from '../interop/mcp_harness.mjs'
import { bigPlan, BIG_PLAN_LAST } from './big_plan.mjs'
import { launch, newReviewer, answerIdentity, waitEditor, waitUntil, hubFlags, startReviewSite, screenshot, commentOn } from './browser.mjs'

const h = useHarness()
let hub, site, mcp, browser, A, B, planId, shareUrl, blockCount

const LAST = BIG_PLAN_LAST

before(async () => {
  // The public review site: relay + web app, no documents.
  site = await startReviewSite(h)
  // The author's hub: share links point to the review site, signaling goes through it.
  // Its own WebRTC peer is off: here the plan's only source is A's browser
  // (the hub as a peer: netbed/hub_only.test.mjs, interop/hub_peer.test.mjs).
  hub = await h.startHub({ flags: hubFlags(['--signaling', site.ws, '--public-url', site.http, '--no-p2p']) })
  mcp = await mcpSession(hub)
  browser = await launch(h)
  A = await newReviewer(browser, { name: 'Alice' })
  B = await newReviewer(browser, { name: 'Bob' })
})

test('the review site says it keeps no documents; its home explains share links; no /yjs connection', async () => {
  const cfg = await (await fetch(`${site.http}/config.json`)).json()
  assert.equal(cfg.documents, false)
  const r = await newReviewer(browser, { name: 'Visitor' })
  await r.page.goto(site.http + '/')
  const home = r.page.getByTestId('review-site-home')
  await home.waitFor()
  assert.match(await home.textContent(), /doesn't keep plans.*share link/s)
  // An unknown plan is never "not found" here: it waits for a peer that has it.
  await r.page.goto(`${site.http}/plan/no-such-plan#k=${'x'.repeat(24)}`)
  await answerIdentity(r)
  const waiting = r.page.getByTestId('plan-waiting-peers')
  await waiting.waitFor()
  assert.match(await waiting.textContent(), /Waiting for the author’s hub or a reviewer who has this plan/)
  assert.equal(await waiting.getAttribute('data-phase'), 'no-peers')
  const status = r.page.getByTestId('sync-status')
  assert.equal(await status.getAttribute('data-mode'), 'p2p')
  assert.equal(await status.getAttribute('data-hub'), 'none')
  assert.match(await status.textContent(), /^Peer-to-peer\s*· no peers$/)
  await screenshot(r.page, 'p2p-waiting-desktop-light.png')
  await new Promise(resolve => setTimeout(resolve, 1500))
  assert.equal(await r.page.getByTestId('plan-missing').count(), 0)
  const sockets = await r.page.evaluate(() => window.__sockets())
  assert.equal(sockets.created.yjs, 0, `no y-websocket connection attempts: ${JSON.stringify(sockets)}`)
  assert.deepEqual(r.errors.filter(e => /Uncaught|\/yjs/.test(e)), [])
  await r.context.close()
})

test('a 2 MB plan: A opens it on the hub, B gets all of it over WebRTC alone on the review site', async () => {
  const md = bigPlan()
  assert.ok(md.length > 950_000 && md.length < 1024 * 1024, `markdown size ${md.length}`)
  const res = await mcp.tool('create_plan', { title: 'Re-shard the orders database', content: md })
  assert.ok(!res.isError, JSON.stringify(res.content))
  planId = res.structuredContent.planId

  // The document as the hub has it, read by a y-websocket client.
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(hub.wsBase, planId, doc, { WebSocketPolyfill: WebSocket, disableBc: true })
  await waitSynced(provider, 10_000)
  const bytes = Y.encodeStateAsUpdate(doc).byteLength
  provider.destroy()
  doc.destroy()
  console.log(`# plan document: ${(bytes / 1e6).toFixed(2)} MB as one Yjs update (markdown ${(md.length / 1e6).toFixed(2)} MB)`)
  assert.ok(bytes > 1_800_000, `the document is about 2 MB (${bytes} bytes)`)

  // The author opens the plan on the hub. (create_plan's url is built on
  // --public-url, which here is the review site; the author needs the hub.)
  await A.page.goto(`${hub.httpUrl}/plan/${planId}`)
  await answerIdentity(A, 5)
  await waitEditor(A.page, 60_000)
  const lastA = A.page.locator('.bn-editor .bn-block-content').last()
  await waitUntil(async () => (await lastA.textContent()) === LAST, { timeout: 60_000, message: 'A shows the last block' })
  blockCount = await A.page.locator('.bn-editor .bn-block-content').count()

  await A.page.getByTestId('share').click()
  shareUrl = await A.page.evaluate(() => navigator.clipboard.readText())
  assert.ok(shareUrl.startsWith(`${site.http}/plan/${planId}#k=`), `the share link points to the review site: ${shareUrl}`)

  const t0 = Date.now()
  await B.page.goto(shareUrl)
  await answerIdentity(B, 2)
  await waitEditor(B.page, 90_000)
  const lastB = B.page.locator('.bn-editor .bn-block-content').last()
  await waitUntil(async () => (await lastB.textContent()) === LAST, { timeout: 90_000, message: 'B shows the last block' })
  console.log(`# B (review site, WebRTC only) showed the whole 2 MB plan ${Date.now() - t0} ms after opening the link`)
  assert.equal(await B.page.locator('.bn-editor .bn-block-content').count(), blockCount, 'B has every block A has')
  assert.equal(await B.page.getByTestId('plan-title').textContent(), 'Re-shard the orders database')

  // B's status: peer-to-peer mode, one peer, a direct route (host candidates on loopback).
  const status = B.page.getByTestId('sync-status')
  await waitUntil(async () => (await status.getAttribute('data-p2p-route')) === 'direct', { timeout: 15_000, message: 'B: route direct' })
  assert.equal(await status.getAttribute('data-mode'), 'p2p')
  assert.equal(await status.getAttribute('data-hub'), 'none')
  assert.equal(await status.getAttribute('data-peers'), '1')
  assert.equal(await status.getAttribute('data-peers-unreachable'), '0')
  assert.match(await status.textContent(), /^Peer-to-peer\s*· 1 peer$/)
  assert.match(await status.getAttribute('title'), /peer 1: direct \(host/)
  const routes = await B.page.evaluate(() => window.__roundtable.iceRoutes())
  assert.equal(routes.length, 1, JSON.stringify(routes))
  assert.equal(routes[0].doc, planId)
  assert.equal(routes[0].local.type, 'host')
  assert.equal(routes[0].remote.type, 'host')
  assert.equal(routes[0].relayed, false)
  assert.ok(routes[0].local.address && routes[0].local.port > 0 && routes[0].remote.port > 0, JSON.stringify(routes[0]))
  assert.equal(routes[0].local.protocol, 'udp')
  // A, on the hub, sees the same peer the same way.
  const statusA = A.page.getByTestId('sync-status')
  await waitUntil(async () => (await statusA.getAttribute('data-p2p-route')) === 'direct', { timeout: 15_000, message: 'A: route direct' })
  assert.equal(await statusA.getAttribute('data-hub'), 'connected')
  assert.equal(await statusA.getAttribute('data-peers'), '1')

  const sockets = await B.page.evaluate(() => window.__sockets())
  assert.equal(sockets.created.yjs, 0, `B never tried a /yjs connection: ${JSON.stringify(sockets)}`)
  await screenshot(B.page, 'p2p-remote-desktop-light.png')
  await B.page.setViewportSize({ width: 390, height: 844 })
  await screenshot(B.page, 'p2p-remote-phone-light.png')
  await B.page.setViewportSize({ width: 1280, height: 860 })
})

test('B comments and requests changes over WebRTC; A shows both; the agent reads them through A\'s hub', async () => {
  const COMMENT = 'Which step takes the write lock?'
  const QUOTE = 'the orders database'
  const submit = await commentOn(B.page, QUOTE, COMMENT)
  const t0 = Date.now()
  await submit()
  await A.page.getByTestId('comments-panel').getByText(COMMENT).waitFor({ timeout: 10_000 })
  console.log(`# comment from B (review site) shown in A after ${Date.now() - t0} ms`)

  await B.page.getByTestId('request-changes').click()
  await B.page.getByRole('dialog', { name: 'Request changes?' }).waitFor()
  await B.page.getByTestId('confirm-review').click()
  await waitUntil(async () => (await A.page.getByTestId('status-badge').textContent()) === 'Changes requested', {
    message: 'A shows Changes requested',
  })
  const fb = await waitUntil(async () => {
    const r = await mcp.tool('get_feedback', { planId })
    return r.structuredContent.status === 'changes_requested' && r.structuredContent.threads.length === 1 ? r.structuredContent : null
  }, { message: 'the agent sees the review' })
  assert.equal(fb.reviewedBy, 'Bob')
  assert.equal(fb.threads[0].comments[0].author, 'Bob')
  assert.equal(fb.threads[0].comments[0].body, COMMENT)
  assert.equal(fb.threads[0].quote, QUOTE)
  for (const r of [A, B]) assert.deepEqual(r.errors.filter(e => /Uncaught|already exists|\/yjs/.test(e)), [])
})

test('the agent revises: B, with no hub, gets revision 2 over WebRTC with the history, and compares the two revisions', async () => {
  const LAST2 = 'Last block of the two-megabyte plan: ship it behind the flag for one tenant first.'
  const r = await mcp.tool('update_plan', { planId, content: bigPlan().replace(LAST, LAST2) })
  assert.ok(!r.isError, JSON.stringify(r.content))
  const t0 = Date.now()
  await waitUntil(async () => (await B.page.getByTestId('current-revision').textContent()) === 'Revision 2', {
    timeout: 60_000, message: 'B shows revision 2',
  })
  // The plan's editor (comment bodies are BlockNote editors too, and B has one).
  const lastB = B.page.locator('[data-testid="plan-editor"] .bn-block-content').last()
  await waitUntil(async () => (await lastB.textContent()) === LAST2, { timeout: 60_000, message: 'B shows the revised last block' })
  console.log(`# revision 2 of the 2 MB plan shown in B (WebRTC only) ${Date.now() - t0} ms after update_plan`)
  // The kept revision 1 reached B from its peer: it is listed and compared.
  const options = await B.page.getByTestId('open-revision').locator('option[data-testid="revision-option"]').allTextContents()
  assert.deepEqual(options.map(o => o.match(/^Revision \d+( \(current\))?/)[0]), ['Revision 1', 'Revision 2 (current)'])
  await B.page.getByTestId('compare').click()
  const view = B.page.getByTestId('compare-view')
  await B.page.locator('[data-testid="compare-view"][data-ready]').waitFor({ timeout: 60_000 })
  assert.match(await view.locator('h2').textContent(), /Revision 1 → 2/)
  const kind = k => view.locator(`[data-testid="diff-block"][data-kind="${k}"]`)
  assert.equal(await kind('changed').count(), 1)
  assert.equal(await kind('added').count(), 0)
  assert.equal(await kind('removed').count(), 0)
  assert.match((await kind('changed').locator('ins').allTextContents()).join(' '), /one tenant first/)
  // The changed block reads as revision 2 without the struck words, and as revision 1 without the inserted ones.
  const without = tag => kind('changed').evaluate((el, tag) => {
    const c = el.cloneNode(true)
    c.querySelectorAll(`${tag}, .diff-label`).forEach(d => d.remove())
    return c.textContent
  }, tag)
  assert.equal(await without('del'), LAST2)
  assert.equal(await without('ins'), LAST)
  const sockets = await B.page.evaluate(() => window.__sockets())
  assert.equal(sockets.created.yjs, 0, `B never tried a /yjs connection: ${JSON.stringify(sockets)}`)
  await B.page.keyboard.press('Escape')
})

test('a reviewer WebRTC cannot reach: every side says so (not "0 peers"), with the TURN hint; the others stay connected', async () => {
  // C's network lets no direct path through and there is no TURN server.
  const C = await newReviewer(browser, { name: 'Carol', unreachable: true })
  await C.page.goto(shareUrl)
  await answerIdentity(C, 3)
  const unreachable = page => page.getByTestId('sync-status').getAttribute('data-peers-unreachable').then(Number)
  // C finds A and B through signaling and reaches neither.
  await waitUntil(async () => (await unreachable(C.page)) === 2, { timeout: 30_000, message: 'C: 2 unreachable' })
  const statusC = C.page.getByTestId('sync-status')
  assert.equal(await statusC.getAttribute('data-peers'), '0')
  assert.equal(await statusC.getAttribute('data-p2p-route'), 'none')
  assert.match(await statusC.textContent(), /no peers\s*· can’t reach 2$/)
  assert.match(await statusC.getAttribute('title'), /2 peers found through signaling could not be reached directly.*TURN server/s)
  const waiting = C.page.getByTestId('plan-waiting-peers')
  assert.equal(await waiting.getAttribute('data-phase'), 'no-peers')
  assert.match(await C.page.getByTestId('waiting-unreachable').textContent(), /2 peers \(the author’s hub or reviewers’ browsers\) were found but could not be reached directly.*TURN/s)
  await screenshot(C.page, 'p2p-unreachable-desktop-light.png')
  // A and B: still connected to each other, and honest about C.
  for (const r of [A, B]) {
    await waitUntil(async () => (await unreachable(r.page)) === 1, { timeout: 30_000, message: `${r.name}: 1 unreachable` })
    const status = r.page.getByTestId('sync-status')
    assert.equal(await status.getAttribute('data-peers'), '1')
    assert.equal(await status.getAttribute('data-p2p-route'), 'direct')
    assert.match(await status.textContent(), /· 1 (P2P|peer)\s*· can’t reach 1$/)
    assert.match(await status.getAttribute('title'), /1 peer found through signaling could not be reached directly.*TURN server/s)
  }
  await screenshot(A.page, 'p2p-hub-unreachable-desktop-light.png')
  await C.context.close()
})

test('chunking limits: frames round-trip; oversized, out-of-order, overflowing and interrupted messages are dropped with bounded memory', async () => {
  const r = await newReviewer(browser, { name: 'Unit' })
  await r.page.goto(site.http + '/')
  await r.page.getByTestId('review-site-home').waitFor()
  const out = await r.page.evaluate(() => {
    const F = window.__roundtable.p2pFraming
    const res = {}
    const msg = n => { const m = new Uint8Array(n); for (let i = 0; i < n; i++) m[i] = (i * 31 + 7) & 255; return m }
    const eq = (a, b) => a && a.byteLength === b.byteLength && a.every((x, i) => x === b[i])
    const setU32 = (f, off, v) => new DataView(f.buffer, f.byteOffset).setUint32(off, v, true)
    // y-webrtc messages (sync 0, awareness 1, query awareness 3, bc peer id 4) are never frames.
    res.notFrames = [0, 1, 3, 4].every(t => !F.isFrame(new Uint8Array(64).fill(t, 0, 1)))
    // Round trip of a 1 MB message in 64 KiB frames.
    const big = msg(1_000_003)
    const frames = F.encodeFrames(big, 1)
    res.frameCount = frames.length
    res.maxFrame = Math.max(...frames.map(f => f.byteLength))
    let ra = new F.Reassembler()
    let got = null
    for (const f of frames) got = ra.push(f) ?? got
    res.roundTrip = eq(got, big) && ra.pendingBytes === 0
    // A declared length above the limit: refused before anything is kept.
    ra = new F.Reassembler()
    const huge = F.encodeFrame(msg(100), 2, 0)
    setU32(huge, 16, F.MAX_MESSAGE_BYTES + 1)
    setU32(huge, 12, 2)
    res.tooLarge = ra.push(huge) === null && ra.dropped['too-large'] === 1 && ra.pendingBytes === 0
    // A claim of 64 MiB with one small frame allocates about 1 MiB, not 64.
    const claim = F.encodeFrame(msg(1000), 3, 0)
    setU32(claim, 16, F.MAX_MESSAGE_BYTES)
    setU32(claim, 12, 1024)
    ra.push(claim)
    res.claimPending = ra.pendingBytes
    res.claimAll = F.pendingBytesAll()
    // Closing the connection drops the partial message.
    ra.reset()
    res.afterReset = [ra.pendingBytes, F.pendingBytesAll()]
    // Out of order (frame 2 after 0), and a stray middle frame.
    ra = new F.Reassembler()
    ra.push(frames[0])
    res.outOfOrder = ra.push(frames[2]) === null && ra.dropped['out-of-order'] === 1 && ra.pendingBytes === 0
    res.stray = ra.push(frames[1]) === null && ra.dropped['out-of-order'] === 2
    // A new message before the last one ended: the old one is dropped, the new one arrives.
    ra = new F.Reassembler()
    ra.push(frames[0])
    const second = msg(200_000)
    let got2 = null
    for (const f of F.encodeFrames(second, 9)) got2 = ra.push(f) ?? got2
    res.interrupted = eq(got2, second) && ra.dropped.interrupted === 1
    // More bytes than declared.
    ra = new F.Reassembler()
    const small = F.encodeFrames(msg(150_000), 4)
    setU32(small[0], 16, 70_000)
    setU32(small[1], 16, 70_000)
    setU32(small[2], 16, 70_000)
    res.overflow = small.map(f => ra.push(f)).every(x => x === null) && ra.dropped.overflow === 1 && ra.pendingBytes === 0
    // Malformed headers: count above total, index past count, empty body.
    ra = new F.Reassembler()
    const bad1 = F.encodeFrame(msg(10), 5, 0, 4); setU32(bad1, 12, 11)
    const bad2 = F.encodeFrame(msg(10), 5, 0, 4); setU32(bad2, 8, 3)
    const bad3 = F.encodeFrame(msg(10), 5, 0, 4).slice(0, F.FRAME_HEADER_BYTES)
    res.malformed = [bad1, bad2, bad3].map(f => ra.push(f)).every(x => x === null) && ra.dropped.malformed === 3
    // The page-wide budget: two peers' partial messages cannot exceed it together.
    const limits = { maxPendingBytes: 3 * 1024 * 1024 }
    const p1 = new F.Reassembler(limits)
    const p2 = new F.Reassembler(limits)
    const m4 = F.encodeFrames(msg(4 * 1024 * 1024), 6)
    for (const f of m4.slice(0, 20)) p1.push(f) // about 1.25 MB received: 2 MiB held
    for (const f of m4.slice(0, 20)) p2.push(f) // would need 2 MiB more: dropped
    res.budget = [p1.pendingBytes, p2.pendingBytes, p2.dropped.budget ?? 0]
    p1.reset()
    res.budgetAfter = F.pendingBytesAll()
    return res
  })
  assert.equal(out.notFrames, true)
  assert.equal(out.frameCount, 16)
  assert.ok(out.maxFrame <= 64 * 1024, `frames are at most 64 KiB: ${out.maxFrame}`)
  assert.equal(out.roundTrip, true)
  assert.equal(out.tooLarge, true)
  assert.equal(out.claimPending, 1024 * 1024, 'a 64 MiB claim holds 1 MiB after one frame')
  assert.equal(out.claimAll, 1024 * 1024)
  assert.deepEqual(out.afterReset, [0, 0])
  assert.equal(out.outOfOrder, true)
  assert.equal(out.stray, true)
  assert.equal(out.interrupted, true)
  assert.equal(out.overflow, true)
  assert.equal(out.malformed, true)
  assert.deepEqual(out.budget, [2 * 1024 * 1024, 0, 1])
  assert.equal(out.budgetAfter, 0)
  await r.context.close()
})

test('chunked peer: a 24 MB message and the small ones after it arrive whole and in order, without passing 16 MiB of channel buffer', async () => {
  const r = await newReviewer(browser, { name: 'Pipe' })
  await r.page.goto(site.http + '/')
  await r.page.getByTestId('review-site-home').waitFor()
  const out = await r.page.evaluate(async () => {
    const Peer = window.__roundtable.P2pPeer
    const a = new Peer({ initiator: true, config: { iceServers: [] } })
    const b = new Peer({ config: { iceServers: [] } })
    a.on('signal', s => b.signal(s))
    b.on('signal', s => a.signal(s))
    await Promise.all([new Promise(res => a.on('connect', res)), new Promise(res => b.on('connect', res))])
    const N = 24 * 1024 * 1024
    const big = new Uint8Array(N)
    for (let i = 0; i < N; i += 4096) big[i] = (i / 4096) & 255
    big[N - 1] = 42
    const received = []
    const done = new Promise(res => b.on('data', d => { received.push(d); if (received.length === 3) res() }))
    let maxBuffered = 0
    const probe = setInterval(() => { maxBuffered = Math.max(maxBuffered, a._channel?.bufferedAmount ?? 0) }, 5)
    const t0 = performance.now()
    a.send(big)
    a.send(new Uint8Array([0, 1, 2]))
    a.send(new Uint8Array([1, 9]))
    await done
    clearInterval(probe)
    const ms = performance.now() - t0
    const first = received[0]
    let intact = first.byteLength === N && first[N - 1] === 42
    for (let i = 0; intact && i < N; i += 4096) intact = first[i] === ((i / 4096) & 255)
    const res = {
      ms,
      intact,
      order: received.map(d => d.byteLength),
      tail: [Array.from(received[1]), Array.from(received[2])],
      maxBuffered,
      open: a._channel?.readyState,
    }
    a.destroy()
    b.destroy()
    return res
  })
  console.log(`# 24 MB through the chunked peer in ${Math.round(out.ms)} ms; largest channel buffer seen ${(out.maxBuffered / 1048576).toFixed(1)} MiB`)
  assert.equal(out.intact, true)
  assert.deepEqual(out.order, [24 * 1024 * 1024, 3, 2])
  assert.deepEqual(out.tail, [[0, 1, 2], [1, 9]])
  assert.ok(out.maxBuffered < 16 * 1024 * 1024, `buffer stayed below Chromium's 16 MiB: ${out.maxBuffered}`)
  assert.equal(out.open, 'open')
  await r.context.close()
})
