// Document sync through the hub with the real y-websocket WebsocketProvider:
// concurrent edits of text, map and XML converge; a late provider catches up;
// documents are isolated; URL-encoded document names work.
import { test, before } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import {
  useHarness, onlyHub, docName, prng, seedFromEnv, waitFor, waitSynced, sleep,
  docContent, stateVector, assert, Y
} from './hub_harness.mjs'

const h = useHarness()
let hub
before(async () => { hub = await h.startHub() })

// (map key order in toJSON is each doc's own insertion order, so compare structurally)
const converged = docs => docs.every(d =>
  isDeepStrictEqual(docContent(d), docContent(docs[0])) && isDeepStrictEqual(stateVector(d), stateVector(docs[0])))
const assertConverged = docs => {
  for (const d of docs.slice(1)) {
    assert.deepEqual(docContent(d), docContent(docs[0]))
    assert.deepEqual(stateVector(d), stateVector(docs[0]))
  }
}

const WORDS = ['plan', 'review', 'Zoë', '😀', 'step', 'ok', '—', 'ünïcode', 'x']

/**
 * One random edit of text, map or XML (XmlElement with attributes + XmlText).
 * Every edit draws the same number of random values whatever the document
 * holds, so a seed replays the same sequence of choices (the positions they
 * land on still depend on what has arrived from the others by then).
 */
const randomEdit = (rng, doc, who, i) => {
  const r = Array.from({ length: 6 }, () => rng.next())
  const at = (x, n) => Math.min(n, Math.floor(x * (n + 1))) // 0..n
  const pick = (x, arr) => arr[Math.floor(x * arr.length)]
  const text = doc.getText('text')
  const map = doc.getMap('map')
  const xml = doc.getXmlFragment('xml')
  const op = Math.floor(r[0] * 10)
  const tag = `${who}${i}`
  if (op <= 2) {
    text.insert(at(r[1], text.length), `${pick(r[2], WORDS)}${tag} `, r[3] < 0.3 ? { bold: true } : undefined)
  } else if (op === 3 && text.length > 2) {
    const pos = at(r[1], text.length - 2)
    text.delete(pos, 1 + at(r[2], Math.min(3, text.length - pos - 1)))
  } else if (op === 4 && text.length > 2) {
    const pos = at(r[1], text.length - 2)
    text.format(pos, 1 + at(r[2], text.length - pos - 1), { italic: r[3] < 0.5 ? true : null })
  } else if (op <= 6) {
    if (r[1] < 0.2 && map.size > 0) map.delete(pick(r[2], [...map.keys()].sort()))
    else map.set(`k${at(r[2], 12)}`, pick(r[3], [i, tag, { who, i, list: [1, 'two', null] }, true, null]))
  } else if (op === 7 || xml.length === 0) {
    const el = new Y.XmlElement(pick(r[1], ['paragraph', 'heading', 'blockContainer']))
    el.setAttribute('id', tag)
    el.setAttribute('level', String(1 + at(r[2], 2)))
    const t = new Y.XmlText()
    t.insert(0, `${pick(r[3], WORDS)} ${tag}`, r[4] < 0.5 ? { bold: {} } : {})
    el.insert(0, [t])
    xml.insert(at(r[5], xml.length), [el])
  } else if (op === 8) {
    const el = xml.get(at(r[1], xml.length - 1))
    if (el instanceof Y.XmlElement) {
      if (r[2] < 0.3) el.removeAttribute('level')
      else el.setAttribute('textColor', pick(r[3], ['red', 'blue', 'default']))
      const t = el.get(0)
      if (t instanceof Y.XmlText) t.insert(at(r[4], t.length), `+${tag}`, r[5] < 0.3 ? { italic: {} } : {})
    }
  } else {
    xml.delete(at(r[1], xml.length - 1), 1)
  }
}

test('three providers editing text, map and XML concurrently converge; a late provider catches up', async t => {
  const seed = seedFromEnv(20240611)
  t.diagnostic(`seed ${seed} (SEED=n replays)`)
  const rng = prng(seed)
  const name = docName('sync')
  const peers = [h.provider(hub, name), h.provider(hub, name), h.provider(hub, name)]
  await Promise.all(peers.map(p => waitSynced(p.provider)))
  const docs = peers.map(p => p.doc)

  // Bursts of interleaved edits: within a burst nobody waits for the others,
  // so the updates cross in flight; between bursts a little time passes so
  // that later edits build on partly synced states.
  let i = 0
  for (let burst = 0; burst < 25; burst++) {
    const n = rng.int(1, 12)
    for (let k = 0; k < n; k++) {
      const who = rng.int(0, 2)
      randomEdit(rng, docs[who], 'abc'[who], i++)
    }
    const pause = rng.int(0, 25)
    if (pause > 10) await sleep(pause - 10)
  }
  t.diagnostic(`${i} edits`)

  await waitFor(() => converged(docs), { timeout: 10000, message: "three providers to converge" })
  assertConverged(docs)
  const content = docContent(docs[0])
  assert.ok(content.text.length > 0 && Object.keys(content.map).length > 0 && content.xml.length > 0, 'every type has content')

  const late = h.provider(hub, name)
  await waitSynced(late.provider)
  await waitFor(() => converged([...docs, late.doc]), { message: 'the late provider to catch up' })
  assertConverged([...docs, late.doc])

  // the late provider's own edit reaches the others
  late.doc.getMap('map').set('late', 'here')
  await waitFor(() => docs.every(d => d.getMap('map').get('late') === 'here'), { message: "the late provider's edit" })
})

test('24 providers (a room large enough that the hub splits broadcasts over two threads) converge, each getting updates in order', async t => {
  const seed = seedFromEnv(20261203)
  t.diagnostic(`seed ${seed} (SEED=n replays)`)
  const rng = prng(seed)
  const name = docName('crowd')
  const peers = Array.from({ length: 24 }, () => h.provider(hub, name))
  await Promise.all(peers.map(p => waitSynced(p.provider)))
  const docs = peers.map(p => p.doc)
  // The hub relays an update only after integrating it, so an update never
  // arrives before one it builds on unless a connection's messages were
  // reordered: then the receiver would hold pending structs.
  let outOfOrder = 0
  for (const d of docs) d.on('afterTransaction', () => { if (d.store.pendingStructs !== null) outOfOrder++ })
  let i = 0
  let inserted = 0
  for (let burst = 0; burst < 30; burst++) {
    for (let k = rng.int(1, 20); k > 0; k--) {
      const who = rng.int(0, docs.length - 1)
      const text = docs[who].getText('text')
      const word = `${who}.${i++} `
      text.insert(rng.int(0, text.length), word)
      inserted += word.length
    }
    if (rng.int(0, 3) === 0) await sleep(rng.int(1, 15))
  }
  t.diagnostic(`${i} edits`)
  await waitFor(() => converged(docs), { timeout: 15000, message: '24 providers to converge' })
  assertConverged(docs)
  assert.equal(docs[0].getText('text').length, inserted, 'every edit is in the text')
  assert.equal(outOfOrder, 0, 'no provider received an update before one it depends on')
})

test('two documents are isolated from each other', async () => {
  const nameA = docName('iso-a')
  const nameB = docName('iso-b')
  const a1 = h.provider(hub, nameA); const a2 = h.provider(hub, nameA)
  const b1 = h.provider(hub, nameB); const b2 = h.provider(hub, nameB)
  await Promise.all([a1, a2, b1, b2].map(p => waitSynced(p.provider)))

  a1.doc.getText('text').insert(0, 'only in A')
  a1.doc.getMap('map').set('doc', 'A')
  await waitFor(() => a2.doc.getText('text').toString() === 'only in A', { message: 'A to sync' })
  // a marker through B after A's edit was relayed: B's peers have seen their own traffic since
  b1.doc.getMap('map').set('doc', 'B')
  await waitFor(() => b2.doc.getMap('map').get('doc') === 'B', { message: 'B to sync' })
  await sleep(100)
  for (const b of [b1, b2]) {
    assert.equal(b.doc.getText('text').toString(), '')
    assert.deepEqual(b.doc.getMap('map').toJSON(), { doc: 'B' })
  }
  assert.deepEqual(a2.doc.getMap('map').toJSON(), { doc: 'A' })
  // and a fresh provider on B gets B only
  const b3 = h.provider(hub, nameB)
  await waitSynced(b3.provider)
  await waitFor(() => b3.doc.getMap('map').get('doc') === 'B', { message: 'fresh B provider' })
  assert.equal(b3.doc.getText('text').toString(), '')
})

test('a document with a URL-encoded name syncs', async () => {
  const name = `plan/${docName('enc')} é 😀?#`
  const encoded = encodeURIComponent(name)
  const p1 = h.provider(hub, encoded); const p2 = h.provider(hub, encoded)
  await Promise.all([p1, p2].map(p => waitSynced(p.provider)))
  p1.doc.getText('text').insert(0, 'encoded name works')
  await waitFor(() => p2.doc.getText('text').toString() === 'encoded name works', { message: 'sync on an encoded name' })

  // a document named like the undecoded prefix is another document
  const other = h.provider(hub, 'plan')
  await waitSynced(other.provider)
  await sleep(50)
  assert.equal(other.doc.getText('text').toString(), '')
})

test('doc names are URL-decoded: plan%2Fabc and plan%2fabc are the same document', onlyHub('URL-decoding of doc names (it uses the raw path)'), async () => {
  const id = docName('abc')
  const upper = h.provider(hub, `plan%2F${id}`)
  const lower = h.provider(hub, `plan%2f${id}`)
  await Promise.all([upper, lower].map(p => waitSynced(p.provider)))
  upper.doc.getText('text').insert(0, 'same doc')
  await waitFor(() => lower.doc.getText('text').toString() === 'same doc', { message: 'plan%2F… and plan%2f… to be one document' })
})
