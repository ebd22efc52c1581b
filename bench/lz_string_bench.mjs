// lz-string benchmark: the C++ (bench/lz_string_bench.cc) and the npm
// lz-string 1.5.0 compress and decompress the same plan snapshot JSON in one
// run; prints both medians and the ratio (JavaScript time / C++ time).
//
//   node bench/lz_string_bench.mjs [--kb N] [--runs N] [--build DIR]
//
// Defaults: a 100 KB plan (tests/interop/plan_snapshot_fixture.mjs), 200 runs,
// the binary in build/ (cmake -DROUNDTABLE_BENCH=ON, target roundtable_lz_bench).
// Both sides allocate afresh on every call, so page faults are part of the
// numbers; on a loaded or virtual machine they vary by 2x from run to run.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import os from 'node:os'
import path from 'node:path'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')
const require = createRequire(path.join(root, 'tests/interop/package.json'))
const LZString = require('lz-string')
const { planSnapshotJson } = await import(path.join(root, 'tests/interop/plan_snapshot_fixture.mjs'))

const opt = { kb: 100, runs: 200, build: path.join(root, 'build') }
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, '')
  if (!(key in opt) || argv[i + 1] === undefined) throw new Error(`usage: node bench/lz_string_bench.mjs [--kb N] [--runs N] [--build DIR]`)
  opt[key] = key === 'build' ? path.resolve(argv[i + 1]) : Number(argv[i + 1])
}

function medianMs (runs, f) {
  const ms = []
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    f()
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return ms.sort((a, b) => a - b)[ms.length >> 1]
}

const text = planSnapshotJson(opt.kb * 1000)
const dir = mkdtempSync(path.join(os.tmpdir(), 'lz-bench-'))
const file = path.join(dir, 'plan.json')
writeFileSync(file, text)

const cpp = JSON.parse(execFileSync(path.join(opt.build, 'roundtable_lz_bench'), [file, String(opt.runs)], { encoding: 'utf8' }))
rmSync(dir, { recursive: true })

const compressed = LZString.compressToEncodedURIComponent(text)
if (compressed !== cpp.compressed) throw new Error('C++ and JavaScript outputs differ')
let sink = 0
// Warm-up, so that the JIT has compiled both functions before timing.
medianMs(Math.max(20, opt.runs / 5), () => { sink += LZString.compressToEncodedURIComponent(text).length })
medianMs(Math.max(20, opt.runs / 5), () => { sink += LZString.decompressFromEncodedURIComponent(compressed).length })
const jsCompress = medianMs(opt.runs, () => { sink += LZString.compressToEncodedURIComponent(text).length })
const jsDecompress = medianMs(opt.runs, () => { sink += LZString.decompressFromEncodedURIComponent(compressed).length })

const f = (x) => x.toFixed(3)
console.log(`plan snapshot: ${Buffer.byteLength(text)} bytes UTF-8, ${text.length} UTF-16 units -> ${compressed.length} chars (identical on both sides); node ${process.version}, median of ${opt.runs}`)
console.log('| operation | lz-string (JS) ms | C++ ms | JS / C++ |')
console.log('| --- | ---: | ---: | ---: |')
console.log(`| compressToEncodedURIComponent | ${f(jsCompress)} | ${f(cpp.compressMs)} | ${(jsCompress / cpp.compressMs).toFixed(1)}x |`)
console.log(`| decompressFromEncodedURIComponent | ${f(jsDecompress)} | ${f(cpp.decompressMs)} | ${(jsDecompress / cpp.decompressMs).toFixed(1)}x |`)
if (sink === 0) console.log('')
