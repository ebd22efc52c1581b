// The web app's rules for which room secret a plan page uses
// (web/src/collab/roomSecret.ts; docs/p2p.md, "Room secrets"), compiled here
// with the web app's TypeScript (web_module.mjs): the hub's kept
// secret wins, the page's own is offered when the hub has none, and without
// a reachable hub the page falls back to its link, its memory or a new one.
//
//   cd tests/interop && node --test web_room_secret.test.mjs

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { importWebModule } from './web_module.mjs'

const { resolveSecret, isRoomSecret } = await importWebModule('src/collab/roomSecret.ts')

const LINK = 'link-secret-0123456789'
const HUB = 'hub-kept-secret-0123456789'
const OLD = 'remembered-secret-0123456789'
const NEW = 'new-secret-0123456789ab'

/**
 * A hub that keeps `kept` (null: none yet; it keeps the first offer) or is
 * `unreachable`; records every request.
 */
const fakeHub = ({ kept = null, unreachable = false } = {}) => {
  const calls = []
  return {
    calls,
    get kept () { return kept },
    get: async () => {
      calls.push(['GET'])
      if (unreachable) return { kind: 'unreachable' }
      return kept ? { kind: 'secret', secret: kept } : { kind: 'none' }
    },
    offer: async secret => {
      calls.push(['POST', secret])
      if (unreachable) return { kind: 'unreachable' }
      kept ??= secret
      return { kind: 'secret', secret: kept }
    }
  }
}
const sources = ({ fromLink = null, remembered = null, hub = null }) => ({
  fromLink, remembered: () => remembered, newSecret: () => NEW, hub
})

test('a link\'s secret is offered to the hub, and the hub\'s kept one wins', async () => {
  const keeps = fakeHub({ kept: HUB })
  assert.equal(await resolveSecret(sources({ fromLink: LINK, hub: keeps })), HUB)
  assert.deepEqual(keeps.calls, [['POST', LINK]])

  const none = fakeHub()
  assert.equal(await resolveSecret(sources({ fromLink: LINK, remembered: OLD, hub: none })), LINK)
  assert.equal(none.kept, LINK, 'the hub adopted the link\'s secret')
})

test('without a link, the hub\'s secret, else this browser\'s offered to it', async () => {
  const keeps = fakeHub({ kept: HUB })
  assert.equal(await resolveSecret(sources({ remembered: OLD, hub: keeps })), HUB)
  assert.deepEqual(keeps.calls, [['GET']], 'nothing offered when the hub has one')

  const older = fakeHub()
  assert.equal(await resolveSecret(sources({ remembered: OLD, hub: older })), OLD)
  assert.deepEqual(older.calls, [['GET'], ['POST', OLD]])

  const fresh = fakeHub()
  assert.equal(await resolveSecret(sources({ hub: fresh })), NEW)
  assert.equal(fresh.kept, NEW)
})

test('another page\'s offer that got there first wins', async () => {
  const racing = fakeHub()
  racing.get = async () => ({ kind: 'none' }) // answered before the other page offered
  await racing.offer(HUB) // the other page
  assert.equal(await resolveSecret(sources({ remembered: OLD, hub: racing })), HUB)
})

test('with the hub unreachable or absent, the secret is the page\'s own', async () => {
  const down = fakeHub({ unreachable: true })
  assert.equal(await resolveSecret(sources({ fromLink: LINK, hub: down })), LINK)
  assert.equal(await resolveSecret(sources({ remembered: OLD, hub: down })), OLD)
  assert.equal(await resolveSecret(sources({ hub: down })), NEW)
  assert.deepEqual(down.calls.map(c => c[0]), ['POST', 'GET', 'GET'], 'nothing offered to a hub that did not answer')

  // A review site without documents: no hub to ask.
  assert.equal(await resolveSecret(sources({ fromLink: LINK })), LINK)
  assert.equal(await resolveSecret(sources({ remembered: OLD })), OLD)
  assert.equal(await resolveSecret(sources({})), NEW)
})

test('a room secret is 16 to 128 characters of [A-Za-z0-9_-]', () => {
  for (const good of ['a'.repeat(16), '-_'.repeat(64), HUB]) assert.ok(isRoomSecret(good), good)
  for (const bad of ['a'.repeat(15), 'a'.repeat(129), 'with space 0123456789', 'plus+slash/0123456789', null, 17]) {
    assert.ok(!isRoomSecret(bad), String(bad))
  }
})
