#!/usr/bin/env bash
# Sets up a fresh clone and runs every test: unit, node end-to-end, and Hardhat contract tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci
exec npm test
