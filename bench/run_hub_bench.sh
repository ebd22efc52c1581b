#!/usr/bin/env bash
# Hub load benchmark: the same y-websocket load (bench/hub_load.cc) against the
# JavaScript reference server (@y/websocket-server 0.1.1 on yjs 13.6.33, in
# Node) and against `roundtable serve`, in one run on this machine, and a
# Markdown table of both with the ratios. Not part of the test suite.
#
#   bench/run_hub_bench.sh [--quick] [--team] [--only ref|hub|pg|pg3|pg3doc[,...]] [-- EXTRA LOAD FLAGS...]
#
# --team adds the team server's configurations to the same run: `pg`, one hub
# on PostgreSQL 15 (`--store postgres://`), and `pg3`, three replicas on that
# PostgreSQL and a Redis bus behind HAProxy running deploy/haproxy/
# roundtable.cfg (its plain bind and server lines rewritten to loopback
# ports, its TLS bind dropped). PostgreSQL and Redis are started once, by
# bench/team_services.mjs with the test suite's helpers, with PostgreSQL's
# durable defaults (TEAM_PG_SYNC=off: synchronous_commit off); each start of
# `pg` or `pg3` gets a fresh database. The load clients of `pg3` all connect
# to HAProxy, whose leastconn spreads the clients of one document over the
# three replicas: every update crosses Redis to reach two thirds of its
# receivers, the worst case (a configuration that routes /yjs/ by document
# has that routing taken out for `pg3`). When the configuration routes
# /yjs/<doc> by document (a `use_backend documents` line), --team also runs
# it as it is, `pg3doc`: a document's clients meet on one replica.
# HAPROXY_CFG names another configuration file. CPU and memory of `pg3`
# are the three replicas' sums; PostgreSQL's, Redis's and HAProxy's CPU is
# reported apart ("aux"),
# and each scenario's costs per stored update, component by component, go to
# $BUILD_DIR/hub_bench_team.jsonl and the second table.
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
HAPROXY_CFG=${HAPROXY_CFG:-$ROOT/deploy/haproxy/roundtable.cfg}
HUB_BIN=${HUB_BIN:-$BUILD_DIR/roundtable}
read -r -a HUB_EXTRA <<< "${HUB_FLAGS:-}"
BENCH_NICE=${BENCH_NICE:--10}
NICE=()
if nice -n "$BENCH_NICE" true 2>/dev/null; then NICE=(nice -n "$BENCH_NICE"); fi

QUICK=0
TEAM=0
ONLY=""
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --team) TEAM=1 ;;
    --only) ONLY=$2; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "usage: $0 [--quick] [--team] [--only ref|hub|pg|pg3|pg3doc[,...]] [-- load flags]" >&2; exit 2 ;;
  esac
  shift
done

# The load: fixed here so that both servers get exactly the same.
LOAD_FLAGS=(--latency-rate 200 --latency-seconds 10 --start-rate 100 --rate-factor 2 --step-seconds 3
            --refine 2 --p99-bound-ms 100 --docs 1000 --clients-per-doc 5 --breadth-rate 2000
            --breadth-seconds 10)
# Four configurations in one run: fewer latency repeats keep it near 10 min.
if [ "$TEAM" = 1 ]; then LATENCY_RUNS=${LATENCY_RUNS:-2}; fi
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
OUT_TEAM=$BUILD_DIR/hub_bench_team.jsonl  # --team: settings, costs per scenario, database sizes, HAProxy's spread
: > "$OUT"
: > "$OUT_LATENCY"
: > "$OUT_TEAM"
SERVER_PID=""      # the first (or only) server process
SERVER_PIDS=()     # every server process: one, or the three replicas
AUX_PIDS=()        # what serves them (PostgreSQL, Redis, HAProxy): CPU only
SERVER_PORT=""
DATA_DIRS=()
PROXY_PID=""
PROXY_DIR=""
SERVICES_PID=""
SERVICES_DIR=""
DB_COUNT=0

# stop_pid PID [TENTHS]: SIGTERM, then SIGKILL after TENTHS/10 s (5 s).
stop_pid() {
  local pid=$1 tenths=${2:-50}
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq "$tenths"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "run_hub_bench: process $pid ignored SIGTERM for $((tenths / 10)) s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  fi
}

stop_server() {
  # A moment for HAProxy to log the connections the load client closed.
  if [ -n "$PROXY_PID" ]; then sleep 0.5; fi
  stop_pid "$PROXY_PID"
  PROXY_PID=""
  for pid in "${SERVER_PIDS[@]}"; do stop_pid "$pid"; done
  SERVER_PID=""
  SERVER_PIDS=()
  AUX_PIDS=()
  for d in "${DATA_DIRS[@]}"; do rm -rf "$d"; done
  DATA_DIRS=()
  if [ -n "$PROXY_DIR" ]; then rm -rf "$PROXY_DIR"; PROXY_DIR=""; fi
}

stop_all() {
  stop_server
  # team_services.mjs destroys PostgreSQL and Redis (their directories too)
  # on SIGTERM, and on its stdin closing if this script dies without a trap.
  # PostgreSQL's shutdown checkpoint, with fsync on, takes seconds here.
  stop_pid "$SERVICES_PID" 600
  SERVICES_PID=""
  exec 9>&- 2>/dev/null || true
  if [ -n "$SERVICES_DIR" ]; then rm -rf "$SERVICES_DIR"; SERVICES_DIR=""; fi
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# start_hub LOG FLAGS...: one `roundtable serve` on a free loopback port with
# its own data directory; appends to SERVER_PIDS and DATA_DIRS, sets HUB_PORT.
start_hub() {
  local log=$1 dir pid
  shift
  : > "$log"
  dir=$(mktemp -d /tmp/roundtable-hub-bench.XXXXXX)
  DATA_DIRS+=("$dir")
  "${NICE[@]}" "$HUB_BIN" serve --host 127.0.0.1 --port 0 --data "$dir" --max-conns-per-ip 100000 \
    "$@" "${HUB_EXTRA[@]}" > "$log" 2>&1 &
  pid=$!
  SERVER_PIDS+=("$pid")
  for _ in $(seq 200); do
    HUB_PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$log" | head -1)
    [ -n "$HUB_PORT" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "run_hub_bench: a hub did not start; its log:" >&2
  cat "$log" >&2
  return 1
}

# PostgreSQL and Redis for the team configurations, once per run.
start_services() {
  SERVICES_DIR=$(mktemp -d /tmp/roundtable-team-bench.XXXXXX)
  mkfifo "$SERVICES_DIR/hold"
  # fd 9 holds the FIFO open: team_services.mjs reads its stdin from it and
  # sees EOF when this script exits, however it exits.
  exec 9<>"$SERVICES_DIR/hold"
  node bench/team_services.mjs "$SERVICES_DIR/services.json" < "$SERVICES_DIR/hold" > "$BUILD_DIR/hub_bench-services.log" 2>&1 &
  SERVICES_PID=$!
  for _ in $(seq 600); do
    [ -s "$SERVICES_DIR/services.json" ] && break
    kill -0 "$SERVICES_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ ! -s "$SERVICES_DIR/services.json" ]; then
    echo "run_hub_bench: PostgreSQL and Redis did not start; the log:" >&2
    cat "$BUILD_DIR/hub_bench-services.log" >&2
    return 1
  fi
  read -r PG_BASE PG_PID REDIS_URL REDIS_PID PG_SETTINGS < <(node -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
    console.log(s.pgBase, s.pgPid, s.redis, s.redisPid, s.pgSettings)' "$SERVICES_DIR/services.json")
  echo "run_hub_bench: PostgreSQL (pid $PG_PID; $PG_SETTINGS) and Redis (pid $REDIS_PID) started" >&2
  echo "{\"scenario\":\"services\",\"pg_settings\":\"$PG_SETTINGS\"}" >> "$OUT_TEAM"
}

# A database of its own for each start, so no run finds another's documents.
fresh_database() {
  DB_COUNT=$((DB_COUNT + 1))
  psql "$PG_BASE/postgres" -XAtq -c "CREATE DATABASE bench_$DB_COUNT" >&2
  PG_URL="$PG_BASE/bench_$DB_COUNT"
}

# The postmaster and its backends (the hubs' connections), Redis.
service_pids() {
  AUX_PIDS=("$PG_PID" $(pgrep -P "$PG_PID" || true) "$REDIS_PID")
}

# HAProxy on deploy/haproxy/roundtable.cfg in front of the ports given; sets
# SERVER_PORT to its own.
# start_proxy spread|bydoc LOG PORTS...: spread takes out the routing by
# document, if the configuration has one, so that leastconn spreads every
# document's clients.
start_proxy() {
  local routing=$1 log=$2 port i=0 cfg
  shift 2
  : > "$log"
  PROXY_DIR=$(mktemp -d /tmp/roundtable-haproxy-bench.XXXXXX)
  cfg=$PROXY_DIR/haproxy.cfg
  port=$(free_port)
  # The plain bind on loopback; the TLS bind dropped (a benchmark of the
  # relay, not of TLS); each server line pointed at a replica.
  local sedargs=(-e "s|^\([[:space:]]*bind\) :80\$|\1 127.0.0.1:$port|" -e '/^[[:space:]]*bind :443 ssl/d')
  for p in "$@"; do
    i=$((i + 1))
    # Every line of server hubN, in whichever backend, keeping what follows
    # its address (`track ...`).
    sedargs+=(-e "s|^\([[:space:]]*server hub$i\) [^[:space:]]*|\1 127.0.0.1:$p|")
  done
  if [ "$routing" = spread ]; then sedargs+=(-e '/^[[:space:]]*use_backend documents /d'); fi
  sed "${sedargs[@]}" "$HAPROXY_CFG" > "$cfg"
  for p in "$@"; do
    grep -q "127.0.0.1:$p\b" "$cfg" || { echo "run_hub_bench: $HAPROXY_CFG has no server line for port $p" >&2; return 1; }
  done
  if grep -E '^[[:space:]]*server ' "$cfg" | grep -vq '127\.0\.0\.1:'; then
    echo "run_hub_bench: $HAPROXY_CFG has a server line this script does not rewrite" >&2
    return 1
  fi
  grep -q "bind 127.0.0.1:$port\$" "$cfg" || { echo "run_hub_bench: $HAPROXY_CFG has no 'bind :80'" >&2; return 1; }
  haproxy -c -q -f "$cfg" >&2
  "${NICE[@]}" haproxy -db -f "$cfg" > "$log" 2>&1 &
  PROXY_PID=$!
  for _ in $(seq 100); do
    if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" 2>/dev/null | grep -q 200; then
      SERVER_PORT=$port
      return 0
    fi
    sleep 0.1
  done
  echo "run_hub_bench: HAProxy did not answer; its log:" >&2
  cat "$log" >&2
  return 1
}

# start_server ref|hub|pg|pg3|pg3doc LOG: sets SERVER_PID(S), AUX_PIDS and SERVER_PORT.
start_server() {
  local kind=$1 log=$2
  : > "$log"
  if [ "$kind" = pg ]; then
    fresh_database
    start_hub "$log" --store "$PG_URL"
    SERVER_PID=${SERVER_PIDS[0]}
    SERVER_PORT=$HUB_PORT
    service_pids
    return 0
  fi
  if [ "$kind" = pg3 ] || [ "$kind" = pg3doc ]; then
    fresh_database
    local ports=() i
    for i in 1 2 3; do
      start_hub "${log%.log}-replica$i.log" --store "$PG_URL" --bus "$REDIS_URL"
      ports+=("$HUB_PORT")
    done
    SERVER_PID=${SERVER_PIDS[0]}
    local routing=spread
    if [ "$kind" = pg3doc ]; then routing=bydoc; fi
    start_proxy "$routing" "${log%.log}-haproxy.log" "${ports[@]}"
    # HAProxy's checks (inter 1s, rise 2) settle before the clients come.
    sleep 2.5
    service_pids
    AUX_PIDS+=("$PROXY_PID")
    return 0
  fi
  if [ "$kind" = ref ]; then
    SERVER_PORT=$(free_port)
    HOST=127.0.0.1 PORT=$SERVER_PORT "${NICE[@]}" node "$REF_SERVER" > "$log" 2>&1 &
    SERVER_PID=$!
    SERVER_PIDS=("$SERVER_PID")
    for _ in $(seq 100); do grep -q "running at" "$log" && return 0; sleep 0.1; done
  else
    start_hub "$log" && { SERVER_PID=${SERVER_PIDS[0]}; SERVER_PORT=$HUB_PORT; return 0; }
  fi
  echo "run_hub_bench: the $kind server did not start; its log:" >&2
  cat "$log" >&2
  return 1
}

wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
SERVERS=()
wanted ref && SERVERS+=(ref)
if "$HUB_BIN" serve --help >/dev/null 2>&1; then
  wanted hub && SERVERS+=(hub)
  if [ "$TEAM" = 1 ] || [[ ",$ONLY," == *,pg* ]]; then
    wanted pg && SERVERS+=(pg)
    wanted pg3 && SERVERS+=(pg3)
    if grep -q '^[[:space:]]*use_backend documents ' "$HAPROXY_CFG"; then
      wanted pg3doc && SERVERS+=(pg3doc)
    else
      echo "run_hub_bench: $HAPROXY_CFG does not route /yjs/ by document: no pg3doc" >&2
    fi
  fi
else
  echo "run_hub_bench: this roundtable has no 'serve' (the hub is not built yet): reference only" >&2
fi
if [[ " ${SERVERS[*]} " == *" pg"* ]]; then start_services; fi

# utime + stime of the processes given, in seconds (0 for those gone).
cpu_seconds() {
  local total=0 pid t
  for pid in "$@"; do
    t=$(awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ${t:-0}))
  done
  echo "$total" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", $1 / hz }'
}

# The team's costs over one scenario, each component apart: the updates
# PostgreSQL numbered (seqs taken) and its transactions, Redis's commands,
# and the CPU of the replicas, the PostgreSQL backends, Redis and HAProxy.
# team_account start|end KIND SCENARIO
team_account() {
  local phase=$1 kind=$2 scenario=$3 sock=${REDIS_URL#unix://}
  local seqs commits cmds hubs pgc redc proxy bytes
  seqs=$(psql "$PG_URL" -XAtq -c "SELECT coalesce(sum(next_seq), 0) FROM roundtable_docs" 2>/dev/null || echo 0)
  bytes=$(psql "$PG_URL" -XAtq -c "SELECT pg_database_size(current_database())" 2>/dev/null || echo 0)
  commits=$(psql "$PG_URL" -XAtq -c "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()" 2>/dev/null || echo 0)
  cmds=$(redis-cli -s "$sock" INFO stats 2>/dev/null | sed -n 's/^total_commands_processed:\([0-9]*\).*/\1/p' || true)
  cmds=${cmds:-0}
  hubs=$(cpu_seconds "${SERVER_PIDS[@]}")
  pgc=$(cpu_seconds $(pgrep -P "$PG_PID" || true))
  redc=$(cpu_seconds "$REDIS_PID")
  proxy=0
  if [ -n "$PROXY_PID" ]; then proxy=$(cpu_seconds "$PROXY_PID"); fi
  if [ "$phase" = start ]; then
    ACCOUNT=("$seqs" "$commits" "$cmds" "$hubs" "$pgc" "$redc" "$proxy" "$bytes")
  else
    echo "{\"scenario\":\"account\",\"server\":\"$kind\",\"of\":\"$scenario\",\"updates\":$((seqs - ACCOUNT[0])),\"pg_commits\":$((commits - ACCOUNT[1])),\"redis_commands\":$((cmds - ACCOUNT[2])),\"cpu_replicas\":$(awk "BEGIN{print $hubs - ${ACCOUNT[3]}}"),\"cpu_pg\":$(awk "BEGIN{print $pgc - ${ACCOUNT[4]}}"),\"cpu_redis\":$(awk "BEGIN{print $redc - ${ACCOUNT[5]}}"),\"cpu_haproxy\":$(awk "BEGIN{print $proxy - ${ACCOUNT[6]}}"),\"db_growth\":$((bytes - ACCOUNT[7]))}" >> "$OUT_TEAM"
  fi
}

# --server-pid for each server process, --aux-pid for each of their services.
pid_flags() {
  PID_FLAGS=()
  for pid in "${SERVER_PIDS[@]}"; do PID_FLAGS+=(--server-pid "$pid"); done
  for pid in "${AUX_PIDS[@]}"; do PID_FLAGS+=(--aux-pid "$pid"); done
}

# Which replica HAProxy sent the clients to: its log has a line per closed
# connection naming replicas/hubN.
proxy_spread() {
  local log=$1 scenario=$2 kind=$3
  [ -f "$log" ] || return 0
  local n1 n2 n3
  # backend/server: replicas/hub1 or documents/hub1
  n1=$(grep -c '/hub1 ' "$log" || true)
  n2=$(grep -c '/hub2 ' "$log" || true)
  n3=$(grep -c '/hub3 ' "$log" || true)
  echo "run_hub_bench: $kind $scenario: HAProxy sent $n1 / $n2 / $n3 connections to the three replicas" >&2
  echo "{\"scenario\":\"spread\",\"server\":\"$kind\",\"of\":\"$scenario\",\"replicas\":[$n1,$n2,$n3]}" >> "$OUT_TEAM"
}

for kind in "${SERVERS[@]}"; do
  for scenario in fanout breadth; do
    log=$BUILD_DIR/hub_bench-$kind-$scenario.log
    start_server "$kind" "$log"
    echo "run_hub_bench: $kind ($scenario) on port $SERVER_PORT, pid $SERVER_PID" >&2
    sleep 0.5
    rc=0
    pid_flags
    if [[ $kind == pg* ]]; then team_account start "$kind" "$scenario"; fi
    "${NICE[@]}" "$BUILD_DIR/roundtable_hub_load" --port "$SERVER_PORT" "${PID_FLAGS[@]}" --label "$kind" \
      --scenario "$scenario" --json "$OUT" "${LOAD_FLAGS[@]}" || rc=$?
    if [[ $kind == pg* ]]; then team_account end "$kind" "$scenario"; fi
    for pid in "${SERVER_PIDS[@]}"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "run_hub_bench: a $kind server ($pid) died during $scenario; its log:" >&2
        tail -20 "$log" >&2
      fi
    done
    if [[ $kind == pg* ]]; then
      # What PostgreSQL keeps: the database's size after the scenario.
      psql "$PG_URL" -XAtq -c "SELECT '{\"scenario\":\"dbsize\",\"server\":\"$kind\",\"of\":\"$scenario\",\"bytes\":' || pg_database_size(current_database()) || ',\"docs\":' || (SELECT count(*) FROM roundtable_docs) || '}'" >> "$OUT_TEAM" 2>/dev/null || true
    fi
    stop_server
    if [ "$kind" = pg3 ] || [ "$kind" = pg3doc ]; then proxy_spread "${log%.log}-haproxy.log" "$scenario" "$kind"; fi
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
    pid_flags
    "${NICE[@]}" "$BUILD_DIR/roundtable_hub_load" --port "$SERVER_PORT" "${PID_FLAGS[@]}" --label "$kind" \
      --scenario fanout --json "$OUT_LATENCY" "${LOAD_FLAGS[@]}" --start-rate 100 --max-rate 100 --step-seconds 1 \
      --refine 0 >/dev/null 2>&1 || echo "run_hub_bench: load client failed on $kind latency run $run" >&2
    stop_server
  done
done

node - "$OUT" "$OUT_LATENCY" "$OUT_TEAM" <<'EOF'
const fs = require('fs')
const readLines = f => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l))
const lines = readLines(process.argv[2])
const latencyRuns = readLines(process.argv[3])
const team = readLines(process.argv[4])
const median = xs => { const s = xs.filter(x => x !== null && x !== undefined).sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : null }
const get = (server, scenario) => lines.find(l => l.server === server && l.scenario === scenario)
const ms = v => v === null || v === undefined ? 'lost' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)
const kib = v => v >= 1024 ? (v / 1024).toFixed(1) + ' MiB' : v.toFixed(1) + ' KiB'
const pct = v => v === undefined || v < 0 ? '—' : (v * 100).toFixed(0) + '%'
const rf = get('ref', 'fanout'), hf = get('hub', 'fanout'), rb = get('ref', 'breadth'), hb = get('hub', 'breadth')
const have = (a, b) => a && b
const verdict = (r, t) => r >= t ? `≥ ${t}× met` : `≥ ${t}× MISSED`
const rows = []
// --only pg,pg3 has neither: the rows then name the team's sizes.
const base = rf || hf || get('pg', 'fanout') || get('pg3', 'fanout') || get('pg3doc', 'fanout')
const fan = f => f ? `${f.sustained.toLocaleString('en-US')} upd/s (${(f.sustained * (f.clients - 1)).toLocaleString('en-US')} deliveries/s)` + (f.limited_by !== 'server' ? ` [limited by ${f.limited_by}]` : '') : '—'
{
  const r = have(rf, hf) && rf.sustained > 0 ? hf.sustained / rf.sustained : null
  rows.push(['fanout: sustained throughput, 1 doc × ' + base.clients + ' clients', fan(rf), fan(hf),
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
  rows.push([`fanout: latency at ${base.latency.rate} upd/s (each to ${base.clients - 1} others)`, lat(rl), lat(hl),
    r === null ? '—' : r.toFixed(1) + '× (p99 ref/hub)', r === null ? '≥ 5×' : verdict(r, 5)])
}
const bl = b => b ? `${b.phase.delivered_rate.toFixed(0)} upd/s (${b.phase.deliveries_per_s} deliveries/s); p50 ${ms(b.phase.p50_ms)} / p99 ${ms(b.phase.p99_ms)} ms` : '—'
{
  const r = have(rb, hb) && rb.phase.p99_ms && hb.phase.p99_ms ? rb.phase.p99_ms / hb.phase.p99_ms : null
  const b = rb || hb || get('pg', 'breadth') || get('pg3', 'breadth') || get('pg3doc', 'breadth')
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

// The team configurations, side by side with the others (--team).
if (lines.some(l => l.server.startsWith('pg'))) {
  const names = { ref: 'reference (Node)', hub: 'hub, SQLite', pg: 'hub, PostgreSQL', pg3: '3 replicas + Redis, HAProxy (spread)', pg3doc: '3 replicas, HAProxy by document' }
  const kinds = ['ref', 'hub', 'pg', 'pg3', 'pg3doc'].filter(k => lines.some(l => l.server === k))
  const settings = team.find(l => l.scenario === 'services')
  console.log(`\nTeam configurations (PostgreSQL: ${settings ? settings.pg_settings : '?'}):\n`)
  console.log('| case | ' + kinds.map(k => names[k]).join(' | ') + ' |')
  console.log('|---|' + kinds.map(() => '---|').join(''))
  const row = (label, f) => console.log(`| ${label} | ` + kinds.map(k => { try { return f(k) ?? '—' } catch { return '—' } }).join(' | ') + ' |')
  const clients = (get(kinds[0], 'fanout') || {}).clients
  row(`fanout sustained, 1 doc × ${clients} clients, upd/s (deliveries/s)`, k => { const f = get(k, 'fanout'); return f && `${f.sustained.toLocaleString('en-US')} (${(f.sustained * (f.clients - 1)).toLocaleString('en-US')})` + (f.limited_by !== 'server' ? ` [${f.limited_by}]` : '') })
  row('fanout latency p50 / p99, ms (median of runs; p99 range)', k => { const l = latencyOf(k); return l && `${ms(l.p50)} / ${ms(l.p99)} (${l.runs}; ${ms(l.p99min)}–${ms(l.p99max)})` })
  row('to the first receiver p50 / p99, ms', k => { const l = latencyOf(k); return l && `${ms(l.first50)} / ${ms(l.first99)}` })
  row('first to last receiver p50 / p99, ms', k => { const l = latencyOf(k); return l && `${ms(l.spread50)} / ${ms(l.spread99)}` })
  const cpuAt = s => s && `${pct(s.server_cpu)} / ${s.aux_cpu === undefined || s.aux_cpu < 0 ? '—' : pct(s.aux_cpu)} / ${pct(s.client_cpu)} / ${pct(s.rest_cpu)}`
  row('CPU at the highest passing step: server / PG+Redis+HAProxy / client / rest', k => { const f = get(k, 'fanout'); const s = f && f.steps.filter(s => s.pass).sort((a, b) => b.rate - a.rate)[0]; return s && `${s.rate}/s: ${cpuAt(s)}` })
  row('CPU at the first failing step', k => { const f = get(k, 'fanout'); const s = f && f.steps.filter(s => !s.pass).sort((a, b) => a.rate - b.rate)[0]; return s && `${s.rate}/s: ${cpuAt(s)}` })
  const b0 = kinds.map(k => get(k, 'breadth')).find(Boolean)
  if (b0) {
    row(`breadth ${b0.docs} docs × ${b0.clients_per_doc} clients, ${b0.phase.rate} edits/s: p50 / p99, ms`, k => { const b = get(k, 'breadth'); return b && `${ms(b.phase.p50_ms)} / ${ms(b.phase.p99_ms)}` })
    row('breadth: CPU server / PG+Redis+HAProxy / client / rest', k => cpuAt(get(k, 'breadth').phase))
    row('breadth: connect and sync all clients, s', k => get(k, 'breadth').connect_seconds)
    row('server memory per loaded doc (sum of replicas)', k => { const b = get(k, 'breadth'); return `${kib(b.kib_per_doc)} (idle ${kib(b.rss_idle_kib)})` })
    row('PostgreSQL database after breadth: size per doc (growth over the scenario per doc)', k => { const d = team.find(l => l.scenario === 'dbsize' && l.server === k && l.of === 'breadth'); const a = team.find(l => l.scenario === 'account' && l.server === k && l.of === 'breadth'); return d && `${kib(d.bytes / 1024 / d.docs)} (${a && a.db_growth !== undefined ? kib(a.db_growth / 1024 / d.docs) : '—'}; ${(d.bytes / 1048576).toFixed(1)} MiB, ${d.docs} docs)` })
  }
  const acc = (k, of) => team.find(l => l.scenario === 'account' && l.server === k && l.of === of)
  const us = (cpu, n) => n > 0 ? `${(cpu / n * 1e6).toFixed(0)} µs` : '—'
  for (const of of ['fanout', 'breadth']) {
    row(`${of}, whole scenario: updates stored / PostgreSQL commits (updates per commit)`, k => { const a = acc(k, of); return a && `${a.updates.toLocaleString('en-US')} / ${a.pg_commits.toLocaleString('en-US')} (${(a.updates / Math.max(1, a.pg_commits)).toFixed(1)})` })
    row(`${of}: CPU per stored update: replicas / PostgreSQL / Redis / HAProxy`, k => { const a = acc(k, of); return a && `${us(a.cpu_replicas, a.updates)} / ${us(a.cpu_pg, a.updates)} / ${us(a.cpu_redis, a.updates)} / ${us(a.cpu_haproxy, a.updates)}` })
    row(`${of}: Redis commands per stored update`, k => { const a = acc(k, of); return a && k.startsWith('pg3') ? (a.redis_commands / Math.max(1, a.updates)).toFixed(2) : null })
  }
  for (const sp of team.filter(l => l.scenario === 'spread')) console.log(`\n${sp.server} ${sp.of}: HAProxy sent ${sp.replicas.join(' / ')} connections to the three replicas`)
}
EOF
