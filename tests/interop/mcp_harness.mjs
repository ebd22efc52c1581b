// Helpers for the MCP tests (tests/interop/mcp_*.test.mjs): a raw Streamable
// HTTP client for the hub's /mcp (every header under the test's control), and
// what a browser does to a plan document (y-websocket provider, approve).

import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import * as Y from 'yjs'

export const LATEST = '2025-11-25'

/** Parses a text/event-stream body into the JSON messages of its `data:` lines. */
export const parseSse = text => text.split(/\r?\n\r?\n/)
  .map(event => event.split(/\r?\n/).filter(l => l.startsWith('data:')).map(l => l.slice(5).replace(/^ /, '')).join('\n'))
  .filter(data => data.length > 0)
  .map(data => JSON.parse(data))

/**
 * POSTs one message (an object, or a raw string) to /mcp. Resolves with
 * {status, headers, messages} where messages are the JSON-RPC messages of the
 * answer (one for JSON, all events of a stream), or {status, text} otherwise.
 */
export const mcpPost = async (hub, body, { session, version = LATEST, headers = {}, signal } = {}) => {
  const res = await fetch(`${hub.httpUrl}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(session ? { 'mcp-session-id': session } : {}),
      ...(version ? { 'mcp-protocol-version': version } : {}),
      ...headers
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal
  })
  const type = res.headers.get('content-type') ?? ''
  const text = await res.text()
  let messages = []
  if (type.startsWith('application/json') && text) messages = [JSON.parse(text)]
  if (type.startsWith('text/event-stream')) messages = parseSse(text)
  return { status: res.status, headers: res.headers, type, text, messages }
}

/** An initialized session: {session, call(method, params, opts), notify(method, params)}. */
export const mcpSession = async (hub, { protocolVersion = LATEST } = {}) => {
  const init = await mcpPost(hub, {
    jsonrpc: '2.0', id: 0, method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'roundtable-test', version: '1' } }
  }, { version: null })
  if (init.status !== 200) throw new Error(`initialize: HTTP ${init.status} ${init.text}`)
  const session = init.headers.get('mcp-session-id')
  let nextId = 1
  const s = {
    session,
    init: init.messages[0],
    notify: (method, params = {}) => mcpPost(hub, { jsonrpc: '2.0', method, params }, { session }),
    /** Sends a request; resolves with {response, notifications, status}. */
    call: async (method, params = {}, opts = {}) => {
      const id = opts.id ?? nextId++
      const r = await mcpPost(hub, { jsonrpc: '2.0', id, method, params }, { session, ...opts })
      return { status: r.status, type: r.type, response: r.messages.find(m => m.id === id), notifications: r.messages.filter(m => m.id === undefined), raw: r }
    },
    /** tools/call; resolves with the tool result ({content, structuredContent, isError}). */
    tool: async (name, args, opts = {}) => {
      const r = await s.call('tools/call', { name, arguments: args, ...(opts.progressToken ? { _meta: { progressToken: opts.progressToken } } : {}) }, opts)
      if (!r.response) throw new Error(`${name}: no response (HTTP ${r.status}) ${r.raw.text}`)
      if (r.response.error) throw new Error(`${name}: JSON-RPC error ${JSON.stringify(r.response.error)}`)
      return Object.assign(r.response.result, { notifications: r.notifications })
    }
  }
  await s.notify('notifications/initialized')
  return s
}

/**
 * A browser's view of a plan: a y-websocket provider on the plan document.
 * Resolves once synced; `close()` ends it.
 */
export const openPlan = async (hub, planId) => {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(hub.wsBase, planId, doc, { WebSocketPolyfill: WebSocket, disableBc: true })
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`plan ${planId} did not sync`)), 5000)
    provider.once('sync', () => { clearTimeout(timer); resolve() })
  })
  return { doc, provider, close: () => { provider.destroy(); doc.destroy() } }
}

/** What the web app's Approve / Request changes buttons write. */
export const review = (doc, status, reviewer) => doc.transact(() => {
  const m = doc.getMap('metadata')
  m.set('status', status)
  m.set('reviewedAt', Date.now())
  m.set('reviewedBy', reviewer)
  m.set('updatedAt', Date.now())
})

/** Ids of the blockContainers of the document, with their text, in order (nested ones included). */
export const blockIds = doc => {
  const out = []
  const walk = el => {
    for (const child of el.toArray()) {
      if (!(child instanceof Y.XmlElement)) continue
      if (child.nodeName === 'blockContainer') {
        const content = child.toArray().find(c => c instanceof Y.XmlElement && c.nodeName !== 'blockGroup')
        const text = content ? content.toArray().filter(c => c instanceof Y.XmlText).map(t => t.toString()).join('') : ''
        out.push({ id: child.getAttribute('id'), type: content?.nodeName, text })
      }
      walk(child)
    }
  }
  walk(doc.getXmlFragment('document'))
  return out
}
