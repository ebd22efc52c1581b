#!/usr/bin/env bash
# Sets up everything and runs every test: that the clone stands alone, the
# install and the Debian package, the C++ unit tests (under AddressSanitizer +
# UndefinedBehaviorSanitizer), the fuzz targets, the interop tests that hold
# the C++ against the real JavaScript packages, the web app in Chromium and the
# network test bed (tests/README.md says what each proves).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-$(nproc)}"
SECONDS=0
stage() { echo "== [$((SECONDS / 60))m$((SECONDS % 60))s] $*"; }

bash scripts/setup.sh

# The Release build holds what the install, interop, end-to-end and network
# tests run: the binary, the interop drivers, each public header compiled
# alone. The unit tests and benchmarks are compiled in the sanitizer build
# below instead: at -O3 they were a third of this build, and running the unit
# tests twice proved nothing the sanitizer run does not. Both builds are
# unity builds (CMake joins each target's sources eight at a time): the
# Boost.Asio and Beast templates every hub source instantiates are then
# compiled once per eight sources, about 30% less compile time here; a
# developer's own build (no such flag) still compiles each source alone.
stage "build (Release)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DROUNDTABLE_TESTS=OFF -DROUNDTABLE_BENCH=OFF -DCMAKE_UNITY_BUILD=ON >/dev/null
cmake --build build -j"$JOBS"

stage "the clone stands alone; install and Debian package (tests/install/)"
ROUNDTABLE_BUILD_DIR="$PWD/build" node --test tests/install/*.test.mjs

# One sanitizer build for the unit tests and the fuzz targets: clang at -O0
# with line tables compiles the Boost-heavy files in a third of GCC's time
# with the same sanitizers (CMakeLists.txt builds the hot libraries at -O1),
# and a separate optimized fuzz build cost as much again.
stage "build (clang: ASan + UBSan, the libFuzzer targets, the benchmarks compiled)"
CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -gline-tables-only" \
  -DROUNDTABLE_FUZZ=ON -DROUNDTABLE_BENCH=ON -DCMAKE_UNITY_BUILD=ON >/dev/null
fuzz_targets=(sync_message room_message markdown mcp_message websocket_frame signaling_message hook_input bus_message
              update_v2 update_merge room_crypto p2p_frame token)
cmake --build build-asan -j"$JOBS" --target roundtable_tests roundtable_store_contract_tests \
  roundtable_crdt_bench roundtable_hub_load roundtable_lz_bench $(printf "roundtable_%s_fuzz " "${fuzz_targets[@]}")

stage "unit tests (ASan + UBSan)"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions="$PWD/../tests/lsan.supp" UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j"$JOBS")

stage "fuzz (libFuzzer + ASan + UBSan, ${FUZZ_SECONDS:=12} s per target)"
fuzz=build-asan/fuzz
mkdir -p "$fuzz"
rm -rf "$fuzz/seeds-room" && (cd tests/interop && node ../fuzz/room_corpus.mjs "../../$fuzz/seeds-room")
# Each target is one process on one core: $JOBS of them at a time.
fuzz_one() {
  local name=$1 seeds
  case "$name" in
    room_message) seeds="$fuzz/seeds-room" ;;
    markdown) seeds=tests/interop/fixtures/plans ;;
    *) seeds="tests/fuzz/corpus/$name" ;;
  esac
  mkdir -p "$fuzz/corpus-$name"
  ./build-asan/roundtable_${name}_fuzz -max_len=16384 -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$fuzz/$name-" "$fuzz/corpus-$name" "$seeds" >"$fuzz/$name.log" 2>&1
}
fuzz_batch=()
fuzz_wait() {
  local pid name failed=0
  for entry in "${fuzz_batch[@]}"; do
    pid=${entry%%:*} name=${entry#*:}
    if ! wait "$pid"; then
      tail -60 "$fuzz/$name.log"
      echo "fuzz target $name failed (log: $fuzz/$name.log, crashing input in $fuzz/$name-*)"
      failed=1
    else
      echo "$name: $(grep -E "^(Done|stat::peak_rss_mb)" "$fuzz/$name.log" | tr '\n' ' ')"
    fi
  done
  fuzz_batch=()
  [ "$failed" = 0 ] || exit 1
}
for name in "${fuzz_targets[@]}"; do
  fuzz_one "$name" &
  fuzz_batch+=("$!:$name")
  [ "${#fuzz_batch[@]}" -lt "$JOBS" ] || fuzz_wait
done
fuzz_wait

stage "web app: types and lint"
(cd web && npx tsc --noEmit && npx eslint .)

stage "interop tests (real yjs)"
(cd tests/interop && ROUNDTABLE_BUILD_DIR="$PWD/../../build" node --test)

stage "end-to-end tests (Debian's Chromium against the hub; screenshots in tests/e2e/screenshots/)"
(cd tests/e2e && ROUNDTABLE_BUILD_DIR="$PWD/../../build" node --test --test-concurrency=1 ./*.test.mjs)

stage "network test bed (network namespaces, NAT routers, coturn; tests/e2e/netbed/)"
(cd tests/e2e && ROUNDTABLE_BUILD_DIR="$PWD/../../build" node --test --test-concurrency=1 netbed/netbed.test.mjs netbed/hub_only.test.mjs)
stage "every suite passed"
