// A scripted model: an HTTP server on loopback that speaks the Anthropic
// Messages API as Claude Code calls it (POST /v1/messages, streamed as
// server-sent events: message_start, content_block_start/delta/stop,
// message_delta, message_stop), answering each request with what the test's
// script returns. Every request is recorded, so a test can check what the
// model was given (tool results, their sizes, hook messages).

import http from 'node:http'

let nextId = 1

/** Text and tool-use blocks as a script writes them. */
export const text = t => ({ type: 'text', text: t })
export const toolUse = (name, input) => ({ type: 'tool_use', id: `toolu_rt${String(nextId++).padStart(6, '0')}`, name, input })

const sse = (res, event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)

function stream (res, model, content, stopReason) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  const id = `msg_rt${String(nextId++).padStart(6, '0')}`
  sse(res, 'message_start', {
    type: 'message_start',
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } }
  })
  content.forEach((block, index) => {
    if (block.type === 'text') {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
      sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } })
    } else {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } })
      sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } })
    }
    sse(res, 'content_block_stop', { type: 'content_block_stop', index })
  })
  sse(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 5 } })
  sse(res, 'message_stop', { type: 'message_stop' })
  res.end()
}

/**
 * Starts the model. `script(request, model)` gets each main-loop request (one
 * that offers tools) and returns the assistant's content blocks (an array of
 * text() and toolUse()); requests without tools (titles, summaries) get a
 * short text. Resolves with {url, requests, close()}.
 */
export async function startModel (script) {
  const model = { requests: [], mainRequests: [], errors: [] }
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', d => { body += d })
    req.on('end', async () => {
      const url = new URL(req.url, 'http://x')
      if (req.method === 'POST' && url.pathname === '/v1/messages/count_tokens') {
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ input_tokens: 100 }))
      }
      if (req.method !== 'POST' || url.pathname !== '/v1/messages') {
        res.writeHead(404, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'not here' } }))
      }
      let request
      try { request = JSON.parse(body) } catch { request = {} }
      model.requests.push(request)
      let content = [text('ok')]
      if (Array.isArray(request.tools) && request.tools.length > 0) {
        model.mainRequests.push(request)
        try {
          content = await script(request, model)
        } catch (e) {
          model.errors.push(e)
          content = [text(`script error: ${e.message}`)]
        }
      }
      const stopReason = content.some(b => b.type === 'tool_use') ? 'tool_use' : 'end_turn'
      if (request.stream === false) {
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ id: `msg_rt${nextId++}`, type: 'message', role: 'assistant', model: request.model, content, stop_reason: stopReason, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 5 } }))
      }
      stream(res, request.model ?? 'claude-scripted', content, stopReason)
    })
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  model.url = `http://127.0.0.1:${server.address().port}`
  model.close = () => new Promise(resolve => { server.closeAllConnections?.(); server.close(resolve) })
  return model
}

/** The tool_result blocks of the last user message of `request`. */
export const lastToolResults = request => {
  const last = request.messages?.at(-1)
  if (!last || last.role !== 'user' || !Array.isArray(last.content)) return []
  return last.content.filter(b => b.type === 'tool_result')
}

/** The tool_result block answering the tool use `id`, anywhere in the request's messages. */
export const toolResultFor = (request, id) => {
  for (const m of request.messages ?? []) {
    if (m.role !== 'user' || !Array.isArray(m.content)) continue
    const block = m.content.find(b => b.type === 'tool_result' && b.tool_use_id === id)
    if (block) return block
  }
  return undefined
}

/** A tool result's text, whatever its shape. */
export const resultText = block => typeof block.content === 'string'
  ? block.content
  : (block.content ?? []).map(c => c.text ?? '').join('')
