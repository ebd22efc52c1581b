// What the install tests share: the build directory, running a command, and
// starting an installed `roundtable serve` on a free port.
import { after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const repoRoot = path.resolve(import.meta.dirname, '../..')
export const buildDir = process.env.ROUNDTABLE_BUILD_DIR || path.join(repoRoot, 'build')

const cleanups = []
after(async () => { for (const fn of cleanups.reverse()) await fn() })

/** A fresh temporary directory, removed after the file's tests. */
export const tempDir = prefix => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Runs a command to completion; fails the test with its output if it exits non-zero. */
export const run = (cmd, args, options = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options })
  if (r.error) throw r.error
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

/**
 * Starts `binary serve` on a free loopback port with a throwaway data
 * directory and no --web-dir; resolves with its base URL once it listens.
 */
export const serve = async (binary, extraArgs = []) => {
  const data = tempDir('roundtable-data-')
  const child = spawn(binary, ['serve', '--host', '127.0.0.1', '--port', '0', '--data', data, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const exited = new Promise(resolve => child.on('exit', (code, signal) => resolve({ code, signal })))
  cleanups.push(async () => { if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited } })
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'listening on' within 10 s:\n${output}`)), 10000)
    const onData = chunk => {
      output += chunk
      const m = output.match(/listening on (http:\/\/\S+)/)
      if (m) { clearTimeout(timer); resolve(m[1].replace(/\/$/, '')) }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', code => { clearTimeout(timer); reject(new Error(`exited with ${code}:\n${output}`)) })
  })
  return {
    url,
    output: () => output,
    stop: async () => { child.kill('SIGTERM'); return exited }
  }
}

/** The version `roundtable --version` of the build reports, e.g. "0.1.0". */
export const builtVersion = () => {
  const out = run(path.join(buildDir, 'roundtable'), ['--version']).trim()
  const m = out.match(/^roundtable (\d+\.\d+\.\d+)$/)
  assert.ok(m, `roundtable --version printed ${JSON.stringify(out)}`)
  return m[1]
}

export { assert }
