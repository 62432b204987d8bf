#!/usr/bin/env bash
# Refreshes the screenshots of docs/viewer.md (docs/images/viewer-*.png): runs the
# browser test of aitrace-cli, which drives Debian's Chromium over a server holding the
# example workflow and saves what it shows. Needs what scripts/install_browser.sh
# installs (the test runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/images
AITRACE_SCREENSHOTS="$PWD/docs/images" cargo test -p aitrace-cli --test browser_views
ls -l docs/images/viewer-*.png
