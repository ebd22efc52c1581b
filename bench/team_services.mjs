// PostgreSQL 15 and Redis for bench/run_hub_bench.sh --team, started with the
// test suite's own helpers (tests/interop/pg_server.mjs, redis_server.mjs) so
// that there is one way to run them. Writes {"pg", "pgBase", "pgPid", "redis",
// "redisPid"} as one JSON line to the file named by its argument once both
// accept connections, then holds them until stdin closes or SIGTERM/SIGINT,
// and destroys both (data directories included) before it exits.
//
// The tests run PostgreSQL with fsync off (they prove behaviour, not
// durability); a benchmark of the commit path must pay what a deployment
// pays, so this one keeps PostgreSQL's defaults (fsync, full_page_writes,
// synchronous_commit on) unless TEAM_PG_SYNC=off asks for
// synchronous_commit = off (commits do not wait for the WAL flush).
import fs from 'node:fs'
import path from 'node:path'
import { PgServer } from '../tests/interop/pg_server.mjs'
import { RedisServer } from '../tests/interop/redis_server.mjs'

const out = process.argv[2]
if (!out) {
  console.error('usage: node bench/team_services.mjs OUT.json')
  process.exit(2)
}
let pg = null
let redis = null
let starting = null
let stopping = null
// A stop asked for while the servers start waits for them: leaving early
// would orphan a PostgreSQL that runuser started.
const stop = () => {
  stopping ??= Promise.resolve(starting).catch(() => {})
    .then(() => Promise.all([pg?.destroy(), redis?.destroy()]))
    .finally(() => process.exit(0))
  return stopping
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()

try {
  starting = Promise.all([PgServer.start({ durable: true }).then(p => { pg = p }), RedisServer.start().then(r => { redis = r })])
  await starting
  const sync = process.env.TEAM_PG_SYNC === 'off' ? 'off' : 'on'
  pg.psql(`ALTER SYSTEM SET synchronous_commit = ${sync}`)
  pg.psql('SELECT pg_reload_conf()')
  await new Promise(resolve => setTimeout(resolve, 300))
  const settings = pg.psql("SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync', 'full_page_writes', 'synchronous_commit', 'shared_buffers', 'max_connections')")
  const pgPid = Number(fs.readFileSync(path.join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  fs.writeFileSync(out, JSON.stringify({
    pg: pg.url(), pgBase: pg.url('').replace(/\/$/, ''), pgPid, pgSettings: settings,
    redis: redis.url, redisPid: redis.child.proc.pid,
  }) + '\n')
} catch (e) {
  console.error(`team_services: ${e.stack || e}`)
  await stop()
}
