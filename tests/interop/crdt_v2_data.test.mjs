// Update format v2 on the shared test data, against the real yjs 13.6.33:
// the 5,320 cases of small-test-dataset.bin applied from their v2 form (yjs
// converts each v1 update) give yjs's documents and yjs's state bytes in both
// formats; b4-update.bin and the replayed B4 trace encode to yjs's v2 bytes
// (159,929 for the trace), and each side reads the other's v2.
//
//   cd tests/interop && ROUNDTABLE_BUILD_DIR=../../build node --test crdt_v2_data.test.mjs

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import { Driver } from './driver_client.mjs'

const dataDir = path.resolve(import.meta.dirname, '../data')
const b64 = (u) => Buffer.from(u).toString('base64')
const fromB64 = (b) => new Uint8Array(Buffer.from(b, 'base64'))
const hexAt = (a, b) => {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return `lengths ${a.length} / ${b.length}, first differing byte ${i}`
}
const sameBytes = (got, want, what) => assert.ok(b64(got) === b64(want), `${what}: ${hexAt(got, want)}`)
const ROOTS = [['text', 'text'], ['map', 'map'], ['array', 'array']]

test('the yjs test dataset, applied from v2, gives yjs\'s documents and bytes', { timeout: 300_000 }, async () => {
  const driver = new Driver('roundtable_crdt_driver')
  try {
    const dec = decoding.createDecoder(fs.readFileSync(path.join(dataDir, 'small-test-dataset.bin')))
    const cases = decoding.readVarUint(dec)
    assert.equal(cases, 5320)
    let updates = 0
    for (let c = 0; c < cases; c++) {
      const n = decoding.readVarUint(dec)
      const v2s = []
      for (let i = 0; i < n; i++) v2s.push(Y.convertUpdateFormatV1ToV2(decoding.readVarUint8Array(dec)))
      const text = decoding.readVarString(dec)
      const map = decoding.readAny(dec)
      const array = decoding.readAny(dec)
      const ydoc = new Y.Doc()
      for (const u of v2s) Y.applyUpdateV2(ydoc, u)
      const id = `case${c}`
      await driver.call({ cmd: 'create', doc: id, client: 1, roots: ROOTS, format: 'v2' })
      for (const u of v2s) await driver.call({ cmd: 'apply', doc: id, update: b64(u), format: 'v2' })
      const r = await driver.call({ cmd: 'report', doc: id })
      await driver.call({ cmd: 'destroy', doc: id })
      updates += n
      const where = `case ${c}`
      assert.equal(r.json.text, text, `${where}: text`)
      assert.deepEqual(r.json.map, map, `${where}: map`)
      assert.deepEqual(r.json.array, array, `${where}: array`)
      sameBytes(fromB64(r.stateV2), Y.encodeStateAsUpdateV2(ydoc), `${where}: encodeStateAsUpdateV2`)
      sameBytes(fromB64(r.state), Y.encodeStateAsUpdate(ydoc), `${where}: encodeStateAsUpdate`)
    }
    assert.equal(updates, 46385)
  } finally {
    driver.close()
  }
})

test('B4 in v2: b4-update.bin and the replayed trace encode to yjs\'s bytes, and each side reads the other\'s', { timeout: 300_000 }, async () => {
  const driver = new Driver('roundtable_crdt_driver')
  try {
    const b4 = new Uint8Array(fs.readFileSync(path.join(dataDir, 'b4-update.bin')))
    const ydoc = new Y.Doc()
    Y.applyUpdate(ydoc, b4)
    const yV2 = Y.encodeStateAsUpdateV2(ydoc)
    await driver.call({ cmd: 'create', doc: 'b4', client: 1, roots: [['text', 'text']] })
    await driver.call({ cmd: 'apply', doc: 'b4', update: b64(b4) })
    const r = await driver.call({ cmd: 'report', doc: 'b4' })
    sameBytes(fromB64(r.stateV2), yV2, 'b4-update.bin: encodeStateAsUpdateV2')
    // yjs's v2 read by C++, and C++'s by yjs
    await driver.call({ cmd: 'create', doc: 'b4v2', client: 1, roots: [['text', 'text']], format: 'v2' })
    await driver.call({ cmd: 'apply', doc: 'b4v2', update: b64(yV2), format: 'v2' })
    const r2 = await driver.call({ cmd: 'report', doc: 'b4v2' })
    sameBytes(fromB64(r2.stateV2), yV2, 'yjs v2 applied in C++: encodeStateAsUpdateV2')
    sameBytes(fromB64(r2.state), Y.encodeStateAsUpdate(ydoc), 'yjs v2 applied in C++: encodeStateAsUpdate')
    const back = new Y.Doc()
    Y.applyUpdateV2(back, fromB64(r.stateV2))
    assert.equal(back.getText('text').toString(), ydoc.getText('text').toString())

    const trace = JSON.parse(gunzipSync(fs.readFileSync(path.join(dataDir, 'automerge-paper.json.gz'))).toString('utf8'))
    const txns = trace.txns.map((t) => t.patches)
    const ref = new Y.Doc()
    ref.clientID = 4000000000
    const text = ref.getText('text')
    for (const patches of txns) {
      ref.transact(() => {
        for (const [pos, del, ins] of patches) {
          if (del > 0) text.delete(pos, del)
          if (ins !== '') text.insert(pos, ins)
        }
      })
    }
    const want = Y.encodeStateAsUpdateV2(ref)
    assert.equal(want.length, 159929)
    const rr = await driver.call({ cmd: 'replay', client: 4000000000, txns })
    sameBytes(fromB64(rr.stateV2), want, 'B4 replay: encodeStateAsUpdateV2')
    sameBytes(fromB64(rr.state), Y.encodeStateAsUpdate(ref), 'B4 replay: encodeStateAsUpdate')
  } finally {
    driver.close()
  }
})
