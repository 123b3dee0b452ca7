#!/usr/bin/env bash
# Sets up a fresh clone and runs every test: unit, node end-to-end, and Hardhat contract tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
source scripts/install-deps.sh
source scripts/ensure-chromium.sh
exec npm test
