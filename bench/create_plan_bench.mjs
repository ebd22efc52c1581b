// create_plan latency: an agent's create_plan for a 200-block plan, end to
// end, through the hub's /mcp (Streamable HTTP) and through `roundtable mcp`
// (stdio, the SDK client), against a hub with its default durability (fsync
// on every commit). In the same run, the JavaScript reference for the work
// itself: BlockNote 0.55 parsing the same markdown and writing it into a
// Y.Doc (tryParseMarkdownToBlocks + blocksToYXmlFragment + encode), which is
// what a TypeScript server would do before storing anything.
//
//   node bench/create_plan_bench.mjs [--runs N]      (after building build/roundtable)
//
// Prints a Markdown table. Not part of the test suite.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const interop = path.join(root, 'tests/interop')
const { ServerBlockNoteEditor, Y, Client, StdioClientTransport } = await import(path.join(interop, 'bench_packages.mjs'))
const binary = path.join(process.env.ROUNDTABLE_BUILD_DIR ?? path.join(root, 'build'), 'roundtable')
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 40
const markdown = fs.readFileSync(path.join(interop, 'fixtures/plans/33-200-blocks.md'), 'utf8')

const stats = xs => {
  const s = [...xs].sort((a, b) => a - b)
  const q = p => s[Math.min(s.length - 1, Math.floor(p * s.length))]
  return { median: q(0.5), p95: q(0.95), max: s[s.length - 1] }
}
const fmt = ms => `${ms.toFixed(1)} ms`

async function startHub () {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-bench-'))
  const proc = spawn(binary, ['serve', '--port', '0', '--data', dataDir], { stdio: ['ignore', 'ignore', 'pipe'] })
  const url = await new Promise((resolve, reject) => {
    let out = ''
    proc.stderr.on('data', d => { out += d; const m = out.match(/listening on (http:\/\/\S+)/); if (m) resolve(m[1]) })
    proc.once('exit', () => reject(new Error(`hub exited: ${out}`)))
  })
  return { url, port: new URL(url).port, dataDir, stop: () => { proc.kill('SIGTERM'); fs.rmSync(dataDir, { recursive: true, force: true }) } }
}

async function viaHttp (hub) {
  const post = (body, session) => fetch(`${hub.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(session ? { 'mcp-session-id': session } : {}) },
    body: JSON.stringify(body)
  })
  const init = await post({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } })
  const session = init.headers.get('mcp-session-id')
  await init.text()
  const times = []
  for (let i = 0; i < runs + 5; i++) {
    const t0 = performance.now()
    const res = await post({ jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { name: 'create_plan', arguments: { title: `Bench ${i}`, content: markdown } } }, session)
    const json = await res.json()
    const ms = performance.now() - t0
    if (!json.result?.structuredContent?.planId) throw new Error(JSON.stringify(json))
    if (i >= 5) times.push(ms)
  }
  return stats(times)
}

async function viaStdio (hub) {
  const client = new Client({ name: 'bench', version: '1' })
  await client.connect(new StdioClientTransport({ command: binary, args: ['mcp', '--port', hub.port, '--no-open'], stderr: 'ignore' }))
  const times = []
  for (let i = 0; i < runs + 5; i++) {
    const t0 = performance.now()
    const r = await client.callTool({ name: 'create_plan', arguments: { title: `Bench ${i}`, content: markdown } })
    const ms = performance.now() - t0
    if (r.isError) throw new Error(r.content[0].text)
    if (i >= 5) times.push(ms)
  }
  await client.close()
  return stats(times)
}

async function blockNoteReference () {
  const editor = ServerBlockNoteEditor.create()
  const times = []
  let blocks = 0
  for (let i = 0; i < runs + 5; i++) {
    const t0 = performance.now()
    const parsed = await editor.tryParseMarkdownToBlocks(markdown)
    const doc = new Y.Doc()
    editor.blocksToYXmlFragment(parsed, doc.getXmlFragment('document'))
    doc.getArray('content').push(parsed)
    Y.encodeStateAsUpdate(doc)
    const ms = performance.now() - t0
    blocks = parsed.length
    if (i >= 5) times.push(ms)
  }
  return { ...stats(times), blocks }
}

const hub = await startHub()
try {
  const http = await viaHttp(hub)
  const stdio = await viaStdio(hub)
  const ref = await blockNoteReference()
  console.log(`create_plan, ${ref.blocks}-block plan (tests/interop/fixtures/plans/33-200-blocks.md), ${runs} calls each, ${os.cpus().length} cores\n`)
  console.log('| path | median | p95 | max |')
  console.log('|---|---:|---:|---:|')
  console.log(`| hub /mcp (HTTP), parse + write + fsync'd commit + index | ${fmt(http.median)} | ${fmt(http.p95)} | ${fmt(http.max)} |`)
  console.log(`| \`roundtable mcp\` (stdio, SDK client) | ${fmt(stdio.median)} | ${fmt(stdio.p95)} | ${fmt(stdio.max)} |`)
  console.log(`| BlockNote 0.55 in Node: parse + write Y.Doc only (no storage) | ${fmt(ref.median)} | ${fmt(ref.p95)} | ${fmt(ref.max)} |`)
  console.log(`\nmedian ratio, BlockNote work alone / whole C++ create_plan over HTTP: ${(ref.median / http.median).toFixed(1)}x`)
} finally {
  hub.stop()
}
