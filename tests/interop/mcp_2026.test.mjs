// MCP revision 2026-07-28 (stateless: no initialize, no session, everything
// in each request's _meta) against the hub's /mcp and `roundtable mcp`,
// driven by the official v2 TypeScript SDK client (@modelcontextprotocol/client,
// the SDK line that implements 2026-07-28) and by raw HTTP for what a client
// would check on the wire: no session is ever minted, the statuses and error
// codes of the revision, and old clients on the same hub at the same time.
//
//   cd tests/interop && node --test mcp_2026.test.mjs

import { test } from 'node:test'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import { useHarness, assert, hubBinary, httpGet, waitFor, sleep } from './hub_harness.mjs'
import { mcpPost, mcpSession } from './mcp_harness.mjs'

const V = '2026-07-28'
const TOOLS = ['create_plan', 'get_feedback', 'list_plans', 'read_plan', 'update_plan', 'wait_for_review']
const h = useHarness()
const hubP = h.startHub({ flags: ['--mcp-progress-ms', '200'] })

const meta = (version = V) => ({
  'io.modelcontextprotocol/protocolVersion': version,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {}
})
/** A raw 2026-07-28 request with the headers the revision requires (overridable). */
const post = (hub, method, params = {}, { id = 1, headers = {}, version = V, signal } = {}) => {
  const body = { jsonrpc: '2.0', id, method, params: { _meta: meta(version), ...params } }
  const name = params.name ?? params.uri
  return mcpPost(hub, body, {
    version: null,
    signal,
    headers: { 'mcp-protocol-version': version, 'mcp-method': method, ...(name ? { 'mcp-name': name } : {}), ...headers }
  })
}

/** The count of documents in memory once it stops changing (the hub unloads idle ones after --unload-grace-ms 200). */
const settled = async gauge => {
  let last = -1
  for (;;) {
    const n = await gauge('roundtable_documents_loaded')
    if (n === last) return n
    last = n
    await sleep(700)
  }
}

/** The v2 SDK client over HTTP, every response's headers recorded. */
async function httpClient (hub, versionNegotiation) {
  const exchanges = []
  const fetchAndRecord = async (url, init) => {
    const res = await fetch(url, init)
    exchanges.push({ method: init?.method, request: init?.body ? JSON.parse(init.body) : null, status: res.status, session: res.headers.get('mcp-session-id') })
    return res
  }
  const client = new Client({ name: 'v2-test', version: '1.0.0' }, { versionNegotiation })
  await client.connect(new StreamableHTTPClientTransport(new URL(`${hub.httpUrl}/mcp`), { fetch: fetchAndRecord }))
  h.defer(() => client.close())
  return { client, exchanges }
}

test('the v2 SDK pinned to 2026-07-28 over HTTP: discover, tools, no session', async () => {
  const hub = await hubP
  const { client, exchanges } = await httpClient(hub, { mode: { pin: V } })
  assert.equal(client.getProtocolEra(), 'modern')
  assert.equal(client.getNegotiatedProtocolVersion(), V)
  assert.equal(client.getServerVersion()?.name, 'roundtable')
  assert.ok(client.getServerCapabilities()?.tools)
  assert.match(client.getInstructions() ?? '', /plan/i)
  const discovered = client.getDiscoverResult()
  assert.deepEqual(discovered.supportedVersions, [V, '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'])

  const { tools } = await client.listTools()
  assert.deepEqual(tools.map(t => t.name).sort(), TOOLS)
  const created = await client.callTool({ name: 'create_plan', arguments: { title: 'Stateless plan', content: '# Stateless plan\n\nOne step.\n' } })
  assert.ok(!created.isError, JSON.stringify(created))
  const { planId } = created.structuredContent
  const read = await client.callTool({ name: 'read_plan', arguments: { planId } })
  assert.match(read.content[0].text, /One step/)
  const listed = await client.callTool({ name: 'list_plans', arguments: {} })
  assert.ok(listed.structuredContent.plans.some(p => p.id === planId))

  // What went over the wire: no initialize, and no session minted.
  const methods = exchanges.filter(e => e.request).map(e => e.request.method)
  assert.ok(!methods.includes('initialize'), methods.join(','))
  assert.ok(methods.includes('server/discover'), methods.join(','))
  for (const e of exchanges) {
    assert.equal(e.session, null, `a session id came back for ${e.request?.method}`)
    if (e.request?.id !== undefined) assert.equal(e.request.params._meta['io.modelcontextprotocol/protocolVersion'], V)
  }
})

test('the v2 SDK pinned to 2026-07-28: wait_for_review streams progress, then answers', async () => {
  const hub = await hubP
  const { client, exchanges } = await httpClient(hub, { mode: { pin: V } })
  const created = await client.callTool({ name: 'create_plan', arguments: { title: 'Waited on', content: '# Waited on\n' } })
  const progress = []
  const t0 = Date.now()
  const waited = await client.callTool({ name: 'wait_for_review', arguments: { planId: created.structuredContent.planId, timeoutSeconds: 1 } },
    { onprogress: p => progress.push(p), resetTimeoutOnProgress: true })
  assert.equal(waited.structuredContent.status, 'pending_review')
  assert.ok(Date.now() - t0 >= 900, 'it waited for the timeout')
  assert.ok(progress.length >= 1, 'progress came while it waited')
  assert.ok(exchanges.every(e => e.session === null))
})

test('the v2 SDK in auto mode picks 2026-07-28; the v1 SDK era (2025-11-25) works beside it', async () => {
  const hub = await hubP
  const { client } = await httpClient(hub, { mode: 'auto' })
  assert.equal(client.getProtocolEra(), 'modern')
  assert.equal(client.getNegotiatedProtocolVersion(), V)
  const legacy = await mcpSession(hub)  // an initialize-era client on the same endpoint
  assert.equal(legacy.init.result.protocolVersion, '2025-11-25')
  assert.match(legacy.session, /^[0-9a-f]{32}$/)
  assert.deepEqual((await legacy.call('ping')).response.result, {})
  const { tools } = await client.listTools()
  assert.equal(tools.length, TOOLS.length)
  // The v2 SDK with its default (legacy) mode still initializes: a session.
  const { client: old, exchanges } = await httpClient(hub, undefined)
  assert.equal(old.getProtocolEra(), 'legacy')
  assert.ok(exchanges.some(e => e.session), 'the legacy handshake got a session')
})

test('the v2 SDK in auto mode through `roundtable mcp` (stdio) speaks 2026-07-28', async () => {
  const hub = await hubP
  const transport = new StdioClientTransport({
    command: hubBinary, args: ['mcp', '--port', String(hub.port), '--data', hub.dataDir],
    env: { ...process.env, ROUNDTABLE_NO_OPEN: '1' }, stderr: 'pipe'
  })
  const client = new Client({ name: 'v2-stdio', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } })
  await client.connect(transport)
  h.defer(() => client.close())
  assert.equal(client.getProtocolEra(), 'modern')
  assert.equal(client.getNegotiatedProtocolVersion(), V)
  assert.equal(client.getServerVersion()?.name, 'roundtable')
  const { tools } = await client.listTools()
  assert.deepEqual(tools.map(t => t.name).sort(), TOOLS)
  const created = await client.callTool({ name: 'create_plan', arguments: { title: 'Over stdio', content: '# Over stdio\n\nText.\n' } })
  assert.ok(!created.isError, JSON.stringify(created))
  const read = await client.callTool({ name: 'read_plan', arguments: { planId: created.structuredContent.planId } })
  assert.match(read.content[0].text, /Text\./)
})

test('raw 2026-07-28 requests: each one alone, on a fresh connection, no session', async () => {
  const hub = await hubP
  // A tool call with no discover, initialize or anything before it.
  const call = await post(hub, 'tools/call', { name: 'list_plans', arguments: {} }, { id: 'c-1' })
  assert.equal(call.status, 200)
  assert.equal(call.headers.get('mcp-session-id'), null)
  assert.equal(call.messages[0].id, 'c-1')
  assert.equal(call.messages[0].result.resultType, 'complete')
  assert.equal(call.messages[0].result._meta['io.modelcontextprotocol/serverInfo'].name, 'roundtable')
  const list = await post(hub, 'tools/list')
  assert.equal(list.messages[0].result.cacheScope, 'public')
  assert.ok(Number.isInteger(list.messages[0].result.ttlMs) && list.messages[0].result.ttlMs >= 0)
  // A session id a client still sends is ignored.
  const withSession = await post(hub, 'tools/list', {}, { headers: { 'mcp-session-id': 'f'.repeat(32) } })
  assert.equal(withSession.status, 200)
  // A tool name outside plain ASCII travels base64-encoded in Mcp-Name.
  const encoded = await post(hub, 'tools/call', { name: 'list_plans', arguments: {} }, { headers: { 'mcp-name': `=?base64?${Buffer.from('list_plans').toString('base64')}?=` } })
  assert.equal(encoded.status, 200)
})

test('raw 2026-07-28 errors: statuses and codes a client checks', async () => {
  const hub = await hubP
  const expect = async (r, status, code, id = 1) => {
    assert.equal(r.status, status, r.text)
    assert.equal(r.messages[0].error.code, code, r.text)
    assert.equal(r.messages[0].id, id)
    return r.messages[0].error
  }
  for (const method of ['initialize', 'ping', 'logging/setLevel', 'resources/list', 'nope/nope']) await expect(await post(hub, method), 404, -32601)
  const unsupported = await expect(await post(hub, 'tools/list', {}, { version: '2099-01-01' }), 400, -32022)
  assert.deepEqual(unsupported.data, { supported: [V], requested: '2099-01-01' })
  await expect(await post(hub, 'tools/list', {}, { headers: { 'mcp-protocol-version': '2025-11-25' } }), 400, -32020)
  await expect(await post(hub, 'tools/list', {}, { headers: { 'mcp-method': 'tools/call' } }), 400, -32020)
  await expect(await post(hub, 'tools/call', { name: 'read_plan', arguments: {} }, { headers: { 'mcp-name': 'list_plans' } }), 400, -32020)
  const noName = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { _meta: meta(), name: 'list_plans' } }
  await expect(await mcpPost(hub, noName, { version: V, headers: { 'mcp-method': 'tools/call' } }), 400, -32020)
  // Missing _meta (a 2026-07-28 header, no session): -32602, 400.
  const bare = { jsonrpc: '2.0', id: 7, method: 'server/discover', params: {} }
  await expect(await mcpPost(hub, bare, { version: V, headers: { 'mcp-method': 'server/discover' } }), 400, -32602, 7)
  const noCaps = { jsonrpc: '2.0', id: 8, method: 'server/discover', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': V } } }
  await expect(await mcpPost(hub, noCaps, { version: V, headers: { 'mcp-method': 'server/discover' } }), 400, -32602, 8)
  // Unknown tool: a JSON-RPC error in a 200, as before.
  await expect(await post(hub, 'tools/call', { name: 'nope', arguments: {} }), 200, -32602)
})

test('closing a 2026-07-28 request cancels it at once; no session is ever kept', async () => {
  const hub = await h.startHub({ flags: ['--unload-grace-ms', '200'] })
  const gauge = async name => Number((await httpGet(hub, '/metrics')).body.match(new RegExp(`^${name} (\\d+)`, 'm'))?.[1])
  const created = await post(hub, 'tools/call', { name: 'create_plan', arguments: { title: 'Cancelled wait', content: '# Cancelled wait\n' } })
  const { planId } = created.messages[0].result.structuredContent
  const before = await settled(gauge)  // the plan (and the plan index) unloaded after the grace period
  // A wait holds the plan's room loaded; the stream opens at once.
  const abort = new AbortController()
  const waiting = post(hub, 'tools/call', { name: 'wait_for_review', arguments: { planId, timeoutSeconds: 600 } }, { signal: abort.signal }).catch(e => e)
  await waitFor(async () => (await gauge('roundtable_documents_loaded')) > before, { timeout: 5000, message: 'the wait loaded the plan' })
  await sleep(200)
  const t0 = Date.now()
  abort.abort()
  await waiting
  // Cancelled on the hub: the wait ends and the room unloads, long before the 20 s keep-alive would notice.
  await waitFor(async () => (await gauge('roundtable_documents_loaded')) === before, { timeout: 5000, message: 'the cancelled wait let the plan unload' })
  assert.ok(Date.now() - t0 < 5000)
  assert.equal(await gauge('roundtable_mcp_sessions'), 0, 'stateless requests made no session')
})

test('through `roundtable mcp`, notifications/cancelled for a 2026-07-28 request cancels it on the hub', async () => {
  const hub = await h.startHub({ flags: ['--unload-grace-ms', '200'] })
  const gauge = async name => Number((await httpGet(hub, '/metrics')).body.match(new RegExp(`^${name} (\\d+)`, 'm'))?.[1])
  const transport = new StdioClientTransport({
    command: hubBinary, args: ['mcp', '--port', String(hub.port), '--data', hub.dataDir],
    env: { ...process.env, ROUNDTABLE_NO_OPEN: '1' }, stderr: 'pipe'
  })
  const client = new Client({ name: 'v2-stdio-cancel', version: '1.0.0' }, { versionNegotiation: { mode: { pin: V } } })
  await client.connect(transport)
  h.defer(() => client.close())
  const created = await client.callTool({ name: 'create_plan', arguments: { title: 'Cancelled over stdio', content: '# C\n' } })
  const { planId } = created.structuredContent
  const before = await settled(gauge)  // the plan (and the plan index) unloaded after the grace period
  const abort = new AbortController()
  const waiting = client.callTool({ name: 'wait_for_review', arguments: { planId, timeoutSeconds: 600 } }, { signal: abort.signal }).catch(e => e)
  await waitFor(async () => (await gauge('roundtable_documents_loaded')) > before, { timeout: 5000, message: 'the wait loaded the plan' })
  abort.abort()  // the SDK sends notifications/cancelled on stdio
  assert.ok((await waiting) instanceof Error)
  await waitFor(async () => (await gauge('roundtable_documents_loaded')) === before, { timeout: 5000, message: 'the cancelled wait let the plan unload' })
  assert.equal(await gauge('roundtable_mcp_sessions'), 0, 'no hub session was opened for the agent')
  // The agent goes on.
  const listed = await client.callTool({ name: 'list_plans', arguments: {} })
  assert.ok(listed.structuredContent.plans.some(p => p.id === planId))
})
