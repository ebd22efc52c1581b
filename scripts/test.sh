#!/usr/bin/env bash
# Sets up everything and runs every test: that the clone stands alone, the
# install and the Debian package, the C++ unit tests (Release, and again under
# AddressSanitizer + UndefinedBehaviorSanitizer), the fuzz targets, the interop
# tests that hold the C++ against the real JavaScript packages, the web app in
# Chromium and the network test bed (tests/README.md says what each proves).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-$(nproc)}"

bash scripts/setup.sh

echo "== build (Release)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$JOBS"

echo "== the clone stands alone; install and Debian package (tests/install/)"
ROUNDTABLE_BUILD_DIR="$PWD/build" node --test tests/install/*.test.mjs

echo "== build (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DROUNDTABLE_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$JOBS" --target roundtable_tests

echo "== unit tests (Release)"
(cd build && ctest --output-on-failure -j"$JOBS")

echo "== unit tests (ASan + UBSan)"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j"$JOBS")

echo "== fuzz (libFuzzer + ASan + UBSan, ${FUZZ_SECONDS:=12} s per target)"
CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DROUNDTABLE_FUZZ=ON \
  -DROUNDTABLE_TESTS=OFF -DROUNDTABLE_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$JOBS" --target roundtable_sync_message_fuzz roundtable_room_message_fuzz \
  roundtable_markdown_fuzz roundtable_mcp_message_fuzz roundtable_websocket_frame_fuzz roundtable_signaling_message_fuzz \
  roundtable_hook_input_fuzz roundtable_update_v2_fuzz roundtable_update_merge_fuzz roundtable_room_crypto_fuzz roundtable_token_fuzz
rm -rf build-fuzz/seeds-room && (cd tests/interop && node ../fuzz/room_corpus.mjs ../../build-fuzz/seeds-room)
for target in sync_message:tests/fuzz/corpus/sync_message room_message:build-fuzz/seeds-room \
    markdown:tests/interop/fixtures/plans mcp_message:tests/fuzz/corpus/mcp_message \
    websocket_frame:tests/fuzz/corpus/websocket_frame signaling_message:tests/fuzz/corpus/signaling_message \
    hook_input:tests/fuzz/corpus/hook_input update_v2:tests/fuzz/corpus/update_v2 \
    update_merge:tests/fuzz/corpus/update_merge room_crypto:tests/fuzz/corpus/room_crypto \
    token:tests/fuzz/corpus/token; do
  name="${target%%:*}" seeds="${target#*:}"
  mkdir -p "build-fuzz/corpus-$name"
  log="build-fuzz/$name.log"
  if ! ./build-fuzz/roundtable_${name}_fuzz -max_len=16384 -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=4096 \
      -print_final_stats=1 -artifact_prefix="build-fuzz/$name-" "build-fuzz/corpus-$name" "$seeds" >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz target $name failed (log: $log, crashing input in build-fuzz/$name-*)"
    exit 1
  fi
  grep -E "^(Done|stat::peak_rss_mb)" "$log"
done

echo "== web app: types and lint"
(cd web && npx tsc --noEmit && npx eslint .)

echo "== interop tests (real yjs)"
(cd tests/interop && ROUNDTABLE_BUILD_DIR="$PWD/../../build" node --test)

echo "== end-to-end tests (Debian's Chromium against the hub; screenshots in tests/e2e/screenshots/)"
(cd tests/e2e && ROUNDTABLE_BUILD_DIR="$PWD/../../build" node --test --test-concurrency=1 ./*.test.mjs)

echo "== network test bed (network namespaces, NAT routers, coturn; tests/e2e/netbed/)"
(cd tests/e2e && ROUNDTABLE_BUILD_DIR="$PWD/../../build" node --test --test-concurrency=1 netbed/netbed.test.mjs)
