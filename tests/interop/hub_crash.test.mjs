// The crash test: writers write continuously, observers record everything the
// hub relays to them, and the hub is SIGKILLed at seeded random moments and
// restarted on the same port and data directory, again and again. Whatever an
// observer ever saw relayed must be in the hub afterwards.
//
// Why the writers and observers are raw y-protocols clients and not
// WebsocketProviders: a provider uploads its whole state when it reconnects
// (its answer to the hub's sync step 1), so anything the hub lost would come
// back from the clients and the loss would go unseen. Here
//   - a writer starts a fresh Y.Doc (a new client id, an "epoch") on every
//     connection and only sends the updates it makes; it never reads, so it
//     never carries anybody else's data;
//   - an observer sends sync step 1 with its own state vector and applies what
//     it gets, but never answers the hub's sync step 1: it never uploads;
//   - every check reads with a client that uploads nothing.
// A pair of WebsocketProviders also edits a third document throughout, to show
// that real providers reconnect and converge across the crashes.
//
// SEED=n replays a schedule; KILLS=n changes the number of kills (default 6).
import { test } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import {
  useHarness, needsPersistence, docName, prng, seedFromEnv, waitFor, waitSynced, sleep,
  digest, assert, Y, WebSocket, updateMsg, syncStep1Msg, isSync, parseMsg, MSG_SYNC,
  referencePersistSettle, referencePersist
} from './hub_harness.mjs'

const h = useHarness()

/** A writer: reconnects forever; a new Y.Doc per connection; only sends. */
class Writer {
  constructor (url, id, rng) {
    this.url = url; this.id = id; this.rng = rng
    this.epoch = 0; this.sent = 0; this.stopped = false
    this.ws = null
    this.connect()
  }

  connect () {
    if (this.stopped) return
    const ws = new WebSocket(this.url)
    this.ws = ws
    ws.on('open', () => {
      this.epoch++
      this.n = 0
      this.doc = new Y.Doc()
      this.doc.on('update', u => { if (ws.readyState === WebSocket.OPEN) { ws.send(updateMsg(u)); this.sent++ } })
      ws.send(syncStep1Msg(this.doc)) // as clients do; the answers are ignored
    })
    ws.on('message', () => {})
    ws.on('error', () => {})
    ws.on('close', () => {
      if (this.ws === ws) this.ws = null
      setTimeout(() => this.connect(), 30)
    })
  }

  /** One transaction: a token inserted at a token boundary of this epoch's text and in the map; sometimes a deletion or a big value. */
  tick () {
    const ws = this.ws
    if (!ws || ws.readyState !== WebSocket.OPEN || !this.doc) return
    const rng = this.rng
    const text = this.doc.getText('text')
    const map = this.doc.getMap('map')
    const token = `w${this.id}e${this.epoch}n${this.n++};`
    const r = rng.next()
    this.doc.transact(() => {
      if (r < 0.1 && map.size > 2) {
        // delete one of this epoch's tokens from both text and map
        const victims = [...map.keys()].sort()
        const victim = victims[rng.int(0, victims.length - 1)]
        const s = text.toString()
        const at = s.indexOf(victim)
        if (at >= 0) text.delete(at, victim.length)
        map.delete(victim)
      } else {
        const s = text.toString()
        const bounds = [0]
        for (let i = s.indexOf(';'); i >= 0; i = s.indexOf(';', i + 1)) bounds.push(i + 1)
        text.insert(bounds[rng.int(0, bounds.length - 1)], token)
        const big = r > 0.98 ? 'B'.repeat(rng.int(10_000, 60_000)) : null
        map.set(token, { w: this.id, e: this.epoch, n: this.n - 1, big })
      }
    })
  }

  stop () {
    this.stopped = true
    this.ws?.terminate()
    this.doc?.destroy()
  }
}

/**
 * An observer: reconnects forever; keeps one Y.Doc across connections; on each
 * connection sends sync step 1 with its state vector and applies sync step 2
 * and updates; never answers the hub's sync step 1. Records every token it
 * has ever seen in the map, and the ones it saw deleted again.
 */
class Observer {
  constructor (url) {
    this.url = url
    this.doc = new Y.Doc()
    this.seen = new Set(); this.deleted = new Set()
    this.updates = 0; this.stopped = false
    this.onRelayed = null // called after each applied update (the kill hook)
    const map = this.doc.getMap('map')
    map.observe(e => {
      for (const k of e.keysChanged) {
        if (map.has(k)) this.seen.add(k)
        else if (this.seen.has(k)) this.deleted.add(k)
      }
    })
    this.connect()
  }

  connect () {
    if (this.stopped) return
    const ws = new WebSocket(this.url)
    this.ws = ws
    ws.binaryType = 'nodebuffer'
    ws.on('open', () => ws.send(syncStep1Msg(this.doc)))
    ws.on('message', (data, isBinary) => {
      if (!isBinary || data[0] !== MSG_SYNC) return
      const { syncType, payload } = parseMsg(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      if (syncType === 1 || syncType === 2) {
        Y.applyUpdate(this.doc, payload, 'hub')
        this.updates++
        this.onRelayed?.()
      }
    })
    ws.on('error', () => {})
    ws.on('close', () => { if (!this.stopped) setTimeout(() => this.connect(), 30) })
  }

  stop () { this.stopped = true; this.ws?.terminate() }
}

/** Reads a document with a client that uploads nothing; resolves with its Y.Doc. */
const readBack = async (hub, name) => {
  const reader = h.rawDoc(hub.yjsUrl(name))
  await reader.sync(10000)
  return reader
}

/** Does `big` contain everything in `small`? (Applying small's state to a copy of big must change nothing.) */
const containsAll = (big, small) => {
  const merged = new Y.Doc()
  Y.applyUpdate(merged, Y.encodeStateAsUpdate(big))
  const before = digest(merged)
  Y.applyUpdate(merged, Y.encodeStateAsUpdate(small))
  const ok = isDeepStrictEqual(digest(merged), before) && merged.store.pendingStructs === null && merged.store.pendingDs === null
  merged.destroy()
  return ok
}

/** Tokens in `snapshot`'s map that `doc` lacks (for failure messages). */
const lostKeys = (doc, snapshot) => [...snapshot.getMap('map').keys()].filter(k => !doc.getMap('map').has(k))

/** Token-level account of what `doc` lacks of what the observer saw, for the failure message. */
const missingTokens = (doc, observer) => {
  const text = doc.getText('text').toString()
  const map = doc.getMap('map')
  const lost = []; const resurrected = []
  for (const t of observer.seen) {
    if (observer.deleted.has(t)) {
      if (map.has(t) || text.includes(t)) resurrected.push(t)
    } else if (!map.has(t) || !text.includes(t)) lost.push(t)
  }
  return { lost, resurrected }
}

test('crash test: SIGKILL at random moments under continuous writes loses nothing that was relayed',
  { ...needsPersistence('crash-safe persistence'), timeout: 120_000 }, async t => {
    const seed = seedFromEnv(7919)
    const kills = Number(process.env.KILLS || 6)
    t.diagnostic(`seed ${seed}, ${kills} kills (SEED=n / KILLS=n replay)`)
    const rng = prng(seed)
    const hub = await h.startHub()

    const names = [docName('crash-a'), encodeURIComponent(`crash/${docName('b')}`)]
    const observers = names.map(n => new Observer(hub.yjsUrl(n)))
    h.defer(() => observers.forEach(o => o.stop()))
    await waitFor(() => observers.every(o => o.updates > 0), { message: 'observers to sync' })
    const writers = [0, 1, 2, 3].map(i => new Writer(hub.yjsUrl(names[i % 2]), i, prng(seed * 31 + i)))
    h.defer(() => writers.forEach(w => w.stop()))
    let paused = false
    const wrng = prng(seed + 1)
    const writeTimer = setInterval(() => { if (!paused) for (const w of writers) if (wrng.bool(0.7)) w.tick() }, 4)
    h.defer(() => clearInterval(writeTimer))

    // Real providers on a third document, editing throughout.
    const provName = docName('crash-providers')
    const p1 = h.provider(hub, provName); const p2 = h.provider(hub, provName)
    await Promise.all([waitSynced(p1.provider), waitSynced(p2.provider)])
    let pn = 0
    const provTimer = setInterval(() => {
      const p = pn % 2 ? p2 : p1
      p.doc.getArray('list').push([`p${pn % 2}-${pn}`]); pn++
    }, 15)
    h.defer(() => clearInterval(provTimer))

    const log = []
    for (let k = 0; k < kills; k++) {
      const runMs = rng.int(250, 1200)
      await sleep(runMs)
      // Alternate between a kill at a timed moment and one issued from inside
      // an observer's message handler, right after it applied a relayed update.
      let mode = rng.bool() ? 'timed' : 'on-relay'
      const o = observers[rng.int(0, observers.length - 1)]
      if (referencePersist) { // checking the mechanics only: let the reference's LevelDB catch up
        mode = 'timed'
        paused = true
        await referencePersistSettle()
      }
      if (mode === 'on-relay') {
        const relayed = await Promise.race([
          new Promise(resolve => { o.onRelayed = () => { o.onRelayed = null; hub.child.proc.kill('SIGKILL'); resolve(true) } }),
          sleep(5000).then(() => false)
        ])
        o.onRelayed = null
        assert.ok(relayed, `kill ${k}: observer received no update within 5 s (writers stalled?)`)
      }
      const exit = await hub.kill('SIGKILL')
      assert.equal(exit.signal, 'SIGKILL', `kill ${k}: the hub was running until killed (exit ${JSON.stringify(exit)}); output:\n${hub.output.slice(-2000)}`)
      // What the observers had seen when the hub died (nothing can reach them now).
      const snapshots = observers.map(o => { const d = new Y.Doc(); Y.applyUpdate(d, Y.encodeStateAsUpdate(o.doc)); return d })
      const last = k === kills - 1
      if (last) { clearInterval(writeTimer); clearInterval(provTimer); writers.forEach(w => w.stop()); observers.forEach(o => o.stop()) }
      await hub.start()
      paused = false

      // Everything each observer had seen before this kill is in the restarted hub.
      for (const [i, name] of names.entries()) {
        const reader = await readBack(hub, name)
        // the reference loads LevelDB after answering sync step 1
        if (referencePersist) await waitFor(() => containsAll(reader.doc, snapshots[i]), { timeout: 8000 }).catch(() => {})
        if (!containsAll(reader.doc, snapshots[i])) {
          const lost = lostKeys(reader.doc, snapshots[i])
          assert.fail(`kill ${k} (${mode} after ${runMs} ms): doc ${i} lost data the observer had seen relayed; ` +
            `${lost.length} tokens lost (${lost.slice(0, 12).join(' ')}); hub state vector ${JSON.stringify(digest(reader.doc).sv)}, observer's ${JSON.stringify(digest(snapshots[i]).sv)}`)
        }
        reader.close()
        snapshots[i].destroy()
      }
      log.push(`${mode}@${runMs}ms`)
    }
    t.diagnostic(`kills: ${log.join(', ')}`)
    const written = writers.reduce((n, w) => n + w.sent, 0)
    const seenTotal = observers.reduce((n, o) => n + o.seen.size, 0)
    t.diagnostic(`${written} updates written in ${writers.reduce((n, w) => n + w.epoch, 0)} writer connections; observers saw ${seenTotal} tokens (${observers.reduce((n, o) => n + o.deleted.size, 0)} deleted again)`)
    assert.ok(seenTotal > 100, `the observers saw enough traffic to mean something (${seenTotal} tokens)`)

    // Final: a fresh client's doc holds every item any observer ever saw relayed, and none it saw deleted.
    for (const [i, name] of names.entries()) {
      const reader = await readBack(hub, name)
      if (referencePersist) await waitFor(() => containsAll(reader.doc, observers[i].doc), { timeout: 8000 }).catch(() => {})
      const { lost, resurrected } = missingTokens(reader.doc, observers[i])
      assert.deepEqual({ lost, resurrected }, { lost: [], resurrected: [] }, `doc ${i}: tokens the observer saw relayed`)
      assert.ok(containsAll(reader.doc, observers[i].doc), `doc ${i}: the hub's document contains the observer's whole document`)
      // values intact too, the big ones included
      const map = reader.doc.getMap('map')
      for (const t of observers[i].seen) {
        if (!observers[i].deleted.has(t)) assert.deepEqual(map.get(t), observers[i].doc.getMap('map').get(t), `value of ${t}`)
      }
    }

    // The providers came back after every crash and converge, with each other and with the hub.
    await Promise.all([waitSynced(p1.provider, 10000), waitSynced(p2.provider, 10000)])
    await waitFor(() => isDeepStrictEqual(digest(p1.doc), digest(p2.doc)), { timeout: 10000, message: 'the two providers to converge after the crashes' })
    const list = p1.doc.getArray('list').toArray()
    assert.equal(new Set(list).size, pn, `every one of the ${pn} provider edits is there once`)
    const reader = await readBack(hub, provName)
    await waitFor(() => reader.doc.getArray('list').length === pn, { message: 'the hub to hold the providers\' document' })
  })
