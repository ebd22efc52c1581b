// `roundtable doc` against the real yjs: documents made by yjs, read by the
// C++ tool, must print what yjs prints and re-encode to yjs's bytes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as Y from 'yjs'

const buildDir = process.env.ROUNDTABLE_BUILD_DIR || path.resolve(import.meta.dirname, '../../build')
const bin = path.join(buildDir, 'roundtable')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-doc-'))

const writeUpdate = (name, bytes) => {
  const file = path.join(tmp, name)
  fs.writeFileSync(file, bytes)
  return file
}
const run = (args, input) => execFileSync(bin, args, { input, maxBuffer: 1 << 28 })

// Two users edit every kind of type concurrently; the updates cross.
const makeDocs = () => {
  const a = new Y.Doc(); a.clientID = 1111
  const b = new Y.Doc(); b.clientID = 2222
  const updatesA = []; const updatesB = []
  a.on('update', u => updatesA.push(u)); b.on('update', u => updatesB.push(u))
  a.getMap('map').set('title', 'Plan 😀')
  a.getMap('map').set('nested', new Y.Map([['n', 1.5], ['bytes', new Uint8Array([1, 2, 3])]]))
  b.getArray('array').insert(0, [1, 'two', { three: [3] }, null, true])
  a.getText('text').insert(0, 'Hello wörld 😀', { bold: true })
  b.getText('text').insert(0, 'Concurrent ')
  const frag = a.getXmlFragment('xml')
  const p = new Y.XmlElement('paragraph'); p.setAttribute('id', 'b1')
  const t = new Y.XmlText(); t.insert(0, 'formatted', { italic: {} })
  p.insert(0, [t]); frag.insert(0, [p])
  b.getMap('map').set('title', 'Other title')
  for (const u of updatesA) Y.applyUpdate(b, u)
  for (const u of updatesB) Y.applyUpdate(a, u)
  a.getArray('array').delete(1, 2)
  a.getText('text').format(0, 5, { italic: true })
  return { a, updates: [...updatesA, ...updatesB] }
}

test('doc json prints what yjs toJSON/toString give', () => {
  const { a } = makeDocs()
  const file = writeUpdate('state.bin', Y.encodeStateAsUpdate(a))
  const out = JSON.parse(run(['doc', 'json', '--root', 'map=map', '--root', 'array=array', '--root', 'text=text', '--root', 'xml=xml', file]).toString())
  const expected = JSON.parse(JSON.stringify({
    map: a.getMap('map').toJSON(),
    array: a.getArray('array').toJSON(),
    text: a.getText('text').toString(),
    xml: a.getXmlFragment('xml').toString()
  }))
  assert.deepEqual(out, expected)
})

test('doc json applies several files in order, stdin as -', () => {
  const { a, updates } = makeDocs()
  const files = updates.map((u, i) => writeUpdate(`u${i}.bin`, u))
  const last = Y.encodeStateAsUpdate(a)
  const out = JSON.parse(run(['doc', 'json', '--root', 'text=text', ...files, '-'], last).toString())
  assert.equal(out.text, a.getText('text').toString())
})

test('doc state prints the state vector', () => {
  const { a } = makeDocs()
  const file = writeUpdate('sv.bin', Y.encodeStateAsUpdate(a))
  const out = JSON.parse(run(['doc', 'state', file]).toString())
  const expected = {}
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(a))) expected[client] = clock
  assert.deepEqual(out, expected)
})

test('doc encode gives the bytes yjs gives, whole and against a state vector', () => {
  const { a, updates } = makeDocs()
  const files = updates.map((u, i) => writeUpdate(`e${i}.bin`, u))
  // A yjs doc that received the same updates in the same order.
  const mirror = new Y.Doc()
  for (const u of updates) Y.applyUpdate(mirror, u)
  assert.deepEqual(new Uint8Array(run(['doc', 'encode', ...files])), Y.encodeStateAsUpdate(mirror))
  const partial = new Y.Doc()
  Y.applyUpdate(partial, updates[0])
  const svFile = writeUpdate('target.sv', Y.encodeStateVector(partial))
  assert.deepEqual(new Uint8Array(run(['doc', 'encode', ...files, '--sv', svFile])), Y.encodeStateAsUpdate(mirror, Y.encodeStateVector(partial)))
})

test('b4-update.bin re-encodes to the bytes yjs gives', () => {
  const file = path.resolve(import.meta.dirname, '../data/b4-update.bin')
  const doc = new Y.Doc()
  Y.applyUpdate(doc, fs.readFileSync(file))
  assert.deepEqual(new Uint8Array(run(['doc', 'encode', file])), Y.encodeStateAsUpdate(doc))
})

test('a malformed update gives one line on stderr and exit status 1', () => {
  const { a } = makeDocs()
  const full = Y.encodeStateAsUpdate(a)
  for (const bad of [full.slice(0, full.length - 7), new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), new Uint8Array([1, 200, 1, 5, 0, 4])]) {
    const r = spawnSync(bin, ['doc', 'json', '--root', 'text=text', writeUpdate('bad.bin', bad)])
    assert.equal(r.status, 1)
    const lines = r.stderr.toString().trim().split('\n')
    assert.equal(lines.length, 1, r.stderr.toString())
    assert.match(lines[0], /malformed update/)
  }
})

// --- update format v2, and updates without a document ---

const v2Updates = () => {
  const { a, updates } = makeDocs()
  return { a, updates, v2: updates.map((u) => Y.convertUpdateFormatV1ToV2(u)) }
}

test('--format v2: json, state and encode read and write v2 as yjs does', () => {
  const { v2 } = v2Updates()
  const files = v2.map((u, i) => writeUpdate(`v2-${i}.bin`, u))
  const mirror = new Y.Doc()
  for (const u of v2) Y.applyUpdateV2(mirror, u)
  const json = JSON.parse(run(['doc', 'json', '--format', 'v2', '--root', 'map=map', '--root', 'text=text', '--root', 'xml=xml', ...files]).toString())
  assert.deepEqual(json, JSON.parse(JSON.stringify({ map: mirror.getMap('map').toJSON(), text: mirror.getText('text').toString(), xml: mirror.getXmlFragment('xml').toString() })))
  const state = JSON.parse(run(['doc', 'state', '--format', 'v2', ...files]).toString())
  assert.deepEqual(state, Object.fromEntries(Y.decodeStateVector(Y.encodeStateVector(mirror))))
  assert.deepEqual(new Uint8Array(run(['doc', 'encode', '--format', 'v2', ...files])), Y.encodeStateAsUpdateV2(mirror))
  const partial = new Y.Doc()
  Y.applyUpdateV2(partial, v2[0])
  const svFile = writeUpdate('v2-target.sv', Y.encodeStateVector(partial))
  assert.deepEqual(new Uint8Array(run(['doc', 'encode', '--format', 'v2', ...files, '--sv', svFile])), Y.encodeStateAsUpdateV2(mirror, Y.encodeStateVector(partial)))
})

test('doc merge, diff, convert and meta give yjs\'s bytes and maps, in both formats', () => {
  const { updates, v2 } = v2Updates()
  for (const [format, list, merge, diff, meta] of [
    ['v1', updates, Y.mergeUpdates, Y.diffUpdate, Y.parseUpdateMeta],
    ['v2', v2, Y.mergeUpdatesV2, Y.diffUpdateV2, Y.parseUpdateMetaV2]
  ]) {
    const files = list.map((u, i) => writeUpdate(`m-${format}-${i}.bin`, u))
    // Out of order and with a duplicate: the merge has Skips and slices.
    const order = [files.length - 1, 0, 2, 2, 1]
    const merged = new Uint8Array(run(['doc', 'merge', '--format', format, ...order.map((i) => files[i])]))
    assert.deepEqual(merged, merge(order.map((i) => list[i])), `${format} merge`)
    const mergedFile = writeUpdate(`merged-${format}.bin`, merged)
    const partial = new Y.Doc()
    Y.applyUpdate(partial, updates[0])
    const sv = Y.encodeStateVector(partial)
    const svFile = writeUpdate(`diff-${format}.sv`, sv)
    assert.deepEqual(new Uint8Array(run(['doc', 'diff', '--format', format, mergedFile, '--sv', svFile])), diff(merged, sv), `${format} diff`)
    const m = meta(merged)
    assert.deepEqual(JSON.parse(run(['doc', 'meta', '--format', format, mergedFile]).toString()),
      { from: Object.fromEntries(m.from), to: Object.fromEntries(m.to) }, `${format} meta`)
    const to = format === 'v1' ? 'v2' : 'v1'
    const convert = format === 'v1' ? Y.convertUpdateFormatV1ToV2 : Y.convertUpdateFormatV2ToV1
    assert.deepEqual(new Uint8Array(run(['doc', 'convert', '--to', to, mergedFile])), convert(merged), `convert ${format} to ${to}`)
  }
})

test('b4-update.bin converts to yjs\'s v2, which re-encodes to yjs\'s bytes', () => {
  const file = path.resolve(import.meta.dirname, '../data/b4-update.bin')
  const b4 = new Uint8Array(fs.readFileSync(file))
  const v2 = new Uint8Array(run(['doc', 'convert', '--to', 'v2', file]))
  assert.deepEqual(v2, Y.convertUpdateFormatV1ToV2(b4))
  const doc = new Y.Doc()
  Y.applyUpdateV2(doc, v2)
  assert.deepEqual(new Uint8Array(run(['doc', 'encode', '--format', 'v2', writeUpdate('b4.v2', v2)])), Y.encodeStateAsUpdateV2(doc))
})

test('a malformed v2 update gives one line on stderr and exit status 1, for every verb', () => {
  const { v2 } = v2Updates()
  const bad = writeUpdate('bad-v2.bin', v2[0].slice(0, v2[0].length - 3))
  const svFile = writeUpdate('bad.sv', new Uint8Array([0]))
  for (const args of [['json', '--format', 'v2', '--root', 'text=text', bad], ['state', '--format', 'v2', bad], ['encode', '--format', 'v2', bad],
    ['merge', '--format', 'v2', bad, bad], ['diff', '--format', 'v2', bad, '--sv', svFile], ['convert', '--to', 'v1', bad], ['meta', '--format', 'v2', bad]]) {
    const r = spawnSync(bin, ['doc', ...args])
    assert.equal(r.status, 1, args.join(' '))
    const lines = r.stderr.toString().trim().split('\n')
    assert.equal(lines.length, 1, r.stderr.toString())
    assert.match(lines[0], /malformed/, args.join(' '))
  }
})
