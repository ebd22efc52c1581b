// Writes the seed corpora of the update fuzz targets, made by the real yjs:
//   update_v2/     v2 updates: transactions on every kind of type, whole states
//   update_merge/  a format byte (bit 0: v2), then varUint-prefixed parts (the
//                  last also serves as a state vector): updates to merge and diff
// Run from tests/interop (for its node_modules):
//   node ../fuzz/update_corpus.mjs ../fuzz/corpus
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(path.join(process.cwd(), 'package.json'))
const Y = require('yjs')
const encoding = require('lib0/encoding')

const out = process.argv[2]
if (!out) throw new Error('usage: node update_corpus.mjs OUT_DIR')
const v2Dir = path.join(out, 'update_v2')
const mergeDir = path.join(out, 'update_merge')
fs.mkdirSync(v2Dir, { recursive: true })
fs.mkdirSync(mergeDir, { recursive: true })

// Two users edit every kind of type; their updates cross.
const a = new Y.Doc(); a.clientID = 1111
const b = new Y.Doc(); b.clientID = 2222
const v1s = []; const v2s = []
for (const d of [a, b]) {
  d.on('update', (u) => v1s.push(u))
  d.on('updateV2', (u) => v2s.push(u))
}
a.getMap('map').set('title', 'Plan 😀')
a.getMap('map').set('nested', new Y.Map([['n', 1.5], ['bytes', new Uint8Array([1, 2, 3])]]))
b.getArray('array').insert(0, [1, 'two', { three: [3] }, null, true, 2 ** 40, -1.25])
a.getText('text').insert(0, 'Hello wörld 😀', { bold: true })
a.getText('text').insertEmbed(3, { image: 'x.png' }, { width: 3 })
b.getText('text').insert(0, 'Concurrent ')
const frag = a.getXmlFragment('xml')
const p = new Y.XmlElement('paragraph'); p.setAttribute('id', 'b1')
const t = new Y.XmlText(); t.insert(0, 'formatted', { italic: {} })
p.insert(0, [t]); frag.insert(0, [p])
a.getArray('docs').insert(0, [new Y.Doc({ guid: 'sub', meta: { k: 1 } })])
for (const u of v1s.slice()) { Y.applyUpdate(a, u); Y.applyUpdate(b, u) }
a.getArray('array').delete(1, 2)
a.getText('text').format(2, 5, { bold: null, color: 'red' })
b.getMap('map').delete('title')
for (let i = 0; i < 20; i++) b.getText('text').insert(i, 'k')
b.getText('text').delete(4, 9)
Y.applyUpdate(a, Y.encodeStateAsUpdate(b))

const write = (dir, name, bytes) => fs.writeFileSync(path.join(dir, name), bytes)
v2s.forEach((u, i) => write(v2Dir, `txn-${i}`, u))
write(v2Dir, 'state-a', Y.encodeStateAsUpdateV2(a))
write(v2Dir, 'state-b', Y.encodeStateAsUpdateV2(b))
write(v2Dir, 'empty', Y.encodeStateAsUpdateV2(new Y.Doc()))
// Out of order: the second half without the first (pending structs and deletes).
write(v2Dir, 'diff-b-a', Y.diffUpdateV2(Y.encodeStateAsUpdateV2(b), Y.encodeStateVector(new Y.Doc())))

const mergeInput = (v2, parts) => {
  const e = encoding.createEncoder()
  encoding.writeUint8(e, v2 ? 1 : 0)
  for (const part of parts) encoding.writeVarUint8Array(e, part)
  return encoding.toUint8Array(e)
}
const sv = Y.encodeStateVector(b)
write(mergeDir, 'v1-all', mergeInput(false, [...v1s.slice(0, 12), sv]))
write(mergeDir, 'v2-all', mergeInput(true, [...v2s.slice(0, 12), sv]))
write(mergeDir, 'v1-reversed', mergeInput(false, [...v1s.slice(0, 8).reverse(), Y.encodeStateVector(new Y.Doc())]))
write(mergeDir, 'v2-states', mergeInput(true, [Y.encodeStateAsUpdateV2(a), Y.encodeStateAsUpdateV2(b), v2s[3], sv]))
write(mergeDir, 'v1-dup', mergeInput(false, [v1s[2], v1s[2], Y.encodeStateAsUpdate(a), sv]))
console.log(`${fs.readdirSync(v2Dir).length} update_v2 seeds, ${fs.readdirSync(mergeDir).length} update_merge seeds`)
