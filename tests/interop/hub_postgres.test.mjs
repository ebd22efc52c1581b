// The hub with its documents in PostgreSQL (`roundtable serve --store
// postgres://...`), against a real PostgreSQL 15 server the test starts and
// real y-websocket clients: edits converge, and everything seen relayed is
// there after the hub is killed with SIGKILL and started again. A hub that
// cannot reach its database refuses to start, with a message saying so.
import fs from 'node:fs'
import path from 'node:path'
import { test, before, after } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import { useHarness, onlyHub, docName, waitFor, waitSynced, docContent, stateVector, digest, assert, httpGet, sleep } from './hub_harness.mjs'
import { PgServer } from './pg_server.mjs'

const h = useHarness()
let pg = null
before(async () => { pg = await PgServer.start() })
after(async () => { await pg?.destroy() })

test('--store postgres://: clients converge; after SIGKILL and a restart a client that uploads nothing reads everything back',
  onlyHub('PostgreSQL store'), async () => {
    const hub = await h.startHub({ flags: ['--store', pg.url()] })
    assert.match(hub.output, /documents in PostgreSQL at postgres@/)
    const name = docName('pg')
    const a = h.provider(hub, name)
    const b = h.provider(hub, name)
    await Promise.all([waitSynced(a.provider), waitSynced(b.provider)])
    for (let i = 0; i < 20; i++) {
      const from = i % 2 ? b : a
      from.doc.getText('text').insert(0, `edit ${i} 😀 `)
      from.doc.getMap('map').set(`k${i}`, { i, big: 'x'.repeat(i * 100) })
    }
    await waitFor(() => isDeepStrictEqual(stateVector(a.doc), stateVector(b.doc)) &&
      isDeepStrictEqual(docContent(a.doc), docContent(b.doc)), { message: 'the two clients to converge' })
    const expected = digest(b.doc)
    // Nothing in the data directory: the documents are in PostgreSQL.
    assert.ok(!fs.existsSync(path.join(hub.dataDir, 'roundtable.db')), 'no SQLite database with --store postgres://')

    const killed = hub.kill('SIGKILL')
    a.provider.destroy()
    b.provider.destroy() // before they could reconnect and upload their copies
    await killed
    await hub.start()
    const reader = h.rawDoc(hub.yjsUrl(name))
    await reader.sync()
    assert.deepEqual(digest(reader.doc), expected, 'the sync step 2 after the restart holds the whole document')

    // and the restarted hub keeps working on it
    const c = h.provider(hub, name)
    await waitSynced(c.provider)
    c.doc.getText('text').insert(0, 'after restart ')
    await waitFor(() => reader.doc.getText('text').toString().startsWith('after restart'), { message: 'an edit after the restart to be relayed' })

    // Enough updates for the hub to compact the log (500 by default): the
    // log in PostgreSQL shrinks, and a second SIGKILL loses nothing.
    for (let i = 0; i < 600; i++) c.doc.getText('text').insert(0, String.fromCharCode(97 + (i % 26)))
    await waitFor(() => isDeepStrictEqual(stateVector(reader.doc), stateVector(c.doc)), { message: '600 updates to be relayed', timeout: 15000 })
    const rows = () => Number(pg.psql(`SELECT count(*) FROM roundtable_updates u JOIN roundtable_docs d ON d.id = u.doc_id WHERE d.name = convert_to('${name}', 'UTF8')`))
    // Uncompacted, the log would hold over 640 rows. The hub compacts once the
    // log reaches 500 rows, and the updates after that stay as rows after the state.
    await waitFor(() => rows() < 300, { message: 'the log to be compacted', timeout: 10000, interval: 100 })
    const final = digest(c.doc)
    const killedAgain = hub.kill('SIGKILL')
    c.provider.destroy()
    reader.close()
    await killedAgain
    await hub.start()
    const again = h.rawDoc(hub.yjsUrl(name))
    await again.sync()
    assert.deepEqual(digest(again.doc), final, 'the compacted log and the updates after it hold the whole document')
  })

test('PostgreSQL stopped under a running hub: an edit is not relayed and /healthz says 503; started again, the edit the client kept is stored',
  onlyHub('PostgreSQL store'), async () => {
    const hub = await h.startHub({ flags: ['--store', pg.url()] })
    const name = docName('pg-down')
    const a = h.provider(hub, name)
    const b = h.provider(hub, name)
    await Promise.all([waitSynced(a.provider), waitSynced(b.provider)])
    a.doc.getText('text').insert(0, 'before ')
    await waitFor(() => b.doc.getText('text').toString() === 'before ', { message: 'the first edit to be relayed' })

    await pg.stop()
    a.doc.getText('text').insert(0, 'while down ')
    await waitFor(async () => (await httpGet(hub, '/healthz')).status === 503, { message: '/healthz to answer 503', timeout: 5000 })
    await sleep(300)
    assert.doesNotMatch(b.doc.getText('text').toString(), /while down/, 'nothing is relayed that was not committed')

    await pg.startServer()
    // The providers reconnect; `a` sends the edit it kept, which is now stored and relayed.
    await waitFor(() => b.doc.getText('text').toString().includes('while down'), { message: 'the edit to be stored once PostgreSQL is back', timeout: 20000 })
    await waitFor(async () => (await httpGet(hub, '/healthz')).status === 200, { message: '/healthz to answer 200 again', timeout: 5000 })
    const expected = digest(b.doc)
    const killed = hub.kill('SIGKILL')
    a.provider.destroy()
    b.provider.destroy()
    await killed
    await hub.start()
    const reader = h.rawDoc(hub.yjsUrl(name))
    await reader.sync()
    assert.deepEqual(digest(reader.doc), expected, 'after SIGKILL, the document holds the edit made while PostgreSQL was down')
  })

test('--store with a PostgreSQL that is not there: the hub exits with a message naming the server', onlyHub('PostgreSQL store'), async () => {
  const hub = h.newHub({ flags: ['--store', `postgresql://alice:s3cret@${encodeURIComponent(path.join(pg.dir, 'nowhere'))}:5999/plans`] })
  await assert.rejects(hub.start(), /exited/)
  assert.match(hub.output, /cannot connect to PostgreSQL at alice@.*nowhere:5999\/plans/)
  assert.doesNotMatch(hub.output, /s3cret/)
  assert.notEqual((await hub.exited).code, 0)

  const bad = h.newHub({ flags: ['--store', 'mysql://x'] })
  await assert.rejects(bad.start(), /exited/)
  assert.match(bad.output, /--store: must be sqlite or a PostgreSQL connection string/)
})
