// The network test bed: reviewers on two home networks, each behind
// its own NAT router, review a plan together over WebRTC, through a public
// host that runs only `roundtable signal --web` and coturn. Topology and
// addresses: netns.sh. Everything runs inside namespaces this test creates;
// nothing reaches a real network.
//
// The steps (tests/README.md lists them with their figures): share link from the public site, 2 online, 20
// comments timed from B's action to A's display over a route that is not
// host-to-host, the agent's get_feedback, the hub stopped and started again,
// the relay stopped, symmetric NAT on both sides (TURN), a negative control
// without STUN/TURN, and a capture at the public host without plaintext.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { useHarness, Hub, Child, hubBinary, sleep } from '../../interop/hub_harness.mjs'
import { startAgent } from '../../interop/mcp_agent.mjs'
import { launch, newReviewer, answerIdentity, waitEditor, onlineCount, waitUntil, waitText, screenshot, commentOn, webDist, chromiumPath } from '../browser.mjs'

const here = import.meta.dirname
const NETNS = path.join(here, 'netns.sh')
const P = `rtbed${process.pid.toString(36)}`
const ns = n => `${P}-${n}`
const inNs = n => ['ip', 'netns', 'exec', ns(n)]
/** A process inside namespace `n` (ip netns exec execs it: its pid is the process's). */
const spawnIn = (n, args, label) => new Child('ip', [...inNs(n).slice(1), ...args], {}, label)

const PUBLIC_IP = '203.0.113.10'
const RELAY_PORT = 4444
const TURN_PORT = 3478
const HUB_PORT = 4141
const PUBLIC_URL = `http://${PUBLIC_IP}:${RELAY_PORT}`
const STUN = `stun:${PUBLIC_IP}:${TURN_PORT}`
const TURN = `turn:${PUBLIC_IP}:${TURN_PORT}?transport=udp`
const COMMENTS = 20

const h = useHarness()
const tmp = h.tmpDir('roundtable-netbed-')
const turnSecret = crypto.randomBytes(24).toString('hex')
const secretFile = path.join(tmp, 'turn-secret')
const capture = path.join(tmp, 'public.pcap')
const figures = {}

let hub, relay, coturn, tcpdump, agent, browserA, browserB, A, B, planId, planUrl, shareUrl
const secrets = []

const netns = (...args) => execFileSync('bash', [NETNS, ...args], { stdio: ['ignore', 'inherit', 'inherit'] })

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

/** Chromium started inside namespace `n`, by a wrapper that playwright runs. */
const chromiumIn = async n => {
  const wrapper = path.join(tmp, `chromium-${n}`)
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns(n)} ${chromiumPath} "$@"\n`, { mode: 0o755 })
  // The public site is plain http here; a deployment serves it over https
  // (docs/p2p.md), which the secure-origin flag stands for.
  return launch(h, { executablePath: wrapper, reachable: [PUBLIC_IP], secureOrigins: [PUBLIC_URL] })
}

/** The relay and web app on the public host; `ice` decides what /config.json offers. */
const startRelay = async ({ ice = true } = {}) => {
  const flags = ['signal', '--host', PUBLIC_IP, '--port', String(RELAY_PORT), '--web', '--web-dir', webDist, '--public-url', PUBLIC_URL]
  if (ice) flags.push('--stun', STUN, '--turn', TURN, '--turn-secret-file', secretFile)
  relay = spawnIn('pub', [hubBinary, ...flags], 'relay')
  await relay.waitOutput(/listening on/)
}

/** The author's hub, configured the way a user does it: DATA/config.json. */
const writeHubConfig = ({ ice = true } = {}) => {
  const config = { publicUrl: PUBLIC_URL }
  if (ice) {
    config.iceServers = [{ urls: STUN }]
    config.turn = { urls: [TURN], secretFile, ttlSeconds: 3600 }
  }
  fs.writeFileSync(path.join(hub.dataDir, 'config.json'), JSON.stringify(config, null, 2))
}

const syncState = async page => {
  const el = page.getByTestId('sync-status')
  return {
    hub: await el.getAttribute('data-hub'),
    peers: Number(await el.getAttribute('data-peers')),
    unreachable: Number((await el.getAttribute('data-peers-unreachable')) ?? 0),
    route: await el.getAttribute('data-p2p-route'),
  }
}

const peersOf = async (r, n, timeout = 30_000) =>
  waitUntil(async () => (await syncState(r.page)).peers === n, { timeout, message: `${r.name} to have ${n} WebRTC peer(s)` })

/** The selected ICE candidate pair of each of the page's peer connections. */
const iceRoutes = page => page.evaluate(() => window.__roundtable.iceRoutes())

/**
 * Resolves, in `page`'s clock (every namespace shares the machine's clock),
 * with Date.now() at the moment `text` shows in the comments panel.
 */
const shownAt = (page, text, timeout = 10_000) => page.evaluate(({ text, timeout }) => new Promise((resolve, reject) => {
  const panel = () => document.querySelector('[data-testid="comments-panel"]')
  const check = () => {
    if (panel()?.textContent.includes(text)) {
      observer.disconnect()
      clearTimeout(timer)
      resolve(Date.now())
    }
  }
  const observer = new MutationObserver(check)
  observer.observe(document.body, { subtree: true, childList: true, characterData: true })
  const timer = setTimeout(() => { observer.disconnect(); reject(new Error(`"${text}" not shown within ${timeout} ms`)) }, timeout)
  check()
}), { text, timeout })

/** `from` comments on `quote`; resolves with the ms until `to` shows it. */
const timedComment = async (from, to, quote, body) => {
  const submit = await commentOn(from.page, quote, body).catch(async e => {
    await screenshot(from.page, `netbed-failed-comment-${from.name}.png`)
    throw e
  })
  const seen = shownAt(to.page, body)
  const t0 = Date.now()
  await submit()
  const at = await seen.catch(async e => {
    console.log(`# not shown: ${JSON.stringify({ from: from.name, [from.name]: await syncState(from.page), [to.name]: await syncState(to.page) })}`)
    await screenshot(to.page, `netbed-missing-comment-${to.name}.png`)
    await screenshot(from.page, `netbed-missing-comment-from-${from.name}.png`)
    throw e
  })
  return at - t0
}

const stats = samples => {
  const sorted = [...samples].sort((a, b) => a - b)
  return { n: sorted.length, median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] }
}

const feedback = async () => (await agent.tool('get_feedback', { planId })).structuredContent

before(async () => {
  assert.equal(process.getuid?.(), 0, 'the network bed creates network namespaces: run it as root (CI does)')
  for (const tool of ['ip', 'iptables', 'turnserver', 'tcpdump']) {
    assert.equal(spawnSync('sh', ['-c', `command -v ${tool}`]).status, 0, `${tool} is missing: run scripts/setup.sh`)
  }
  netns('sweep')
  netns('up', P)
  h.defer(() => netns('down', P))
  fs.writeFileSync(secretFile, `${turnSecret}\n`, { mode: 0o600 })

  // Everything the public host sends or receives, for step 8.
  tcpdump = spawnIn('pub', ['tcpdump', '-i', 'eth0', '-U', '-s', '0', '-w', capture], 'tcpdump')
  await tcpdump.waitOutput(/listening on eth0/)
  h.defer(() => tcpdump.kill('SIGTERM'))

  // coturn with the TURN REST API's shared secret, as docs/p2p.md runs it.
  coturn = spawnIn('pub', ['turnserver', '-n', `--listening-ip=${PUBLIC_IP}`, `--relay-ip=${PUBLIC_IP}`,
    `--listening-port=${TURN_PORT}`, '--min-port=49152', '--max-port=49999', '--use-auth-secret', `--static-auth-secret=${turnSecret}`,
    '--realm=roundtable.test', '--no-tls', '--no-dtls', '--no-cli', '--fingerprint', '--log-file=stdout', '--simple-log',
    `--pidfile=${path.join(tmp, 'turnserver.pid')}`, `--userdb=${path.join(tmp, 'turndb')}`, '--no-software-attribute'], 'coturn')
  await coturn.waitOutput(/relay 203\.0\.113\.10 initialization done/)
  h.defer(() => coturn.kill('SIGKILL'))

  await startRelay()
  h.defer(() => relay.kill('SIGKILL'))

  hub = new Hub({ host: '127.0.0.1', port: HUB_PORT, prefix: inNs('ha'), dataDir: h.tmpDir(), flags: ['--web-dir', webDist] })
  h.hubs.push(hub)
  writeHubConfig()
  await hub.start()

  // The agent, on the author's machine: the SDK client on `roundtable mcp`.
  agent = await startAgent({
    command: 'ip',
    args: [...inNs('ha').slice(1), hubBinary, 'mcp', '--port', String(HUB_PORT), '--data', hub.dataDir, '--no-open'],
  })
  h.defer(() => agent.close())

  browserA = await chromiumIn('ha')
  browserB = await chromiumIn('hb')
  A = await newReviewer(browserA, { name: 'Alice' })
  B = await newReviewer(browserB, { name: 'Bob' })
})

after(() => {
  if (Object.keys(figures).length) console.log(`# netbed figures ${JSON.stringify(figures)}`)
})

test('1. A opens the plan the agent created; B opens the share link on the public site; both show 2 online', async () => {
  const created = await agent.tool('create_plan', { title: PLAN_TITLE, content: PLAN_MD, repo: 'acme/ledger' })
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
  await waitEditor(B.page, 30_000) // B's only source of the plan is A, over WebRTC
  await waitText(B.page.getByTestId('plan-title'), PLAN_TITLE, 30_000)
  for (const r of [A, B]) {
    await waitUntil(async () => (await onlineCount(r.page)) === 2, { timeout: 30_000, message: `${r.name} shows 2 online` })
    await peersOf(r, 1)
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
  const routes = { A: await iceRoutes(A.page), B: await iceRoutes(B.page) }
  figures.coneNat = { ...stats(samples), routes }
  console.log(`# cone NAT: B -> A comment latency ${JSON.stringify(stats(samples))} ms; A's route ${JSON.stringify(routes.A)}`)
  assert.ok(stats(samples).max < 1000, `slowest comment took ${stats(samples).max} ms`)
  for (const side of ['A', 'B']) {
    assert.equal(routes[side].length, 1, `${side} has one peer connection`)
    const { local, remote } = routes[side][0]
    assert.ok(!(local.type === 'host' && remote.type === 'host'), `${side}'s pair is ${local.type} -> ${remote.type}`)
  }
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
  assert.equal((await hub.kill('SIGTERM')).code, 0)
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
  await hub.start()
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
  await relay.kill('SIGTERM')
  const fromB = await timedComment(B, A, TASKS[COMMENTS + 2], 'Bob, with the relay down')
  const fromA = await timedComment(A, B, TASKS[COMMENTS + 3], 'Alice, with the relay down')
  figures.relayDown = { fromB, fromA }
  assert.ok(fromB < 1000 && fromA < 1000, `relay down: B->A ${fromB} ms, A->B ${fromA} ms`)
  await startRelay()
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
  netns('nat', P, 'symmetric')
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
    await peersOf(r, 1, 60_000).catch(async e => {
      for (const x of [A, B]) console.log(`# TURN, ${x.name}: ${JSON.stringify(await x.page.evaluate(() => window.__roundtable.peerStates()))}`)
      for (const x of [A, B]) console.log(`# ICE stats, ${x.name}: ${JSON.stringify(await x.page.evaluate(() => window.__roundtable.iceStats()))}`)
      throw e
    })
  }
  figures.turnConnectMs = Date.now() - t0
  const routes = { A: await iceRoutes(A.page), B: await iceRoutes(B.page) }
  for (const side of ['A', 'B']) {
    const { local, remote } = routes[side][0]
    assert.ok(local.type === 'relay' || remote.type === 'relay', `${side}'s pair goes through TURN: ${local.type} -> ${remote.type}`)
  }
  assert.equal((await syncState(A.page)).route, 'relayed')
  const samples = []
  for (let i = 0; i < COMMENTS; i++) samples.push(await timedComment(B, A, WAVES[i], `Bob again (symmetric NAT) ${i + 1}`))
  figures.symmetricNat = { ...stats(samples), routes }
  console.log(`# symmetric NAT: B -> A comment latency ${JSON.stringify(stats(samples))} ms; A's route ${JSON.stringify(routes.A)}`)
  assert.ok(stats(samples).max < 1000, `slowest comment took ${stats(samples).max} ms`)
})

test('7. negative control: with no STUN or TURN the peers do not connect, and the page says so', async () => {
  await relay.kill('SIGTERM')
  await startRelay({ ice: false })
  await hub.kill('SIGTERM')
  writeHubConfig({ ice: false })
  await hub.start()
  for (const r of [A, B]) await r.page.reload()
  await waitEditor(A.page, 30_000)
  // Both find each other through the relay, and then cannot connect.
  for (const r of [A, B]) {
    await waitUntil(async () => (await syncState(r.page)).unreachable === 1, { timeout: 45_000, message: `${r.name} reports 1 unreachable peer` })
    const s = await syncState(r.page)
    assert.equal(s.peers, 0, `${r.name} has no WebRTC peer`)
    assert.match(await r.page.getByTestId('sync-status').textContent(), /can.t reach/i)
  }
  assert.equal(await onlineCount(B.page), 1, 'B counts only itself online')
})

test('8. the public host saw no plaintext of the plan or the comments, nor the room secret', async () => {
  await tcpdump.kill('SIGTERM')
  const bytes = fs.readFileSync(capture)
  figures.captureBytes = bytes.length
  const has = s => bytes.includes(Buffer.from(s))
  // The capture holds the relay's traffic: its JSON messages name the room.
  assert.ok(has(`roundtable-${planId}`), 'the capture holds the signaling traffic')
  for (const s of [PLAN_TITLE, 'outgrown one primary', 'migrate the next tenant range', 'one region at a time', 'Cross-tenant reports', 'Bob asks about task',
    'while the hub is down', 'with the relay down', 'while Bob was away', 'symmetric NAT', ...secrets]) {
    assert.ok(!has(s), `plaintext at the public host: ${s}`)
  }
})
