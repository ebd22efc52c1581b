#!/usr/bin/env bash
# Sets up everything and runs the main job. The hub (`roundtable serve`) is
# not built yet; until it is, this builds the binary and shows the CRDT core
# reading the shared B4 document.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
if ./build/roundtable serve --help >/dev/null 2>&1; then
  exec ./build/roundtable serve "$@"
fi
echo "roundtable: the hub is not built yet; showing the CRDT core instead" >&2
./build/roundtable doc state ../shared/testdata/b4-update.bin
./build/roundtable doc json --root text=text ../shared/testdata/b4-update.bin | head -c 300; echo
