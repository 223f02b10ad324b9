#!/usr/bin/env bash
# Re-vendor the front-end packages into static/vendor/ from the npm registry (npm pack).
# Copies only the minified dist files and each package's licence; strips sourceMappingURL
# comments (the .map files are not vendored and would 404). Edit the versions below,
# run `bash static/vendor/update.sh`, then update README.md beside this file.
set -euo pipefail

BOOTSTRAP=5.3.9
ICONS=1.13.2
ECHARTS=6.1.0
HTMX=2.0.11   # htmx 2; npm's "latest" is now 4

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
npm pack --silent "bootstrap@$BOOTSTRAP" "bootstrap-icons@$ICONS" "echarts@$ECHARTS" \
    "htmx.org@$HTMX" >/dev/null
for f in *.tgz; do
    mkdir "${f%.tgz}"
    tar -xzf "$f" -C "${f%.tgz}"
done
b=$tmp/bootstrap-$BOOTSTRAP/package
i=$tmp/bootstrap-icons-$ICONS/package
e=$tmp/echarts-$ECHARTS/package
h=$tmp/htmx.org-$HTMX/package

# Copy SRC to DEST (relative to static/vendor/), dropping sourceMappingURL comment lines.
put() {
    mkdir -p "$here/$(dirname "$2")"
    grep -v 'sourceMappingURL=' "$1" > "$here/$2" || true
    [ -s "$here/$2" ] || { echo "update.sh: $2 came out empty" >&2; exit 1; }
}
# Copy a file as it is (fonts, licences).
raw() {
    mkdir -p "$here/$(dirname "$2")"
    cp "$1" "$here/$2"
}

rm -rf "$here/bootstrap" "$here/bootstrap-icons" "$here/echarts" "$here/htmx"

put "$b/dist/css/bootstrap.min.css" bootstrap/bootstrap.min.css
put "$b/dist/js/bootstrap.bundle.min.js" bootstrap/bootstrap.bundle.min.js
raw "$b/LICENSE" bootstrap/LICENSE

put "$i/font/bootstrap-icons.min.css" bootstrap-icons/bootstrap-icons.min.css
raw "$i/font/fonts/bootstrap-icons.woff2" bootstrap-icons/fonts/bootstrap-icons.woff2
raw "$i/font/fonts/bootstrap-icons.woff" bootstrap-icons/fonts/bootstrap-icons.woff
raw "$i/LICENSE" bootstrap-icons/LICENSE
grep -q 'url("fonts/bootstrap-icons.woff2?' "$here/bootstrap-icons/bootstrap-icons.min.css" || {
    echo "update.sh: bootstrap-icons.min.css no longer loads fonts/bootstrap-icons.woff2" >&2
    exit 1
}

put "$e/dist/echarts.min.js" echarts/echarts.min.js
raw "$e/LICENSE" echarts/LICENSE
raw "$e/NOTICE" echarts/NOTICE
raw "$e/licenses/LICENSE-d3" echarts/LICENSE-d3

put "$h/dist/htmx.min.js" htmx/htmx.min.js
raw "$h/LICENSE" htmx/LICENSE

if grep -rl 'sourceMappingURL=' "$here" --include='*.js' --include='*.css'; then
    echo "update.sh: a sourceMappingURL comment is left in the files above" >&2
    exit 1
fi
echo "vendored into $here:"
(cd "$here" && find . -type f ! -name README.md ! -name update.sh | sort | xargs du -b)
