// A real PostgreSQL 15 server for hub tests, owned by the test: a fresh
// cluster (initdb) in a temporary directory, listening only on a Unix socket
// there. As root, initdb and postgres run as the `postgres` user (PostgreSQL
// refuses root). Missing binaries fail the test: scripts/setup.sh installs
// postgresql-15.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { Child } from './hub_harness.mjs'

const binDir = process.env.ROUNDTABLE_PG_BIN || '/usr/lib/postgresql/15/bin'
const port = '5432' // the socket is in a private directory: no clash with another server

export class PgServer {
  /**
   * Runs initdb and starts the server; resolves once it accepts connections.
   * `durable` keeps PostgreSQL's own fsync and full_page_writes (for
   * bench/team_services.mjs, which measures the commit path).
   */
  static async start ({ durable = false } = {}) {
    for (const tool of ['initdb', 'postgres']) {
      if (!fs.existsSync(path.join(binDir, tool))) {
        throw new Error(`PostgreSQL 15 is not installed: no ${path.join(binDir, tool)} (scripts/setup.sh installs postgresql-15; ROUNDTABLE_PG_BIN names another directory)`)
      }
    }
    const pg = new PgServer()
    pg.durable = durable
    pg.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-pg-'))
    pg.asRoot = process.getuid() === 0
    if (pg.asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString())
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString())
      fs.chownSync(pg.dir, uid, gid)
    }
    execFileSync(...pg.command(path.join(binDir, 'initdb'), ['-D', pg.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']), { stdio: 'pipe' })
    await pg.startServer()
    return pg
  }

  get dataDir () { return path.join(this.dir, 'data') }

  /** [cmd, args] that run `bin` as the server's user. */
  command (bin, args) {
    return this.asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args]
  }

  async startServer () {
    // fsync off: these tests prove what the hub does, not the disk's durability
    const durability = this.durable ? [] : ['-c', 'fsync=off', '-c', 'full_page_writes=off']
    this.child = new Child(...this.command(path.join(binDir, 'postgres'), ['-D', this.dataDir, '-k', this.dir, '-p', port,
      '-c', 'listen_addresses=', ...durability]), {}, 'postgres')
    await this.child.waitOutput(/database system is ready to accept connections/, 30000)
  }

  /** libpq URI of database `db` as the superuser. */
  url (db = 'postgres') { return `postgresql://postgres@${encodeURIComponent(this.dir)}:${port}/${db}` }

  /** Runs one SQL statement with psql; its output, unaligned, without headers. */
  psql (sql) {
    return execFileSync(path.join(binDir, 'psql'), [this.url(), '-X', '-A', '-t', '-c', sql]).toString().trim()
  }

  /** Fast shutdown, signalled to the postmaster itself (runuser may not pass signals on). */
  async stop () {
    if (!this.child?.running) return
    const pid = Number(fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    try { process.kill(pid, 'SIGINT') } catch {}
    const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL') } catch {} }, 10000)
    await this.child.exited
    clearTimeout(timer)
  }

  async destroy () {
    await this.stop()
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}
