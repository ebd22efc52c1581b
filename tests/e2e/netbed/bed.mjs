// What the network test bed's files share: the namespaces of netns.sh, the
// public host (tcpdump, coturn, `roundtable signal --web`), the author's hub
// and agent in namespace `ha`, Chromium started inside a namespace, and the
// readings a test takes in the pages (sync state, ICE routes, when a comment
// shows). netbed.test.mjs and hub_only.test.mjs each make one bed:
//
//   const bed = useBed()               // registers the harness's cleanup
//   before(() => bed.up())             // namespaces, capture, coturn, relay, hub, agent
//   const browser = await bed.chromiumIn('hb')
//
// Everything runs inside namespaces the bed creates; nothing reaches a real
// network.
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { useHarness, Hub, Child, hubBinary } from '../../interop/hub_harness.mjs'
import { startAgent } from '../../interop/mcp_agent.mjs'
import { launch, commentOn, screenshot, waitUntil, webDist, chromiumPath } from '../browser.mjs'

const here = import.meta.dirname
const NETNS = path.join(here, 'netns.sh')

export const PUBLIC_IP = '203.0.113.10'
export const RELAY_PORT = 4444
export const TURN_PORT = 3478
export const HUB_PORT = 4141
export const PUBLIC_URL = `http://${PUBLIC_IP}:${RELAY_PORT}`
export const STUN = `stun:${PUBLIC_IP}:${TURN_PORT}`
export const TURN = `turn:${PUBLIC_IP}:${TURN_PORT}?transport=udp`

/** One test bed per test file; `up()` builds it, the harness's `after` takes it down. */
export const useBed = () => {
  const h = useHarness()
  const tmp = h.tmpDir('roundtable-netbed-')
  const P = `rtbed${process.pid.toString(36)}`
  const ns = n => `${P}-${n}`
  const inNs = n => ['ip', 'netns', 'exec', ns(n)]
  /** A process inside namespace `n` (ip netns exec execs it: its pid is the process's). */
  const spawnIn = (n, args, label) => new Child('ip', [...inNs(n).slice(1), ...args], {}, label)
  const netns = (...args) => execFileSync('bash', [NETNS, ...args], { stdio: ['ignore', 'inherit', 'inherit'] })
  const turnSecret = crypto.randomBytes(24).toString('hex')
  const secretFile = path.join(tmp, 'turn-secret')

  const bed = {
    h, tmp, P, ns, inNs, spawnIn, secretFile,
    capture: path.join(tmp, 'public.pcap'),
    hub: null, relay: null, coturn: null, tcpdump: null, agent: null,
    /** Switches both routers' NAT: 'cone' or 'symmetric'. */
    nat: mode => netns('nat', P, mode),

    /** The relay and web app on the public host; `ice` decides what /config.json offers. */
    async startRelay ({ ice = true } = {}) {
      const flags = ['signal', '--host', PUBLIC_IP, '--port', String(RELAY_PORT), '--web', '--web-dir', webDist, '--public-url', PUBLIC_URL]
      if (ice) flags.push('--stun', STUN, '--turn', TURN, '--turn-secret-file', secretFile)
      bed.relay = spawnIn('pub', [hubBinary, ...flags], 'relay')
      await bed.relay.waitOutput(/listening on/)
    },

    /** The author's hub configuration, the way a user writes it: DATA/config.json. */
    writeHubConfig ({ ice = true } = {}) {
      const config = { publicUrl: PUBLIC_URL }
      if (ice) {
        config.iceServers = [{ urls: STUN }]
        config.turn = { urls: [TURN], secretFile, ttlSeconds: 3600 }
      }
      fs.writeFileSync(path.join(bed.hub.dataDir, 'config.json'), JSON.stringify(config, null, 2))
    },

    /** Builds the bed: namespaces, the capture at the public host, coturn, the relay, the hub and the agent. */
    async up ({ hubFlags = [] } = {}) {
      assert.equal(process.getuid?.(), 0, 'the network bed creates network namespaces: run it as root (CI does)')
      for (const tool of ['ip', 'iptables', 'turnserver', 'tcpdump']) {
        assert.equal(spawnSync('sh', ['-c', `command -v ${tool}`]).status, 0, `${tool} is missing: run scripts/setup.sh`)
      }
      netns('sweep')
      netns('up', P)
      h.defer(() => netns('down', P))
      fs.writeFileSync(secretFile, `${turnSecret}\n`, { mode: 0o600 })

      // Everything the public host sends or receives, for the plaintext check.
      bed.tcpdump = spawnIn('pub', ['tcpdump', '-i', 'eth0', '-U', '-s', '0', '-w', bed.capture], 'tcpdump')
      await bed.tcpdump.waitOutput(/listening on eth0/)
      h.defer(() => bed.tcpdump.kill('SIGTERM'))

      // coturn with the TURN REST API's shared secret, as docs/p2p.md runs it.
      bed.coturn = spawnIn('pub', ['turnserver', '-n', `--listening-ip=${PUBLIC_IP}`, `--relay-ip=${PUBLIC_IP}`,
        `--listening-port=${TURN_PORT}`, '--min-port=49152', '--max-port=49999', '--use-auth-secret', `--static-auth-secret=${turnSecret}`,
        '--realm=roundtable.test', '--no-tls', '--no-dtls', '--no-cli', '--fingerprint', '--log-file=stdout', '--simple-log',
        `--pidfile=${path.join(tmp, 'turnserver.pid')}`, `--userdb=${path.join(tmp, 'turndb')}`, '--no-software-attribute'], 'coturn')
      await bed.coturn.waitOutput(/relay 203\.0\.113\.10 initialization done/)
      h.defer(() => bed.coturn.kill('SIGKILL'))

      await bed.startRelay()
      h.defer(() => bed.relay.kill('SIGKILL'))

      bed.hub = new Hub({ host: '127.0.0.1', port: HUB_PORT, prefix: inNs('ha'), dataDir: h.tmpDir(), flags: ['--web-dir', webDist, ...hubFlags] })
      h.hubs.push(bed.hub)
      bed.writeHubConfig()
      await bed.hub.start()

      // The agent, on the author's machine: the SDK client on `roundtable mcp`.
      bed.agent = await startAgent({
        command: 'ip',
        args: [...inNs('ha').slice(1), hubBinary, 'mcp', '--port', String(HUB_PORT), '--data', bed.hub.dataDir, '--no-open'],
      })
      h.defer(() => bed.agent.close())
    },

    /** Chromium started inside namespace `n`, by a wrapper that playwright runs. */
    async chromiumIn (n, { secure = true } = {}) {
      const wrapper = path.join(tmp, `chromium-${n}`)
      fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns(n)} ${chromiumPath} "$@"\n`, { mode: 0o755 })
      // The public site is plain http here; a deployment serves it over https
      // (docs/p2p.md), which the secure-origin flag stands for.
      return launch(h, { executablePath: wrapper, reachable: [PUBLIC_IP], secureOrigins: secure ? [PUBLIC_URL] : [] })
    },

    /**
     * The y-webrtc peer ids the hub has had a connection with, from its log
     * (every start of it): a page's peer whose id is not among them is the hub.
     */
    hubPeerIds () {
      const ids = new Set()
      for (const m of bed.hub.child.output.matchAll(/webrtc: room \S+: peer (\S+) connected/g)) ids.add(m[1])
      return ids
    },

    /** How many plan rooms the hub (this start of it) says it is in. */
    hubRooms () {
      const all = [...bed.hub.child.output.matchAll(/webrtc: in (\d+) plan rooms/g)]
      return all.length ? Number(all[all.length - 1][1]) : 0
    },

    /** The hub's resident memory (kB) and CPU time (ms) so far, from /proc. */
    hubUsage () {
      const pid = bed.hub.child.proc.pid
      const rssKb = Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)[1])
      // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      const ticks = Number(fields[11]) + Number(fields[12])
      const hz = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim())
      return { rssKb, cpuMs: Math.round(ticks * 1000 / hz) }
    },

    /** Reads the capture at the public host (after stopping tcpdump); `has(s)` says whether `s` is in it. */
    async captured () {
      await bed.tcpdump.kill('SIGTERM')
      const bytes = fs.readFileSync(bed.capture)
      return { bytes: bytes.length, has: s => bytes.includes(Buffer.from(s)) }
    },
  }
  return bed
}

/** The status pill's readings: hub state, WebRTC peers, unreachable peers, route. */
export const syncState = async page => {
  const el = page.getByTestId('sync-status')
  return {
    hub: await el.getAttribute('data-hub'),
    peers: Number(await el.getAttribute('data-peers')),
    unreachable: Number((await el.getAttribute('data-peers-unreachable')) ?? 0),
    route: await el.getAttribute('data-p2p-route'),
  }
}

export const peersOf = async (r, n, timeout = 30_000) =>
  waitUntil(async () => (await syncState(r.page)).peers === n, { timeout, message: `${r.name} to have ${n} WebRTC peer(s)` })

/** The selected ICE candidate pair of each of the page's peer connections. */
export const iceRoutes = page => page.evaluate(() => window.__roundtable.iceRoutes())

/**
 * Resolves, in `page`'s clock (every namespace shares the machine's clock),
 * with Date.now() at the moment `text` shows in the comments panel.
 */
export const shownAt = (page, text, timeout = 10_000) => page.evaluate(({ text, timeout }) => new Promise((resolve, reject) => {
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

/**
 * `from` comments on `quote` with `body`; `seen()` resolves with the time
 * (Date.now()) the comment reached where the test looks. Resolves with the ms
 * from the click on Save to then.
 */
export const commentTimed = async (from, quote, body, seen) => {
  const submit = await commentOn(from.page, quote, body).catch(async e => {
    await screenshot(from.page, `netbed-failed-comment-${from.name}.png`)
    throw e
  })
  const t0 = Date.now()
  const at = seen(t0)
  await submit()
  return (await at) - t0
}

export const stats = samples => {
  const sorted = [...samples].sort((a, b) => a - b)
  return { n: sorted.length, median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] }
}
