// Persistence: what clients saw relayed survives SIGTERM, SIGKILL and the
// unloading of idle documents.
//
// Reading back is done by a raw client that only asks (sync step 1 with an
// empty state vector) and never answers the hub's own sync step 1: a provider
// would upload its whole state on reconnect and hide anything the hub lost.
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import {
  useHarness, needsPersistence, isReference, docName, waitFor, waitSynced, sleep,
  docContent, stateVector, digest, assert, Y, httpGet, referencePersistSettle, onlyHub
} from './hub_harness.mjs'

const h = useHarness()

/** Some edits of every kind, including a larger one, on `doc`. */
const edit = (doc, tag) => {
  doc.transact(() => {
    doc.getText('text').insert(0, `${tag}: Grüße 😀 `, { bold: true })
    doc.getMap('map').set(tag, { tag, list: [1, 'two', null], big: 'x'.repeat(1000) })
  })
  const el = new Y.XmlElement('paragraph')
  el.setAttribute('id', tag)
  const t = new Y.XmlText()
  t.insert(0, `para ${tag}`, { italic: {} })
  el.insert(0, [t])
  doc.getXmlFragment('xml').insert(0, [el])
  doc.getText('text').delete(0, 1)
  doc.getMap('map').delete(`${tag}-never`)
}

/** Edits on peer `from` and waits until `to` has received them (= seen relayed by the hub). */
const editAndSeeRelayed = async (from, to, tag) => {
  edit(from.doc, tag)
  await waitFor(() => isDeepStrictEqual(stateVector(to.doc), stateVector(from.doc)) &&
    isDeepStrictEqual(docContent(to.doc), docContent(from.doc)), { message: `"${tag}" to be relayed` })
}

/**
 * Reads the document back with a client that uploads nothing, and checks it
 * holds exactly `expected` (content and state vector). The hub must have the
 * whole document in its answer to sync step 1 (checked against the hub only:
 * the reference loads LevelDB asynchronously and answers from an empty doc first).
 */
const assertReadBack = async (hub, name, expected, what) => {
  const reader = h.rawDoc(hub.yjsUrl(name))
  await reader.sync()
  const atStep2 = digest(reader.doc)
  const want = digest(expected)
  if (!isReference) {
    assert.deepEqual(atStep2, want, `${what}: the sync step 2 holds the whole document`)
  } else {
    await waitFor(() => isDeepStrictEqual(digest(reader.doc), want),
      { message: `${what}: the document to be read back`, timeout: 5000 }).catch(() => {})
    assert.deepEqual(digest(reader.doc), want, what)
  }
  reader.close()
}

const pair = async (hub, name) => {
  const a = h.provider(hub, name)
  const b = h.provider(hub, name)
  await Promise.all([waitSynced(a.provider), waitSynced(b.provider)])
  return [a, b]
}
const destroy = peers => { for (const p of peers) p.provider.destroy() }

test('SIGTERM: clean exit 0; after a restart on the same data directory a fresh client sees everything',
  needsPersistence('persistence'), async () => {
    const hub = await h.startHub()
    const names = [docName('term'), encodeURIComponent(`plan/${docName('term')} ü`)]
    const expected = []
    for (const name of names) {
      const [a, b] = await pair(hub, name)
      for (let i = 0; i < 5; i++) await editAndSeeRelayed(i % 2 ? b : a, i % 2 ? a : b, `term-${i}`)
      // one larger update too
      a.doc.getMap('map').set('large', 'L'.repeat(300_000))
      await waitFor(() => b.doc.getMap('map').get('large')?.length === 300_000, { message: 'the large update to be relayed' })
      expected.push(a.doc)
      destroy([a, b])
    }
    // a client that is still connected (one that uploads nothing) does not stop a clean shutdown
    const idle = h.rawDoc(hub.yjsUrl(names[0]))
    await idle.sync()
    await referencePersistSettle()
    const exit = await hub.kill('SIGTERM')
    if (!isReference) assert.deepEqual(exit, { code: 0, signal: null }, `SIGTERM → exit 0; output:\n${hub.output}`)
    await idle.waitClosed(3000)

    await hub.start()
    for (const [i, name] of names.entries()) await assertReadBack(hub, name, expected[i], `doc ${decodeURIComponent(name)} after SIGTERM`)

    // and a real provider gets it too, and can keep editing
    const p = h.provider(hub, names[0])
    await waitSynced(p.provider)
    await waitFor(() => isDeepStrictEqual(docContent(p.doc), docContent(expected[0])), { message: 'a provider to load the document' })
  })

test('SIGKILL right after the updates were seen relayed: nothing is lost', needsPersistence('persistence'), async () => {
  const hub = await h.startHub()
  const name = docName('kill')
  const [a, b] = await pair(hub, name)
  for (let i = 0; i < 8; i++) await editAndSeeRelayed(i % 3 ? a : b, i % 3 ? b : a, `kill-${i}`)
  // the last one, killed the moment it was seen at the other peer
  a.doc.getText('text').insert(0, 'LAST WORD')
  await waitFor(() => b.doc.getText('text').toString().startsWith('LAST WORD'), { interval: 1, message: 'the last update to be relayed' })
  await referencePersistSettle()
  const killed = hub.kill('SIGKILL')
  destroy([a, b]) // before they could reconnect and upload their copies
  const exit = await killed
  assert.equal(exit.signal, 'SIGKILL')
  const expected = b.doc

  await hub.start()
  await assertReadBack(hub, name, expected, 'after SIGKILL')

  // the restarted hub keeps working on that document
  const [c, d] = await pair(hub, name)
  await editAndSeeRelayed(c, d, 'after-restart')
  assert.match(d.doc.getText('text').toString(), /LAST WORD/)
})

test('SIGKILL during a stream of small updates, each killed right after it was relayed, five times over', needsPersistence('persistence'), async () => {
  const hub = await h.startHub()
  const name = docName('kill-loop')
  let seen = null
  for (let round = 0; round < 5; round++) {
    const [a, b] = await pair(hub, name)
    // several single-character transactions in a row, kill as soon as the last is seen
    for (let i = 0; i < 20; i++) a.doc.getText('text').insert(a.doc.getText('text').length, String.fromCharCode(97 + ((round * 20 + i) % 26)))
    a.doc.getMap('map').set(`round-${round}`, round)
    await waitFor(() => b.doc.getMap('map').get(`round-${round}`) === round, { interval: 1, message: `round ${round} relayed` })
    await referencePersistSettle()
    const killed = hub.kill('SIGKILL')
    destroy([a, b])
    await killed
    seen = b.doc
    await hub.start()
    await assertReadBack(hub, name, seen, `round ${round}`)
  }
})

test('unload and reload: with --unload-grace-ms 200 an idle document leaves memory and comes back intact',
  needsPersistence('persistence with unloading of idle documents'), async () => {
    const hub = await h.startHub({ flags: ['--unload-grace-ms', '200'] })
    const name = docName('unload')
    const [a, b] = await pair(hub, name)
    for (let i = 0; i < 4; i++) await editAndSeeRelayed(a, b, `unload-${i}`)
    const expected = b.doc
    destroy([a, b])

    if (!isReference) {
      // the hub reports the unload in its metrics
      const loaded = async () => {
        const m = (await httpGet(hub, '/metrics')).body.match(/^roundtable_documents_loaded\s+(\S+)/m)
        return m ? Number(m[1]) : NaN
      }
      await waitFor(async () => (await loaded()) === 0, { timeout: 3000, message: 'roundtable_documents_loaded to drop to 0 after the grace period' })
    } else {
      await sleep(600)
    }
    await assertReadBack(hub, name, expected, 'after unload')

    // reloaded, it takes new edits on top of the old content
    const [c, d] = await pair(hub, name)
    await waitFor(() => isDeepStrictEqual(docContent(c.doc), docContent(expected)), { message: 'the reloaded content at a provider' })
    await editAndSeeRelayed(c, d, 'after-reload')
    destroy([c, d])
    await sleep(600) // unloaded again
    await assertReadBack(hub, name, d.doc, 'after the second unload')
  })

test('a damaged stored document is refused (1011), named in the log and counted in /metrics; the others are served',
  onlyHub('the store\'s damage checks'), async () => {
    const hub = await h.startHub()
    const good = docName('intact')
    const bad = docName('damaged')
    const expected = {}
    for (const [name, text] of [[good, 'fine'], [bad, 'DAMAGE-ME-' + 'Q'.repeat(3000)]]) {
      const [a, b] = await pair(hub, name)
      a.doc.getText('text').insert(0, text)
      await waitFor(() => b.doc.getText('text').toString() === text, { message: `${name} to be relayed` })
      expected[name] = b.doc
      destroy([a, b])
    }
    assert.equal((await hub.kill('SIGTERM')).code, 0) // the WAL is checkpointed into roundtable.db

    // A few bytes inside the stored update change, as a bad sector would have it.
    const file = path.join(hub.dataDir, 'roundtable.db')
    const bytes = fs.readFileSync(file)
    const at = bytes.indexOf('DAMAGE-ME-' + 'Q'.repeat(100))
    assert.ok(at > 0, 'the update is in the database file')
    bytes.write('RRRR', at + 1000)
    fs.writeFileSync(file, bytes)

    await hub.start()
    const client = h.raw(hub.yjsUrl(bad))
    const closed = await Promise.race([client.closed, sleep(5000).then(() => ({ code: 'still open after 5 s' }))])
    assert.equal(closed.code, 1011, 'refused, not served short or altered')
    await waitFor(() => /document '.*damaged.*' could not be loaded: document '.*' is damaged in .*: update \d+ fails its checksum/.test(hub.output),
      { message: 'a log line naming the damaged document' })
    const metrics = (await httpGet(hub, '/metrics')).body
    assert.match(metrics, /^roundtable_store_damaged_documents 1$/m)
    await assertReadBack(hub, good, expected[good], 'the intact document')
  })
