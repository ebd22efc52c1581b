// A real Redis server for hub tests, owned by the test: no persistence,
// listening only on a Unix socket in a temporary directory (no port to
// clash with). Missing binaries fail the test: scripts/setup.sh installs
// redis-server. With `password`, the default user needs it (requirepass);
// `users` adds ACL users, each { name, password } with every right.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Child } from './hub_harness.mjs'

const binary = process.env.ROUNDTABLE_REDIS_SERVER || '/usr/bin/redis-server'

export class RedisServer {
  /** Starts the server; resolves once it accepts connections. */
  static async start ({ password = null, users = [] } = {}) {
    if (!fs.existsSync(binary)) {
      throw new Error(`Redis is not installed: no ${binary} (scripts/setup.sh installs redis-server; ROUNDTABLE_REDIS_SERVER names another binary)`)
    }
    const r = new RedisServer()
    r.auth = [...(password ? ['--requirepass', password] : []),
      ...users.flatMap(u => ['--user', u.name, 'on', `>${u.password}`, '~*', '&*', '+@all'])]
    r.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-redis-'))
    await r.startServer()
    return r
  }

  get socket () { return path.join(this.dir, 'redis.sock') }
  /** What `roundtable serve --bus` takes. */
  get url () { return `unix://${this.socket}` }

  async startServer () {
    this.child = new Child(binary, ['--port', '0', '--unixsocket', this.socket, '--unixsocketperm', '700',
      '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.auth], {}, 'redis')
    await this.child.waitOutput(/ready to accept connections/i, 10000)
  }

  async stop (signal = 'SIGKILL') {
    if (this.child?.running) await this.child.kill(signal)
  }

  async destroy () {
    await this.stop()
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}
