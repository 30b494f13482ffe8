#!/usr/bin/env bash
# Fetch plotly.js (partial "basic" bundle: scatter, bar, pie) and its Chinese locale from the npm registry into
# static/vendor/plotly/. Run once per plotly.js upgrade and commit the result: the app serves them itself, so
# the pages work on an offline network. The version matches the plotly.js the Python package (plotly) bundles.
set -euo pipefail
VERSION="${1:-3.1.1}"
DEST="$(cd "$(dirname "$0")/.." && pwd)/static/vendor/plotly"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "plotly.js-basic-dist-min@$VERSION" "plotly.js-locales@$VERSION" >/dev/null
tar xzf "plotly.js-basic-dist-min-$VERSION.tgz" && mv package basic
tar xzf "plotly.js-locales-$VERSION.tgz" && mv package locales
mkdir -p "$DEST"
rm -f "$DEST"/plotly-basic-*.min.js
cp basic/plotly-basic.min.js "$DEST/plotly-basic-$VERSION.min.js"
cp basic/LICENSE "$DEST/LICENSE"
# The locale package is CommonJS (module.exports = {...}); in the browser it registers itself with Plotly.
sed -e 's/^module\.exports = {/Plotly.register({/' -e 's/^};\s*$/});/' locales/zh-cn.js > "$DEST/plotly-locale-zh-cn.js"
echo "plotly.js $VERSION → $DEST"
