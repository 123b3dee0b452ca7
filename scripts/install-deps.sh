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
