// A C++ test driver process (tests/interop/driver/*.cc) spoken to in JSON
// lines: one request per stdin line, one answer per stdout line, in order.
//
//   const driver = new Driver('roundtable_sync_driver')
//   const res = await driver.call({ cmd: 'decode', hex })
//   driver.close()
//
// The build directory is ../../build, or ROUNDTABLE_BUILD_DIR.

import { spawn } from 'node:child_process'
import readline from 'node:readline'
import path from 'node:path'
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
export const buildDir = path.resolve(here, process.env.ROUNDTABLE_BUILD_DIR ?? '../../build')

export const hex = (u8) => Buffer.from(u8).toString('hex')
export const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'))

export class Driver {
  // statusErrors: answers {ok:false, code} are returned to the caller (a
  // Status the test checks); otherwise every {ok:false} throws.
  constructor (name, { statusErrors = false } = {}) {
    const driverPath = path.join(buildDir, name)
    if (!fs.existsSync(driverPath)) throw new Error(`driver not found at ${driverPath}; build it or set ROUNDTABLE_BUILD_DIR`)
    this.statusErrors = statusErrors
    this.proc = spawn(driverPath, [], { stdio: ['pipe', 'pipe', 'inherit'] })
    this.waiting = []
    this.dead = null
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => this.waiting.shift()?.resolve(JSON.parse(line)))
    this.proc.on('exit', (code, signal) => {
      this.dead = new Error(`${name} exited (code ${code}, signal ${signal})`)
      for (const w of this.waiting.splice(0)) w.reject(this.dead)
    })
  }

  async call (req) {
    if (this.dead) throw this.dead
    const res = await new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject })
      this.proc.stdin.write(JSON.stringify(req) + '\n')
    })
    if (!res.ok && !(this.statusErrors && res.code)) throw new Error(`driver: ${JSON.stringify(req).slice(0, 200)}: ${res.error}`)
    return res
  }

  close () { this.proc.stdin.end() }
}
