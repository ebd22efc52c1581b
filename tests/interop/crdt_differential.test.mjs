// Differential test: Roundtable's C++ CRDT against the real yjs 13.6.33.
//
// Each run simulates several editing users, some on yjs docs and some on C++
// docs (hosted by the roundtable_crdt_driver program), with random uint32
// client ids. They make random edits (maps, arrays, nested types, rich text,
// XML) and exchange updates over a lossy-ordered network: random delivery
// order, duplicates, and disconnects whose held-back queues are delivered
// later. Every update a doc emits from its own transactions, including the
// formatting cleanups a receiver authors (docs/crdt.md, text formatting), goes to all
// others. At the end everyone receives everything and all docs must converge
// (same JSON, state vector and delete set).
//
// Byte identity: an observer pair per run, one C++ doc and one yjs doc with
// the SAME client id, never edits and never sends, and receives exactly the
// same update sequence (order and duplicates included). At checkpoints and at
// the end both must give byte-identical encodeStateAsUpdate and
// encodeStateAsUpdateV2, byte-identical updates of their own (formatting
// cleanups), equal JSON (same key order) and the same observed events (path,
// delta, keys per deep-observer call).
//
// Update formats: a run exchanges v1 or v2 updates (odd seeds v2; FORMAT=v1
// or FORMAT=v2 forces one), so yjs and C++ read each other's in both. Every
// update a C++ doc emits comes in both formats, and yjs must read the same
// structs and delete set from the two. At each checkpoint the functions on updates without a
// document (merge of every update so far and of a random sample with
// duplicates, diff against two state vectors, the state vector and the meta of
// an update, conversion to the other format) must give yjs's bytes.
//
//   cd tests/interop && npm ci && node --test
//   SEED=1234 node --test crdt_differential.test.mjs     # replay one run
//   RUNS=100 OPS=300 BASE_SEED=1 node --test crdt_differential.test.mjs   # seeds 1..100
//   ROUNDTABLE_BUILD_DIR=/path/to/build (default ../../build)

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Driver } from './driver_client.mjs'
import * as Y from 'yjs'


const ROOTS = [['m', 'map'], ['a', 'array'], ['t', 'text'], ['x', 'xmlFragment']]
const REMOTE = Symbol('remote')

// --- seeded PRNG (mulberry32) ---
function makeRng (seed) {
  let s = seed >>> 0
  const next = () => {
    s = (s + 0x6D2B79F5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n) => Math.floor(next() * n)
  return {
    next,
    int,
    pick: (arr) => arr[int(arr.length)],
    chance: (p) => next() < p,
    uint32: () => (Math.floor(next() * 0x10000) * 0x10000 + Math.floor(next() * 0x10000)) >>> 0
  }
}

// --- JSON of what yjs hands out ---
const valueJSON = (v) => v instanceof Y.AbstractType ? v.toJSON() : v

function deltaJSON (delta) {
  return delta.map((op) => {
    const o = {}
    if (op.insert !== undefined) o.insert = Array.isArray(op.insert) ? op.insert.map(valueJSON) : valueJSON(op.insert)
    if (op.retain !== undefined) o.retain = op.retain
    if (op.delete !== undefined) o.delete = op.delete
    if (op.attributes !== undefined) o.attributes = op.attributes
    return o
  })
}

function keysJSON (keys) {
  const o = {}
  keys.forEach((change, key) => {
    o[key] = { action: change.action, oldValue: change.action === 'add' ? undefined : valueJSON(change.oldValue) }
  })
  return o
}

function kindOf (t) {
  if (t instanceof Y.XmlText) return 'xmlText'
  if (t instanceof Y.Text) return 'text'
  if (t instanceof Y.XmlElement) return 'xmlElement'
  if (t instanceof Y.XmlFragment) return 'xmlFragment'
  if (t instanceof Y.Array) return 'array'
  if (t instanceof Y.Map) return 'map'
  return 'other'
}

// Same shape as the driver's `describe`.
function describe (t) {
  if (!(t instanceof Y.AbstractType)) return { t: 'v' }
  const kind = kindOf(t)
  switch (kind) {
    case 'map': {
      const e = {}
      t.forEach((v, k) => { e[k] = describe(v) })
      return { t: kind, e }
    }
    case 'array': return { t: kind, e: t.toArray().map(describe) }
    case 'xmlFragment': return { t: kind, e: t.toArray().map(describe) }
    case 'xmlElement': return { t: kind, e: t.toArray().map(describe), attrs: Object.keys(t.getAttributes()) }
    case 'text':
    case 'xmlText': return { t: kind, len: t.length }
  }
  return { t: kind }
}

function getRoot (doc, name, kind) {
  switch (kind) {
    case 'map': return doc.getMap(name)
    case 'array': return doc.getArray(name)
    case 'text': return doc.getText(name)
    case 'xmlFragment': return doc.getXmlFragment(name)
  }
  throw new Error('root kind ' + kind)
}

function newType (nt) {
  switch (nt.kind) {
    case 'map': return new Y.Map()
    case 'array': return new Y.Array()
    case 'text': return new Y.Text()
    case 'xmlElement': return new Y.XmlElement(nt.name)
    case 'xmlText': return new Y.XmlText()
    case 'xmlFragment': return new Y.XmlFragment()
  }
  throw new Error('new type ' + nt.kind)
}
const toInput = (item) => item.newType ? newType(item.newType) : item.value

// Mirrors runOp in crdt_driver.cc (index clamping, skipping unresolved paths).
function runYOp (doc, op) {
  let t = getRoot(doc, op.root, op.kind)
  for (const step of op.path) {
    const k = kindOf(t)
    let c
    if (k === 'map') c = typeof step === 'string' ? t.get(step) : undefined
    else if (k === 'array' || k === 'xmlFragment' || k === 'xmlElement') c = typeof step === 'number' && step < t.length ? t.get(step) : undefined
    if (!(c instanceof Y.AbstractType)) return false
    t = c
  }
  const k = kindOf(t)
  const isText = k === 'text' || k === 'xmlText'
  const isXmlList = k === 'xmlFragment' || k === 'xmlElement'
  const len = (k === 'array' || isText || isXmlList) ? t.length : 0
  const index = () => Math.min(op.index, len)
  const count = (i) => Math.min(op.len, len - i)
  switch (op.op) {
    case 'mapSet': if (k !== 'map') return false; t.set(op.key, toInput(op)); return true
    case 'mapDelete': if (k !== 'map') return false; t.delete(op.key); return true
    case 'arrayInsert': if (k !== 'array') return false; t.insert(index(), op.items.map(toInput)); return true
    case 'textInsert': if (!isText) return false; t.insert(index(), op.text, op.attrs); return true
    case 'textEmbed': if (!isText) return false; t.insertEmbed(index(), op.embed, op.attrs); return true
    case 'xmlInsertElement': if (!isXmlList) return false; t.insert(index(), [new Y.XmlElement(op.name)]); return true
    case 'xmlInsertText': if (!isXmlList) return false; t.insert(index(), [new Y.XmlText()]); return true
    case 'xmlSetAttr': if (k !== 'xmlElement') return false; t.setAttribute(op.key, op.value); return true
    case 'xmlRemoveAttr': if (k !== 'xmlElement') return false; t.removeAttribute(op.key); return true
    case 'arrayDelete':
    case 'textDelete':
    case 'textFormat':
    case 'xmlDelete': {
      const want = op.op === 'arrayDelete' ? k === 'array' : op.op === 'xmlDelete' ? isXmlList : isText
      if (!want) return false
      const i = index(); const n = count(i)
      if (n === 0) return false
      if (op.op === 'textFormat') t.format(i, n, op.attrs)
      else t.delete(i, n)
      return true
    }
  }
  return false
}

// --- peers: the same async interface over yjs and the driver ---
class YPeer {
  constructor (name, client, gc, format) {
    this.name = name
    this.impl = 'yjs'
    this.format = format
    this.doc = new Y.Doc({ gc })
    this.doc.clientID = client
    this.updates = []
    this.events = []
    this.doc.on(format === 'v2' ? 'updateV2' : 'update', (u, origin) => { if (origin !== REMOTE) this.updates.push(u) })
    for (const [rname, kind] of ROOTS) {
      getRoot(this.doc, rname, kind).observeDeep((events) => {
        this.events.push({ root: rname, events: events.map((e) => ({ path: e.path, delta: deltaJSON(e.delta), keys: keysJSON(e.keys) })) })
      })
    }
  }

  async transact (ops) { this.doc.transact(() => { for (const op of ops) runYOp(this.doc, op) }) }
  async apply (u) { if (this.format === 'v2') Y.applyUpdateV2(this.doc, u, REMOTE); else Y.applyUpdate(this.doc, u, REMOTE) }
  async describe () {
    const tree = {}
    for (const [rname, kind] of ROOTS) tree[rname] = describe(getRoot(this.doc, rname, kind))
    return tree
  }

  async drain () {
    const out = { updates: this.updates, other: [], events: this.events }
    this.updates = []; this.events = []
    return out
  }

  async report () {
    const json = {}
    for (const [rname, kind] of ROOTS) {
      const t = getRoot(this.doc, rname, kind)
      json[rname] = kind === 'map' || kind === 'array' ? t.toJSON() : t.toString()
    }
    const sv = [...Y.decodeStateVector(Y.encodeStateVector(this.doc)).entries()].sort((a, b) => a[0] - b[0])
    const state = Y.encodeStateAsUpdate(this.doc)
    const stateV2 = Y.encodeStateAsUpdateV2(this.doc)
    return { json, sv, state, stateV2, ...(await this.drain()) }
  }
}

const fromB64 = (b) => new Uint8Array(Buffer.from(b, 'base64'))

class CppPeer {
  constructor (driver, name, client, gc, format) {
    this.driver = driver
    this.name = name
    this.impl = 'c++'
    this.format = format
    this.ready = driver.call({ cmd: 'create', doc: name, client, gc, roots: ROOTS, events: true, format })
  }

  async transact (ops) {
    const res = await this.driver.call({ cmd: 'transact', doc: this.name, ops })
    if (res.opError) throw new Error(`C++ op failed: ${res.opError} in ${JSON.stringify(ops)}`)
  }

  async apply (u) { await this.driver.call({ cmd: 'apply', doc: this.name, update: Buffer.from(u).toString('base64'), format: this.format }) }
  async describe () { return (await this.driver.call({ cmd: 'describe', doc: this.name })).tree }
  async drain () {
    const r = await this.driver.call({ cmd: 'drain', doc: this.name })
    return { updates: r.updates.map(fromB64), other: r.other.map(fromB64), events: r.events }
  }

  async report () {
    const r = await this.driver.call({ cmd: 'report', doc: this.name })
    const sv = Object.entries(r.sv).map(([c, k]) => [Number(c), k]).sort((a, b) => a[0] - b[0])
    return {
      json: r.json,
      sv,
      state: fromB64(r.state),
      stateV2: fromB64(r.stateV2),
      updates: r.updates.map(fromB64),
      other: r.other.map(fromB64),
      events: r.events
    }
  }

  async destroy () { await this.driver.call({ cmd: 'destroy', doc: this.name }) }
}

// --- random ops ---
const KEYS = ['a', 'b', 'c', 'd', 'e', 'f']
const ATTRS = [{ bold: true }, { bold: null }, { italic: true }, { italic: null }, { color: 'red' }, { color: 'blue' }, { bold: true, italic: true }, { color: null }]
// Text gets BMP characters only: an edit at an index inside a surrogate pair
// makes yjs itself diverge (docs/crdt.md, strings: the split halves become U+FFFD
// on the docs that split, not on the others), so no implementation can
// converge there. Emoji still go into atomic values (VALUE_WORDS).
const WORDS = ['x', 'ab', 'hello', ' ', 'q\n', 'zz', 'é', 'ß', 'abc', 'w']
const VALUE_WORDS = [...WORDS, '😀', 'a😀b']

function randomValue (rng) {
  switch (rng.int(10)) {
    case 0: return rng.int(1000)
    case 1: return -rng.int(100)
    case 2: return rng.pick([0.5, 1.1, 2 ** 40, -(2 ** 31), 1e21])
    case 3: return rng.pick(VALUE_WORDS) + rng.int(100)
    case 4: return rng.chance(0.5)
    case 5: return null
    case 6: return { k: rng.int(10), s: rng.pick(VALUE_WORDS) }
    case 7: return [rng.int(10), 'v']
    default: return 'v' + rng.int(1000)
  }
}

function randomNewType (rng, depth, inXml) {
  if (inXml) return rng.chance(0.6) ? { kind: 'xmlElement', name: rng.pick(['p', 'div', 'span']) } : { kind: 'xmlText' }
  return { kind: rng.pick(depth < 3 ? ['map', 'array', 'text'] : ['text']) }
}

function collectTargets (tree) {
  const out = []
  const walk = (node, root, kind, p) => {
    if (node.t === 'v' || node.t === 'other') return
    out.push({ node, root, kind, path: p })
    if (node.t === 'map') for (const [k, c] of Object.entries(node.e)) walk(c, root, kind, [...p, k])
    else if (node.e) node.e.forEach((c, i) => walk(c, root, kind, [...p, i]))
  }
  for (const [rname, kind] of ROOTS) walk(tree[rname], rname, kind, [])
  return out
}

function randomOp (rng, tree) {
  const targets = collectTargets(tree)
  const tg = rng.pick(targets)
  const base = { root: tg.root, kind: tg.kind, path: tg.path }
  const depth = tg.path.length
  const n = tg.node
  const len = n.t === 'text' || n.t === 'xmlText' ? n.len : (n.e && Array.isArray(n.e) ? n.e.length : 0)
  const idx = () => rng.int(len + 1)
  const dlen = () => 1 + rng.int(rng.chance(0.8) ? 3 : 10)
  switch (n.t) {
    case 'map': {
      const existing = Object.keys(n.e)
      if (existing.length && rng.chance(0.25)) return { ...base, op: 'mapDelete', key: rng.pick(existing) }
      if (rng.chance(0.3)) return { ...base, op: 'mapSet', key: rng.pick(KEYS), newType: randomNewType(rng, depth, false) }
      return { ...base, op: 'mapSet', key: rng.pick(KEYS), value: randomValue(rng) }
    }
    case 'array': {
      if (len && rng.chance(0.3)) return { ...base, op: 'arrayDelete', index: rng.int(len), len: dlen() }
      const items = []
      const cnt = 1 + rng.int(3)
      for (let i = 0; i < cnt; i++) items.push(rng.chance(0.25) ? { newType: randomNewType(rng, depth, false) } : { value: randomValue(rng) })
      return { ...base, op: 'arrayInsert', index: idx(), items }
    }
    case 'text':
    case 'xmlText': {
      const r = rng.next()
      if (len && r < 0.25) return { ...base, op: 'textDelete', index: rng.int(len), len: dlen() }
      if (len && r < 0.45) return { ...base, op: 'textFormat', index: rng.int(len), len: dlen(), attrs: rng.pick(ATTRS) }
      if (r < 0.5) return { ...base, op: 'textEmbed', index: idx(), embed: { img: rng.pick(VALUE_WORDS) }, ...(rng.chance(0.5) ? { attrs: rng.pick(ATTRS) } : {}) }
      return { ...base, op: 'textInsert', index: idx(), text: rng.pick(WORDS), ...(rng.chance(0.4) ? { attrs: rng.pick(ATTRS) } : {}) }
    }
    case 'xmlFragment':
    case 'xmlElement': {
      const r = rng.next()
      if (n.t === 'xmlElement' && r < 0.3) {
        if (n.attrs.length && rng.chance(0.3)) return { ...base, op: 'xmlRemoveAttr', key: rng.pick(n.attrs) }
        return { ...base, op: 'xmlSetAttr', key: rng.pick(['id', 'class', 'href']), value: rng.pick(VALUE_WORDS) + rng.int(10) }
      }
      if (len && r < 0.5) return { ...base, op: 'xmlDelete', index: rng.int(len), len: dlen() }
      if (depth >= 3 || rng.chance(0.5)) return { ...base, op: 'xmlInsertText', index: idx() }
      return { ...base, op: 'xmlInsertElement', index: idx(), name: rng.pick(['p', 'div', 'span']) }
    }
  }
  return { ...base, op: 'noop' }
}

// --- comparison helpers ---
const b64 = (u) => Buffer.from(u).toString('base64')
function canon (v) {
  if (Array.isArray(v)) return v.map(canon)
  if (v && typeof v === 'object') {
    const o = {}
    for (const k of Object.keys(v).sort()) o[k] = canon(v[k])
    return o
  }
  return v
}
const canonStr = (v) => JSON.stringify(canon(v))

// The delete set of an encoded state as sorted, merged [client, clock, len] ranges.
function deleteSetOf (state) {
  const { ds } = Y.decodeUpdate(state)
  const out = []
  for (const [client, ranges] of [...ds.clients.entries()].sort((a, b) => a[0] - b[0])) {
    const rs = ranges.map((r) => [r.clock, r.len]).sort((a, b) => a[0] - b[0])
    const merged = []
    for (const [c, l] of rs) {
      const last = merged[merged.length - 1]
      if (last && c <= last[0] + last[1]) last[1] = Math.max(last[1], c + l - last[0])
      else merged.push([c, l])
    }
    for (const [c, l] of merged) out.push([client, c, l])
  }
  return out
}

function firstDiff (a, b) {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  const ctx = (s) => s.slice(Math.max(0, i - 60), i + 60)
  return `first difference at char ${i}:\n    ${ctx(a)}\n    ${ctx(b)}`
}

function hexDiff (a, b) {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  const hex = (u) => Buffer.from(u.subarray(Math.max(0, i - 16), i + 32)).toString('hex')
  return `lengths ${a.length} / ${b.length}, first differing byte ${i}:\n    c++  ${hex(a)}\n    yjs  ${hex(b)}`
}

// --- one simulated run ---
async function simulate (seed, opsPerRun, driver, log) {
  const rng = makeRng(seed)
  const usedClients = new Set()
  const client = () => { let c; do { c = rng.uint32() } while (usedClients.has(c)); usedClients.add(c); return c }
  const peers = []
  // Most runs garbage-collect as yjs does by default; some keep deleted content.
  const gc = !rng.chance(0.25)
  const format = process.env.FORMAT ?? (seed % 2 ? 'v2' : 'v1')
  const V2 = format === 'v2'
  const nY = 1 + rng.int(3)
  const nC = 1 + rng.int(3)
  for (let i = 0; i < nY; i++) peers.push(new YPeer(`s${seed}-y${i}`, client(), gc, format))
  for (let i = 0; i < nC; i++) peers.push(new CppPeer(driver, `s${seed}-c${i}`, client(), gc, format))
  rng.next() // shuffle editors so indices mix implementations
  for (let i = peers.length - 1; i > 0; i--) { const j = rng.int(i + 1); [peers[i], peers[j]] = [peers[j], peers[i]] }
  const obsClient = client()
  const obsC = new CppPeer(driver, `s${seed}-obsC`, obsClient, gc, format)
  const obsY = new YPeer(`s${seed}-obsY`, obsClient, gc, format)
  for (const p of [...peers, obsC]) await p.ready

  // Receivers: each editor, and the observer pair as one receiver (same sequence).
  const receivers = peers.map((p) => ({ docs: [p], from: p, queue: [], offline: false }))
  const obsRecv = { docs: [obsC, obsY], from: null, queue: [], offline: false }
  receivers.push(obsRecv)
  let step = 0
  const where = () => `seed=${seed} step=${step}`

  const allUpdates = [] // every update sent, once, in the run's format
  const broadcast = (sender, updates) => {
    for (const u of updates) {
      allUpdates.push(u)
      for (const r of receivers) if (r.from !== sender) r.queue.push(u)
    }
  }
  const obsEvents = { c: [], y: [] }
  const obsUpdates = { c: [], y: [] }
  const stats = { events: 0, checkpoints: 0, cleanupUpdates: 0, converted: 0, updateFns: 0 }
  // A C++ doc's v1 and v2 update of one transaction hold the same structs and
  // delete set, as yjs reads them. (yjs's conversions drop the parent-key bit
  // of an item written with an origin (docs/crdt.md, the v2 update), so
  // both sides are compared after passing through yjs's converters.)
  const checkOther = (p, updates, other) => {
    assert.equal(other.length, updates.length, `${where()} ${p.name}: updates in both formats`)
    updates.forEach((u, i) => {
      const v1 = V2 ? other[i] : u
      const v2 = V2 ? u : other[i]
      const got = Y.convertUpdateFormatV2ToV1(v2)
      const want = Y.convertUpdateFormatV2ToV1(Y.convertUpdateFormatV1ToV2(v1))
      assert.ok(b64(got) === b64(want), `${where()} ${p.name}: its v1 and v2 updates differ as yjs reads them, ${hexDiff(got, want)}`)
      stats.converted++
    })
  }
  const collect = async (p, afterApply = false) => {
    const { updates, other, events } = await p.drain()
    if (p.impl === 'c++') checkOther(p, updates, other)
    if (afterApply && p !== obsC && p !== obsY) stats.cleanupUpdates += updates.length
    if (p === obsC) { obsEvents.c.push(...events); obsUpdates.c.push(...updates) } else if (p === obsY) { obsEvents.y.push(...events); obsUpdates.y.push(...updates) } else broadcast(p, updates)
  }
  const deliver = async (r, all) => {
    while (r.queue.length) {
      const i = rng.int(r.queue.length)
      const u = r.queue[i]
      if (!all && rng.chance(0.1)) { /* duplicate: leave it queued for another delivery */ } else r.queue.splice(i, 1)
      for (const d of r.docs) { await d.apply(u); await collect(d, true) }
      if (!all) return
    }
  }

  // The functions on updates without a document, against yjs's.
  const srng = makeRng(seed ^ 0x5bd1e995) // apart from rng: v1 runs replay as before
  const call = (req) => driver.call({ ...req, format })
  const same = (got, want, what) => assert.ok(b64(got) === b64(want), `${where()} ${what} differs (c++ vs yjs), ${hexDiff(got, want)}`)
  const compareUpdateFunctions = async (label) => {
    if (!allUpdates.length) return
    const sample = []
    for (let i = 0; i < Math.min(8, allUpdates.length); i++) sample.push(srng.pick(allUpdates))
    const ymerge = V2 ? Y.mergeUpdatesV2 : Y.mergeUpdates
    for (const [what, list] of [['merge of every update', allUpdates], ['merge of a sample', sample]]) {
      const r = await call({ cmd: 'merge', updates: list.map(b64) })
      same(fromB64(r.update), ymerge(list), `${label}: ${format} ${what}`)
    }
    const merged = ymerge(allUpdates)
    const sv = Y.decodeStateVector(Y.encodeStateVector(obsY.doc))
    const half = new Map([...sv].map(([c, k]) => [c, Math.floor(k / 2)]))
    for (const s of [Y.encodeStateVector(sv), Y.encodeStateVector(half)]) {
      const r = await call({ cmd: 'diff', update: b64(merged), sv: b64(s) })
      same(fromB64(r.update), V2 ? Y.diffUpdateV2(merged, s) : Y.diffUpdate(merged, s), `${label}: ${format} diff`)
    }
    for (const u of [merged, ...sample]) {
      const r1 = await call({ cmd: 'svFromUpdate', update: b64(u) })
      same(fromB64(r1.sv), V2 ? Y.encodeStateVectorFromUpdateV2(u) : Y.encodeStateVectorFromUpdate(u), `${label}: ${format} state vector from update`)
      const r2 = await call({ cmd: 'meta', update: b64(u) })
      const m = V2 ? Y.parseUpdateMetaV2(u) : Y.parseUpdateMeta(u)
      assert.deepEqual({ from: r2.from, to: r2.to }, { from: [...m.from], to: [...m.to] }, `${where()} ${label}: ${format} update meta differs`)
      const r3 = await driver.call({ cmd: 'convert', to: V2 ? 'v1' : 'v2', update: b64(u) })
      same(fromB64(r3.update), V2 ? Y.convertUpdateFormatV2ToV1(u) : Y.convertUpdateFormatV1ToV2(u), `${label}: conversion of a ${format} update`)
    }
    stats.updateFns++
  }

  const compareObservers = async (label) => {
    const rc = await obsC.report()
    const ry = await obsY.report()
    obsEvents.c.push(...rc.events); obsEvents.y.push(...ry.events)
    obsUpdates.c.push(...rc.updates); obsUpdates.y.push(...ry.updates)
    assert.equal(obsUpdates.c.length, obsUpdates.y.length, `${where()} ${label}: the observer pair emitted different numbers of updates`)
    obsUpdates.c.forEach((u, i) => same(u, obsUpdates.y[i], `${label}: observer pair's own ${format} update ${i}`))
    obsUpdates.c = []; obsUpdates.y = []
    same(rc.stateV2, ry.stateV2, `${label}: observer pair encodeStateAsUpdateV2`)
    const jc = JSON.stringify(rc.json); const jy = JSON.stringify(ry.json)
    assert.ok(jc === jy, `${where()} ${label}: observer pair JSON differs (c++ vs yjs), ${firstDiff(jc, jy)}`)
    assert.deepEqual(rc.sv, ry.sv, `${where()} ${label}: observer pair state vectors differ`)
    assert.ok(b64(rc.state) === b64(ry.state), `${where()} ${label}: observer pair encodeStateAsUpdate differs, ${hexDiff(rc.state, ry.state)}`)
    const ec = JSON.stringify(obsEvents.c); const ey = JSON.stringify(obsEvents.y)
    assert.ok(ec === ey, `${where()} ${label}: observer pair events differ (c++ vs yjs), ${firstDiff(ec, ey)}`)
    stats.events += obsEvents.c.length
    stats.checkpoints++
    obsEvents.c = []; obsEvents.y = []
    return rc.state.length
  }

  let ops = 0
  while (ops < opsPerRun) {
    step++
    const r = rng.next()
    if (r < 0.55) {
      const p = rng.pick(peers)
      const tree = await p.describe()
      const batch = []
      const nOps = rng.chance(0.7) ? 1 : 2 + rng.int(3)
      for (let i = 0; i < nOps; i++) batch.push(randomOp(rng, tree))
      ops += batch.length
      await p.transact(batch)
      await collect(p)
    } else if (r < 0.95) {
      const online = receivers.filter((x) => !x.offline && x.queue.length)
      if (online.length) await deliver(rng.pick(online), rng.chance(0.2))
    } else {
      const x = rng.pick(receivers)
      x.offline = !x.offline
    }
    if (step % 40 === 0) { await compareObservers('checkpoint'); await compareUpdateFunctions('checkpoint') }
  }

  // Reconnect everyone and deliver everything, including the updates the
  // deliveries themselves cause (formatting cleanups), until all is quiet.
  for (const x of receivers) x.offline = false
  for (let round = 0; receivers.some((x) => x.queue.length); round++) {
    assert.ok(round < 50, `${where()} final delivery does not settle`)
    for (const x of receivers) await deliver(x, true)
  }
  step++
  const finalBytes = await compareObservers('final')
  await compareUpdateFunctions('final')

  const reports = []
  for (const p of [...peers, obsC, obsY]) reports.push({ p, r: await p.report() })
  const ref = reports[0]
  const refJSON = canonStr(ref.r.json)
  const refDS = JSON.stringify(deleteSetOf(ref.r.state))
  for (const { p, r } of reports) {
    // Each doc's state in the two formats holds the same structs, as yjs reads them.
    same(Y.convertUpdateFormatV2ToV1(r.stateV2), Y.convertUpdateFormatV2ToV1(Y.convertUpdateFormatV1ToV2(r.state)), `final: ${p.name} (${p.impl}) encodeStateAsUpdateV2 against its v1 state`)
  }
  for (const { p, r } of reports.slice(1)) {
    const j = canonStr(r.json)
    const observer = p === obsC || p === obsY
    // The observers' own formatting cleanups are never sent. yjs's cleanup is
    // not neutral for rendered formatting (docs/crdt.md, text formatting), so an observer
    // may render formatting differently from the editors: seed 603208178 makes
    // the yjs and the C++ observer agree byte for byte (compareObservers above)
    // while both differ from the editors. Observers are held to each other;
    // editors, who send everything, to one another.
    if (!observer) assert.ok(j === refJSON, `${where()} final: ${p.name} (${p.impl}) JSON differs from ${ref.p.name} (${ref.p.impl}), ${firstDiff(j, refJSON)}`)
    assert.deepEqual(r.sv, ref.r.sv, `${where()} final: ${p.name} (${p.impl}) state vector differs from ${ref.p.name} (${ref.p.impl})`)
    if (observer) continue
    const ds = JSON.stringify(deleteSetOf(r.state))
    assert.ok(ds === refDS, `${where()} final: ${p.name} (${p.impl}) delete set differs from ${ref.p.name} (${ref.p.impl}), ${firstDiff(ds, refDS)}`)
  }
  for (const p of [...peers, obsC]) if (p.destroy) await p.destroy()
  log(`seed ${seed}: ${format}, ${ops} ops in ${step} steps, ${nY} yjs + ${nC} c++ editors, gc ${gc}, converged; observer pair byte-identical at ${stats.checkpoints} checkpoints (${finalBytes} bytes at the end), ${stats.events} observer events equal, ${stats.cleanupUpdates} updates authored by receivers (formatting cleanup) broadcast; ${stats.converted} c++ updates converted as yjs does; update functions equal at ${stats.updateFns} checkpoints`)
  return ops
}

test('C++ CRDT and yjs converge and agree byte for byte', { timeout: 180_000 }, async (t) => {
  const driver = new Driver('roundtable_crdt_driver')
  try {
    const runs = process.env.SEED ? 1 : Number(process.env.RUNS ?? 20)
    const opsPerRun = Number(process.env.OPS ?? 300)
    // Fixed seeds by default, so that CI is reproducible; BASE_SEED=random explores new ones.
    const base = process.env.SEED ?? process.env.BASE_SEED ?? '1'
    const baseSeed = base === 'random' ? Date.now() % 1_000_000_000 : Number(base)
    let total = 0
    for (let i = 0; i < runs; i++) {
      const seed = process.env.SEED ? baseSeed : baseSeed + i
      console.log(`# differential run ${i + 1}/${runs} SEED=${seed}`)
      total += await simulate(seed, opsPerRun, driver, (m) => console.log(m))
    }
    console.log(`# ${runs} runs, ${total} ops, all converged`)
  } finally {
    driver.close()
  }
})
