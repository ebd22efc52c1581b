// A team server behind HAProxy, as deployed: PostgreSQL, Redis, three
// replicas (`roundtable serve --store postgres://... --bus unix://...`) and
// HAProxy running deploy/haproxy/roundtable.cfg itself (only its bind lines,
// certificate and server addresses replaced by loopback ports and a
// self-signed certificate), all processes this file owns. Real y-websocket
// providers connect through HAProxy only. Clients spread over the replicas
// converge; a replica killed with SIGKILL while clients write: its clients
// come back through HAProxy on the others, and nothing any client observed
// is lost (PostgreSQL holds exactly what the survivors hold); PostgreSQL
// frozen or stopped under the replicas: nothing is relayed that is not
// stored, and what happens when it comes back.
import fs from 'node:fs'
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
    replicas.forEach((hub, i) => replace(new RegExp(`^(\\s*server hub${i + 1}) \\S+$`, 'm'), `$1 127.0.0.1:${hub.port}`))
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

/** Clients through HAProxy, connected one after another (leastconn sees each one before the next). */
const clientsThroughLb = async (name, n) => {
  const clients = []
  for (let i = 0; i < n; i++) {
    const c = h.provider(lb, name)
    await waitSynced(c.provider)
    clients.push(c)
  }
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

test('through HAProxy: clients spread over the three replicas converge while they write; /config.json names the relay as the browser reaches it',
  onlyHub('--bus'), async () => {
    const name = docName('lb')
    const clients = await clientsThroughLb(name, 6)
    assert.deepEqual(await spread(), [2, 2, 2], 'leastconn gives each replica two of six clients')
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

    // X-Forwarded-Proto is HAProxy's to set: wss:// behind TLS, ws:// else,
    // whatever the client claims.
    const plain = JSON.parse((await httpGet(lb.httpUrl, '/config.json', { headers: { Host: `127.0.0.1:${lb.port}`, 'X-Forwarded-Proto': 'https' } })).body)
    assert.ok(plain.signaling.includes(`ws://127.0.0.1:${lb.port}/signal`), JSON.stringify(plain))
    const tls = JSON.parse((await httpsGet(lb.tlsPort, '/config.json', { Host: `127.0.0.1:${lb.tlsPort}` })).body)
    assert.ok(tls.signaling.includes(`wss://127.0.0.1:${lb.tlsPort}/signal`), JSON.stringify(tls))
    for (const c of clients) c.provider.destroy()
  })
