// A team server behind HAProxy, as deployed: PostgreSQL, Redis, three
// replicas (`roundtable serve --store postgres://... --bus unix://...`) and
// HAProxy running deploy/haproxy/roundtable.cfg itself (only its bind lines,
// certificate and server addresses replaced by loopback ports and a
// self-signed certificate), all processes this file owns. Real y-websocket
// providers connect through HAProxy, and some straight to a replica. The
// clients of one document meet on one replica, different documents spread
// over the replicas, and clients on different replicas converge; a
// document's replica killed with SIGKILL while clients write: its clients
// come back through HAProxy together on another, nothing any client observed
// is lost (PostgreSQL holds exactly what the survivors hold), and once the
// replica is back new clients of the document go to it again; PostgreSQL
// frozen or stopped under the replicas: nothing is relayed that is not
// stored; back, the replicas find out through HAProxy's health checks alone
// and the edits made meanwhile converge.
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { test, before, after } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import { useHarness, onlyHub, Child, docName, waitFor, waitSynced, digest, stateVector, assert, httpGet, sleep, freePort } from './hub_harness.mjs'
import { PgServer } from './pg_server.mjs'
import { RedisServer } from './redis_server.mjs'

const haproxyBinary = process.env.ROUNDTABLE_HAPROXY || '/usr/sbin/haproxy'
const configFile = path.resolve(import.meta.dirname, '../../deploy/haproxy/roundtable.cfg')

const h = useHarness()
let pg = null
let redis = null
let hubs = []
let lb = null

/** HAProxy on deploy/haproxy/roundtable.cfg, with loopback ports for its binds and servers. */
class Haproxy {
  static async start (replicas) {
    if (!fs.existsSync(haproxyBinary)) {
      throw new Error(`HAProxy is not installed: no ${haproxyBinary} (scripts/setup.sh installs haproxy; ROUNDTABLE_HAPROXY names another binary)`)
    }
    const p = new Haproxy()
    p.dir = h.tmpDir('roundtable-haproxy-')
    p.port = await freePort()
    p.tlsPort = await freePort()
    const pem = path.join(p.dir, 'roundtable.pem')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', path.join(p.dir, 'key.pem'), '-out', path.join(p.dir, 'cert.pem')], { stdio: 'pipe' })
    fs.writeFileSync(pem, fs.readFileSync(path.join(p.dir, 'cert.pem')) + fs.readFileSync(path.join(p.dir, 'key.pem')))
    let config = fs.readFileSync(configFile, 'utf8')
    const replace = (re, to) => {
      assert.match(config, re, `${configFile} no longer has ${re}`)
      config = config.replace(re, to)
    }
    replace(/^(\s*bind) :80$/m, `$1 127.0.0.1:${p.port}`)
    replace(/^(\s*bind) :443 ssl crt \S+/m, `$1 127.0.0.1:${p.tlsPort} ssl crt ${pem}`)
    // Each replica is named in both backends (by document, least loaded).
    replicas.forEach((hub, i) => {
      const lines = config.match(new RegExp(`^\\s*server hub${i + 1} \\S+`, 'gm')) ?? []
      assert.equal(lines.length, 2, `${configFile} no longer names hub${i + 1} in two backends`)
      config = config.replace(new RegExp(`^(\\s*server hub${i + 1}) \\S+`, 'gm'), `$1 127.0.0.1:${hub.port}`)
    })
    p.configPath = path.join(p.dir, 'haproxy.cfg')
    fs.writeFileSync(p.configPath, config)
    execFileSync(haproxyBinary, ['-c', '-q', '-f', p.configPath])
    p.child = new Child(haproxyBinary, ['-db', '-f', p.configPath], {}, 'haproxy')
    h.defer(() => p.child.kill('SIGKILL'))
    p.httpUrl = `http://127.0.0.1:${p.port}`
    p.wsBase = `ws://127.0.0.1:${p.port}/yjs`
    await waitFor(async () => {
      if (!p.child.running) throw new Error(`HAProxy exited: ${p.child.output}`)
      return (await httpGet(p.httpUrl, '/healthz').catch(() => ({}))).status === 200
    },
      { message: 'HAProxy to answer /healthz', timeout: 10000, interval: 50 })
    return p
  }

  get output () { return this.child.output }
  yjsUrl (name) { return `${this.wsBase}/${name}` }
}

const replica = (port = 0) => h.startHub({ port, flags: ['--store', pg.url(), '--bus', redis.url] })

before(async () => {
  [pg, redis] = await Promise.all([PgServer.start(), RedisServer.start()])
  hubs = await Promise.all([replica(), replica(), replica()])
  lb = await Haproxy.start(hubs)
})
after(async () => { await Promise.all([pg?.destroy(), redis?.destroy()]) })

/** WebSocket connections each replica holds to documents. */
const spread = () => Promise.all(hubs.map(async hub => {
  if (!hub.running) return 0
  const { body } = await httpGet(hub, '/metrics')
  return Number(body.match(/^roundtable_document_connections (\d+)/m)[1])
}))

/** Clients of `name` through HAProxy, once the earlier tests' connections are gone; `opts(i)`: the i-th provider's options. */
const clientsThroughLb = async (name, n, opts = () => ({})) => {
  await waitFor(async () => (await spread()).every(n => n === 0), { message: "the earlier tests' connections to close" })
  const clients = []
  for (let i = 0; i < n; i++) {
    const c = h.provider(lb, name, opts(i))
    await waitSynced(c.provider)
    clients.push(c)
  }
  return clients
}

/** The one replica holding all of `n` connections (the test's only ones), by index in `hubs`. */
const holder = async n => {
  const counts = await spread()
  assert.deepEqual(counts.filter(c => c > 0), [n], `the ${n} clients of one document are on one replica (connections per replica: ${counts})`)
  return counts.findIndex(c => c > 0)
}

/** A client of `name` straight to each replica but `except`'s. */
const clientsOnOthers = async (name, except) => {
  const clients = hubs.filter((_hub, i) => i !== except).map(hub => h.provider(hub, name))
  await Promise.all(clients.map(c => waitSynced(c.provider)))
  return clients
}

const keys = doc => [...doc.getMap('m').keys()].sort()
const converged = docs => docs.every(d => isDeepStrictEqual(stateVector(d), stateVector(docs[0])) &&
  isDeepStrictEqual(keys(d), keys(docs[0])) && d.getText('text').toString() === docs[0].getText('text').toString())

const httpsGet = (port, reqPath, headers = {}) => new Promise((resolve, reject) => {
  https.get({ host: '127.0.0.1', port, path: reqPath, headers, rejectUnauthorized: false, agent: false }, res => {
    let body = ''
    res.on('data', c => { body += c })
    res.on('end', () => resolve({ status: res.statusCode, body }))
  }).on('error', reject)
})

test('through HAProxy: the clients of a document meet on one replica, documents spread over the replicas, clients on different replicas converge; /config.json names the relay as the browser reaches it',
  onlyHub('--bus'), async () => {
    const name = docName('lb')
    // Each with a query string of its own, as the web app's access token: the hash takes the path alone.
    const viaLb = await clientsThroughLb(name, 4, i => ({ params: { access_token: `client-${i}` } }))
    const home = await holder(4)
    // A client may reach a replica straight too: one on each of the others.
    const clients = [...viaLb, ...await clientsOnOthers(name, home)]
    assert.deepEqual(await spread(), hubs.map((_hub, i) => i === home ? 4 : 1))
    for (let round = 0; round < 20; round++) {
      clients.forEach((c, i) => {
        c.doc.getMap('m').set(`c${i}-${round}`, round)
        c.doc.getText('text').insert(0, `${i}.${round} `)
      })
      await sleep(5)
    }
    await waitFor(() => converged(clients.map(c => c.doc)), { message: 'six clients on three replicas to converge' })
    assert.equal(keys(clients[0].doc).length, 120)
    const reader = h.rawDoc(lb.yjsUrl(name))
    await reader.sync()
    assert.deepEqual(digest(reader.doc), digest(clients[0].doc), 'a fresh client through HAProxy reads the whole document')
    assert.equal((await spread())[home], 5, "the fresh client lands on the document's replica")

    // Twelve more documents, two clients each: each document's pair on one
    // replica, the documents over more than one (all twelve on one replica
    // of three by chance: 3^-11).
    const homes = []
    const spreadClients = []
    for (let i = 0; i < 12; i++) {
      const doc = docName('lb-spread')
      const before = await spread()
      const pair = [h.rawDoc(lb.yjsUrl(doc)), h.rawDoc(lb.yjsUrl(`${doc}?access_token=other`))]
      for (const r of pair) await r.sync()
      spreadClients.push(...pair)
      const added = (await spread()).map((n, j) => n - before[j])
      assert.deepEqual(added.filter(n => n > 0), [2], `both clients of ${doc} on one replica (${added})`)
      homes.push(added.indexOf(2))
    }
    assert.ok(new Set(homes).size > 1, `twelve documents hashed over more than one replica (${homes})`)
    console.log(`twelve documents through HAProxy on the replicas ${homes.join(' ')}`)

    // X-Forwarded-Proto is HAProxy's to set: wss:// behind TLS, ws:// else,
    // whatever the client claims.
    const plain = JSON.parse((await httpGet(lb.httpUrl, '/config.json', { headers: { Host: `127.0.0.1:${lb.port}`, 'X-Forwarded-Proto': 'https' } })).body)
    assert.ok(plain.signaling.includes(`ws://127.0.0.1:${lb.port}/signal`), JSON.stringify(plain))
    const tls = JSON.parse((await httpsGet(lb.tlsPort, '/config.json', { Host: `127.0.0.1:${lb.tlsPort}` })).body)
    assert.ok(tls.signaling.includes(`wss://127.0.0.1:${lb.tlsPort}/signal`), JSON.stringify(tls))
    for (const c of clients) c.provider.destroy()
    reader.close()
    for (const r of spreadClients) r.close()
  })

test("SIGKILL of a document's replica while clients write through HAProxy: its clients come back together on another, nothing any client observed is lost, and the replica back gets the document's new clients",
  onlyHub('--bus'), async () => {
    const name = docName('lb-kill')
    const viaLb = await clientsThroughLb(name, 4)
    const home = await holder(4)
    const others = [0, 1, 2].filter(i => i !== home)
    // Writers on the other replicas too: they never lose their connection.
    const clients = [...viaLb, ...await clientsOnOthers(name, home)]
    // Every key a client saw arrive from someone else: the hub relays only
    // what PostgreSQL committed, so each must survive.
    const observed = new Set()
    clients.forEach(c => c.doc.getMap('m').observe(ev => {
      if (ev.transaction.origin === c.provider) for (const k of ev.keysChanged) observed.add(k)
    }))
    // The first client to lose its replica never comes back: what it wrote
    // and nobody saw may be lost; what anybody saw may not.
    let lost = null
    let killed = false
    const disconnected = new Set()
    let backMs = null
    clients.forEach((c, i) => c.provider.on('status', ({ status }) => {
      if (status === 'connected' && disconnected.has(i) && backMs === null) backMs = Date.now() - t0
      if (status !== 'disconnected' || !killed) return
      disconnected.add(i)
      if (lost === null) { lost = i; c.provider.destroy() }
    }))
    const written = clients.map(() => [])
    let writing = true
    const writers = clients.map((c, i) => (async () => {
      for (let n = 0; writing && i !== lost; n++) {
        const key = `c${i}-${n}`
        c.doc.getMap('m').set(key, n)
        written[i].push(key)
        await sleep(10)
      }
    })())
    let t0 = 0
    await sleep(500)
    t0 = Date.now()
    killed = true
    await hubs[home].kill('SIGKILL')
    await sleep(1000)
    writing = false
    await Promise.all(writers)
    assert.deepEqual([...disconnected].sort(), [0, 1, 2, 3], "the killed replica's four clients, and only they, lost their connection")
    const survivors = clients.filter((_c, i) => i !== lost)
    await waitFor(() => survivors.every(c => c.provider.wsconnected && c.provider.synced), { message: 'every survivor to be connected' })
    await waitFor(() => converged(survivors.map(c => c.doc)), { message: 'the five surviving clients to converge', timeout: 10000 })
    // Consistent hashing moves the dead replica's document to one other
    // replica: its three clients that came back are there together, beside
    // that replica's own client.
    const moved = await spread()
    assert.equal(moved[home], 0)
    assert.deepEqual(others.map(i => moved[i]).sort(), [1, 4], `the three clients back through HAProxy are on one replica (${moved})`)
    await waitFor(() => new RegExp(`Server replicas/hub${home + 1} is DOWN`).test(lb.output), { message: "HAProxy's health check to take the dead replica out" })

    const final = new Set(keys(survivors[0].doc))
    for (const k of observed) assert.ok(final.has(k), `${k} was observed by a client and is gone`)
    clients.forEach((_c, i) => {
      if (i !== lost) for (const k of written[i]) assert.ok(final.has(k), `${k}, written by a surviving client, is gone`)
    })
    const unseen = written[lost].filter(k => !final.has(k))
    console.log(`${written.flat().length} keys written, ${observed.size} observed by others; the dead replica's first client was back through HAProxy ${backMs} ms after the kill; ` +
      `the lost client's last ${unseen.length} of ${written[lost].length} keys were never stored (never observed by anyone)`)

    // Exactly the union, through HAProxy and from PostgreSQL alone (a replica
    // that had never loaded the document).
    const expected = digest(survivors[0].doc)
    const reader = h.rawDoc(lb.yjsUrl(name))
    await reader.sync()
    assert.deepEqual(digest(reader.doc), expected, 'a fresh client through HAProxy gets exactly the union')
    reader.close()
    const fresh = await replica()
    const fromPg = h.rawDoc(fresh.yjsUrl(name))
    await fromPg.sync()
    assert.deepEqual(digest(fromPg.doc), expected, 'PostgreSQL holds exactly the union')
    await fresh.kill('SIGTERM')

    // The replica started again on its port: HAProxy puts it back, and the
    // document's new clients go to it again (the ring is as before); those
    // connected elsewhere stay there, and the bus joins the two.
    await hubs[home].start()
    await waitFor(() => new RegExp(`Server replicas/hub${home + 1} is UP`).test(lb.output), { message: 'HAProxy to put the replica back', timeout: 5000 })
    const back = h.provider(lb, name)
    await waitSynced(back.provider)
    assert.equal((await spread())[home], 1, "a new client of the document lands on its replica again")
    back.doc.getMap('m').set('back', 1)
    survivors[0].doc.getMap('m').set('to-back', 1)
    await waitFor(() => converged([...survivors, back].map(c => c.doc)) && back.doc.getMap('m').has('to-back') &&
      survivors.every(c => c.doc.getMap('m').has('back')), { message: 'the returned replica and the survivors to converge' })
    for (const c of [...survivors, back]) c.provider.destroy()
  })

/** The PostgreSQL server's processes: the postmaster and its children (by /proc, by pid). */
const pgPids = () => {
  const postmaster = Number(fs.readFileSync(path.join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  const children = fs.readdirSync('/proc').filter(d => /^\d+$/.test(d)).filter(d => {
    try { return Number(fs.readFileSync(`/proc/${d}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]) === postmaster } catch { return false }
  }).map(Number)
  return [postmaster, ...children]
}
/** One MCP request on a connection of its own (as a client with no keep-alive sends it): {status, session, body}. */
const mcpOnce = (url, body, session) => new Promise((resolve, reject) => {
  const u = new URL('/mcp', url)
  const req = http.request(u, {
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      ...(session ? { 'mcp-session-id': session } : {})
    }
  }, res => {
    const chunks = []
    res.on('data', c => chunks.push(c))
    res.on('end', () => resolve({ status: res.statusCode, session: res.headers['mcp-session-id'], body: Buffer.concat(chunks).toString() }))
  })
  req.on('error', reject)
  req.end(JSON.stringify(body))
})

/** MCP sessions each replica holds, from /metrics. */
const mcpSessions = () => Promise.all(hubs.map(async hub => Number((await httpGet(hub, '/metrics')).body.match(/^roundtable_mcp_sessions (\d+)/m)[1])))

test('an MCP session opened through HAProxy: every request, each on a new connection, reaches the replica that opened it', onlyHub('--bus'), async () => {
  assert.ok(hubs.every(hub => hub.running))
  const sessions = []
  for (let i = 0; i < 3; i++) {
    const init = await mcpOnce(lb.httpUrl, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'lb-test', version: '1' } } })
    assert.equal(init.status, 200, init.body)
    assert.ok(init.session, 'initialize answers with a session id')
    assert.equal((await mcpOnce(lb.httpUrl, { jsonrpc: '2.0', method: 'notifications/initialized' }, init.session)).status, 202)
    sessions.push(init.session)
  }
  // Opened on more than one replica: a request sent to any other replica
  // would be refused (404), so the requests below prove the stickiness.
  const held = await mcpSessions()
  assert.ok(held.filter(n => n > 0).length >= 2, `sessions per replica: ${held}`)
  for (let round = 0; round < 4; round++) {
    for (const session of sessions) {
      const r = await mcpOnce(lb.httpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_plans', arguments: {} } }, session)
      assert.equal(r.status, 200, `session ${session} round ${round}: ${r.body}`)
      assert.match(r.body, /"result"/)
    }
  }
  console.log(`3 MCP sessions through HAProxy, held per replica: ${held.join(', ')}; 12 tool calls, each on a new connection, all answered`)
})

const healthz = () => Promise.all(hubs.map(async hub => hub.running ? (await httpGet(hub, '/healthz')).status : null))

test('PostgreSQL frozen, then stopped, under replicas behind HAProxy: nothing is relayed that is not stored; then it comes back',
  onlyHub('--bus'), async () => {
    assert.ok(hubs.every(hub => hub.running))
    const name = docName('lb-pg')
    const [a] = await clientsThroughLb(name, 1)
    const aReplica = await holder(1)
    const [b, c] = await clientsOnOthers(name, aReplica)
    const clients = [a, b, c]
    assert.deepEqual(await spread(), [1, 1, 1])
    a.doc.getText('text').insert(0, 'before ')
    await waitFor(() => converged(clients.map(x => x.doc)), { message: 'the first edit to reach everyone' })

    // Frozen (SIGSTOP): the commit waits, so nothing is relayed; once it has
    // waited 5 s, that replica's /healthz says 503, so HAProxy takes it out
    // (idle replicas find out by an empty transaction of their own, which
    // the store's contract tests prove).
    const pids = pgPids()
    const frozenAt = Date.now()
    for (const pid of pids) process.kill(pid, 'SIGSTOP')
    a.doc.getText('text').insert(0, 'while frozen ')
    const stalled = await waitFor(async () => {
      const r = await httpGet(hubs[aReplica], '/healthz')
      return r.status === 503 && r
    }, { message: `the replica holding the write (hub ${aReplica + 1}) to answer 503`, timeout: 10000, interval: 100 })
    const frozenFor = Date.now() - frozenAt
    assert.match(stalled.body, /has not answered for \d+ s/)
    const frozenHealth = await healthz()
    assert.ok(![b, c].some(x => x.doc.getText('text').toString().includes('while frozen')), 'nothing relayed while PostgreSQL is frozen')
    // runuser (pg_server.mjs runs postgres under it as root) stops itself
    // when its child stops: continue it too.
    for (const pid of [...pids, pg.child.proc.pid]) process.kill(pid, 'SIGCONT')
    await waitFor(() => converged(clients.map(x => x.doc)), { message: 'the held edit to be stored and relayed once PostgreSQL runs again' })
    await waitFor(async () => (await httpGet(hubs[aReplica], '/healthz')).status === 200, { message: 'its /healthz to answer 200 again', timeout: 5000 })
    console.log(`PostgreSQL frozen: the edit was held, not relayed; its replica answered 503 after ${frozenFor} ms; /healthz of the replicas then: ${frozenHealth.join(', ')}`)

    // Stopped: each replica's write fails, each says 503, HAProxy takes them
    // all out and answers 503 itself.
    await pg.stop()
    clients.forEach((x, i) => x.doc.getText('text').insert(0, `stopped-${i} `))
    await waitFor(async () => (await healthz()).every(s => s === 503), { message: 'every replica to answer 503', timeout: 5000 })
    await waitFor(() => /backend replicas has no server available/.test(lb.output), { message: 'HAProxy to take every replica out', timeout: 5000 })
    assert.equal((await httpGet(lb.httpUrl, '/healthz')).status, 503)
    await sleep(500)
    clients.forEach((x, i) => assert.doesNotMatch(x.doc.getText('text').toString(), new RegExp(`stopped-(?!${i})`),
      'nothing relayed while PostgreSQL is down'))

    // Back: the replicas find out by themselves (HAProxy's checks of
    // /healthz make them try an empty transaction), HAProxy puts them back,
    // the clients reconnect and send what they kept.
    // The test itself asks no replica meanwhile: HAProxy's checks suffice.
    const logFrom = lb.output.length
    await pg.startServer()
    const t0 = Date.now()
    await waitFor(() => [1, 2, 3].every(i => lb.output.slice(logFrom).includes(`Server replicas/hub${i} is UP`)),
      { message: 'HAProxy to put every replica back', timeout: 10000, interval: 50 })
    const healthyMs = Date.now() - t0
    assert.deepEqual(await healthz(), [200, 200, 200])
    await waitFor(() => clients.every(x => [0, 1, 2].every(i => x.doc.getText('text').toString().includes(`stopped-${i}`))) &&
      converged(clients.map(x => x.doc)), { message: 'the edits made while PostgreSQL was down to reach everyone once it is back', timeout: 15000 })
    console.log(`PostgreSQL back: HAProxy had every replica back after ${healthyMs} ms, the clients converged after ${Date.now() - t0} ms`)
    const expected = digest(a.doc)
    for (const x of clients) x.provider.destroy()
    const reader = h.rawDoc(lb.yjsUrl(name))
    await reader.sync()
    assert.deepEqual(digest(reader.doc), expected)
  })
