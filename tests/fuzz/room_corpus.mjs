// Seeds for room_message_fuzz: conversations made by the real yjs and
// y-protocols (text, map and XML edits, deletions, formatting, awareness),
// in the fuzz target's record layout. Usage: node room_corpus.mjs OUTDIR
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(path.join(process.cwd(), 'package.json'))
const Y = require('yjs')
const encoding = require('lib0/encoding')
const awarenessProtocol = require('y-protocols/awareness')
const syncProtocol = require('y-protocols/sync')

const out = process.argv[2]
fs.mkdirSync(out, { recursive: true })

const frame = (conn, bytes) => {
  const head = Buffer.from([conn, bytes.length & 0xff, (bytes.length >> 8) & 0xff])
  return Buffer.concat([head, Buffer.from(bytes).subarray(0, 0xffff)])
}
const syncMessage = (write) => {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, 0)
  write(enc)
  return encoding.toUint8Array(enc)
}
const updateMessage = (update) => syncMessage(enc => syncProtocol.writeUpdate(enc, update))

function conversation (seed) {
  const frames = []
  const docs = [new Y.Doc(), new Y.Doc()]
  docs.forEach((doc, i) => {
    doc.clientID = 1000 + seed * 2 + i
    doc.on('update', u => frames.push(frame(i, updateMessage(u))))
  })
  let r = seed
  const rand = (n) => { r = (r * 1103515245 + 12345) & 0x7fffffff; return r % n }
  for (let step = 0; step < 12; step++) {
    const i = rand(2)
    const doc = docs[i]
    switch (rand(6)) {
      case 0: doc.getText('t').insert(rand(doc.getText('t').length + 1), 'héllo 🌍'.slice(0, 1 + rand(8))); break
      case 1: if (doc.getText('t').length > 1) doc.getText('t').delete(rand(doc.getText('t').length - 1), 1); break
      case 2: doc.getText('t').format(0, 2, { bold: true }); break
      case 3: doc.getMap('metadata').set('k' + rand(3), { v: rand(100), s: 'x' }); break
      case 4: {
        const el = new Y.XmlElement('paragraph')
        el.setAttribute('id', String(rand(100)))
        el.insert(0, [new Y.XmlText('plan')])
        doc.getXmlFragment('document').insert(0, [el])
        break
      }
      case 5: {
        const a = new awarenessProtocol.Awareness(doc)
        a.setLocalState({ user: { name: 'Reviewer ' + i, color: '#30bced' } })
        const enc = encoding.createEncoder()
        encoding.writeVarUint(enc, 1)
        encoding.writeVarUint8Array(enc, awarenessProtocol.encodeAwarenessUpdate(a, [doc.clientID]))
        frames.push(frame(i, encoding.toUint8Array(enc)))
        a.destroy()
        break
      }
    }
  }
  frames.push(frame(0, syncMessage(enc => syncProtocol.writeSyncStep1(enc, docs[1]))))
  frames.push(frame(1, syncMessage(enc => syncProtocol.writeSyncStep2(enc, docs[0]))))
  frames.push(frame(1, Uint8Array.from([3])))
  return Buffer.concat(frames)
}

for (let seed = 1; seed <= 24; seed++) fs.writeFileSync(path.join(out, `seed-${seed}`), conversation(seed))
