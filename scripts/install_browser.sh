#!/usr/bin/env bash
# Install what the aitrace-cli browser tests drive: Debian's Chromium (from the
# system's package registry) and playwright-core from npm (a driver only: it downloads
# no browser of its own), so that the web view of `aitrace serve` is tested in a real
# browser, headless.
#
# Usage: scripts/install_browser.sh
#
# Chromium: taken from $AITRACE_CHROMIUM, else /usr/bin/chromium; if absent, installed
# with `apt-get install -y chromium` (needs root and the network: CI runs as root on
# Debian; elsewhere, install it yourself or point AITRACE_CHROMIUM at a Chromium or
# Chrome binary). Node and npm: installed the same way when absent. playwright-core: installed into $AITRACE_PEERS_DIR/browser (default
# $HOME/.cache/aitrace-peers/browser), outside the git tree. Prints `chromium=<path>`
# and `node_path=<dir>` on stdout. Safe to run again: both are detected in milliseconds
# when present; concurrent runs are serialised with flock(1) when available. The
# playwright-core version can be overridden with AITRACE_PLAYWRIGHT_VERSION.
set -euo pipefail

PLAYWRIGHT_VERSION=${AITRACE_PLAYWRIGHT_VERSION:-1.65.1}
PEERS=${AITRACE_PEERS_DIR:-${HOME:-${TMPDIR:-/tmp}}/.cache/aitrace-peers}
DIR=$PEERS/browser
STAMP="playwright-core $PLAYWRIGHT_VERSION"

log() { echo "install_browser: $*" >&2; }

mkdir -p "$PEERS"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$PEERS/.install-browser.lock"
  flock 9
fi

chromium=${AITRACE_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  if [ -n "${AITRACE_CHROMIUM:-}" ]; then
    log "AITRACE_CHROMIUM=$AITRACE_CHROMIUM is not an executable"
    exit 1
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's chromium with apt-get"
    t0=$SECONDS
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends chromium >&2
    log "installed chromium in $((SECONDS - t0))s"
  else
    log "no Chromium at $chromium: install it (Debian: sudo apt-get install chromium) or set AITRACE_CHROMIUM"
    exit 1
  fi
fi
"$chromium" --version >&2

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's nodejs and npm with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends nodejs npm >&2
  else
    log "node and npm are needed for playwright-core (Debian: sudo apt-get install nodejs npm)"
    exit 1
  fi
fi
# playwright-core 1.65 needs Node 20; Debian 12's Node is 18, for which 1.49 (the
# last release that supports it) is used. Both drive Debian's Chromium.
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ -z "${AITRACE_PLAYWRIGHT_VERSION:-}" ] && [ "$node_major" -lt 20 ]; then
  PLAYWRIGHT_VERSION=1.49.1
  STAMP="playwright-core $PLAYWRIGHT_VERSION"
fi
if [ "$node_major" -lt 18 ]; then
  log "node $(node --version) is too old for playwright-core: 18 or newer is needed"
  exit 1
fi
if [ "$(cat "$DIR/.aitrace-installed" 2>/dev/null || true)" != "$STAMP" ]; then
  log "installing $STAMP into $DIR"
  t0=$SECONDS
  mkdir -p "$DIR"
  # playwright-core never downloads browsers; the variable says so to any postinstall.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --silent --no-audit --no-fund \
    --prefix "$DIR" "playwright-core@$PLAYWRIGHT_VERSION" >&2
  NODE_PATH=$DIR/node_modules node -e 'require("playwright-core")'
  echo "$STAMP" >"$DIR/.aitrace-installed"
  log "installed in $((SECONDS - t0))s ($(du -sh "$DIR" | cut -f1))"
fi
echo "chromium=$chromium"
echo "node_path=$DIR/node_modules"
