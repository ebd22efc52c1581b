#!/usr/bin/env bash
# Sets up everything and runs every test: the C++ unit tests (Release, and
# again under AddressSanitizer + UndefinedBehaviorSanitizer) and the interop
# tests that hold the C++ against the real JavaScript packages.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-$(nproc)}"

bash scripts/setup.sh

echo "== build (Release)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$JOBS"

echo "== build (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DROUNDTABLE_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$JOBS" --target roundtable_tests

echo "== unit tests (Release)"
(cd build && ctest --output-on-failure -j"$JOBS")

echo "== unit tests (ASan + UBSan)"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j"$JOBS")

echo "== interop tests (real yjs)"
(cd tests/interop && ROUNDTABLE_BUILD_DIR="$PWD/../../build" node --test)
