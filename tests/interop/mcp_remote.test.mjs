// `roundtable mcp`, `hook claude-code` and `open` with --hub URL: a hub on
// another machine, as a team server is (docs/team-server.md "Agents on other
// machines"). The hub runs with --token-secret-file; the agent names it by
// URL with a token file; https goes through a TLS-terminating proxy on
// loopback with a self-signed certificate that only SSL_CERT_FILE trusts.
// Also: no token, an expired token, an unreachable hub, a certificate for
// another host name, an untrusted certificate.
//
//   cd tests/interop && node --test mcp_remote.test.mjs

import { test, before } from 'node:test'
import { spawn, execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import tls from 'node:tls'
import { useHarness, assert, hubBinary, freePort, waitFor, WebSocket, WebsocketProvider, Y } from './hub_harness.mjs'
import { review } from './mcp_harness.mjs'
import { startAgent } from './mcp_agent.mjs'

const h = useHarness()
const dir = h.tmpDir('roundtable-remote-')
const secretFile = path.join(dir, 'token-secret')
fs.writeFileSync(secretFile, crypto.randomBytes(48).toString('base64') + '\n', { mode: 0o600 })
const issue = (...args) => execFileSync(hubBinary, ['token', 'issue', '--secret-file', secretFile, ...args]).toString().trim()
const tokenFile = (name, token) => {
  const file = path.join(dir, name)
  fs.writeFileSync(file, token + '\n', { mode: 0o600 })
  return file
}
/** An expired token, signed with the hub's secret (past the 5 s leeway). */
const expiredToken = () => {
  const secret = fs.readFileSync(secretFile, 'utf8').replace(/\n$/, '')
  const now = Math.floor(Date.now() / 1000)
  const b64 = s => Buffer.from(JSON.stringify(s)).toString('base64url')
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'late', scope: 'plan:create', iat: now - 7200, exp: now - 3600 })}`
  return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`
}

// A self-signed certificate for "localhost" only (no IP address in it).
const key = path.join(dir, 'key.pem')
const cert = path.join(dir, 'cert.pem')
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
  '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' })
// The agent trusts the test's certificate instead of the system's store.
const trustTest = { SSL_CERT_FILE: cert, SSL_CERT_DIR: dir }

/** Terminates TLS on a loopback port and pipes each connection to `port`. */
const tlsProxy = async port => {
  const server = tls.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, socket => {
    const upstream = net.connect(port, '127.0.0.1')
    socket.pipe(upstream).pipe(socket)
    const end = () => { socket.destroy(); upstream.destroy() }
    socket.on('error', end); upstream.on('error', end); socket.on('close', end); upstream.on('close', end)
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  h.defer(() => new Promise(resolve => server.close(resolve)))
  return server.address().port
}

let hub, agentToken, proxyPort
before(async () => {
  hub = await h.startHub({ flags: ['--token-secret-file', secretFile] })
  agentToken = issue('--scope', 'plan:create', '--subject', 'laptop-agent')
  proxyPort = await tlsProxy(hub.port)
})

const text = result => result.content?.map(c => c.text).join('\n') ?? ''

/** `roundtable mcp --hub URL` with `args`; never a local hub (its data directory stays empty). */
const remoteAgent = async (url, args = [], env = {}) => {
  const data = h.tmpDir('roundtable-agent-')
  const a = await startAgent({
    command: hubBinary, args: ['mcp', '--hub', url, '--data', data, ...args],
    env: { ROUNDTABLE_NO_OPEN: '1', ROUNDTABLE_TOKEN: '', ROUNDTABLE_HUB: '', ...env }, name: 'laptop-agent'
  })
  h.defer(() => a.close())
  return { ...a, data }
}

/** The error an agent gets from a tool call: the result's text, or the JSON-RPC error's message. */
const toolError = async (agent, name, args) => {
  try {
    const r = await agent.tool(name, args)
    assert.ok(r.isError, `${name} should fail: ${JSON.stringify(r)}`)
    return text(r)
  } catch (e) { return e.message }
}

test('http:// with a token file: the agent creates a plan and lists it; no local hub is started', async () => {
  const t0 = Date.now()
  const agent = await remoteAgent(`http://127.0.0.1:${hub.port}`, ['--token-file', tokenFile('agent-token', agentToken)])
  const created = await agent.tool('create_plan', { title: 'From a laptop', content: '# From a laptop\n\n1. Ship it\n' })
  assert.ok(!created.isError, text(created))
  const { planId } = created.structuredContent
  const listed = await agent.tool('list_plans', {})
  assert.ok(listed.structuredContent.plans.some(p => p.id === planId && p.title === 'From a laptop'))
  assert.deepEqual(fs.readdirSync(agent.data), [], 'no hub started here')
  assert.ok(!agentToken.length || !execFileSync('ps', ['-o', 'args=', '-e']).toString().includes(agentToken), 'the token is not on a command line')
  console.log(`# http round trip: ${Date.now() - t0} ms`)
})

test('no token, an expired token, too narrow a token: the tools answer with a 401 error naming the cause', async () => {
  const url = `http://127.0.0.1:${hub.port}`
  const none = await remoteAgent(url).catch(e => ({ failed: e.message }))
  const noneError = none.failed ?? await toolError(none, 'list_plans', {})
  assert.match(noneError, new RegExp(`hub at ${url.replace(/\./g, '\\.')} refused the request \\(HTTP 401, no access token\\)`))
  assert.match(noneError, /--token-file or ROUNDTABLE_TOKEN/)

  const expired = await remoteAgent(url, [], { ROUNDTABLE_TOKEN: expiredToken() }).catch(e => ({ failed: e.message }))
  const expiredError = expired.failed ?? await toolError(expired, 'list_plans', {})
  assert.match(expiredError, /HTTP 401, token expired/)
  assert.match(expiredError, /missing, expired or too narrow/)

  const narrow = await remoteAgent(url, [], { ROUNDTABLE_TOKEN: issue('--scope', 'plan:read') })
  const narrowError = await toolError(narrow, 'create_plan', { title: 'x', content: '# x\n' })
  assert.match(narrowError, /HTTP 401, the token's scope is too narrow/)
})

test('an unreachable hub: the tools say the hub at URL is unreachable', async () => {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const t0 = Date.now()
  const agent = await remoteAgent(url, [], { ROUNDTABLE_TOKEN: agentToken }).catch(e => ({ failed: e.message }))
  const error = agent.failed ?? await toolError(agent, 'list_plans', {})
  assert.match(error, new RegExp(`hub at ${url.replace(/\./g, '\\.')} is unreachable \\(.*refused\\)`))
  assert.ok(Date.now() - t0 < 10000)
  assert.equal(agent.failed ? undefined : fs.readdirSync(agent.data).length, agent.failed ? undefined : 0, 'no hub started here')
})

test('https:// through a TLS proxy: trusted through SSL_CERT_FILE, host name checked', async () => {
  const t0 = Date.now()
  const agent = await remoteAgent(`https://localhost:${proxyPort}`, [], { ROUNDTABLE_TOKEN: agentToken, ...trustTest })
  const created = await agent.tool('create_plan', { title: 'Over TLS', content: '# Over TLS\n' })
  assert.ok(!created.isError, text(created))
  const listed = await agent.tool('list_plans', {})
  assert.ok(listed.structuredContent.plans.some(p => p.id === created.structuredContent.planId))
  console.log(`# https round trip: ${Date.now() - t0} ms`)

  // The same certificate at an address it does not name.
  const wrongHost = await remoteAgent(`https://127.0.0.1:${proxyPort}`, [], { ROUNDTABLE_TOKEN: agentToken, ...trustTest })
    .catch(e => ({ failed: e.message }))
  const wrongError = wrongHost.failed ?? await toolError(wrongHost, 'list_plans', {})
  assert.match(wrongError, /TLS handshake failed: .*the certificate is not for 127\.0\.0\.1/)

  // Without SSL_CERT_FILE the system's store does not know the test's certificate.
  const untrusted = await remoteAgent(`https://localhost:${proxyPort}`, [], {
    ROUNDTABLE_TOKEN: agentToken, SSL_CERT_FILE: path.join(dir, 'none.pem'), SSL_CERT_DIR: path.join(dir, 'none')
  }).catch(e => ({ failed: e.message }))
  const untrustedError = untrusted.failed ?? await toolError(untrusted, 'list_plans', {})
  assert.match(untrustedError, /TLS handshake failed: certificate verify failed \(self.signed certificate/)
})

test('bad --hub URLs are refused at start, with the reason', () => {
  for (const [url, why] of [
    ['ftp://example.com', /must start with http:\/\/ or https:\/\//],
    ['https://example.com/roundtable', /has a path .*root of its origin/],
    ['https://user:pw@example.com', /carries credentials/],
    ['http://127.0.0.1:99999', /bad port/]
  ]) {
    let failure
    try { execFileSync(hubBinary, ['mcp', '--hub', url], { stdio: 'pipe', input: '' }) } catch (e) { failure = e }
    assert.equal(failure?.status, 2, url)
    assert.match(failure.stderr.toString(), why)
  }
})

test('`roundtable open --hub URL` prints the hub\'s page for the plan; a token file goes only into the fragment', () => {
  const env = { ...process.env, BROWSER: 'true', ROUNDTABLE_HUB: '' }
  const plain = execFileSync(hubBinary, ['open', 'abc123', '--hub', 'https://roundtable.example.com/'], { env }).toString()
  assert.equal(plain.trim(), 'https://roundtable.example.com/plan/abc123')
  const fromEnv = execFileSync(hubBinary, ['open', 'abc123'], { env: { ...env, ROUNDTABLE_HUB: 'http://review.test:8080' } }).toString()
  assert.equal(fromEnv.trim(), 'http://review.test:8080/plan/abc123')
  const opened = path.join(dir, 'opened')
  const browser = path.join(dir, 'browser.sh')
  fs.writeFileSync(browser, `#!/bin/sh\necho "$1" > ${opened}\n`, { mode: 0o755 })
  const withToken = execFileSync(hubBinary, ['open', 'abc123', '--hub', 'https://roundtable.example.com', '--token-file', tokenFile('t', 'tok.en.x')],
    { env: { ...env, BROWSER: browser } }).toString()
  assert.doesNotMatch(withToken, /tok\.en\.x/, 'the token stays off the terminal')
  return waitFor(() => fs.existsSync(opened) && fs.readFileSync(opened, 'utf8').trim() === 'https://roundtable.example.com/plan/abc123#access_token=tok.en.x',
    { message: 'the browser to get the link with the token in its fragment' })
})

test('the hook through --hub https://: the plan reaches the remote hub, the reviewers\' decision comes back', async () => {
  const data = h.tmpDir('roundtable-hook-remote-')
  const planFile = path.join(data, 'plan.md')
  fs.writeFileSync(planFile, '# Plan: remote review\n\n1. Ask the team\n')
  const input = JSON.stringify({
    session_id: 'remote-1', transcript_path: '/tmp/t.jsonl', cwd: '/', permission_mode: 'plan',
    hook_event_name: 'PermissionRequest', tool_name: 'ExitPlanMode', tool_input: { planFilePath: planFile }
  })
  const t0 = Date.now()
  const child = spawn(hubBinary, ['hook', 'claude-code', '--hub', `https://localhost:${proxyPort}`, '--token-file', tokenFile('hook-token', agentToken),
    '--data', data, '--no-open'], { env: { ...process.env, ROUNDTABLE_TOKEN: '', ...trustTest } })
  h.defer(() => child.kill('SIGKILL'))
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => { stdout += d })
  child.stderr.on('data', d => { stderr += d })
  const exited = new Promise(resolve => child.on('exit', code => resolve(code)))
  child.stdin.end(input)
  await waitFor(() => /up for review at .*\/plan\/([A-Za-z0-9_-]+)/.test(stderr), { timeout: 10000, message: `the plan to reach the hub; stderr: ${stderr}` })
  const planId = stderr.match(/\/plan\/([A-Za-z0-9_-]+)/)[1]
  // A reviewer approves, through the hub directly with a review token.
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(hub.wsBase, planId, doc, {
    WebSocketPolyfill: WebSocket, disableBc: true, params: { access_token: issue('--scope', 'plan:review', '--plan', planId) }
  })
  h.defer(() => { provider.destroy(); doc.destroy() })
  await waitFor(() => provider.synced, { message: 'the reviewer to sync' })
  review(doc, 'approved', 'Bob')
  assert.equal(await exited, 0)
  const out = JSON.parse(stdout)
  assert.equal(out.hookSpecificOutput.decision.behavior, 'allow')
  console.log(`# hook over https, to the decision: ${Date.now() - t0} ms`)

  // Without a token: no decision, one line saying why.
  const refused = spawn(hubBinary, ['hook', 'claude-code', '--hub', `https://localhost:${proxyPort}`, '--data', data, '--no-open'],
    { env: { ...process.env, ROUNDTABLE_TOKEN: '', ...trustTest } })
  let refusedErr = ''
  refused.stderr.on('data', d => { refusedErr += d })
  refused.stdin.end(input.replace('remote-1', 'remote-2'))
  assert.equal(await new Promise(resolve => refused.on('exit', resolve)), 0)
  assert.match(refusedErr, /refused the request \(HTTP 401, no access token\).*Claude Code asks as usual/)
})
