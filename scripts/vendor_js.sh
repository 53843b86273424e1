#!/usr/bin/env bash
# Vendor the JavaScript the offline site needs, from the npm registry (never committed):
#   MathJax 3 (math), require.js + @jupyter-widgets/html-manager (ipywidgets on static pages).
# Result: _site_assets/_static/vendor/..., merged into the site's _static/ by html_extra_path (_config.yml).
# It is not under html_static_path on purpose: Jupyter Book 1 injects every .js found there into every page.
set -euo pipefail
cd "$(dirname "$0")/.."

MATHJAX=mathjax@3.2.2
HTML_MANAGER=@jupyter-widgets/html-manager@1.0.15
REQUIREJS=requirejs@2.3.8
DEST=_site_assets/_static/vendor
STAMP="$DEST/.vendored-$(echo "$MATHJAX $HTML_MANAGER $REQUIREJS" | md5sum | cut -c1-12)"

if [ -f "$STAMP" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "vendor_js: npm is required (apt-get install npm)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$MATHJAX" "$HTML_MANAGER" "$REQUIREJS" >/dev/null)
for pkg in "$tmp"/*.tgz; do
  mkdir -p "${pkg%.tgz}" && tar -xzf "$pkg" -C "${pkg%.tgz}"
done

rm -rf "$DEST"
mkdir -p "$DEST/mathjax" "$DEST/html-manager/dist" "$DEST/requirejs"
cp -r "$tmp"/mathjax-*/package/es5 "$DEST/mathjax/"
find "$tmp"/jupyter-widgets-html-manager-*/package/dist -maxdepth 1 -type f ! -name '*.map' \
  -exec cp {} "$DEST/html-manager/dist/" \;
cp "$tmp"/requirejs-*/package/require.js "$DEST/requirejs/require.js"
cp scripts/widgets-require-config.js "$DEST/widgets-require-config.js"
touch "$STAMP"
echo "vendor_js: vendored $MATHJAX, $HTML_MANAGER, $REQUIREJS into $DEST"
