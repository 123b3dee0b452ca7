#!/usr/bin/env bash
# The node end-to-end tests, in two lanes. Files that measure latency or block rhythm under
# load, or run validator clusters on short round timers (liveness-*, network-tx-delivery, qbft-*),
# run one at a time; the others share the two cores, two files at once, the Clique clusters
# with generous waits among them (network-sync, -voting, -partition, clique-network). Every file
# lands in one lane.
set -euo pipefail
cd "$(dirname "$0")/.."
alone=()
shared=()
for file in test/e2e/*.test.ts; do
  case "$(basename "$file")" in
    liveness-* | network-tx-delivery.* | qbft-*) alone+=("$file") ;;
    *) shared+=("$file") ;;
  esac
done
node --test --test-concurrency=2 "${shared[@]}"
node --test --test-concurrency=1 "${alone[@]}"
