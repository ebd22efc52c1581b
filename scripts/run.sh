#!/usr/bin/env bash
# Sets up everything and runs the main job: the hub (`roundtable serve`) on
# http://127.0.0.1:4141 with its data in ~/.roundtable (ROUNDTABLE_PORT,
# ROUNDTABLE_DATA or flags change that; `bash scripts/run.sh --help` lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target roundtable
exec ./build/roundtable serve "$@"
