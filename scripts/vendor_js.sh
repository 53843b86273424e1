#!/usr/bin/env bash
# Install the npm tools the book's build and tests need, from the npm registry (never committed):
# MathJax's server-side renderer (mathjax-full, pinned by scripts/mathjax/package-lock.json), installed
# with `npm ci` into scripts/mathjax/node_modules: scripts/mathjax/prerender.mjs renders the math of the
# built pages with it (make site), and copies the fonts the math needs into the site.
# Also axe-core (pinned by scripts/axe/package-lock.json), the accessibility checker the browser tests
# inject into every page, with `npm ci` into scripts/axe/node_modules (tests only, not in the site).
set -euo pipefail
cd "$(dirname "$0")/.."

MATHJAX_DIR=scripts/mathjax
MATHJAX_STAMP="$MATHJAX_DIR/node_modules/.installed-$(md5sum < "$MATHJAX_DIR/package-lock.json" | cut -c1-12)"

command -v npm >/dev/null || { echo "vendor_js: npm is required (apt-get install npm)" >&2; exit 1; }

if [ ! -f "$MATHJAX_STAMP" ]; then
  (cd "$MATHJAX_DIR" && npm ci --silent --no-audit --no-fund)
  touch "$MATHJAX_STAMP"
  echo "vendor_js: installed mathjax-full into $MATHJAX_DIR/node_modules"
fi

AXE_DIR=scripts/axe
AXE_STAMP="$AXE_DIR/node_modules/.installed-$(md5sum < "$AXE_DIR/package-lock.json" | cut -c1-12)"
if [ ! -f "$AXE_STAMP" ]; then
  (cd "$AXE_DIR" && npm ci --silent --no-audit --no-fund)
  touch "$AXE_STAMP"
  echo "vendor_js: installed axe-core into $AXE_DIR/node_modules"
fi
