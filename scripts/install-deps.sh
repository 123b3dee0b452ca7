#!/usr/bin/env bash
# Sourced by dev.sh and test.sh: installs the locked dependencies when they are missing or
# older than the lockfile. `npm install` rather than `npm ci`: the lockfile cannot list
# Hardhat's EDR binaries for other platforms (the registry here does not serve them), and
# `npm ci` refuses a lockfile without them; `npm install` installs exactly the locked
# versions for this platform and leaves the lockfile as it is.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
# The city explorer the node serves at /explorer/: built from its sources when they are newer
# than the build (a fresh clone has none).
if [ ! -f packages/explorer/dist/index.html ] || [ -n "$(find packages/explorer/src packages/explorer/index.html deployments/devnet.json -newer packages/explorer/dist/index.html -print -quit)" ]; then
  npm run build:explorer
fi
# jemalloc: the node preloads it when the machine has it (packages/node/src/relaunch.ts); on
# glibc's malloc the same load settles about 250 MB higher. Debian's libjemalloc2, with apt-get.
if [ "$(uname -s)" = Linux ] && ! ls /usr/lib/*/libjemalloc.so.2 /usr/lib64/libjemalloc.so.2 /usr/lib/libjemalloc.so.2 >/dev/null 2>&1 && command -v apt-get >/dev/null; then
  echo "Installing Debian's libjemalloc2 (the node's memory allocator)" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libjemalloc2 >&2 || { $SUDO apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libjemalloc2 >&2; }
fi
