// Debian's Chromium driven by playwright-core, and what the e2e tests do in
// it as a reviewer would. Nothing here talks to a public host: the hub's own
// /signal relays signaling, the only ICE server is an unanswered loopback STUN
// address (so the app's public defaults are not used), and the resolver maps
// every name except the loopback ones to NOTFOUND.
import fs from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { chromium } from 'playwright-core'
import { hubBinary, freePort } from '../interop/hub_harness.mjs'

const here = import.meta.dirname
export const repoRoot = path.resolve(here, '../..')
export const webDist = process.env.ROUNDTABLE_WEB_DIST || path.join(repoRoot, 'web/dist')
export const screenshotDir = path.join(here, 'screenshots')
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium'

/** Hub flags every e2e hub gets: this checkout's web app, a loopback-only ICE server. */
export const hubFlags = (extra = []) => ['--web-dir', webDist, '--stun', 'stun:127.0.0.1:9', ...extra]

/**
 * The public review site as a team deploys it, on loopback: `roundtable signal
 * --web` (the relay and the web app, no documents), killed with the harness.
 * Resolves with its page base `http` and its relay `ws`.
 */
export const startReviewSite = async h => {
  const port = await freePort()
  const site = { http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/signal` }
  const child = spawn(hubBinary, ['signal', '--host', '127.0.0.1', '--port', String(port), '--web', '--web-dir', webDist,
    '--stun', 'stun:127.0.0.1:9', '--public-url', site.http], { stdio: ['ignore', 'ignore', 'pipe'] })
  h.defer(() => child.kill('SIGKILL'))
  await new Promise((resolve, reject) => {
    let out = ''
    child.stderr.on('data', d => { out += d; if (/listening on/.test(out)) resolve() })
    child.once('exit', code => reject(new Error(`roundtable signal exited (${code}): ${out}`)))
  })
  return site
}

/**
 * Launches Chromium; `h` (the hub harness) closes it at cleanup.
 * `executablePath` runs another Chromium command (the network bed's, inside a
 * namespace); `reachable` lists IP addresses besides loopback the pages load;
 * `secureOrigins` are http origins treated as the https a deployment has
 * (WebCrypto, which y-webrtc's room encryption needs, exists only there);
 * `args`: more command-line switches. `mdns`: keep Chromium's default of
 * hiding this machine's IP addresses in WebRTC host candidates behind random
 * `.local` names, as real users' browsers do (off by default: there is no
 * mDNS responder here, so only the other side's peer-reflexive candidates can
 * connect).
 */
export const launch = async (h, { executablePath = chromiumPath, reachable = [], secureOrigins = [], args = [], mdns = false } = {}) => {
  if (!fs.existsSync(path.join(webDist, 'index.html'))) throw new Error(`no web app at ${webDist}: run npm run build in web/`)
  const exclude = ['127.0.0.1', 'localhost', ...reachable].map(a => `EXCLUDE ${a}`).join(', ')
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      `--host-resolver-rules=MAP * ~NOTFOUND, ${exclude}`,
      ...(secureOrigins.length ? [`--unsafely-treat-insecure-origin-as-secure=${secureOrigins.join(',')}`] : []),
      // Real host candidates instead of mDNS names (no mDNS responder here).
      ...(mdns ? [] : ['--disable-features=WebRtcHideLocalIpsWithMdns']),
      ...args,
    ],
  })
  h.defer(() => browser.close())
  return browser
}

/**
 * Counts WebSockets the page opens and how many are open, per URL path kind
 * (yjs / signal), to catch leaked providers and reconnect storms.
 */
const socketProbe = () => {
  const Native = window.WebSocket
  const stats = { created: { yjs: 0, signal: 0, other: 0 }, open: new Set() }
  const kind = url => (String(url).includes('/yjs/') ? 'yjs' : String(url).includes('/signal') ? 'signal' : 'other')
  class Probe extends Native {
    constructor (url, protocols) {
      super(url, protocols)
      stats.created[kind(url)]++
      stats.open.add(this)
      this.addEventListener('close', () => stats.open.delete(this))
    }
  }
  window.WebSocket = Probe
  window.__sockets = () => {
    const open = { yjs: 0, signal: 0, other: 0 }
    for (const ws of stats.open) if (ws.readyState <= 1) open[kind(ws.url)]++
    return { created: { ...stats.created }, open }
  }
}

/**
 * A network that lets no WebRTC path through and has no TURN server: this
 * page's peer connections neither send their ICE candidates nor take the
 * other side's (in trickle messages or in descriptions), so no connectivity
 * check ever runs and ICE cannot succeed, whatever the other peer does.
 */
const blockIce = () => {
  const Native = window.RTCPeerConnection
  const strip = sdp => sdp.split('\r\n').filter(l => !/^a=(candidate|end-of-candidates)/.test(l)).join('\r\n')
  class Blocked extends Native {
    addIceCandidate () { return Promise.resolve() }
    setRemoteDescription (d) { return super.setRemoteDescription(d && d.sdp ? { type: d.type, sdp: strip(d.sdp) } : d) }
    get localDescription () {
      const d = super.localDescription
      return d && new RTCSessionDescription({ type: d.type, sdp: strip(d.sdp) })
    }
    set onicecandidate (fn) { super.onicecandidate = fn && (e => { if (!e.candidate) fn(e) }) }
    get onicecandidate () { return super.onicecandidate }
  }
  window.RTCPeerConnection = Blocked
}

/**
 * A reviewer: a browser context of its own (own localStorage and IndexedDB)
 * with one page. `name` is typed into the first-visit dialog when it appears.
 * `unreachable`: its WebRTC connections can never connect (see blockIce).
 */
export const newReviewer = async (browser, { name, viewport = { width: 1280, height: 860 }, colorScheme = 'light', unreachable = false } = {}) => {
  const context = await browser.newContext({ viewport, colorScheme })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  await context.addInitScript(socketProbe)
  if (unreachable) await context.addInitScript(blockIce)
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', e => errors.push(e.message))
  page.on('console', m => {
    if (m.type() === 'error') errors.push(m.text())
    if (process.env.E2E_CONSOLE) console.log(`[${name}] ${m.type()}: ${m.text()}`)
  })
  return { name, context, page, errors }
}

/** Answers the first-visit identity dialog if it is showing. */
export const answerIdentity = async (r, colorIndex = 0) => {
  const input = r.page.getByTestId('identity-name')
  await input.waitFor({ timeout: 10_000 })
  await input.fill(r.name)
  await r.page.getByRole('radio').nth(colorIndex).click()
  await r.page.getByTestId('identity-save').click()
  await input.waitFor({ state: 'detached' })
}

/** Waits until the plan's editor shows its blocks. */
export const waitEditor = async (page, timeout = 15_000) => {
  await page.locator('[data-testid="plan-editor"][data-ready] .bn-block-content').first().waitFor({ timeout })
}

export const onlineCount = page => page.getByTestId('presence').getAttribute('data-online').then(Number)

export const waitUntil = async (pred, { timeout = 10_000, interval = 50, message = 'condition' } = {}) => {
  const deadline = Date.now() + timeout
  for (;;) {
    const v = await pred()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${message}`)
    await new Promise(r => setTimeout(r, interval))
  }
}

// The editor is ready before the hub's copy of the plan arrives: text that
// comes from the hub is awaited, as a reader waits for it, not read at once.
export const waitText = (locator, expected, timeout = 10_000) =>
  waitUntil(async () => (await locator.textContent()) === expected, { timeout, message: `text "${expected}"` })

/** Saves a screenshot under tests/e2e/screenshots/ (gitignored); resolves with the PNG. */
export const screenshot = async (page, file) => {
  fs.mkdirSync(screenshotDir, { recursive: true })
  const png = await page.screenshot()
  fs.writeFileSync(path.join(screenshotDir, file), png)
  return png
}

export const docsImageDir = path.join(repoRoot, 'docs/images')

/**
 * A picture the documentation shows: saved under screenshots/ like any other
 * and, with UPDATE_DOCS_SCREENSHOT=1, also as docs/images/<file>, which is
 * committed. Only then: an ordinary test run leaves tracked files alone.
 * Resolves with the path written in docs/images, or null.
 */
export const docsScreenshot = async (page, file) => {
  const png = await screenshot(page, file)
  if (process.env.UPDATE_DOCS_SCREENSHOT !== '1') return null
  fs.mkdirSync(docsImageDir, { recursive: true })
  const out = path.join(docsImageDir, file)
  fs.writeFileSync(out, png)
  return out
}

/** Selects `text` inside the editor of `page`, as a drag would. */
const select = async (page, text) => {
  await page.evaluate(text => {
    const root = document.querySelector('.bn-editor')
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const i = n.data.indexOf(text)
      if (i < 0) continue
      const range = document.createRange()
      range.setStart(n, i)
      range.setEnd(n, i + text.length)
      root.focus({ preventScroll: true })
      const sel = window.getSelection()
      sel.removeAllRanges()
      sel.addRange(range)
      // The toolbar floats by the selection: it must be on screen.
      n.parentElement.scrollIntoView({ block: 'center' })
      return
    }
    throw new Error(`text not found: ${text}`)
  }, text)
}

/**
 * Selects `text` inside the editor of `page` (as a drag would) and opens a
 * comment on it with `body` typed in; resolves with the function that saves it.
 */
export const commentOn = async (page, text, body) => {
  // A remote change can re-render the selected text and drop the selection
  // (the page is live); select again, as a person would.
  const addComment = page.getByRole('button', { name: 'Add comment' })
  for (let attempt = 1; ; attempt++) {
    await select(page, text)
    try {
      await addComment.click({ timeout: 3_000 })
      break
    } catch (e) {
      if (attempt === 3) throw e
    }
  }
  const composer = page.locator('.bn-thread .bn-editor').first()
  await composer.waitFor()
  await composer.click()
  await page.keyboard.type(body)
  return async () => page.getByRole('button', { name: 'Save' }).click()
}
