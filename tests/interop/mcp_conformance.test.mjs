// The official MCP conformance suite (@modelcontextprotocol/conformance,
// which needs Node 22: the npm package `node@22` provides it) against the
// hub's /mcp. Every generic server scenario that does not call the suite's
// own fixture tools (test_simple_text, test_reconnection, ...) must pass;
// the README lists the others and why they cannot apply.
//
//   cd tests/interop && node --test mcp_conformance.test.mjs

import { test } from 'node:test'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { useHarness, assert } from './hub_harness.mjs'

const here = import.meta.dirname
const node22 = path.join(here, 'node_modules/.bin/node')
const suite = path.join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js')

// Scenarios that apply to a server offering Roundtable's tools.
const SCENARIOS = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'tools-list',
  'dns-rebinding-protection',
  'server-sse-multiple-streams'
]

const h = useHarness()
const hubP = h.startHub()

const runScenario = (url, scenario, outDir) => new Promise(resolve => {
  execFile(node22, [suite, 'server', '--url', url, '--scenario', scenario, '--output-dir', outDir],
    { timeout: 60000, env: { ...process.env, NO_COLOR: '1' } },
    (error, stdout, stderr) => resolve({ code: error ? error.code ?? 1 : 0, stdout, stderr }))
})

// The checks a scenario recorded (its checks.json under the output directory).
const readChecks = dir => {
  const found = []
  const walk = d => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name === 'checks.json') found.push(...JSON.parse(fs.readFileSync(p, 'utf8')))
    }
  }
  walk(dir)
  return found
}

for (const scenario of SCENARIOS) {
  test(`conformance: ${scenario}`, async () => {
    const hub = await hubP
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-conformance-'))
    h.defer(() => fs.rmSync(outDir, { recursive: true, force: true }))
    const r = await runScenario(`${hub.httpUrl}/mcp`, scenario, outDir)
    const checks = readChecks(outDir)
    const failed = checks.filter(c => c.status === 'FAILURE')
    assert.ok(checks.length > 0, `the suite recorded no checks for ${scenario}:\n${r.stdout}\n${r.stderr}`)
    assert.deepEqual(failed.map(c => `${c.id}: ${c.errorMessage}`), [], `${scenario} failed:\n${r.stdout}`)
    assert.equal(r.code, 0, `${scenario}: the suite exited with ${r.code}\n${r.stdout}\n${r.stderr}`)
    assert.ok(checks.some(c => c.status === 'SUCCESS'), `${scenario}: no check succeeded`)
  })
}
