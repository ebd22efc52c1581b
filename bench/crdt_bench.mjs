// CRDT benchmark, yjs side: the cases of bench/crdt_bench.cc with the real
// yjs (tests/interop/node_modules), printed as the same JSON.
//
//   node --expose-gc bench/crdt_bench.mjs [--runs N] [--testdata DIR] [--txns N] [--case NAME]
//
// Memory: process.memoryUsage().heapUsed after global.gc(), with the finished
// B4 document alive, minus the same before it was made (the V8 heap only;
// yjs keeps everything there).
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
// Resolve yjs from the pinned interop install, whatever the working directory.
const require = createRequire(path.join(root, 'tests/interop/package.json'))
const Y = require('yjs')
const yjsVersion = require('yjs/package.json').version

let runs = 5
let testdata = path.resolve(root, 'tests/data')
let maxTxns = Infinity
const only = []
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]
  const next = () => {
    if (i + 1 >= argv.length) throw new Error('missing value for ' + a)
    return argv[++i]
  }
  if (a === '--runs') runs = Math.max(1, parseInt(next(), 10))
  else if (a === '--testdata') testdata = next()
  else if (a === '--txns') maxTxns = parseInt(next(), 10)
  else if (a === '--case') only.push(next())
  else throw new Error('usage: node --expose-gc crdt_bench.mjs [--runs N] [--testdata DIR] [--txns N] [--case NAME]')
}
const enabled = name => only.length === 0 || only.includes(name)
const fullTrace = maxTxns === Infinity
if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc')

// Inputs, loaded outside every timed region.
const traceJSON = JSON.parse(gunzipSync(readFileSync(path.join(testdata, 'automerge-paper.json.gz'))).toString('utf8'))
const txns = traceJSON.txns.slice(0, maxTxns).map(t => t.patches)
const endContent = traceJSON.endContent
const b4Update = new Uint8Array(readFileSync(path.join(testdata, 'b4-update.bin')))

const newB4Doc = () => {
  const doc = new Y.Doc()
  doc.clientID = 4000000000
  return doc
}

// Replays the trace into a fresh doc: one transaction per trace entry.
const replay = (doc, counts) => {
  const text = doc.getText('text')
  doc.on('update', u => {
    counts.updates++
    counts.updateBytes += u.length
  })
  for (const patches of txns) {
    doc.transact(() => {
      for (const [pos, del, ins] of patches) {
        if (del > 0) text.delete(pos, del)
        if (ins !== '') text.insert(pos, ins)
      }
    })
  }
}

const fmt = x => Number(x.toFixed(3))
const timing = samples => {
  const s = [...samples].sort((a, b) => a - b)
  const n = s.length
  return {
    best_ms: fmt(s[0]),
    median_ms: fmt(n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2),
    samples_ms: samples.map(fmt)
  }
}
const now = () => performance.now()
const check = (ok, msg) => { if (!ok) throw new Error(msg) }

const cases = {}

if (enabled('b4_replay')) {
  const samples = []
  let last
  for (let i = 0; i <= runs; i++) { // i === 0 is the warm-up
    global.gc()
    let doc = newB4Doc()
    last = { updates: 0, updateBytes: 0 }
    const t0 = now()
    replay(doc, last)
    const t1 = now()
    if (i > 0) samples.push(t1 - t0)
    if (fullTrace) check(doc.getText('text').toString() === endContent, 'B4 replay: wrong final text')
    doc.destroy()
    doc = null
  }
  cases.b4_replay = { ...timing(samples), updates: last.updates, update_bytes: last.updateBytes }
}

if (enabled('apply_b4_update')) {
  const samples = []
  let textLength = 0
  for (let i = 0; i <= runs; i++) {
    global.gc()
    const t0 = now()
    const doc = new Y.Doc()
    Y.applyUpdate(doc, b4Update)
    const t1 = now()
    if (i > 0) samples.push(t1 - t0)
    textLength = doc.getText('text').length
    if (fullTrace) check(doc.getText('text').toString() === endContent, 'apply: wrong final text')
    doc.destroy()
  }
  cases.apply_b4_update = { ...timing(samples), input_bytes: b4Update.length, text_length: textLength }
}

// Memory of the finished B4 doc, and the doc for the encode case.
global.gc()
global.gc()
const heapBefore = process.memoryUsage().heapUsed
const b4Counts = { updates: 0, updateBytes: 0 }
const b4 = newB4Doc()
replay(b4, b4Counts)
global.gc()
global.gc()
const heapAfter = process.memoryUsage().heapUsed
const memory = {
  b4_doc_bytes: heapAfter - heapBefore,
  method: 'process.memoryUsage().heapUsed delta after global.gc()'
}

if (enabled('encode_b4_state')) {
  const samples = []
  let size = 0
  for (let i = 0; i <= runs; i++) {
    const t0 = now()
    const u = Y.encodeStateAsUpdate(b4)
    const t1 = now()
    if (i > 0) samples.push(t1 - t0)
    size = u.length
  }
  cases.encode_b4_state = { ...timing(samples), bytes: size }
}

const b4V2 = Y.encodeStateAsUpdateV2(b4)
if (enabled('encode_b4_state_v2')) {
  const samples = []
  let size = 0
  for (let i = 0; i <= runs; i++) {
    const t0 = now()
    const u = Y.encodeStateAsUpdateV2(b4)
    const t1 = now()
    if (i > 0) samples.push(t1 - t0)
    size = u.length
  }
  cases.encode_b4_state_v2 = { ...timing(samples), bytes: size }
}

if (enabled('apply_b4_state_v2')) {
  const samples = []
  for (let i = 0; i <= runs; i++) {
    global.gc()
    const t0 = now()
    const doc = new Y.Doc()
    Y.applyUpdateV2(doc, b4V2)
    const t1 = now()
    if (i > 0) samples.push(t1 - t0)
    if (fullTrace) check(doc.getText('text').toString() === endContent, 'apply v2: wrong final text')
    doc.destroy()
  }
  cases.apply_b4_state_v2 = { ...timing(samples), input_bytes: b4V2.length }
}

// The replay's updates merged as a log is compacted: each 1,000 consecutive
// updates, then the results (mergeUpdates re-sorts its readers at every step:
// one merge of all of them would take about half an hour). At most 2 timed
// runs: one run takes seconds.
if (enabled('merge_b4_updates')) {
  const updates = []
  const doc = newB4Doc()
  doc.on('update', u => updates.push(u))
  const text = doc.getText('text')
  for (const patches of txns) {
    doc.transact(() => {
      for (const [pos, del, ins] of patches) {
        if (del > 0) text.delete(pos, del)
        if (ins !== '') text.insert(pos, ins)
      }
    })
  }
  const samples = []
  let size = 0
  const mergeRuns = Math.min(runs, 2)
  for (let i = 0; i <= mergeRuns; i++) {
    global.gc()
    const t0 = now()
    const chunks = []
    for (let k = 0; k < updates.length; k += 1000) chunks.push(Y.mergeUpdates(updates.slice(k, k + 1000)))
    const merged = Y.mergeUpdates(chunks)
    const t1 = now()
    if (i > 0) samples.push(t1 - t0)
    size = merged.length
  }
  cases.merge_b4_updates = { ...timing(samples), updates: updates.length, bytes: size }
}

process.stdout.write(JSON.stringify({
  impl: 'yjs',
  version: yjsVersion,
  node: process.version,
  runs,
  txns: txns.length,
  cases,
  memory
}, null, 2) + '\n')
// Keep b4 alive up to here.
if (b4.getText('text').length < 0) console.log('unreachable')
