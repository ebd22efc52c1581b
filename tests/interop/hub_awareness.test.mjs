// Awareness through the hub: states (unicode included) reach the other
// clients, changes propagate, departures are removals at the others (whether
// the client said goodbye or its socket just died), silent clients time out,
// and query-awareness returns the current states.
import { test, before } from 'node:test'
import {
  useHarness, onlyHub, docName, waitFor, waitSynced, sleep, assert, Y, awarenessProtocol,
  awarenessMsg, queryAwarenessMsg, isAwareness, parseMsg, decodeAwareness, syncStep1Msg
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
