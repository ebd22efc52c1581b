// `roundtable hook claude-code` on its own (docs/claude-code.md): the hook
// input Claude Code writes, in every shape it has, against a real hub, with a
// reviewer (a y-websocket provider with a real BlockNote editor and
// YjsThreadStore) deciding; and every way it must give no decision (exit 0,
// nothing on stdout, one line on stderr): garbage on stdin, other events and
// tools, missing, unreadable, empty and oversized plans, no hub.

import { test } from 'node:test'
import { spawn, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { useHarness, assert, hubBinary, freePort, waitFor } from './hub_harness.mjs'
import { mcpSession, openPlan, review } from './mcp_harness.mjs'
import { commentOn } from './reviewer.mjs'

const h = useHarness()
const bin = path.resolve(hubBinary)
const git = (cwd, ...args) => execFileSync('git', args, { cwd, stdio: 'pipe' })
/** A new repository at `dir` whose origin is `origin`. */
const gitRepo = (dir, origin) => {
  git(path.dirname(dir), 'init', '-q', dir)
  git(dir, 'remote', 'add', 'origin', origin)
  return dir
}
const bob = { id: 'bob', name: 'Bob', color: '#3366ff' }
const ann = { id: 'ann', name: 'Ann', color: '#ff6633' }

/**
 * Starts the hook with `input` on stdin. Returns {child, stderr(), done}, where
 * `done` resolves with {code, signal, stdout, stderr, ms} when it exits.
 */
function spawnHook (input, { port, dataDir, cwd, timeout = 20000 } = {}) {
  const t0 = Date.now()
  const child = spawn(bin, ['hook', 'claude-code', '--port', String(port), '--data', dataDir, '--no-open'], { cwd: cwd ?? process.cwd() })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => { stdout += d })
  child.stderr.on('data', d => { stderr += d })
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the hook did not end within ${timeout} ms; stderr: ${stderr}`)) }, timeout)
    child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 }) })
  })
  child.stdin.on('error', () => {})
  child.stdin.end(input)
  return { child, stderr: () => stderr, done }
}

/** Runs the hook with `input` on stdin; resolves with {code, signal, stdout, stderr, ms}. */
const runHook = (input, opts) => spawnHook(input, opts).done

/** Starts the hook; the promise settles once a decision is made meanwhile. */
const startHook = runHook

const permissionRequest = (sessionId, toolInput, extra = {}) => JSON.stringify({
  session_id: sessionId,
  transcript_path: '/tmp/transcript.jsonl',
  cwd: extra.cwd ?? '/',
  prompt_id: 'p-1',
  permission_mode: 'plan',
  effort: { level: 'medium' },
  hook_event_name: 'PermissionRequest',
  tool_name: 'ExitPlanMode',
  tool_input: toolInput
})

const PLAN_V1 = `# Plan: rate limiting

1. Add a token bucket per API key
2. Return 429 with Retry-After

| limit | value |
|--:|:-:|
| burst | 20 |
`
const PLAN_V2 = PLAN_V1.replace('2. Return 429 with Retry-After', '2. Return 429 with Retry-After\n3. Use a sliding window for the login endpoint')

/** The plans of the hub, through MCP. */
const plans = async hub => (await (await mcpSession(hub)).tool('list_plans', {})).structuredContent.plans

test('PermissionRequest: changes requested are a deny with every open thread; the resubmission is revision 2 of the same plan; approval is an allow with the notes', async () => {
  const hub = await h.startHub()
  const home = h.tmpDir('roundtable-hook-')
  // A work tree whose origin names the repository.
  const repo = gitRepo(path.join(home, 'work'), 'git@github.com:acme/api.git')
  const planFile = path.join(home, '.claude', 'plans', 'make-a-plan-zippy-emerson.md')
  fs.mkdirSync(path.dirname(planFile), { recursive: true })
  fs.writeFileSync(planFile, PLAN_V1)
  const opts = { port: hub.port, dataDir: hub.dataDir, cwd: repo }
  // The inline plan is stale: the file wins.
  const input = permissionRequest('8853d05d-aaaa', { plan: '# Stale', planFilePath: planFile }, { cwd: path.join(repo) })

  const first = startHook(input, opts)
  await waitFor(async () => (await plans(hub)).length === 1, { timeout: 10000, message: 'the plan to reach the hub' })
  const [plan] = await plans(hub)
  assert.equal(plan.title, 'Plan: rate limiting')
  assert.equal(plan.repo, 'acme/api')
  const browser = await openPlan(hub, plan.id)
  const threadId = await commentOn(browser.doc, { user: bob, quote: 'token bucket', text: 'Why not a sliding window?' })
  review(browser.doc, 'changes_requested', 'Bob')
  const denied = await first
  assert.equal(denied.code, 0)
  assert.equal(denied.stderr.trim().split('\n').length, 1, denied.stderr)
  assert.match(denied.stderr, new RegExp(`Roundtable: "Plan: rate limiting" \\(revision 1\\) is up for review at http://127\\.0\\.0\\.1:${hub.port}/plan/${plan.id}#k=`))
  const out = JSON.parse(denied.stdout)
  assert.equal(out.hookSpecificOutput.hookEventName, 'PermissionRequest')
  assert.equal(out.hookSpecificOutput.decision.behavior, 'deny')
  const message = out.hookSpecificOutput.decision.message
  assert.match(message, /requested changes/)
  assert.match(message, /decided by Bob/)
  assert.match(message, /On "token bucket":\n {3}- Bob: Why not a sliding window\?/)
  assert.match(message, /call ExitPlanMode again/)

  // The model revises the file and exits plan mode again: the same plan, revision 2, the thread kept.
  fs.writeFileSync(planFile, PLAN_V2)
  const second = startHook(input, opts)
  const mcp = await mcpSession(hub)
  await waitFor(async () => (await mcp.tool('read_plan', { planId: plan.id })).structuredContent.metadata.revision === 2, { timeout: 10000, message: 'revision 2' })
  assert.equal((await plans(hub)).length, 1, 'no second plan')
  const feedback = (await mcp.tool('get_feedback', { planId: plan.id })).structuredContent
  assert.equal(feedback.status, 'pending_review')
  assert.deepEqual(feedback.threads.map(t => [t.id, t.quote]), [[threadId, 'token bucket']], 'the thread is kept on the unchanged block')
  assert.match((await mcp.tool('read_plan', { planId: plan.id })).structuredContent.markdown, /sliding window for the login endpoint/)
  review(browser.doc, 'approved', 'Ann')
  const allowed = await second
  assert.equal(allowed.code, 0)
  assert.match(allowed.stderr, /\(revision 2\)/)
  const decision = JSON.parse(allowed.stdout).hookSpecificOutput.decision
  assert.equal(decision.behavior, 'allow')
  assert.equal(decision.updatedInput.planFilePath, planFile, 'the input is echoed')
  assert.ok(decision.updatedInput.plan.startsWith(PLAN_V2.trimEnd()), 'the approved plan is the file, not the stale inline plan')
  assert.match(decision.updatedInput.plan, /## Reviewers' notes\n\nApproved in Roundtable by Ann, with 1 open comment thread\(s\)/)
  assert.match(decision.updatedInput.plan, /Bob: Why not a sliding window\?/)

  // Another Claude session with the same file name is another plan.
  const other = startHook(permissionRequest('another-session', { planFilePath: planFile }), opts)
  await waitFor(async () => (await plans(hub)).length === 2, { timeout: 10000, message: 'a second plan' })
  const second2 = (await plans(hub)).find(p => p.id !== plan.id)
  const b2 = await openPlan(hub, second2.id)
  review(b2.doc, 'approved', 'Ann')
  const otherOut = JSON.parse((await other).stdout).hookSpecificOutput.decision
  assert.equal(otherOut.updatedInput.plan, PLAN_V2, 'no notes when no thread is open')
  browser.close()
  b2.close()
})

test('PreToolUse with the plan inline, in a linked work tree: answers in PreToolUse form', async () => {
  const hub = await h.startHub()
  const home = h.tmpDir('roundtable-hook-')
  const main = gitRepo(path.join(home, 'main'), 'https://github.com/acme/web.git')
  git(main, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'start')
  git(main, 'worktree', 'add', '-q', path.join(home, 'feature'))
  fs.mkdirSync(path.join(home, 'feature', 'src'))
  const input = JSON.stringify({ session_id: 's-pre', cwd: path.join(home, 'feature', 'src'), hook_event_name: 'PreToolUse', tool_name: 'ExitPlanMode', tool_use_id: 'toolu_1', tool_input: { plan: '# Inline plan\n\n- one step\n' } })
  const running = runHook(input, { port: hub.port, dataDir: hub.dataDir })
  await waitFor(async () => (await plans(hub)).length === 1, { timeout: 10000, message: 'the plan' })
  const [plan] = await plans(hub)
  assert.equal(plan.title, 'Inline plan')
  assert.equal(plan.repo, 'acme/web', "the linked work tree's repository")
  const browser = await openPlan(hub, plan.id)
  await commentOn(browser.doc, { user: ann, quote: 'one step', text: 'Two steps, please.' })
  review(browser.doc, 'changes_requested', 'Ann')
  const r = await running
  const out = JSON.parse(r.stdout).hookSpecificOutput
  assert.equal(out.hookEventName, 'PreToolUse')
  assert.equal(out.permissionDecision, 'deny')
  assert.match(out.permissionDecisionReason, /On "one step":\n {3}- Ann: Two steps, please\./)
  browser.close()
})

test('no decision, one line on stderr, exit 0: garbage, other events and tools, bad plans', async () => {
  const dir = h.tmpDir('roundtable-hook-')
  // No hub anywhere: none of these may get as far as starting one.
  const port = await freePort()
  const dataDir = path.join(dir, 'data')
  const big = path.join(dir, 'big.md')
  fs.writeFileSync(big, '# Big\n' + 'x'.repeat(1024 * 1024))
  const empty = path.join(dir, 'empty.md')
  fs.writeFileSync(empty, '  \n\n')
  const ok = { session_id: 's', hook_event_name: 'PermissionRequest', tool_name: 'ExitPlanMode' }
  const cases = [
    ['garbage', 'this is not json {', /not JSON/],
    ['empty stdin', '', /no hook input/],
    ['binary', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]), /not JSON/],
    ['an array', '[1,2,3]', /not a JSON object/],
    ['deep nesting', '['.repeat(100000), /nested deeper/],
    ['over 8 MiB', Buffer.alloc(8 * 1024 * 1024 + 10, 0x20), /at most 8388608/],
    ['64 MiB, of which it reads a little over 8', Buffer.alloc(64 * 1024 * 1024, 0x20), /at most 8388608/],
    ['another event', JSON.stringify({ ...ok, hook_event_name: 'Stop' }), /not one this hook answers/],
    ['another tool', JSON.stringify({ ...ok, tool_name: 'Bash', tool_input: { command: 'ls' } }), /ExitPlanMode only, not 'Bash'/],
    ['no session', JSON.stringify({ ...ok, session_id: undefined }), /no 'session_id'/],
    ['no plan at all', JSON.stringify({ ...ok, tool_input: {} }), /neither 'planFilePath' nor 'plan'/],
    ['tool_input not an object', JSON.stringify({ ...ok, tool_input: 'plan' }), /'tool_input' is not an object/],
    ['a missing plan file', JSON.stringify({ ...ok, tool_input: { plan: '# p', planFilePath: path.join(dir, 'gone.md') } }), /cannot read the plan file .*gone\.md: No such file/],
    ['a plan file that is a directory', JSON.stringify({ ...ok, tool_input: { planFilePath: dir } }), /is not a regular file/],
    ['a plan file over 1 MiB', JSON.stringify({ ...ok, tool_input: { planFilePath: big } }), /big\.md is 1048582 bytes; at most 1048576 go to review/],
    ['an inline plan over 1 MiB', JSON.stringify({ ...ok, tool_input: { plan: 'y'.repeat(1024 * 1024 + 1) } }), /the plan is 1048577 bytes; at most 1048576/],
    ['an empty plan file', JSON.stringify({ ...ok, tool_input: { planFilePath: empty } }), /empty\.md is empty/]
  ]
  for (const [name, input, reason] of cases) {
    const r = await runHook(input, { port, dataDir })
    assert.equal(r.code, 0, name)
    assert.equal(r.stdout, '', `${name}: no decision`)
    const lines = r.stderr.trim().split('\n')
    assert.equal(lines.length, 1, `${name}: one line (${r.stderr})`)
    assert.match(lines[0], /^roundtable hook: .*; no decision, Claude Code asks as usual$/, name)
    assert.match(lines[0], reason, name)
    assert.ok(r.ms < 5000, `${name}: ${r.ms} ms`)
  }
  assert.ok(!fs.existsSync(dataDir), 'no hub was started for any of them')
})

test('a hub that cannot be reached or started: no decision at once', async () => {
  const dir = h.tmpDir('roundtable-hook-')
  const notADir = path.join(dir, 'file')
  fs.writeFileSync(notADir, 'a file where the data directory should be')
  const input = permissionRequest('s-down', { plan: '# Plan\n\n- a step\n' })
  const r = await runHook(input, { port: await freePort(), dataDir: notADir })
  assert.equal(r.code, 0)
  assert.equal(r.stdout, '')
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, /^roundtable hook: no Roundtable hub answers on 127\.0\.0\.1:\d+ and starting one failed; .*no decision/)
  assert.ok(r.ms < 5000, `gave up in ${r.ms} ms, not at the start timeout`)
})

test('killed while waiting (the user pressed Esc): it ends at once; the plan stays', async () => {
  const hub = await h.startHub()
  const input = permissionRequest('s-esc', { plan: '# Esc\n\n- x\n' })
  const t0 = Date.now()
  const hook = spawnHook(input, { port: hub.port, dataDir: hub.dataDir })
  await waitFor(() => hook.stderr().includes('waiting for the reviewers'), { timeout: 10000, message: 'the hook to wait' })
  hook.child.kill('SIGTERM')
  const { code, signal } = await hook.done
  assert.ok(code === 128 + 15 || signal === 'SIGTERM', `ended by the signal (${code}, ${signal})`)
  assert.ok(Date.now() - t0 < 10000)
  assert.equal((await plans(hub)).length, 1, 'the plan stays')
})

test('the hub dies while the hook waits: the hook starts it again and still gets the decision', async () => {
  const hub = await h.startHub()
  const input = permissionRequest('s-restart', { plan: '# Survive\n\n- a restart\n' })
  const hook = spawnHook(input, { port: hub.port, dataDir: hub.dataDir, timeout: 30000 })
  const running = hook.done
  // Killed once the hook waits (not while create_plan's answer is on its way: the plan is listed just before).
  await waitFor(() => hook.stderr().includes('waiting for the reviewers'), { timeout: 10000, message: 'the hook to wait' })
  const [plan] = await plans(hub)
  await hub.kill('SIGKILL')
  // The hub the hook starts runs detached, as `roundtable serve --data DIR`; it is found by its data directory and stopped at the end.
  h.defer(() => {
    for (const pid of fs.readdirSync('/proc').filter(p => /^\d+$/.test(p))) {
      let cmd = ''
      try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') } catch { continue }
      if (cmd.includes('\0serve\0') && cmd.includes(`\0--data\0${hub.dataDir}`)) process.kill(Number(pid), 'SIGKILL')
    }
  })
  await waitFor(async () => (await fetch(`${hub.httpUrl}/healthz`).catch(() => null))?.ok, { timeout: 15000, interval: 100, message: 'the hook to start the hub again' })
    .catch(e => { throw new Error(`${e.message}; the hook said: ${hook.stderr()}`) })
  const browser = await openPlan(hub, plan.id)
  review(browser.doc, 'approved', 'Ann')
  const r = await running
  browser.close()
  assert.equal(r.code, 0)
  assert.equal(JSON.parse(r.stdout).hookSpecificOutput.decision.behavior, 'allow', r.stderr)
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
})

test('what the hook remembers: a plan gone from the hub starts a new one; a damaged record is ignored', async () => {
  const hub = await h.startHub()
  const input = permissionRequest('s-memory', { plan: '# Remember me\n\n- a step\n' })
  const approveNext = async count => {
    await waitFor(async () => (await plans(hub)).length === count, { timeout: 10000, message: `plan ${count}` })
    const newest = (await plans(hub))[0]
    const b = await openPlan(hub, newest.id)
    review(b.doc, 'approved', 'Ann')
    b.close()
    return newest.id
  }
  let running = runHook(input, { port: hub.port, dataDir: hub.dataDir })
  await approveNext(1)
  assert.equal((await running).code, 0)
  const dir = path.join(hub.dataDir, 'claude-code')
  const [file] = fs.readdirSync(dir)
  const record = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))
  assert.equal(record.session, 's-memory')

  // The plan it names is not on this hub (another data directory, say).
  fs.writeFileSync(path.join(dir, file), JSON.stringify({ ...record, planId: 'nosuchplan12' }))
  running = runHook(input, { port: hub.port, dataDir: hub.dataDir })
  const second = await approveNext(2)
  let r = await running
  assert.match(r.stderr, /^roundtable hook: plan nosuchplan12 is gone; sending a new plan\n/)
  assert.equal(JSON.parse(r.stdout).hookSpecificOutput.decision.behavior, 'allow')
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')).planId, second)

  // A damaged record (wrong types, not JSON) is no record.
  for (const damaged of [JSON.stringify({ session: 5, planFile: [], planId: { a: 1 }, url: 7 }), 'not json', '']) {
    fs.writeFileSync(path.join(dir, file), damaged)
    const before = (await plans(hub)).length
    running = runHook(input, { port: hub.port, dataDir: hub.dataDir })
    await approveNext(before + 1)
    r = await running
    assert.equal(r.code, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).hookSpecificOutput.decision.behavior, 'allow', r.stderr)
  }
})
