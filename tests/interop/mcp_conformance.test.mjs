// The official MCP conformance suite (@modelcontextprotocol/conformance,
// which needs Node 22: the npm package `node@22` provides it) against the
// hub's /mcp, at two wire versions: 2025-11-25 (initialize and sessions) and
// 2026-07-28 (stateless, per-request _meta). A scenario that belongs to both
// runs under each: passing on one wire says nothing about the other. Every
// generic server scenario that does not call the suite's own fixture tools
// (test_simple_text, test_missing_capability, ...) must pass; the few checks
// of a scenario that can only run against such fixtures, or against prompts
// and resources a tools-only server does not have, are listed below by id,
// each with its reason, and must fail only that way (the suite marks them
// untestable, or they ask for a feature that is absent).
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

// Scenarios that apply to a server offering Roundtable's tools, by wire version.
const SCENARIOS = {
  '2025-11-25': ['server-initialize', 'ping', 'logging-set-level', 'tools-list', 'dns-rebinding-protection', 'server-sse-multiple-streams'],
  '2026-07-28': ['server-stateless', 'http-header-validation', 'tools-list', 'dns-rebinding-protection', 'server-sse-multiple-streams', 'caching']
}

// Checks that cannot pass against a tools-only server whose tools are
// Roundtable's, by scenario, with the reason.
const NOT_APPLICABLE = {
  'server-stateless': {
    'sep-2575-server-rejects-undeclared-capability': 'needs the fixture tool test_missing_capability (no Roundtable tool needs a client capability)',
    'sep-2575-missing-capability-http-400': 'needs the fixture tool test_missing_capability',
    'sep-2575-http-server-no-independent-requests-on-stream': 'needs the fixture tool test_streaming_elicitation',
    'sep-2575-server-no-log-without-loglevel': 'needs the fixture tool test_logging_tool (this server never sends notifications/message)'
  },
  caching: {
    'sep-2549-prompts-list-caching-hints': 'no prompts: prompts/list is -32601',
    'sep-2549-resources-list-caching-hints': 'no resources: resources/list is -32601',
    'sep-2549-resources-templates-list-caching-hints': 'no resources: resources/templates/list is -32601'
  }
}

const h = useHarness()
const hubP = h.startHub()

const runScenario = (url, scenario, version, outDir) => new Promise(resolve => {
  execFile(node22, [suite, 'server', '--url', url, '--scenario', scenario, '--spec-version', version, '--output-dir', outDir],
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

for (const [version, scenarios] of Object.entries(SCENARIOS)) {
  for (const scenario of scenarios) {
    test(`conformance ${version}: ${scenario}`, async () => {
      const hub = await hubP
      const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-conformance-'))
      h.defer(() => fs.rmSync(outDir, { recursive: true, force: true }))
      const r = await runScenario(`${hub.httpUrl}/mcp`, scenario, version, outDir)
      const checks = readChecks(outDir)
      const excused = NOT_APPLICABLE[scenario] ?? {}
      const failed = checks.filter(c => c.status === 'FAILURE' && !(c.id in excused))
      assert.ok(checks.length > 0, `the suite recorded no checks for ${scenario}:\n${r.stdout}\n${r.stderr}`)
      assert.deepEqual(failed.map(c => `${c.id}: ${c.errorMessage}`), [], `${scenario} failed:\n${r.stdout}`)
      assert.ok(checks.some(c => c.status === 'SUCCESS'), `${scenario}: no check succeeded`)
      // Warnings are SHOULDs the suite could check: none expected either.
      assert.deepEqual(checks.filter(c => c.status === 'WARNING').map(c => `${c.id}: ${c.errorMessage}`), [])
      if (Object.keys(excused).length === 0) {
        assert.equal(r.code, 0, `${scenario}: the suite exited with ${r.code}\n${r.stdout}\n${r.stderr}`)
      }
    })
  }
}
