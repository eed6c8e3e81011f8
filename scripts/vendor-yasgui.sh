#!/usr/bin/env bash
# Refresh the query page's YASGUI files (src/kg/serve/static/) from npm: the built, minified
# dist of @zazuko/yasgui (one JS and one CSS file; no source maps), its licence and version.
#   scripts/vendor-yasgui.sh            # the version pinned below
#   scripts/vendor-yasgui.sh 4.6.2      # another version
# Needs npm (only `npm pack`: nothing is installed, no package script runs).
set -euo pipefail
VERSION="${1:-4.6.2}"
PKG="@zazuko/yasgui@${VERSION}"
HERE="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$HERE/src/kg/serve/static"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

( cd "$WORK" && npm pack --silent "$PKG" >/dev/null && tar xzf ./*.tgz )
BUILD="$WORK/package/build"
# The page loads no source map: the trailing sourceMappingURL comment would make devtools ask for one.
sed '/^\/\/# sourceMappingURL=/d' "$BUILD/yasgui.min.js" > "$DEST/yasgui.min.js"
sed '/^\/\*# sourceMappingURL=/d' "$BUILD/yasgui.min.css" > "$DEST/yasgui.min.css"

# The npm package declares its licence in package.json and ships no licence file: write it out.
python3 - "$WORK/package/package.json" "$DEST" <<'PY'
import json, sys, hashlib, pathlib
meta = json.load(open(sys.argv[1], encoding="utf-8"))
dest = pathlib.Path(sys.argv[2])
assert meta["license"] == "MIT", f"licence changed upstream: {meta['license']}; review before vendoring"
holders = [meta.get("author", "")] + [c["name"] for c in meta.get("contributors", [])]
(dest / "LICENSE.yasgui").write_text(f"""{meta['name']} {meta['version']} ({meta.get('homepage', '')})
vendored as yasgui.min.js and yasgui.min.css (the package's build/ files) by scripts/vendor-yasgui.sh.
The package declares the MIT licence (package.json "license": "MIT"; author and contributors:
{'; '.join(h for h in holders if h)}). The bundle includes its dependencies
({', '.join(sorted(meta.get('dependencies', {})))}, and CodeMirror through @zazuko/yasqe),
each under its own open-source licence as published on npm.

MIT License

Copyright (c) {'; '.join(h for h in holders if h)}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
""", encoding="utf-8")
lines = [f"{meta['name']}@{meta['version']}"]
for name in ("yasgui.min.js", "yasgui.min.css"):
    data = (dest / name).read_bytes()
    lines.append(f"{hashlib.sha256(data).hexdigest()}  {name}  {len(data)} bytes")
(dest / "YASGUI_VERSION").write_text("\n".join(lines) + "\n", encoding="utf-8")
print("\n".join(lines))
PY
