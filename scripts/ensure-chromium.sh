#!/usr/bin/env bash
# Sourced by test.sh: the browser tests drive Debian's Chromium through playwright-core
# (a browser download does not work here), so it is installed with apt-get when missing.
set -euo pipefail
# Korean fonts too: the explorer's pages are Korean first, and their screenshots should read.
if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=ko 2>/dev/null | grep -q .; then
  echo "Installing Debian's chromium and Korean fonts for the browser tests" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >&2
fi
