#!/usr/bin/env bash
# Sets up everything, installs `roundtable` and runs the main job: the hub
# (`roundtable serve`) on http://127.0.0.1:4141 with its data in ~/.roundtable
# (ROUNDTABLE_PORT, ROUNDTABLE_DATA or flags change that; `bash scripts/run.sh --help`
# lists them).
#
# `roundtable` and its web app go to /usr/local when run as root, else to
# ~/.local (ROUNDTABLE_PREFIX chooses another prefix), so that agents can start
# `roundtable mcp` from any folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target roundtable

if [ -n "${ROUNDTABLE_PREFIX:-}" ]; then
  prefix=$ROUNDTABLE_PREFIX
elif [ "$(id -u)" -eq 0 ]; then
  prefix=/usr/local
else
  prefix=$HOME/.local
fi
cmake --install build --prefix "$prefix" >/dev/null
echo "run: installed $prefix/bin/roundtable ($("$prefix/bin/roundtable" --version))" >&2
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "run: $prefix/bin is not on your PATH; add it with:  echo 'export PATH=\"$prefix/bin:\$PATH\"' >> ~/.profile && export PATH=\"$prefix/bin:\$PATH\"" >&2 ;;
esac
exec "$prefix/bin/roundtable" serve "$@"
