// The C++ y-websocket message codec and awareness table (src/sync) against the
// real y-protocols 1.0.6 and yjs 13.6.33. The C++ side runs in
// roundtable_sync_driver (JSON lines, bytes as hex).
//
// Messages: frames written by y-protocols decode in C++ to the same parts and
// re-encode to the same bytes; frames written by C++ are read by y-protocols.
// Awareness: JavaScript clients' updates go to both a JavaScript server table
// (an Awareness with local state null, as y-websocket's server has) and the
// C++ table; after every update both report the same 'update' event, hold the
// same states in the same order, and encode the same bytes (the broadcast of
// the changed clients, the whole table, and the clocks of departed clients).
// Also: clock rules, removeAwarenessStates, the 30 s timeout, JSON
// re-serialization, every truncation of valid input, and seeded mutations
// (MUTATIONS=n, SEED=n) where C++ must reject what y-protocols rejects.
//
//   cd tests/interop && ROUNDTABLE_BUILD_DIR=$PWD/../../build node --test sync_codec.test.mjs

import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Driver, hex, unhex } from './driver_client.mjs'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import * as authProtocol from 'y-protocols/auth'
import * as awarenessProtocol from 'y-protocols/awareness'


// y-websocket's message types.
const messageSync = 0
const messageAwareness = 1
const messageAuth = 2
const messageQueryAwareness = 3

const frame = (f) => { const e = encoding.createEncoder(); f(e); return encoding.toUint8Array(e) }

const driver = new Driver('roundtable_sync_driver', { statusErrors: true })
const toDestroy = []
after(() => {
  driver.close()
  for (const d of toDestroy) d.destroy() // stops the Awareness check intervals
})

// --- the JavaScript side ---
const newDoc = (clientID) => {
  const doc = new Y.Doc()
  if (clientID !== undefined) doc.clientID = clientID
  toDestroy.push(doc)
  return doc
}

// y-websocket's server table: an Awareness whose own state is null.
class JsServer {
  constructor () {
    this.aw = new awarenessProtocol.Awareness(newDoc())
    this.aw.setLocalState(null)
    this.last = null
    this.aw.on('update', (changes) => { this.last = changes })
  }

  // applyAwarenessUpdate; returns the 'update' event (empty lists if none).
  apply (bytes) {
    this.last = null
    awarenessProtocol.applyAwarenessUpdate(this.aw, bytes, 'conn')
    return this.last ?? { added: [], updated: [], removed: [] }
  }

  clientsWithState () { return [...this.aw.getStates().keys()] }
  states () { return [...this.aw.getStates()].map(([, s]) => JSON.stringify(s)) }
  // Every client whose clock it remembers (its own excluded).
  known () { return [...this.aw.meta.keys()].filter((id) => id !== this.aw.clientID) }
  encode (clients) { return hex(awarenessProtocol.encodeAwarenessUpdate(this.aw, clients)) }
}

const newTable = async (name, limits = {}) => driver.call({ cmd: 'new', table: name, ...limits })
const cppApply = (table, bytes, now = 0) => driver.call({ cmd: 'apply', table, hex: hex(bytes), now })
// The hub's path: on behalf of connection `owner`, with its quotas.
const cppApplyFrom = (owner, table, bytes, now = 0) => driver.call({ cmd: 'apply', table, hex: hex(bytes), now, owner })
const cppEncode = async (table, clients) => (await driver.call({ cmd: 'encodeUpdate', table, clients })).hex
const cppStates = (table) => driver.call({ cmd: 'states', table })
const events = (r) => ({ added: r.added, updated: r.updated, removed: r.removed })
const changed = (ev) => ev.added.concat(ev.updated, ev.removed)

// Both tables hold the same states, in the same order, and encode the same
// bytes: the whole table and every remembered clock.
async function assertSameTable (js, table, msg) {
  const st = await cppStates(table)
  assert.deepEqual(st.clients, js.clientsWithState(), `${msg}: clients with a state`)
  assert.deepEqual(st.states, js.states(), `${msg}: states`)
  assert.equal(await cppEncode(table, st.clients), js.encode(js.clientsWithState()), `${msg}: table bytes`)
  const known = js.known()
  assert.equal(await cppEncode(table, known), js.encode(known), `${msg}: remembered clocks`)
}

// Applies an update to both and checks the same event, broadcast and table.
async function applyBoth (js, table, bytes, msg, now = 0) {
  const jsEvent = js.apply(bytes)
  const res = await cppApply(table, bytes, now)
  assert.ok(res.ok, `${msg}: C++ rejected ${hex(bytes)}: ${res.error}`)
  assert.deepEqual(events(res), jsEvent, `${msg}: update event`)
  // What y-websocket's server broadcasts after the update.
  assert.equal(await cppEncode(table, changed(res)), js.encode(changed(jsEvent)), `${msg}: broadcast bytes`)
  await assertSameTable(js, table, msg)
  return res
}

// An awareness update from [client, clock, JSON text] entries, written with lib0.
const rawUpdate = (entries) => frame((e) => {
  encoding.writeVarUint(e, entries.length)
  for (const [client, clock, json] of entries) {
    encoding.writeVarUint(e, client)
    encoding.writeVarUint(e, clock)
    encoding.writeVarString(e, json)
  }
})

// Reads a frame the way y-websocket's client and server do; throws where they throw.
function jsReadFrame (bytes) {
  const d = decoding.createDecoder(bytes)
  const type = decoding.readVarUint(d)
  switch (type) {
    case messageSync: {
      const sync = decoding.readVarUint(d)
      if (sync > 2) throw new Error('Unknown message type')
      return { type, sync, payload: hex(decoding.readVarUint8Array(d)) }
    }
    case messageAwareness: return { type, payload: hex(decoding.readVarUint8Array(d)) }
    case messageAuth: {
      if (decoding.readVarUint(d) !== authProtocol.messagePermissionDenied) throw new Error('unknown auth type')
      return { type, reason: decoding.readVarString(d) }
    }
    case messageQueryAwareness: return { type }
    default: throw new Error('unknown message type')
  }
}

// A small document and the frames y-protocols writes for it.
function jsFrames () {
  const doc = newDoc(300)
  const updates = []
  doc.on('update', (u) => updates.push(u))
  doc.getText('t').insert(0, 'Zoë writes 😀')
  doc.getMap('m').set('k', { n: 1.5 })
  const client = new awarenessProtocol.Awareness(newDoc(77))
  client.setLocalState({ user: { name: 'Zoë 😀', color: '#ff0' } })
  const step1 = frame((e) => { encoding.writeVarUint(e, messageSync); syncProtocol.writeSyncStep1(e, doc) })
  // The server's answer to an empty client's step 1.
  const step2 = frame((e) => {
    encoding.writeVarUint(e, messageSync)
    const d = decoding.createDecoder(frame((e2) => syncProtocol.writeSyncStep1(e2, new Y.Doc())))
    syncProtocol.readSyncMessage(d, e, doc, null)
  })
  const update = frame((e) => { encoding.writeVarUint(e, messageSync); syncProtocol.writeUpdate(e, updates[0]) })
  const awarenessUpdate = awarenessProtocol.encodeAwarenessUpdate(client, [77])
  const awareness = frame((e) => { encoding.writeVarUint(e, messageAwareness); encoding.writeVarUint8Array(e, awarenessUpdate) })
  const query = frame((e) => encoding.writeVarUint(e, messageQueryAwareness))
  const auth = frame((e) => { encoding.writeVarUint(e, messageAuth); authProtocol.writePermissionDenied(e, 'Keine Berechtigung ✓ 😀') })
  return { doc, step1, step2, update, awareness, awarenessUpdate, query, auth }
}

test('y-protocols frames decode in C++ and re-encode to the same bytes', async () => {
  const f = jsFrames()
  const cases = [
    ['step1', f.step1, { type: 0, sync: 0 }],
    ['step2', f.step2, { type: 0, sync: 1 }],
    ['update', f.update, { type: 0, sync: 2 }],
    ['awareness', f.awareness, { type: 1 }],
    ['query', f.query, { type: 3 }],
    ['auth', f.auth, { type: 2 }]
  ]
  for (const [kind, bytes, expect] of cases) {
    const res = await driver.call({ cmd: 'decode', hex: hex(bytes) })
    assert.ok(res.ok, `${kind}: ${res.error}`)
    const js = jsReadFrame(bytes)
    assert.equal(res.type, expect.type, kind)
    if (expect.sync !== undefined) assert.equal(res.sync, expect.sync, kind)
    assert.equal(res.payload, js.payload ?? '', `${kind} payload`)
    assert.equal(res.reason, js.reason ?? '', `${kind} reason`)
    const again = await driver.call({ cmd: 'encode', kind, hex: res.payload, reason: res.reason })
    assert.equal(again.hex, hex(bytes), `${kind} re-encoded`)
  }
  assert.equal((await driver.call({ cmd: 'decode', hex: hex(f.awareness) })).payload, hex(f.awarenessUpdate))
})

test('frames written by C++ are read by y-protocols', async () => {
  const { doc } = jsFrames()
  const client = newDoc(5)
  // Server side (C++) sends step 1 with the client's state vector... the
  // JavaScript client answers with step 2; and the C++ frames carry updates.
  const sv = Y.encodeStateVector(client)
  const step1 = unhex((await driver.call({ cmd: 'encode', kind: 'step1', hex: hex(sv) })).hex)
  let d = decoding.createDecoder(step1)
  assert.equal(decoding.readVarUint(d), messageSync)
  const reply = encoding.createEncoder()
  assert.equal(syncProtocol.readSyncMessage(d, reply, doc, null), syncProtocol.messageYjsSyncStep1)
  // The reply is a step 2 from `doc`; forward its update inside a C++ step 2.
  const replyDec = decoding.createDecoder(encoding.toUint8Array(reply))
  assert.equal(decoding.readVarUint(replyDec), syncProtocol.messageYjsSyncStep2)
  const diff = decoding.readVarUint8Array(replyDec)
  for (const kind of ['step2', 'update']) {
    const target = newDoc()
    const bytes = unhex((await driver.call({ cmd: 'encode', kind, hex: hex(diff) })).hex)
    d = decoding.createDecoder(bytes)
    assert.equal(decoding.readVarUint(d), messageSync)
    const type = syncProtocol.readSyncMessage(d, encoding.createEncoder(), target, null)
    assert.equal(type, kind === 'step2' ? syncProtocol.messageYjsSyncStep2 : syncProtocol.messageYjsUpdate)
    assert.equal(target.getText('t').toString(), 'Zoë writes 😀')
    assert.deepEqual(target.getMap('m').toJSON(), { k: { n: 1.5 } })
  }

  // Auth: y-protocols' readAuthMessage hands the reason to its handler.
  const reason = 'Zugriff verweigert ✓ 😀'
  d = decoding.createDecoder(unhex((await driver.call({ cmd: 'encode', kind: 'auth', reason })).hex))
  assert.equal(decoding.readVarUint(d), messageAuth)
  let got = null
  authProtocol.readAuthMessage(d, doc, (_y, r) => { got = r })
  assert.equal(got, reason)

  // Query awareness and awareness.
  assert.deepEqual(unhex((await driver.call({ cmd: 'encode', kind: 'query' })).hex), new Uint8Array([messageQueryAwareness]))
  const upd = rawUpdate([[9, 2, '{"cursor":{"x":1}}']])
  d = decoding.createDecoder(unhex((await driver.call({ cmd: 'encode', kind: 'awareness', hex: hex(upd) })).hex))
  assert.equal(decoding.readVarUint(d), messageAwareness)
  const peer = new awarenessProtocol.Awareness(newDoc(1))
  awarenessProtocol.applyAwarenessUpdate(peer, decoding.readVarUint8Array(d), null)
  assert.deepEqual(peer.getStates().get(9), { cursor: { x: 1 } })
})

test('awareness: JavaScript clients through the C++ table reach the same states', async () => {
  const js = new JsServer()
  await newTable('clients')
  const ids = [1, 0xffffffff + 6, Number.MAX_SAFE_INTEGER, 123456789]
  const clients = ids.map((id) => new awarenessProtocol.Awareness(newDoc(id)))
  // What each client's y-websocket provider sends: its 'update' events, encoded.
  const outbox = []
  clients.forEach((c) => c.on('update', (ev) => outbox.push(awarenessProtocol.encodeAwarenessUpdate(c, changed(ev)))))
  // Two JavaScript peers: one fed by the JavaScript server, one by the C++ table.
  const peerJs = new awarenessProtocol.Awareness(newDoc(2))
  const peerCpp = new awarenessProtocol.Awareness(newDoc(2))
  peerJs.setLocalState(null)
  peerCpp.setLocalState(null)

  const flush = async (msg) => {
    for (const u of outbox.splice(0)) {
      // Through the frame decoder too, as the hub will receive it.
      const framed = frame((e) => { encoding.writeVarUint(e, messageAwareness); encoding.writeVarUint8Array(e, u) })
      const dec = await driver.call({ cmd: 'decode', hex: hex(framed) })
      assert.equal(dec.payload, hex(u))
      const res = await applyBoth(js, 'clients', unhex(dec.payload), msg)
      awarenessProtocol.applyAwarenessUpdate(peerJs, unhex(js.encode(changed(res))), 'hub')
      awarenessProtocol.applyAwarenessUpdate(peerCpp, unhex(await cppEncode('clients', changed(res))), 'hub')
    }
    assert.deepEqual([...peerCpp.getStates()], [...peerJs.getStates()], `${msg}: peers agree`)
  }

  await flush('initial {} states')
  clients[0].setLocalState({ user: { name: 'Zoë 😀', color: '#30bced' }, cursor: null })
  clients[1].setLocalState({ user: { name: '李雷 \u{1F680}', note: 'tab\there "quoted" \\ \u0001 \u2028' }, n: [1e21, -0, 0.1, 5e-7, 123456789012345680000] })
  clients[2].setLocalState({ 10: 'ten', 2: 'two', b: 'bee', a: 'ay', '-1': 'minus', nested: { deep: [[[{ x: true }]]] } })
  clients[3].setLocalState({ lone: 'a\ud800b', emoji: '👩‍👩‍👧', empty: '' })
  await flush('rich states')
  clients[0].setLocalStateField('cursor', { anchor: 3, head: 5 })
  clients[1].setLocalState(clients[1].getLocalState()) // a renewal: updated though equal
  clients[2].setLocalState(null)
  await flush('field change, renewal, departure')
  clients[2].setLocalState({ back: true })
  clients[3].setLocalState(0) // falsy: kept as a state, sent as null
  await flush('return and falsy state')
  // One update carrying several clients, as a peer relays them (y-websocket
  // clients forward clients they learned through y-webrtc).
  outbox.push(awarenessProtocol.encodeAwarenessUpdate(peerJs, [...peerJs.getStates().keys()]))
  await flush('relayed table')
  clients[0].destroy() // sends null with clock + 1
  await flush('client destroyed')
})

test('awareness clock rules match applyAwarenessUpdate', async () => {
  const js = new JsServer()
  await newTable('clocks')
  const steps = [
    ['clock 0 for an unknown client is ignored', [[10, 0, '{"a":0}']]],
    ['unknown client, null state: clock remembered', [[11, 4, 'null']]],
    ['older than a remembered clock', [[11, 3, '{"a":1}']]],
    ['first state', [[10, 5, '{"a":1}']]],
    ['stale clock ignored', [[10, 4, '{"a":2}']]],
    ['equal clock with a state ignored', [[10, 5, '{"a":3}']]],
    ['newer clock, same state: updated', [[10, 6, '{"a":1}']]],
    ['equal clock, null: removes', [[10, 6, 'null']]],
    ['equal clock, null again: nothing', [[10, 6, 'null']]],
    ['equal clock cannot revive', [[10, 6, '{"a":4}']]],
    ['newer null for a departed client: removed again', [[10, 7, 'null']]],
    ['back: reported as updated', [[10, 8, '{"a":5}']]],
    ['several entries, same client twice', [[12, 1, '{}'], [12, 2, '{"x":1}'], [13, 1, '[]'], [12, 2, 'null'], [13, 1, 'null']]],
    ['falsy states', [[20, 1, '0'], [21, 1, 'false'], [22, 1, '""'], [23, 1, '-0'], [24, 1, '0.0']]],
    ['equal clock null removes a falsy state', [[20, 1, 'null']]],
    ['large ids and clocks', [[Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, '{"max":true}'], [2 ** 40, 2 ** 35, '{}']]]
  ]
  for (const [msg, entries] of steps) await applyBoth(js, 'clocks', rawUpdate(entries), msg)
})

test('awareness states are re-serialized as JSON.stringify(JSON.parse(text))', async () => {
  const js = new JsServer()
  await newTable('json')
  const texts = [
    ' { "b" : 1.0 , "1": [ 1e21, -0, 0.1e1, 1E-7, 123456789012345678901234567890 ] , "b": "dup" } ',
    '{"__proto__":{"x":1},"a":{"b":{"c":[true,false,null]}}}',
    '"\\u00e9\\ud83d\\ude00\\ud800\\udc00x\\udfff"',
    '"\\/\\b\\f\\n\\r\\t\\u0000\\u001f\\u007f\\u2028"',
    '{"4294967294":1,"4294967295":2,"01":3,"1":4,"0":5}',
    '[1.7976931348623157e308, 5e-324, 1e400, -1e400, 0.000001, 0.0000001]',
    '  "text with spaces"  ',
    '{"emoji":"😀","cjk":"漢字","rtl":"שלום"}'
  ]
  let client = 100
  for (const t of texts) await applyBoth(js, 'json', rawUpdate([[client++, 1, t]]), `JSON ${t}`)
})

test('remove() writes what removeAwarenessStates writes', async () => {
  const js = new JsServer()
  await newTable('remove')
  await applyBoth(js, 'remove', rawUpdate([[1, 4, '{"n":1}'], [2, 7, '{"n":2}'], [3, 2, '{"n":3}'], [4, 1, 'null'], [5, 9, '0']]), 'setup')
  const ids = [2, 4, 99, 1, 5, 2]
  js.last = null
  awarenessProtocol.removeAwarenessStates(js.aw, ids, null)
  const res = await driver.call({ cmd: 'remove', table: 'remove', clients: ids, now: 10 })
  assert.deepEqual(res.removed, js.last.removed)
  // y-websocket's server broadcasts encodeAwarenessUpdate(removed): same bytes.
  assert.equal(await cppEncode('remove', res.removed), js.encode(js.last.removed))
  await assertSameTable(js, 'remove', 'after remove')
  // A peer holding the same clocks applies the removal.
  const peer = new awarenessProtocol.Awareness(newDoc(50))
  awarenessProtocol.applyAwarenessUpdate(peer, rawUpdate([[1, 4, '{"n":1}'], [2, 7, '{"n":2}'], [3, 2, '{"n":3}']]), null)
  awarenessProtocol.applyAwarenessUpdate(peer, unhex(await cppEncode('remove', res.removed)), null)
  assert.deepEqual([...peer.getStates().keys()].sort(), [3, 50])
  // The removed client's next renewal (clock + 1) is accepted by both.
  await applyBoth(js, 'remove', rawUpdate([[2, 8, '{"n":2}']]), 'renewal after remove')
})

test('removeOutdated() removes what the 30 s check of awareness.js removes', async () => {
  const js = new JsServer()
  await newTable('timeout')
  const t0 = 1_000_000
  await applyBoth(js, 'timeout', rawUpdate([[1, 1, '{"a":1}'], [2, 1, '{"b":2}'], [3, 1, '{"c":3}']]), 'setup', t0)
  await applyBoth(js, 'timeout', rawUpdate([[2, 2, '{"b":2}']]), 'renew 2', t0 + 20000)
  // awareness.js compares meta.lastUpdated with Date.now() every 3 s: age the
  // JavaScript entries as the C++ clock ages them, then wait for its check.
  const now = Date.now()
  js.aw.meta.get(1).lastUpdated = now - 30000
  js.aw.meta.get(3).lastUpdated = now - 31000
  js.aw.meta.get(2).lastUpdated = now - 10000
  const jsRemoved = await new Promise((resolve) => js.aw.once('update', (ev, origin) => resolve({ ev, origin })))
  assert.equal(jsRemoved.origin, 'timeout')
  const res = await driver.call({ cmd: 'outdated', table: 'timeout', now: t0 + 30000, timeout: 30000 })
  assert.deepEqual(res.removed, jsRemoved.ev.removed)
  assert.equal(await cppEncode('timeout', res.removed), js.encode(jsRemoved.ev.removed))
  await assertSameTable(js, 'timeout', 'after timeout')
})

test('every truncation of valid input is an error, and changes nothing', async () => {
  const f = jsFrames()
  for (const [kind, bytes] of Object.entries({ step1: f.step1, step2: f.step2, update: f.update, awareness: f.awareness, auth: f.auth })) {
    for (let n = 0; n < bytes.length; n++) {
      const cut = bytes.subarray(0, n)
      assert.throws(() => jsReadFrame(cut), `${kind}[0..${n}) should fail in JavaScript too`)
      const res = await driver.call({ cmd: 'decode', hex: hex(cut) })
      assert.equal(res.code, 'InvalidArgument', `${kind} cut at ${n}`)
    }
  }
  const js = new JsServer()
  await newTable('cut')
  await applyBoth(js, 'cut', rawUpdate([[1, 1, '{"keep":true}']]), 'setup')
  const full = rawUpdate([[1, 2, '{"user":"Zoë 😀"}'], [2, 300, 'null'], [3, 2 ** 40, '{"n":[1,2]}']])
  for (let n = 0; n < full.length; n++) {
    const cut = full.subarray(0, n)
    assert.throws(() => new JsServer().apply(cut), `awareness update cut at ${n} should fail in JavaScript too`)
    const res = await cppApply('cut', cut)
    assert.equal(res.code, 'InvalidArgument', `awareness update cut at ${n}`)
  }
  await assertSameTable(js, 'cut', 'after truncations')
  // Invalid JSON after a valid entry: JSON.parse throws midway (awareness.js
  // has already applied the first entry); C++ applies nothing.
  const bad = rawUpdate([[1, 9, '{"applied":"in JS"}'], [4, 1, '{"a":']])
  assert.throws(() => new JsServer().apply(bad))
  assert.equal((await cppApply('cut', bad)).code, 'InvalidArgument')
  await assertSameTable(js, 'cut', 'after invalid JSON')
})

test('limits: oversized states and too many clients are refused whole', async () => {
  await newTable('limits', { maxStateBytes: 64, maxClients: 3 })
  const big = JSON.stringify({ s: 'x'.repeat(60) })
  let res = await cppApply('limits', rawUpdate([[1, 1, '{}'], [2, 1, big]]))
  assert.equal(res.code, 'ResourceExhausted')
  res = await cppApply('limits', rawUpdate([[1, 1, '{}'], [2, 1, '{}'], [3, 1, '{}'], [4, 1, '{}']]))
  assert.equal(res.code, 'ResourceExhausted')
  assert.equal((await cppStates('limits')).remembered, 0)
  res = await cppApply('limits', rawUpdate([[1, 1, '{}'], [2, 1, '{}'], [3, 1, '{}']]))
  assert.ok(res.ok)
})

// Seeded mutations of valid awareness updates. Where y-protocols throws, C++
// must refuse (and change nothing); where it accepts, C++ must give the same
// event and bytes, except that C++ also refuses varUints above 2^53 - 1 (lib0
// reads them imprecisely) and encodings longer than 10 bytes.
test('mutated awareness updates: C++ refuses what y-protocols refuses', async () => {
  const seed = Number(process.env.SEED ?? 1)
  const count = Number(process.env.MUTATIONS ?? 400)
  let s = seed >>> 0
  const rand = (n) => { s = (s * 1103515245 + 12345) >>> 0; return (s >>> 8) % n }
  const base = rawUpdate([[1, 3, '{"a":1}'], [2, 5, 'null'], [3, 1, '{"u":"Zoë 😀","n":[1,2.5]}']])
  const setup = rawUpdate([[1, 2, '{"a":0}'], [2, 5, '{"b":1}']])
  const stats = { bothRefused: 0, bothAccepted: 0, cppStricter: 0 }
  for (let i = 0; i < count; i++) {
    const bytes = Array.from(base)
    for (let k = 1 + rand(3); k > 0; k--) {
      const at = rand(bytes.length + 1)
      switch (rand(3)) {
        case 0: if (at < bytes.length) bytes[at] ^= 1 << rand(8); break
        case 1: bytes.splice(at, 0, rand(256)); break
        default: bytes.splice(at, 1)
      }
    }
    const mutated = new Uint8Array(bytes)
    const js = new JsServer()
    js.apply(setup)
    await newTable('mut')
    await cppApply('mut', setup)
    await newTable('mut-hub')
    await cppApplyFrom(1, 'mut-hub', setup)
    let jsEvent = null
    try { jsEvent = js.apply(mutated) } catch { jsEvent = null }
    const res = await cppApply('mut', mutated)
    const msg = `seed ${seed} case ${i}: ${hex(mutated)}`
    // Within its quotas the hub's path (applyUpdateFrom) is the same table.
    const hubRes = await cppApplyFrom(2, 'mut-hub', mutated)
    if (hubRes.ok && hubRes.dropped === 0) {
      assert.deepEqual(events(hubRes), events(res), `${msg}: the hub's path`)
      assert.deepEqual(await cppStates('mut-hub'), await cppStates('mut'), `${msg}: the hub's path, table`)
    } else if (!hubRes.ok) {
      assert.equal(hubRes.code, res.code, `${msg}: the hub's path refuses alike`)
    }
    if (jsEvent === null) {
      assert.equal(res.code, 'InvalidArgument', `${msg}: JavaScript refused, C++ said ${JSON.stringify(res)}`)
      const fresh = new JsServer()
      fresh.apply(setup)
      await assertSameTable(fresh, 'mut', `${msg}: unchanged`)
      stats.bothRefused++
    } else if (!res.ok) {
      assert.match(res.error, /above 2\^53|too long/, `${msg}: JavaScript accepted, C++ refused: ${res.error}`)
      stats.cppStricter++
    } else {
      assert.deepEqual(events(res), jsEvent, msg)
      await assertSameTable(js, 'mut', msg)
      stats.bothAccepted++
    }
  }
  console.log(`mutations (seed ${seed}): ${JSON.stringify(stats)}`)
})
