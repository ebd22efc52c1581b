// Runs the real Claude Code CLI (npm @anthropic-ai/claude-code, pinned in
// ../package-lock.json) against the scripted model of model.mjs, with a home
// directory of its own, nothing but loopback to talk to, and no traffic
// beyond the model (CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1).

import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
export const claudeBin = path.resolve(here, '../node_modules/.bin/claude')
export const pluginDir = path.resolve(here, '../../../integrations/claude-code')

/**
 * Runs the calling test file again inside a network namespace that has only
 * loopback (`unshare -n`, or `unshare -rn` without root), so that nothing the
 * CLI tries can leave the machine. Returns true in the namespace (the tests
 * go on); otherwise runs them there and exits with their status.
 */
export function inLoopbackNamespace () {
  if (process.env.ROUNDTABLE_LOOPBACK_NS === '1') return true
  const probe = flags => spawnSync('unshare', [...flags, '--', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0
  const flags = probe(['-n']) ? ['-n'] : probe(['-rn']) ? ['-rn'] : null
  if (!flags) throw new Error('cannot make a network namespace (unshare -n or -rn): the Claude Code tests run only where nothing can leave the machine')
  const r = spawnSync('unshare', [...flags, '--', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, ROUNDTABLE_LOOPBACK_NS: '1' } })
  process.exit(r.status ?? 1)
}

/** A home directory for the CLI, and the environment every run gets. */
export function claudeEnv (model, extra = {}) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-claude-home-'))
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    ANTHROPIC_BASE_URL: model.url,
    ANTHROPIC_API_KEY: 'anything',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    ...extra
  }
  return { home, env }
}

/** `claude ARGS` to its end; resolves with {code, stdout, stderr}. */
export function claude (args, { env, cwd, timeout = 60000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(claudeBin, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => { stdout += d })
    child.stderr.on('data', d => { stderr += d })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`claude ${args.join(' ')} did not end in ${timeout} ms\n${stderr}`)) }, timeout)
    child.on('error', e => { clearTimeout(timer); reject(e) })
    child.on('exit', code => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

/**
 * A session as a host that uses Claude Code's stream-json protocol runs it:
 * the prompt on stdin, stdin held open until the result (the PermissionRequest
 * hook needs that), and permission prompts (control_request can_use_tool)
 * answered by `onPermission(request)` (return {behavior, ...}, or null to
 * leave it unanswered). Resolves with {code, messages, controls, stderr}.
 */
export function streamSession ({ args = [], env, cwd, prompt, onPermission = async () => null, timeout = 50000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(claudeBin, ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', ...args], { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    const messages = []
    const controls = []
    let stderr = ''
    let buf = ''
    child.stdin.on('error', () => {})
    child.stdout.on('data', d => {
      buf += d
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        let m
        try { m = JSON.parse(line) } catch { continue }
        m.receivedAt = Date.now()
        messages.push(m)
        if (m.type === 'control_request' && m.request?.subtype === 'can_use_tool') {
          controls.push(m)
          Promise.resolve(onPermission(m.request)).then(answer => {
            if (!answer || child.exitCode !== null) return
            child.stdin.write(JSON.stringify({ type: 'control_response', response: { subtype: 'success', request_id: m.request_id, response: answer } }) + '\n')
          })
        }
        if (m.type === 'result') child.stdin.end()
      }
    })
    child.stderr.on('data', d => { stderr += d })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the session did not end in ${timeout} ms; last messages: ${JSON.stringify(messages.slice(-3)).slice(0, 2000)}\n${stderr}`)) }, timeout)
    child.on('error', e => { clearTimeout(timer); reject(e) })
    child.on('exit', code => { clearTimeout(timer); resolve({ code, messages, controls, stderr }) })
    child.stdin.write(JSON.stringify({ type: 'user', message: { role: 'user', content: prompt } }) + '\n')
  })
}

/** The plan file plan mode tells the model to write (named in its system reminders). */
export const planFileOf = request => JSON.stringify(request).match(/\/[^\s"\\]*\.claude\/plans\/[^\s"\\]*\.md/)?.[0]
