#!/usr/bin/env bash
# Installs everything Roundtable needs to build and test, idempotently:
# Debian packages (only when one is missing) and the pinned npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  build-essential cmake pkg-config clang libclang-rt-14-dev dpkg-dev file
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libpq-dev postgresql-15 redis-server haproxy libhiredis-dev libboost-dev libssl-dev zlib1g-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
  libgstreamer-plugins-bad1.0-dev gstreamer1.0-plugins-bad gstreamer1.0-nice
  chromium
  iproute2 iptables conntrack coturn tcpdump util-linux
)

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# JavaScript reference implementations used by tests and benchmarks, the web
# app and its end-to-end tests (each pinned by its lockfile).
# The three installs run at once: each waits mostly on the registry, and
# npm's cache is safe to share.
npm_pids=()
for dir in tests/interop web tests/e2e; do
  if [ -f "$dir/package-lock.json" ]; then
    stamp="$dir/node_modules/.roundtable-lock"
    if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.roundtable-lock) &
      npm_pids+=("$!")
    fi
  fi
done
for pid in "${npm_pids[@]}"; do wait "$pid"; done

# The web app the hub serves (web/dist), rebuilt when its sources changed.
web_stamp="web/dist/.roundtable-sources"
web_sum="$(cd web && find src public index.html vite.config.ts tsconfig.json package-lock.json -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)"
if [ ! -f web/dist/index.html ] || [ ! -f "$web_stamp" ] || [ "$(cat "$web_stamp")" != "$web_sum" ]; then
  echo "setup: building the web app" >&2
  (cd web && npm run build --silent)
  echo "$web_sum" > "$web_stamp"
fi
