#!/usr/bin/env bash
# Hub load benchmark: the same y-websocket load (bench/hub_load.cc) against the
# JavaScript reference server (@y/websocket-server 0.1.1 on yjs 13.6.33, in
# Node) and against `roundtable serve`, in one run on this machine, and a
# Markdown table of both with the ratios. Not part of the test suite.
#
#   bench/run_hub_bench.sh [--quick] [--only ref|hub] [-- EXTRA LOAD FLAGS...]
#
# Latency swings from run to run on a shared machine, for both servers, so
# after the scenarios the fanout latency phase runs again LATENCY_RUNS times
# (default 5) per server, alternating, each on a fresh server; the table gives
# the median of those runs (and their range).
#
# Each scenario gets a freshly started server (so the breadth scenario's idle
# memory is a fresh process's, and the fanout ramp does not run on a heap that
# the other scenario grew); the hub gets a fresh temporary data directory.
# Builds the Release binaries in build-bench/ (or $BUILD_DIR); HUB_BIN=path runs
# another roundtable binary as the hub (e.g. one built from a branch);
# HUB_FLAGS="--fsync always --threads 1" adds flags to its command line (for
# diagnosis: the comparison itself uses the hub's defaults). Raw JSON lines
# are kept in $BUILD_DIR/hub_bench.jsonl, server logs beside them. Every
# server it starts is stopped on exit, including on error or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
JOBS=${JOBS:-2}
REF_SERVER=$ROOT/tests/interop/node_modules/@y/websocket-server/src/server.js
HUB_BIN=${HUB_BIN:-$BUILD_DIR/roundtable}
read -r -a HUB_EXTRA <<< "${HUB_FLAGS:-}"
BENCH_NICE=${BENCH_NICE:--10}
NICE=()
if nice -n "$BENCH_NICE" true 2>/dev/null; then NICE=(nice -n "$BENCH_NICE"); fi

QUICK=0
ONLY=""
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --only) ONLY=$2; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "usage: $0 [--quick] [--only ref|hub] [-- load flags]" >&2; exit 2 ;;
  esac
  shift
done

# The load: fixed here so that both servers get exactly the same.
LOAD_FLAGS=(--latency-rate 200 --latency-seconds 10 --start-rate 100 --rate-factor 2 --step-seconds 3
            --refine 2 --p99-bound-ms 100 --docs 1000 --clients-per-doc 5 --breadth-rate 2000
            --breadth-seconds 10)
LATENCY_RUNS=${LATENCY_RUNS:-5}
if [ "$QUICK" = 1 ]; then
  LOAD_FLAGS+=(--latency-seconds 3 --step-seconds 2 --refine 1 --docs 200 --breadth-seconds 3)
  LATENCY_RUNS=1
fi
LOAD_FLAGS+=("${EXTRA[@]}")

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DROUNDTABLE_TESTS=OFF >&2
fi
if ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$BUILD_DIR/CMakeCache.txt"; then
  echo "run_hub_bench: $BUILD_DIR is not a Release build" >&2
  exit 1
fi
cmake --build "$BUILD_DIR" -j"$JOBS" --target roundtable roundtable_hub_load >&2
if [ ! -f "$REF_SERVER" ]; then
  (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# The receipt decoder must agree with the CRDT's own before anything is measured.
"$BUILD_DIR/roundtable_hub_load" --self-test

# 5000 connections on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

OUT=$BUILD_DIR/hub_bench.jsonl
OUT_LATENCY=$BUILD_DIR/hub_bench_latency.jsonl
: > "$OUT"
: > "$OUT_LATENCY"
SERVER_PID=""
SERVER_PORT=""
DATA_DIR=""

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "run_hub_bench: server $SERVER_PID ignored SIGTERM for 5 s; killing it" >&2
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  if [ -n "$DATA_DIR" ]; then rm -rf "$DATA_DIR"; DATA_DIR=""; fi
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# start_server ref|hub LOG: sets SERVER_PID and SERVER_PORT.
start_server() {
  local kind=$1 log=$2
  : > "$log"
  if [ "$kind" = ref ]; then
    SERVER_PORT=$(free_port)
    HOST=127.0.0.1 PORT=$SERVER_PORT "${NICE[@]}" node "$REF_SERVER" > "$log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do grep -q "running at" "$log" && return 0; sleep 0.1; done
  else
    DATA_DIR=$(mktemp -d /tmp/roundtable-hub-bench.XXXXXX)
    "${NICE[@]}" "$HUB_BIN" serve --host 127.0.0.1 --port 0 --data "$DATA_DIR" --max-conns-per-ip 100000 \
      "${HUB_EXTRA[@]}" > "$log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
      SERVER_PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$log" | head -1)
      [ -n "$SERVER_PORT" ] && return 0
      sleep 0.1
    done
  fi
  echo "run_hub_bench: the $kind server did not start; its log:" >&2
  cat "$log" >&2
  return 1
}

SERVERS=()
[ "$ONLY" != hub ] && SERVERS+=(ref)
if [ "$ONLY" != ref ]; then
  if "$HUB_BIN" serve --help >/dev/null 2>&1; then
    SERVERS+=(hub)
  else
    echo "run_hub_bench: this roundtable has no 'serve' (the hub is not built yet): reference only" >&2
  fi
fi

for kind in "${SERVERS[@]}"; do
  for scenario in fanout breadth; do
    log=$BUILD_DIR/hub_bench-$kind-$scenario.log
    start_server "$kind" "$log"
    echo "run_hub_bench: $kind ($scenario) on port $SERVER_PORT, pid $SERVER_PID" >&2
    sleep 0.5
    rc=0
    "${NICE[@]}" "$BUILD_DIR/roundtable_hub_load" --port "$SERVER_PORT" --server-pid "$SERVER_PID" --label "$kind" \
      --scenario "$scenario" --json "$OUT" "${LOAD_FLAGS[@]}" || rc=$?
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "run_hub_bench: the $kind server died during $scenario; its log:" >&2
      tail -20 "$log" >&2
    fi
    stop_server
    [ "$rc" = 0 ] || echo "run_hub_bench: load client exited $rc on $kind/$scenario" >&2
  done
done

# The latency phase alone (the ramp cut to one short step), again and again.
for run in $(seq "$LATENCY_RUNS"); do
  for kind in "${SERVERS[@]}"; do
    log=$BUILD_DIR/hub_bench-$kind-latency.log
    start_server "$kind" "$log"
    echo "run_hub_bench: $kind (latency run $run of $LATENCY_RUNS) on port $SERVER_PORT, pid $SERVER_PID" >&2
    sleep 0.5
    "${NICE[@]}" "$BUILD_DIR/roundtable_hub_load" --port "$SERVER_PORT" --server-pid "$SERVER_PID" --label "$kind" \
      --scenario fanout --json "$OUT_LATENCY" "${LOAD_FLAGS[@]}" --start-rate 100 --max-rate 100 --step-seconds 1 \
      --refine 0 >/dev/null 2>&1 || echo "run_hub_bench: load client failed on $kind latency run $run" >&2
    stop_server
  done
done

node - "$OUT" "$OUT_LATENCY" <<'EOF'
const fs = require('fs')
const readLines = f => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l))
const lines = readLines(process.argv[2])
const latencyRuns = readLines(process.argv[3])
const median = xs => { const s = xs.filter(x => x !== null && x !== undefined).sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : null }
const get = (server, scenario) => lines.find(l => l.server === server && l.scenario === scenario)
const ms = v => v === null || v === undefined ? 'lost' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)
const kib = v => v >= 1024 ? (v / 1024).toFixed(1) + ' MiB' : v.toFixed(1) + ' KiB'
const pct = v => v === undefined || v < 0 ? '—' : (v * 100).toFixed(0) + '%'
const rf = get('ref', 'fanout'), hf = get('hub', 'fanout'), rb = get('ref', 'breadth'), hb = get('hub', 'breadth')
const have = (a, b) => a && b
const verdict = (r, t) => r >= t ? `≥ ${t}× met` : `≥ ${t}× MISSED`
const rows = []
const fan = f => f ? `${f.sustained.toLocaleString('en-US')} upd/s (${(f.sustained * (f.clients - 1)).toLocaleString('en-US')} deliveries/s)` + (f.limited_by !== 'server' ? ` [limited by ${f.limited_by}]` : '') : '—'
{
  const r = have(rf, hf) && rf.sustained > 0 ? hf.sustained / rf.sustained : null
  rows.push(['fanout: sustained throughput, 1 doc × ' + (rf || hf).clients + ' clients', fan(rf), fan(hf),
    r === null ? '—' : r.toFixed(1) + '× (hub/ref)', r === null ? '≥ 5×' : verdict(r, 5)])
}
// Latency: the median over the latency runs (the scenario run's phase too).
const latencyOf = server => {
  const runs = [get(server, 'fanout'), ...latencyRuns.filter(l => l.server === server)].filter(Boolean).map(l => l.latency)
  if (!runs.length) return null
  const p99s = runs.map(l => l.p99_ms).filter(v => v !== null)
  return {
    runs: runs.length, p50: median(runs.map(l => l.p50_ms)), p99: median(runs.map(l => l.p99_ms)),
    p99min: Math.min(...p99s), p99max: Math.max(...p99s),
    first50: median(runs.map(l => l.first_receipt_p50_ms)), first99: median(runs.map(l => l.first_receipt_p99_ms)),
    spread50: median(runs.map(l => l.spread_p50_ms)), spread99: median(runs.map(l => l.spread_p99_ms)),
  }
}
const rl = latencyOf('ref'), hl = latencyOf('hub')
const lat = l => l ? `p50 ${ms(l.p50)} / p99 ${ms(l.p99)} ms (median of ${l.runs} runs; p99 ${ms(l.p99min)}–${ms(l.p99max)})` : '—'
{
  const r = rl && hl && rl.p99 && hl.p99 ? rl.p99 / hl.p99 : null
  rows.push([`fanout: latency at ${(rf || hf).latency.rate} upd/s (each to ${(rf || hf).clients - 1} others)`, lat(rl), lat(hl),
    r === null ? '—' : r.toFixed(1) + '× (p99 ref/hub)', r === null ? '≥ 5×' : verdict(r, 5)])
}
const bl = b => b ? `${b.phase.delivered_rate.toFixed(0)} upd/s (${b.phase.deliveries_per_s} deliveries/s); p50 ${ms(b.phase.p50_ms)} / p99 ${ms(b.phase.p99_ms)} ms` : '—'
{
  const r = have(rb, hb) && rb.phase.p99_ms && hb.phase.p99_ms ? rb.phase.p99_ms / hb.phase.p99_ms : null
  const b = rb || hb
  rows.push([`breadth: ${b.docs} docs × ${b.clients_per_doc} clients, ${b.phase.rate} edits/s`, bl(rb), bl(hb),
    r === null ? '—' : r.toFixed(1) + '× (p99 ref/hub)', '—'])
}
const mem = b => b ? `${kib(b.kib_per_doc)} per doc (RSS idle ${kib(b.rss_idle_kib)}, loaded ${kib(b.rss_loaded_kib)}, end ${kib(b.rss_end_kib)})` : '—'
{
  const r = have(rb, hb) && hb.kib_per_doc > 0 ? rb.kib_per_doc / hb.kib_per_doc : null
  rows.push(['breadth: server memory per loaded doc', mem(rb), mem(hb), r === null ? '—' : r.toFixed(1) + '× (ref/hub)', r === null ? '> 5×' : (r > 5 ? '> 5× met' : '> 5× MISSED')])
}
const receipt = (rf || hf || rb || hb || {}).receipt
console.log(`Latency: send -> ${receipt === 'app' ? "the receiving client's read" : "arrival at the receiving socket (kernel timestamp)"}.\n`)
console.log('| case | reference (Node) | hub (C++) | ratio | target |')
console.log('|---|---|---|---|---|')
for (const r of rows) console.log('| ' + r.join(' | ') + ' |')
console.log('\nWhere the latency goes (medians of the runs): per update, to its first receiver p50 / p99, and from its first to its last receiver p50 / p99:')
for (const [name, l] of [['ref', rl], ['hub', hl]]) {
  if (l) console.log(`  ${name}: first ${ms(l.first50)} / ${ms(l.first99)} ms; first to last ${ms(l.spread50)} / ${ms(l.spread99)} ms`)
}

// Validity: was the load client the limit? CPU of client / server / rest of the machine.
console.log('\nCPU during the phases (fraction of one core: load client / server / rest of the machine; 2 cores in all):')
for (const [name, f] of [['ref', rf], ['hub', hf]]) {
  if (!f) continue
  const failing = f.steps.filter(s => !s.pass)
  const lastPass = f.steps.filter(s => s.pass).sort((a, b) => b.rate - a.rate)[0]
  const d = s => s ? `${s.rate} upd/s: ${pct(s.client_cpu)} / ${pct(s.server_cpu)} / ${pct(s.rest_cpu)} (client loop lag p99 ${ms(s.client_lag_p99_ms)} ms, socket-to-read delay p99 ${ms(s.client_delay_p99_ms)} ms)` : '—'
  console.log(`  ${name} fanout: latency phase ${d(f.latency)}; highest passing step ${d(lastPass)}; failing steps ${failing.map(d).join('; ') || '—'}; load average at start ${f.loadavg_at_start}`)
}
for (const [name, b] of [['ref', rb], ['hub', hb]]) {
  if (!b) continue
  console.log(`  ${name} breadth: ${pct(b.phase.client_cpu)} / ${pct(b.phase.server_cpu)} / ${pct(b.phase.rest_cpu)} (client loop lag p99 ${ms(b.phase.client_lag_p99_ms)} ms); ${b.connect_seconds} s to connect and sync ${b.docs * b.clients_per_doc} clients; load average at start ${b.loadavg_at_start}`)
}
{
  const busy = []
  for (const l of lines) {
    const phases = l.scenario === 'fanout' ? [l.latency, ...l.steps] : [l.phase]
    for (const p of phases) if (p.rest_cpu > 0.25) busy.push(`${l.server} ${l.scenario} ${p.name} ${p.rate}/s: ${pct(p.rest_cpu)}`)
  }
  if (busy.length) console.log(`WARNING: other work used more than a quarter of a core during ${busy.length} phase(s) (${busy.join('; ')}): those numbers are disturbed; run again on a quiet machine`)
}
for (const l of lines) {
  if (l.connection_errors || l.decode_errors || l.unknown_runs) console.log(`WARNING: ${l.server} ${l.scenario}: ${l.connection_errors} connection errors, ${l.decode_errors} undecodable messages, ${l.unknown_runs} unknown update runs`)
}
EOF
