// The network test bed (issue 7): reviewers on two home networks, each behind
// its own NAT router, review a plan together over WebRTC, through a public
// host that runs only `roundtable signal --web` and coturn. Topology and
// addresses: netns.sh. Everything runs inside namespaces this test creates;
// nothing reaches a real network.
//
// The steps follow the issue: share link from the public site, 2 online, 20
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
import { launch, newReviewer, answerIdentity, waitEditor, onlineCount, waitUntil, screenshot, commentOn, webDist, chromiumPath } from '../browser.mjs'

const here = import.meta.dirname
const NETNS = path.join(here, 'netns.sh')
const P = `rtbed${process.pid.toString(36)}`
const ns = n => `${P}-${n}`
const inNs = n => ['ip', 'netns', 'exec', ns(n)]

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

let hub, relay, coturn, tcpdump, agent, browserA, browserB, A, B, planId, shareUrl

const netns = (...args) => execFileSync('bash', [NETNS, ...args], { stdio: ['ignore', 'inherit', 'inherit'] })

const PLAN_TITLE = 'Shard the ledger by tenant'
const TASKS = Array.from({ length: COMMENTS + 4 }, (_, i) => `ledger task ${String(i + 1).padStart(2, '0')}`)
const PLAN_MD = `# ${PLAN_TITLE}

The ledger table has outgrown one primary; we split it by tenant with a routing layer in front.

## Steps

${TASKS.map(t => `- ${t}: migrate the next tenant range`).join('\n')}

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
  relay = new Child(inNs('pub')[0], [...inNs('pub').slice(1), hubBinary, ...flags], {}, 'relay')
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
  return (await seen) - t0
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
  tcpdump = new Child(inNs('pub')[0], [...inNs('pub').slice(1), 'tcpdump', '-i', 'eth0', '-U', '-s', '0', '-w', capture], {}, 'tcpdump')
  await tcpdump.waitOutput(/listening on eth0/)
  h.defer(() => tcpdump.kill('SIGTERM'))

  // coturn with the TURN REST API's shared secret, as docs/p2p.md runs it.
  coturn = new Child(inNs('pub')[0], [...inNs('pub').slice(1), 'turnserver', '-n', `--listening-ip=${PUBLIC_IP}`, `--relay-ip=${PUBLIC_IP}`,
    `--listening-port=${TURN_PORT}`, '--min-port=49152', '--max-port=49999', '--use-auth-secret', `--static-auth-secret=${turnSecret}`,
    '--realm=roundtable.test', '--no-tls', '--no-dtls', '--no-cli', '--fingerprint', '--log-file=stdout', '--simple-log',
    `--pidfile=${path.join(tmp, 'turnserver.pid')}`, `--userdb=${path.join(tmp, 'turndb')}`, '--no-software-attribute'], {}, 'coturn')
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
  planId = created.structuredContent.planId
  await A.page.goto(created.structuredContent.url)
  await answerIdentity(A, 1)
  await waitEditor(A.page)

  await A.page.getByTestId('share').click()
  shareUrl = await A.page.evaluate(() => navigator.clipboard.readText())
  assert.ok(shareUrl.startsWith(`${PUBLIC_URL}/plan/${planId}#k=`), `the share link points at the public site: ${shareUrl}`)

  await B.page.goto(shareUrl)
  await answerIdentity(B, 3)
  await waitEditor(B.page, 30_000) // B's only source of the plan is A, over WebRTC
  assert.equal(await B.page.getByTestId('plan-title').textContent(), PLAN_TITLE)
  for (const r of [A, B]) {
    await waitUntil(async () => (await onlineCount(r.page)) === 2, { timeout: 30_000, message: `${r.name} shows 2 online` })
    await peersOf(r, 1)
  }
  await screenshot(B.page, 'netbed-remote-reviewer.png')
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
  const fb = await waitUntil(async () => {
    const f = await feedback().catch(() => null)
    return f && f.threads.length === COMMENTS + 2 && f.status === 'changes_requested' ? f : null
  }, { timeout: 30_000, interval: 200, message: 'the restarted hub to have what happened while it was down' })
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

test('6. symmetric NAT on both sides: the peers connect through TURN, and comments still arrive within 1 s', async () => {
  netns('nat', P, 'symmetric')
  // New peer connections (old NAT mappings do not carry over to new sockets).
  for (const r of [A, B]) await r.page.reload()
  for (const r of [A, B]) {
    await waitEditor(r.page, 30_000)
    await peersOf(r, 1, 45_000)
  }
  const routes = { A: await iceRoutes(A.page), B: await iceRoutes(B.page) }
  for (const side of ['A', 'B']) {
    const { local, remote } = routes[side][0]
    assert.ok(local.type === 'relay' || remote.type === 'relay', `${side}'s pair goes through TURN: ${local.type} -> ${remote.type}`)
  }
  assert.equal((await syncState(A.page)).route, 'relayed')
  const samples = []
  for (let i = 0; i < COMMENTS; i++) samples.push(await timedComment(B, A, TASKS[i], `Bob again (symmetric NAT) ${i + 1}`))
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
  const secret = new URL(shareUrl).hash.slice(3)
  for (const s of [PLAN_TITLE, 'outgrown one primary', 'migrate the next tenant range', 'Cross-tenant reports', 'Bob asks about task',
    'while the hub is down', 'with the relay down', 'symmetric NAT', secret]) {
    assert.ok(!has(s), `plaintext at the public host: ${s}`)
  }
})
