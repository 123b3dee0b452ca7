#!/usr/bin/env bash
# Sets up a fresh clone and starts the dev chain: one sealer, RocksDB in .data/dev,
# JSON-RPC on http://127.0.0.1:8545 (HTTP and WebSocket). Extra arguments go to `busan dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
source scripts/install-deps.sh
# exec: the node is this process, so SIGTERM and Ctrl-C reach it directly.
exec node packages/node/bin/busan.mjs dev "$@"
