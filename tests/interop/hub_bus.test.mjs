// Replicas of a team server: hubs sharing one PostgreSQL database and one
// Redis (`roundtable serve --store postgres://... --bus unix://...`), all real
// servers the test starts, with real y-websocket clients on different
// replicas. Edits converge across replicas; awareness crosses them (and a
// replica that joins later asks the others for their states); a replica
// killed takes its clients' presence with it after the awareness timeout;
// Redis killed and restarted under the hubs loses nothing (the replicas catch
// up from PostgreSQL); y-webrtc signaling reaches subscribers on every
// replica; wait_for_review wakes for a decision made through another replica.
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { test, before, after } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import { useHarness, onlyHub, docName, waitFor, waitSynced, docContent, stateVector, digest, assert, sleep, httpGet } from './hub_harness.mjs'
import { PgServer } from './pg_server.mjs'
import { RedisServer } from './redis_server.mjs'
import { mcpSession, openPlan, review } from './mcp_harness.mjs'

const h = useHarness()
let pg = null
let redis = null
before(async () => { [pg, redis] = await Promise.all([PgServer.start(), RedisServer.start()]) })
after(async () => { await Promise.all([pg?.destroy(), redis?.destroy()]) })

const replica = (extra = []) => h.startHub({ flags: ['--store', pg.url(), '--bus', redis.url, '--awareness-timeout-ms', '1500', ...extra] })
/** A replica's roundtable_bus_* metrics from /metrics, by name without the prefix. */
const busMetrics = async hub => {
  const { body } = await httpGet(hub, '/metrics')
  return Object.fromEntries([...body.matchAll(/^roundtable_bus_(\w+) (\d+)$/gm)].map(m => [m[1], Number(m[2])]))
}
const converged = docs => docs.every(d => isDeepStrictEqual(stateVector(d), stateVector(docs[0])) &&
  isDeepStrictEqual(docContent(d), docContent(docs[0])))

test('three replicas: clients on each converge, awareness crosses, a late replica asks for the states, a dead one times out',
  onlyHub('--bus'), async () => {
    const hubs = await Promise.all([replica(), replica(), replica()])
    assert.match(hubs[0].output, /replica [0-9a-f]{16} of a team server/)
    const name = docName('bus')
    const clients = hubs.map(hub => h.provider(hub, name))
    await Promise.all(clients.map(c => waitSynced(c.provider)))
    for (let i = 0; i < 30; i++) {
      const c = clients[i % 3]
      c.doc.getText('text').insert(0, `edit ${i} 😀 `)
      c.doc.getMap('map').set(`k${i}`, { i, big: 'x'.repeat(i * 50) })
    }
    await waitFor(() => converged(clients.map(c => c.doc)), { message: 'clients on three replicas to converge' })
    assert.equal(clients[0].doc.getMap('map').size, 30)

    clients[0].awareness.setLocalState({ user: 'ada' })
    const ada = clients[0].doc.clientID
    await waitFor(() => clients[1].awareness.getStates().get(ada)?.user === 'ada' &&
      clients[2].awareness.getStates().get(ada)?.user === 'ada', { message: "ada's presence on the other replicas" })

    // A replica started now has never heard ada's state; its room asks the
    // others when it opens the document (well before ada renews, 15 s).
    const late = await replica()
    const d = h.provider(late, name)
    await waitSynced(d.provider)
    assert.ok(converged([clients[0].doc, d.doc]), 'the late replica serves the whole document')
    await waitFor(() => d.awareness.getStates().get(ada)?.user === 'ada', { message: "ada's presence through the query", timeout: 3000 })

    // ada's replica dies: the others drop her state once it is not renewed.
    await hubs[0].kill('SIGKILL')
    clients[0].provider.destroy()
    await waitFor(() => !clients[1].awareness.getStates().has(ada) && !d.awareness.getStates().has(ada),
      { message: "ada's presence to time out on the other replicas", timeout: 5000 })
  })

test('Redis killed and restarted under running replicas: edits made meanwhile converge, nothing is lost',
  onlyHub('--bus'), async () => {
    const hubs = await Promise.all([replica(), replica()])
    const name = docName('bus-down')
    const [a, b] = hubs.map(hub => h.provider(hub, name))
    await Promise.all([waitSynced(a.provider), waitSynced(b.provider)])
    a.doc.getText('text').insert(0, 'before ')
    await waitFor(() => b.doc.getText('text').toString() === 'before ', { message: 'the first edit to cross' })
    const [ma, mb] = await Promise.all(hubs.map(busMetrics))
    assert.equal(ma.connected, 1)
    assert.equal(ma.connects_total, 1)
    assert.equal(ma.disconnects_total, 0)
    assert.ok(ma.published_total > 0, `the writer's replica counts its publishes: ${JSON.stringify(ma)}`)
    assert.ok(mb.received_total > 0, `the reader's replica counts what it heard: ${JSON.stringify(mb)}`)

    await redis.stop('SIGKILL')
    // Only `a` edits: an append of `b`'s own would show its replica the
    // hole in the seqs, and it would catch up from PostgreSQL at once.
    a.doc.getText('text').insert(0, 'a-while-down ')
    for (let i = 0; i < 20; i++) a.doc.getMap('m').set(`k${i}`, i)
    await sleep(300)
    assert.doesNotMatch(b.doc.getText('text').toString(), /a-while-down/, 'without Redis, replicas hear nothing of each other')
    await waitFor(() => /bus: lost the connection/.test(hubs[0].output), { message: 'the replica to notice' })
    // An edit after the replica noticed: its publish is dropped, and counted.
    a.doc.getText('text').insert(0, 'a-noticed ')
    await waitFor(async () => (await busMetrics(hubs[0])).dropped_total > 0, { message: 'the dropped publish to be counted' })
    const down = await busMetrics(hubs[0])
    assert.equal(down.connected, 0, 'the gauge says the replica hears nobody')
    assert.equal(down.disconnects_total, 1)
    await redis.startServer()
    await waitFor(() => converged([a.doc, b.doc]) && a.doc.getMap('m').size === 20,
      { message: 'the replicas to catch up once Redis is back', timeout: 8000 })
    // The documents converge once `b`'s replica is back and has caught up;
    // `a`'s may still be waiting out its reconnect backoff.
    await waitFor(async () => (await Promise.all(hubs.map(busMetrics))).every(m => m.connected === 1),
      { message: 'both replicas to reconnect to Redis', timeout: 8000, interval: 100 })
    for (const hub of hubs) assert.match(hub.output, /bus: connected[^]*bus: lost the connection[^]*bus: connected/)
    for (const m of await Promise.all(hubs.map(busMetrics))) {
      assert.equal(m.connected, 1)
      assert.ok(m.connects_total >= 2, `the reconnect is counted: ${JSON.stringify(m)}`)
    }
    assert.match(b.doc.getText('text').toString(), /a-while-down/)

    // and the bus works again
    b.doc.getText('text').insert(0, 'after ')
    await waitFor(() => a.doc.getText('text').toString().startsWith('after '), { message: 'an edit after the restart to cross' })

    // Everything is in PostgreSQL: a reader on a fresh replica gets it all.
    const expected = digest(a.doc)
    const fresh = await replica()
    const reader = h.rawDoc(fresh.yjsUrl(name))
    await reader.sync()
    assert.deepEqual(digest(reader.doc), expected)
    // A replica stops cleanly (its connections to Redis closed with it).
    const info = await hubs[0].kill('SIGTERM')
    assert.equal(info.code, 0, hubs[0].output)
  })

test("y-webrtc signaling across replicas: a publish reaches the topic's subscribers on every replica, and only them",
  onlyHub('--bus'), async () => {
    const hubs = await Promise.all([replica(), replica()])
    const topic = docName('webrtc-room')
    const [a, b, other] = [h.raw(hubs[0].signalUrl), h.raw(hubs[1].signalUrl), h.raw(hubs[1].signalUrl)]
    await Promise.all([a.opened, b.opened, other.opened])
    a.sendJson({ type: 'subscribe', topics: [topic] })
    b.sendJson({ type: 'subscribe', topics: [topic] })
    other.sendJson({ type: 'subscribe', topics: [topic + '-not'] })
    const json = c => c.messages.filter(m => typeof m === 'string').map(m => JSON.parse(m))
    // The subscriptions reach Redis asynchronously: publish until one crosses.
    let n = 0
    await waitFor(() => {
      a.sendJson({ type: 'publish', topic, data: { from: 'a', n: n++ } })
      return json(b).some(m => m.type === 'publish' && m.data?.from === 'a')
    }, { interval: 50, message: "a's publish to reach b on the other replica" })
    const got = json(b).find(m => m.type === 'publish' && m.data?.from === 'a')
    assert.equal(got.topic, topic)
    assert.equal(typeof got.clients, 'number')
    b.sendJson({ type: 'publish', topic, data: { from: 'b' } })
    await waitFor(() => json(a).some(m => m.type === 'publish' && m.data?.from === 'b'), { message: "b's publish to reach a" })
    assert.ok(!json(other).some(m => m.type === 'publish'), 'nothing reaches a subscriber of another topic')
  })

test('wait_for_review on one replica wakes for a decision made through another; both replicas list the plan as approved',
  onlyHub('--bus'), async () => {
    const hubs = await Promise.all([replica(['--mcp-progress-ms', '200']), replica()])
    const agent = await mcpSession(hubs[0])
    const { planId } = (await agent.tool('create_plan', { title: 'Across replicas', content: '# Plan\n\nDo it.' })).structuredContent
    const waiting = agent.tool('wait_for_review', { planId, timeoutSeconds: 20 })
    const browser = await openPlan(hubs[1], planId)
    const t0 = Date.now()
    review(browser.doc, 'approved', 'Ada')
    const r = await waiting
    assert.ok(Date.now() - t0 < 3000, 'woke on the change that crossed, not by timing out')
    assert.equal(r.structuredContent.status, 'approved')
    assert.equal(r.structuredContent.reviewedBy, 'Ada')
    const other = await mcpSession(hubs[1])
    await waitFor(async () => (await other.tool('list_plans', { status: 'approved' })).structuredContent.plans.some(p => p.id === planId),
      { message: 'the other replica to list the plan as approved', interval: 100 })
    browser.close()
  })

test('--bus without --store postgres:// is refused with a message saying why', onlyHub('--bus'), async () => {
  const hub = h.newHub({ flags: ['--bus', redis.url] })
  await assert.rejects(hub.start(), /exited/)
  assert.match(hub.output, /--bus needs --store postgres:\/\//)
  const bad = h.newHub({ flags: ['--store', pg.url(), '--bus', 'http://x'] })
  await assert.rejects(bad.start(), /exited/)
  assert.match(bad.output, /expected redis:\/\/\[\[user\]:password@\]host\[:port\]\[\/db\] or unix:/)
})

test('Redis with passwords: replicas given theirs (in --bus, or an ACL user with --bus-password-file) converge in the database asked; ' +
  'a wrong or missing password stops a hub at start, a changed one is retried, never showing the secret',
onlyHub('--bus'), async () => {
  const secret = `pw/${crypto.randomBytes(8).toString('hex')}@:`
  const aliceSecret = `alice-${crypto.randomBytes(8).toString('hex')}`
  const locked = await RedisServer.start({ password: secret, users: [{ name: 'alice', password: aliceSecret }] })
  h.defer(() => locked.destroy())
  const cli = (...args) => execFileSync('redis-cli', ['-s', locked.socket, ...args], { env: { ...process.env, REDISCLI_AUTH: secret } }).toString()
  const passwordFile = path.join(h.tmpDir(), 'redis-password')
  fs.writeFileSync(passwordFile, `${aliceSecret}\n`, { mode: 0o600 })
  const hubs = await Promise.all([
    h.startHub({ flags: ['--store', pg.url(), '--bus', `unix://:${encodeURIComponent(secret)}@${locked.socket}?db=3`] }),
    h.startHub({ flags: ['--store', pg.url(), '--bus', `unix://alice@${locked.socket}?db=3`, '--bus-password-file', passwordFile] })
  ])
  const name = docName('bus-auth')
  const [a, b] = hubs.map(hub => h.provider(hub, name))
  await Promise.all([waitSynced(a.provider), waitSynced(b.provider)])
  a.doc.getText('text').insert(0, 'from a ')
  b.doc.getText('text').insert(0, 'from b ')
  await waitFor(() => converged([a.doc, b.doc]) && /from a/.test(b.doc.getText('text').toString()) &&
    /from b/.test(a.doc.getText('text').toString()), { message: 'replicas with passwords to converge' })
  // Both connections of each replica, each as its user, in database 3.
  const clients = cli('CLIENT', 'LIST').split('\n').filter(l => / db=3 /.test(l))
  assert.equal(clients.filter(l => / user=default /.test(l)).length, 2, cli('CLIENT', 'LIST'))
  assert.equal(clients.filter(l => / user=alice /.test(l)).length, 2, cli('CLIENT', 'LIST'))

  // alice's password changed on Redis and her connections cut: her replica
  // is refused, says so, and gets in once the password is back.
  cli('ACL', 'SETUSER', 'alice', 'resetpass', '>changed')
  cli('CLIENT', 'KILL', 'USER', 'alice')
  await waitFor(() => /bus: Redis at unix:\S+ \(database 3\) as user 'alice' refused the password: WRONGPASS/.test(hubs[1].output),
    { message: 'the refused reconnect to be logged' })
  const refused = await busMetrics(hubs[1])
  assert.equal(refused.connected, 0)
  assert.ok(refused.refused_logins_total > 0, JSON.stringify(refused))
  cli('ACL', 'SETUSER', 'alice', `>${aliceSecret}`)
  await waitFor(async () => (await busMetrics(hubs[1])).connected === 1, { message: 'the replica to get in again', timeout: 8000 })
  a.doc.getText('text').insert(0, 'again ')
  await waitFor(() => b.doc.getText('text').toString().startsWith('again '), { message: 'an edit to cross after the password is back' })

  // Refused at start: the hub exits non-zero, naming the server and never the password.
  const wrong = `nope-${crypto.randomBytes(8).toString('hex')}`
  for (const [bus, why] of [[`unix://:${wrong}@${locked.socket}`, /Redis at unix:\S+ refused the password: WRONGPASS/],
    [`unix://${locked.socket}`, /Redis at unix:\S+ refused a PING \(a password needed\? --bus-password-file\): NOAUTH/],
    [`unix://:${encodeURIComponent(secret)}@${locked.socket}?db=99`, /Redis at unix:\S+ \(database 99\) refused the database number/]]) {
    const hub = h.newHub({ flags: ['--store', pg.url(), '--bus', bus] })
    await assert.rejects(hub.start(), /exited/)
    assert.notEqual(hub.child.exitInfo.code, 0)
    assert.match(hub.output, why)
    for (const s of [wrong, secret, encodeURIComponent(secret), aliceSecret]) assert.ok(!hub.output.includes(s), hub.output)
  }
  for (const hub of hubs) {
    for (const s of [secret, encodeURIComponent(secret), aliceSecret]) assert.ok(!hub.output.includes(s), 'no secret in the log')
  }
})
