#!/usr/bin/env bash
# Runs the CRDT benchmark against yjs in one go, on this machine, and prints a
# Markdown table (yjs time / C++ time; memory yjs / C++). Not part of the test
# suite.
#
#   bench/run_crdt_bench.sh [--runs N] [--txns N] [--case NAME]...
#
# Builds the Release benchmark (build-bench/, or $BUILD_DIR) if needed, installs
# the pinned yjs (tests/interop, npm ci) if missing. Raw JSON of both sides is
# kept in $BUILD_DIR/crdt_bench-{cpp,yjs}.json.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
JOBS=${JOBS:-2}

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DROUNDTABLE_TESTS=OFF >&2
fi
if ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$BUILD_DIR/CMakeCache.txt"; then
  echo "run_crdt_bench: $BUILD_DIR is not a Release build" >&2
  exit 1
fi
cmake --build "$BUILD_DIR" -j"$JOBS" --target roundtable_crdt_bench >&2

if [ ! -d tests/interop/node_modules/yjs ]; then
  (cd tests/interop && npm ci --no-audit --no-fund >&2)
fi

CPP_JSON=$BUILD_DIR/crdt_bench-cpp.json
YJS_JSON=$BUILD_DIR/crdt_bench-yjs.json
echo "run_crdt_bench: C++ ..." >&2
"$BUILD_DIR/roundtable_crdt_bench" "$@" > "$CPP_JSON"
echo "run_crdt_bench: yjs ..." >&2
node --expose-gc bench/crdt_bench.mjs "$@" > "$YJS_JSON"

node - "$YJS_JSON" "$CPP_JSON" <<'EOF'
const fs = require('fs')
const [yjs, cpp] = process.argv.slice(2).map(f => JSON.parse(fs.readFileSync(f, 'utf8')))
const ms = x => x >= 100 ? x.toFixed(0) + ' ms' : x >= 1 ? x.toFixed(1) + ' ms' : x.toFixed(3) + ' ms'
const mb = b => (b / 1048576).toFixed(2) + ' MiB'
const rows = []
const cases = [
  ['b4_replay', `B4 replay (${cpp.txns.toLocaleString('en-US')} txns, onUpdate)`, 20],
  ['apply_b4_update', 'apply b4-update.bin to empty doc', 10],
  ['encode_b4_state', 'encodeStateAsUpdate(B4 doc)', null],
  ['apply_b4_state_v2', 'applyUpdateV2 of the B4 v2 state to empty doc', 10],
  ['encode_b4_state_v2', 'encodeStateAsUpdateV2(B4 doc)', 10],
  ['merge_b4_updates', `mergeUpdates of the B4 updates (per 1,000, then the results)`, 10]
]
let fail = false
for (const [key, label, target] of cases) {
  const y = yjs.cases[key], c = cpp.cases[key]
  if (!y || !c) continue
  const r = y.best_ms / c.best_ms
  let t = '—'
  if (target !== null) {
    const ok = r >= target
    if (!ok) fail = true
    t = `≥ ${target}× ${ok ? 'met' : 'MISSED'}`
  }
  rows.push([label, `${ms(y.best_ms)} (median ${ms(y.median_ms)})`, `${ms(c.best_ms)} (median ${ms(c.median_ms)})`, r.toFixed(1) + '×', t])
}
{
  const y = yjs.memory.b4_doc_bytes, c = cpp.memory.b4_doc_bytes
  const ok = c < y
  if (!ok) fail = true
  rows.push(['memory of finished B4 doc', mb(y) + ' (V8 heapUsed Δ)', mb(c) + ` (live alloc bytes; peak ${mb(cpp.memory.b4_peak_bytes)})`,
    (y / c).toFixed(2) + '×', `below yjs ${ok ? 'met' : 'MISSED'}`])
}
// Byte-level sanity: both sides must have produced the same output sizes.
const same = (a, b, what) => { if (a !== b) console.log(`WARNING: ${what} differs: yjs ${a}, C++ ${b}`) }
if (yjs.cases.b4_replay && cpp.cases.b4_replay) {
  same(yjs.cases.b4_replay.updates, cpp.cases.b4_replay.updates, 'B4 update count')
  same(yjs.cases.b4_replay.update_bytes, cpp.cases.b4_replay.update_bytes, 'B4 update bytes')
}
if (yjs.cases.encode_b4_state && cpp.cases.encode_b4_state) same(yjs.cases.encode_b4_state.bytes, cpp.cases.encode_b4_state.bytes, 'encoded state size')
if (yjs.cases.encode_b4_state_v2 && cpp.cases.encode_b4_state_v2) same(yjs.cases.encode_b4_state_v2.bytes, cpp.cases.encode_b4_state_v2.bytes, 'encoded v2 state size')
if (yjs.cases.merge_b4_updates && cpp.cases.merge_b4_updates) same(yjs.cases.merge_b4_updates.bytes, cpp.cases.merge_b4_updates.bytes, 'merged update size')
if (cpp.cases.merge_b4_updates_whole) console.log(`C++ only: one mergeUpdates of all ${cpp.cases.merge_b4_updates_whole.updates} updates: ${ms(cpp.cases.merge_b4_updates_whole.best_ms)} (median ${ms(cpp.cases.merge_b4_updates_whole.median_ms)}), ${cpp.cases.merge_b4_updates_whole.bytes} bytes\n`)

console.log(`yjs ${yjs.version} on Node ${yjs.node}; best of ${yjs.runs} runs after a warm-up; ${yjs.txns} trace txns\n`)
console.log('| case | yjs | C++ | ratio (yjs / C++) | target |')
console.log('|---|---|---|---|---|')
for (const r of rows) console.log('| ' + r.join(' | ') + ' |')
EOF
