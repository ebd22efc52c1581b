// Awareness through the hub: states (unicode included) reach the other
// clients, changes propagate, departures are removals at the others (whether
// the client said goodbye or its socket just died), silent clients time out,
// and query-awareness returns the current states.
import { test, before } from 'node:test'
import {
  useHarness, onlyHub, docName, waitFor, waitSynced, sleep, assert, Y, awarenessProtocol,
  awarenessMsg, queryAwarenessMsg, isAwareness, parseMsg, decodeAwareness, syncStep1Msg, encoding, httpGet
} from './hub_harness.mjs'

const h = useHarness()
let hub
before(async () => { hub = await h.startHub() })

const USERS = [
  { name: 'Zoë Ångström', color: '#e91e63' },
  { name: '李小龙 😀', color: '#2196f3' },
  { name: 'Ωmega ∑ ‮rtl', color: '#4caf50' }
]

/** Awareness states other than the local one, as a plain Map(clientID → state). */
const remoteStates = awareness => new Map([...awareness.getStates()].filter(([id]) => id !== awareness.clientID))

/**
 * A raw client that holds its own Awareness (not a provider: it never renews
 * its state by itself) and applies every awareness message it receives.
 */
const rawAwarenessClient = async (url, state) => {
  const client = h.raw(url)
  const doc = new Y.Doc()
  const awareness = new awarenessProtocol.Awareness(doc)
  h.defer(() => { awareness.destroy(); doc.destroy() })
  clearInterval(awareness._checkInterval) // no local renewal and no local expiry: only the server decides
  awareness.setLocalState(state)
  const removed = []
  awareness.on('change', ({ removed: r }) => removed.push(...r))
  client.onMessage = msg => {
    if (isAwareness(msg)) awarenessProtocol.applyAwarenessUpdate(awareness, parseMsg(msg).payload, 'server')
  }
  await client.opened
  client.send(syncStep1Msg(doc))
  if (state !== null) client.send(awarenessMsg(awareness, [doc.clientID]))
  return { client, doc, awareness, removed, id: doc.clientID }
}

test('awareness states reach every other provider; changes propagate; a destroyed provider is removed at the others', async () => {
  const name = docName('aw')
  const peers = USERS.map(() => h.provider(hub, name))
  peers.forEach((p, i) => p.awareness.setLocalStateField('user', USERS[i]))
  await Promise.all(peers.map(p => waitSynced(p.provider)))

  const expectAll = () => peers.every(p => peers.every((q, j) =>
    q === p || JSON.stringify(p.awareness.getStates().get(q.doc.clientID)?.user) === JSON.stringify(USERS[j])))
  await waitFor(expectAll, { message: 'every provider to see the other two states' })
  for (const p of peers) {
    const others = remoteStates(p.awareness)
    assert.equal(others.size, 2)
    for (const [j, q] of peers.entries()) if (q !== p) assert.deepEqual(others.get(q.doc.clientID), { user: USERS[j] })
  }

  // a change propagates
  peers[0].awareness.setLocalStateField('cursor', { anchor: 3, head: 7, note: 'ünïcødé ✓' })
  await waitFor(() => peers.slice(1).every(p => p.awareness.getStates().get(peers[0].doc.clientID)?.cursor?.note === 'ünïcødé ✓'),
    { message: 'the changed state at the others' })
  assert.deepEqual(peers[1].awareness.getStates().get(peers[0].doc.clientID), { user: USERS[0], cursor: { anchor: 3, head: 7, note: 'ünïcødé ✓' } })

  // destroy → removal event at the others
  const gone = peers[2].doc.clientID
  const removedAt = peers.slice(0, 2).map(p => {
    const seen = []
    p.awareness.on('change', ({ removed }) => seen.push(...removed))
    return seen
  })
  peers[2].provider.destroy()
  await waitFor(() => removedAt.every(seen => seen.includes(gone)), { message: 'a removal event for the destroyed provider' })
  for (const p of peers.slice(0, 2)) assert.equal(p.awareness.getStates().has(gone), false)
})

test('a client whose socket dies without a goodbye is removed at the others', async () => {
  const name = docName('aw-term')
  const watcher = h.provider(hub, name)
  await waitSynced(watcher.provider)
  const removed = []
  watcher.awareness.on('change', ({ removed: r }) => removed.push(...r))

  const victim = await rawAwarenessClient(hub.yjsUrl(name), { user: USERS[1] })
  await waitFor(() => watcher.awareness.getStates().get(victim.id)?.user?.name === USERS[1].name, { message: "the raw client's state at the watcher" })
  victim.client.ws.terminate() // TCP gone, no null state sent
  await waitFor(() => removed.includes(victim.id), { message: 'the server to remove the dead client' })
  assert.equal(watcher.awareness.getStates().has(victim.id), false)
})

test('query-awareness (message type 3) is answered with the current states', onlyHub('query-awareness handler (it ignores message type 3)'), async () => {
  const name = docName('aw-query')
  const a = await rawAwarenessClient(hub.yjsUrl(name), { user: USERS[0] })
  const p = h.provider(hub, name)
  p.awareness.setLocalStateField('user', USERS[2])
  await waitSynced(p.provider)
  const b = await rawAwarenessClient(hub.yjsUrl(name), null)
  await waitFor(() => b.awareness.getStates().get(a.id) && b.awareness.getStates().get(p.doc.clientID),
    { message: 'the asker to know both states' })
  await sleep(100) // let anything else in flight arrive first

  b.client.taken = b.client.messages.length // only an answer to the query counts
  const reply = b.client.next(isAwareness, 3000)
  b.client.send(queryAwarenessMsg())
  const states = decodeAwareness(parseMsg(await reply).payload)
  assert.deepEqual(states.get(a.id)?.state, { user: USERS[0] })
  assert.deepEqual(states.get(p.doc.clientID)?.state, { user: USERS[2] })
})

test('with a short --awareness-timeout-ms a silent client is removed and a renewing one is kept',
  onlyHub('configurable awareness timeout (fixed at 30 s)'), async () => {
    const timeoutMs = 1000
    const fastHub = await h.startHub({ flags: ['--awareness-timeout-ms', String(timeoutMs)] })
    const name = docName('aw-timeout')
    const watcher = await rawAwarenessClient(fastHub.yjsUrl(name), null)
    const silentSince = Date.now()
    const silent = await rawAwarenessClient(fastHub.yjsUrl(name), { user: USERS[0] })
    const renewing = await rawAwarenessClient(fastHub.yjsUrl(name), { user: USERS[1] })
    const renew = setInterval(() => {
      renewing.awareness.setLocalStateField('tick', Date.now()) // bumps the clock
      renewing.client.send(awarenessMsg(renewing.awareness, [renewing.id]))
    }, timeoutMs / 4)
    h.defer(() => clearInterval(renew))

    await waitFor(() => watcher.awareness.getStates().has(silent.id) && watcher.awareness.getStates().has(renewing.id),
      { message: 'both states at the watcher' })
    await sleep(Math.max(0, silentSince + timeoutMs / 2 - Date.now()))
    assert.ok(watcher.awareness.getStates().has(silent.id), 'the silent client is not removed before the timeout')

    await waitFor(() => watcher.removed.includes(silent.id), { timeout: timeoutMs * 5, message: 'the silent client to time out' })
    const took = Date.now() - silentSince
    assert.ok(took >= timeoutMs * 0.9, `removed ${took} ms after its only update, before the ${timeoutMs} ms timeout`)
    await sleep(timeoutMs)
    assert.equal(watcher.removed.includes(renewing.id), false, 'a client that renews its state is kept')
    assert.ok(watcher.awareness.getStates().has(renewing.id))
  })

// ---- hostile input: quotas ---------------------------------------------------

/** An awareness update of raw entries [client, clock, stateJSON]. */
const rawAwarenessMsg = entries => {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 1) // messageAwareness
  const inner = encoding.createEncoder()
  encoding.writeVarUint(inner, entries.length)
  for (const [client, clock, json] of entries) {
    encoding.writeVarUint(inner, client)
    encoding.writeVarUint(inner, clock)
    encoding.writeVarString(inner, json)
  }
  encoding.writeVarUint8Array(e, encoding.toUint8Array(inner))
  return encoding.toUint8Array(e)
}

/** A provider whose closes are counted (each close is a reconnect for y-websocket). */
const countedProvider = (hub, name, user) => {
  const p = h.provider(hub, name)
  p.closes = []
  p.provider.on('connection-close', event => p.closes.push(event?.code))
  p.awareness.setLocalStateField('user', user)
  return p
}

/** Every provider sees every other's user, and an edit by the first reaches all. */
const expectRealClientsWork = async (peers, { timeout = 10000 } = {}) => {
  await Promise.all(peers.map(p => waitSynced(p.provider, timeout)))
  await waitFor(() => peers.every(p => peers.every(q =>
    q === p || p.awareness.getStates().get(q.doc.clientID)?.user?.name === q.awareness.getLocalState().user.name)),
  { timeout, message: "every provider to see the others' awareness" })
  peers[0].doc.getText('t').insert(0, 'edited under attack')
  await waitFor(() => peers.every(p => p.doc.getText('t').toString() === 'edited under attack'),
    { timeout, message: 'the edit at every provider' })
}

test('one connection that announces 10,000 client ids does not lock real clients out', onlyHub('awareness quotas'), async () => {
  const name = docName('aw-flood')
  const attacker = h.raw(hub.yjsUrl(name))
  await attacker.opened
  const base = 2 ** 40 // no collision with the providers' 32-bit client ids
  const started = Date.now()
  for (let batch = 0; batch < 10; batch++) {
    attacker.send(rawAwarenessMsg(Array.from({ length: 1000 }, (_, i) => [base + batch * 1000 + i, 1, `{"bot":${batch * 1000 + i}}`])))
  }
  await sleep(300) // let the hub apply them all

  const peers = USERS.map(u => countedProvider(hub, name, u))
  let error = null
  try {
    await expectRealClientsWork(peers)
  } catch (e) { error = e }
  const closes = peers.flatMap(p => p.closes)
  console.log(`10,000-id flood: ${closes.length} provider closes (codes ${[...new Set(closes)].join(',') || 'none'}) in ${Date.now() - started} ms; attacker ${attacker.closeInfo ? `closed ${attacker.closeInfo.code}` : 'open'}`)
  if (error) throw error
  assert.deepEqual(closes, [], 'no provider was disconnected')

  // The attacker kept at most its quota of ids: a new joiner's snapshot says so.
  const joiner = h.raw(hub.yjsUrl(name))
  const snapshot = decodeAwareness(parseMsg(await joiner.next(isAwareness)).payload)
  const bots = [...snapshot.keys()].filter(id => id >= base).length
  console.log(`the hub holds ${bots} of the attacker's 10,000 ids`)
  assert.ok(bots > 0 && bots <= 64, `${bots} attacker ids held (at most 64 per connection)`)
  for (const p of peers) assert.ok(snapshot.has(p.doc.clientID))
  // The hub counts what it dropped, for an operator to see.
  const dropped = Number((await httpGet(hub, '/metrics')).body.match(/^roundtable_awareness_dropped_total (\d+)/m)?.[1])
  assert.ok(dropped >= 10000 - 64, `roundtable_awareness_dropped_total ${dropped}`)

  // Its ids are freed when it leaves.
  attacker.close()
  await waitFor(() => peers.every(p => ![...p.awareness.getStates().keys()].some(id => id >= base)),
    { message: "the attacker's states to be removed at the providers" })
})

test("1,200 states of 60 KB do not make a joiner's snapshot trip its queue limit", onlyHub('awareness byte budget'), async () => {
  const name = docName('aw-bulk')
  const big = JSON.stringify({ pad: 'x'.repeat(60_000) })
  const base = 2 ** 41
  const started = Date.now()
  const senders = []
  for (let c = 0; c < 20; c++) { // 60 states each, within the per-connection quota
    const s = h.raw(hub.yjsUrl(name))
    senders.push(s)
    await s.opened
    s.send(rawAwarenessMsg(Array.from({ length: 60 }, (_, i) => [base + c * 60 + i, 1, big])))
  }
  // Every sender receives its own broadcast once the hub has applied it (or nothing, if all was dropped).
  await sleep(1000)

  const peers = USERS.slice(0, 2).map(u => countedProvider(hub, name, u))
  const joiner = h.raw(hub.yjsUrl(name))
  let error = null
  try {
    const first = await joiner.next(isAwareness, 10000)
    console.log(`joiner's awareness snapshot: ${first.length} bytes`)
    assert.ok(first.length <= 8 * 1024 * 1024 + 64, `snapshot of ${first.length} bytes within the 8 MiB budget`)
    await expectRealClientsWork(peers, { timeout: 20000 })
  } catch (e) { error = e }
  const closes = peers.flatMap(p => p.closes)
  console.log(`1,200 x 60 KB: ${closes.length} provider closes (codes ${[...new Set(closes)].join(',') || 'none'}), joiner ${joiner.closeInfo ? `closed ${joiner.closeInfo.code}` : 'open'}, senders closed ${senders.filter(s => s.closeInfo).length}, ${Date.now() - started} ms`)
  if (error) throw error
  assert.equal(joiner.closeInfo, null, 'the joiner is not closed')
  assert.deepEqual(closes, [], 'no provider was disconnected')
})

test('with a small --max-queued-bytes the awareness budget shrinks with it: a joiner is still not closed', onlyHub('awareness byte budget'), async () => {
  const queue = 1 << 20
  const smallHub = await h.startHub({ flags: ['--max-queued-bytes', String(queue)] })
  const name = docName('aw-small-queue')
  const big = JSON.stringify({ pad: 'y'.repeat(60_000) })
  const base = 2 ** 42
  for (let c = 0; c < 4; c++) { // 100 states of 60 KB (6 MB): six times the queue limit
    const s = h.raw(smallHub.yjsUrl(name))
    await s.opened
    s.send(rawAwarenessMsg(Array.from({ length: 25 }, (_, i) => [base + c * 25 + i, 1, big])))
  }
  await sleep(500)
  const joiner = h.raw(smallHub.yjsUrl(name))
  const first = await joiner.next(isAwareness, 10000)
  console.log(`--max-queued-bytes ${queue}: joiner's snapshot ${first.length} bytes`)
  assert.ok(first.length <= queue / 4 + 64, `snapshot of ${first.length} bytes within a quarter of the queue limit`)
  const peers = USERS.slice(0, 2).map(u => countedProvider(smallHub, name, u))
  await expectRealClientsWork(peers)
  assert.equal(joiner.closeInfo, null, 'the joiner is not closed')
  assert.deepEqual(peers.flatMap(p => p.closes), [], 'no provider was disconnected')
})
