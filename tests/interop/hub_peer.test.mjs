// The hub as a y-webrtc peer (src/hub/hub_peer.h, docs/p2p.md "The hub's own
// peer"), against an unmodified y-webrtc 10.3 WebrtcProvider in Node (real
// WebRTC: @roamhq/wrtc) through a relay of its own: no browser and no
// WebSocket of the author anywhere. A reviewer who has only the share link
// gets the plan from the hub; their comments and decision reach the agent's
// get_feedback and a pending wait_for_review; the connection outlives the
// relay; the hub rejoins after a restart and takes the edits made meanwhile;
// a peer sending garbage loses its connection, nobody else does.
//
//   cd tests/interop && node --test hub_peer.test.mjs

import { test, before } from 'node:test'
import { useHarness, assert, waitFor, WebSocket } from './hub_harness.mjs'
import { mcpSession, openPlan, review } from './mcp_harness.mjs'
import { openWebrtcProvider } from './webrtc_provider.mjs'
import { commentOn } from './reviewer.mjs'

const h = useHarness()
let relay, hub, agent

before(async () => {
  // The public relay (a signal-only process, as on a review site) and the
  // author's hub, which knows the relay from its configuration.
  relay = await h.startHub({ flags: ['--no-p2p'] })
  hub = await h.startHub({ flags: ['--signaling', relay.signalUrl] })
  agent = await mcpSession(hub)
})

const createPlan = async (title, content = `# ${title}\n\n- Step one: the parser\n- Step two: the tests\n`) => {
  const { structuredContent } = await agent.tool('create_plan', { title, content })
  const k = new URLSearchParams(new URL(structuredContent.shareUrl).hash.slice(1)).get('k')
  return { planId: structuredContent.planId, secret: k }
}

// A reviewer elsewhere: the share link's room and secret, nothing else.
const openReviewer = (plan, signalUrl = relay.signalUrl) =>
  openWebrtcProvider(h, `roundtable-${plan.planId}`, signalUrl, plan.secret)

const titleOf = doc => doc.getMap('metadata').get('title')
const hubPeersOf = provider =>
  [...provider.awareness.getStates().values()].filter(s => s && typeof s.hub === 'object')

test('a reviewer with only the share link gets the plan from the hub, and the agent hears back', async () => {
  const plan = await createPlan('Hub-only review')
  const { doc, provider } = await openReviewer(plan)
  await waitFor(() => titleOf(doc) === 'Hub-only review', { timeout: 20000, message: 'the plan from the hub' })
  assert.match(doc.getXmlFragment('document').toString(), /Step one: the parser/)

  // The hub is in presence as the hub, named after its machine.
  await waitFor(() => hubPeersOf(provider).length === 1, { timeout: 5000, message: 'the hub\'s awareness entry' })
  const [entry] = hubPeersOf(provider)
  assert.equal(typeof entry.hub.name, 'string')
  assert.ok(entry.hub.name.length > 0)
  assert.equal(entry.user, undefined, 'not a person')

  const waiting = agent.tool('wait_for_review', { planId: plan.planId, timeoutSeconds: 60 })
  await commentOn(doc, { user: { id: 'r1', name: 'Remote Rita', color: '#c33' }, quote: 'the parser', text: 'Which grammar?' })
  review(doc, 'changes_requested', 'Remote Rita')
  const answered = await waiting
  assert.equal(answered.structuredContent.status, 'changes_requested', JSON.stringify(answered.structuredContent).slice(0, 400))
  const feedback = (await agent.tool('get_feedback', { planId: plan.planId })).structuredContent
  assert.ok(JSON.stringify(feedback).includes('Which grammar?'), 'the comment reached the hub')
})

test('the connection outlives the relay; after it returns, the hub is found again', async () => {
  const plan = await createPlan('Relay goes away')
  const first = await openReviewer(plan)
  await waitFor(() => titleOf(first.doc) === 'Relay goes away', { timeout: 20000, message: 'the plan' })

  await relay.kill('SIGKILL')
  first.doc.getMap('metadata').set('updatedAt', Date.now())
  first.doc.getText('scratch').insert(0, 'written while the relay is down')
  const local = await openPlan(hub, plan.planId)
  await waitFor(() => local.doc.getText('scratch').toString() === 'written while the relay is down',
    { timeout: 10000, message: 'an edit over the data channel with no relay' })
  local.close()

  await relay.start()  // same port: the hub's client reconnects and subscribes again
  await first.close()  // one provider per room in a process
  const second = await openReviewer(plan)
  await waitFor(() => titleOf(second.doc) === 'Relay goes away', { timeout: 20000, message: 'the plan after the relay came back' })
})

test('the hub rejoins after a restart and takes the edits made while it was down', async () => {
  const plan = await createPlan('Hub restarts')
  const { doc, provider } = await openReviewer(plan)
  await waitFor(() => titleOf(doc) === 'Hub restarts', { timeout: 20000, message: 'the plan' })

  await waitFor(() => hubPeersOf(provider).length === 1, { timeout: 5000, message: 'the hub\'s awareness entry' })
  await hub.kill('SIGTERM')
  // It says it left, rather than linger in presence until its entry times out (30 s).
  await waitFor(() => hubPeersOf(provider).length === 0, { timeout: 3000, message: 'the hub\'s entry removed when it stopped' })
  await commentOn(doc, { user: { id: 'r2', name: 'Offline Otto', color: '#3c3' }, quote: 'the tests', text: 'Written while the hub was down' })
  await hub.start()
  agent = await mcpSession(hub)
  await waitFor(async () => {
    const fb = (await agent.tool('get_feedback', { planId: plan.planId })).structuredContent
    return JSON.stringify(fb).includes('Written while the hub was down')
  }, { timeout: 30000, interval: 500, message: 'the comment made while the hub was down' })
  assert.ok(provider.room.webrtcConns.size >= 1)
})

test('a peer that sends garbage loses its connection; the room and the hub go on', async () => {
  const plan = await createPlan('Hostile peer')
  const bad = await openReviewer(plan)
  await waitFor(() => titleOf(bad.doc) === 'Hostile peer', { timeout: 20000, message: 'the plan' })
  const hubConn = () => [...bad.provider.room.webrtcConns.entries()].find(([, c]) => c.connected)
  const local = await openPlan(hub, plan.planId)
  const hostile = [
    ['a sync message of a type that does not exist', new Uint8Array([0, 7, 0xff, 0xff, 0xff])],
    // Over the 64 KiB a frame may hold, unframed (the web app frames anything larger).
    ['a message larger than a frame', new Uint8Array(70 * 1024).fill(1)],
    // A first frame whose header claims more than --max-message-bytes.
    ['a frame announcing 1 GiB', new Uint8Array([0xff, 0x52, 0x54, 0x01, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x40, 1, 2, 3])]
  ]
  for (const [what, bytes] of hostile) {
    await waitFor(hubConn, { timeout: 20000, message: `a connection to the hub before ${what}` })
    const [hubPeerId, conn] = hubConn()
    conn.peer.send(bytes)
    await waitFor(() => bad.provider.room.webrtcConns.get(hubPeerId) !== conn,
      { timeout: 10000, message: `the hub closing the connection after ${what}` })
    // The room goes on: an author's edit over WebSocket reaches the peer, which
    // y-webrtc connects again (it announces when a connection closes).
    local.doc.getText('scratch').insert(0, `${what}; `)
    await waitFor(() => bad.doc.getText('scratch').toString().includes(what), { timeout: 20000, message: `an edit after ${what}` })
  }

  // Garbage through the relay, in the room's topic, is ignored. (y-webrtc
  // itself throws on it, so this reviewer leaves first.)
  await bad.close()
  const ws = new WebSocket(relay.signalUrl)
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  for (const data of ['', 'not base64!', Buffer.from('AES-GCM but not sealed').toString('base64'), Buffer.alloc(70000).toString('base64')]) {
    ws.send(JSON.stringify({ type: 'publish', topic: `roundtable-${plan.planId}`, data }))
  }
  ws.send('{"type":"publish","topic":')
  ws.close()
  local.doc.getText('scratch').insert(0, 'after the relay garbage; ')
  local.close()
  const next = await openReviewer(plan)
  await waitFor(() => next.doc.getText('scratch').toString().includes('after the relay garbage'), { timeout: 20000 })
  assert.ok(hub.running)
  const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text()
  assert.match(metrics, /^roundtable_webrtc_rooms [1-9]/m)
  assert.match(metrics, /^roundtable_webrtc_peers [1-9]/m)
})

test('past --p2p-max-peers-total the hub answers no more peers, and says so', async () => {
  const small = await h.startHub({ flags: ['--signaling', relay.signalUrl, '--p2p-max-peers-total', '1'] })
  const s = await mcpSession(small)
  const make = async title => {
    const { structuredContent } = await s.tool('create_plan', { title, content: `# ${title}\n\nA step.\n` })
    return { planId: structuredContent.planId, secret: new URLSearchParams(new URL(structuredContent.shareUrl).hash.slice(1)).get('k') }
  }
  const first = await openReviewer(await make('First in'))
  await waitFor(() => titleOf(first.doc) === 'First in', { timeout: 20000, message: 'the first plan' })
  const second = await openReviewer(await make('One too many'))
  await waitFor(() => /not answering peer/.test(small.output), { timeout: 10000, message: 'the limit\'s log line' })
  assert.equal(titleOf(second.doc), undefined, 'no plan past the limit')
  assert.equal([...second.provider.room.webrtcConns.values()].filter(c => c.connected).length, 0)
  assert.ok(small.running)
})
