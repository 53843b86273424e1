#!/usr/bin/env bash
# Vendor the JavaScript the offline site needs, from the npm registry (never committed):
#   require.js + @jupyter-widgets/html-manager (ipywidgets on static pages), copied into
#   _site_assets/_static/vendor/..., merged into the site's _static/ by html_extra_path (_config.yml).
#   It is not under html_static_path on purpose: Jupyter Book 1 injects every .js found there into every page.
# and MathJax's server-side renderer (mathjax-full, pinned by scripts/mathjax/package-lock.json), installed
# with `npm ci` into scripts/mathjax/node_modules: scripts/mathjax/prerender.mjs renders the math of the
# built pages with it (make site), and copies the fonts the math needs into the site.
# Also axe-core (pinned by scripts/axe/package-lock.json), the accessibility checker the browser tests
# inject into every page, with `npm ci` into scripts/axe/node_modules (tests only, not in the site).
set -euo pipefail
cd "$(dirname "$0")/.."

HTML_MANAGER=@jupyter-widgets/html-manager@1.0.15
REQUIREJS=requirejs@2.3.8
DEST=_site_assets/_static/vendor
STAMP="$DEST/.vendored-$(cat <(echo "$HTML_MANAGER $REQUIREJS") scripts/widgets-require-config.js | md5sum | cut -c1-12)"
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

if [ -f "$STAMP" ]; then
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$HTML_MANAGER" "$REQUIREJS" >/dev/null)
for pkg in "$tmp"/*.tgz; do
  mkdir -p "${pkg%.tgz}" && tar -xzf "$pkg" -C "${pkg%.tgz}"
done

rm -rf "$DEST"
mkdir -p "$DEST/html-manager/dist" "$DEST/requirejs"
find "$tmp"/jupyter-widgets-html-manager-*/package/dist -maxdepth 1 -type f ! -name '*.map' \
  -exec cp {} "$DEST/html-manager/dist/" \;
cp "$tmp"/requirejs-*/package/require.js "$DEST/requirejs/require.js"
cp scripts/widgets-require-config.js "$DEST/widgets-require-config.js"
touch "$STAMP"
echo "vendor_js: vendored $HTML_MANAGER, $REQUIREJS into $DEST"
