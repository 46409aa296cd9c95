#!/usr/bin/env bash
# Refresh the vendored Digdir Designsystemet CSS in ./designsystemet/.
#
# Downloads the two npm packages below with `npm pack` (registry access only,
# no install, no build), copies the bundled component CSS, the chosen brand
# theme and both LICENSE files, strips any @import of external (http/https or
# protocol-relative) URLs such as web fonts, refuses to vendor CSS that still
# references an external URL or a relative @import, and regenerates README.md.
# Output is deterministic: running it twice for the same versions changes nothing.
#
# Usage: views/static/vendor/refresh.sh   (then review `git diff` and commit)
# Needs: bash, npm (and therefore node), tar, mktemp.
set -euo pipefail

CSS_VERSION="1.22.0"    # @digdir/designsystemet-css
THEME_VERSION="1.11.0"  # @digdir/designsystemet-theme
THEME_NAME="digdir"     # vendored theme = brand/${THEME_NAME}.css in the theme package

CSS_PKG="@digdir/designsystemet-css"
THEME_PKG="@digdir/designsystemet-theme"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="${script_dir}/designsystemet"

die() { echo "refresh.sh: $*" >&2; exit 1; }
for tool in npm node tar mktemp; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required"
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/designsystemet-refresh.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# fetch NAME VERSION SUBDIR -> unpacks to $tmp/SUBDIR/package, writes $tmp/SUBDIR.integrity
fetch() {
  local name="$1" version="$2" sub="$3" json file
  echo "npm pack ${name}@${version}" >&2
  json="$(cd "$tmp" && npm pack --json --silent "${name}@${version}")" || die "npm pack ${name}@${version} failed"
  file="$(printf '%s' "$json" | node -e '
    const j = JSON.parse(require("fs").readFileSync(0, "utf8"))[0];
    if (j.name !== process.argv[1] || j.version !== process.argv[2]) {
      console.error(`got ${j.name}@${j.version}, expected ${process.argv[1]}@${process.argv[2]}`);
      process.exit(1);
    }
    require("fs").writeFileSync(process.argv[3], j.integrity);
    console.log(j.filename);
  ' "$name" "$version" "$tmp/$sub.integrity")" || die "unexpected npm pack output for ${name}@${version}"
  mkdir -p "$tmp/$sub"
  tar -xzf "$tmp/$file" -C "$tmp/$sub"
  [[ -f "$tmp/$sub/package/package.json" ]] || die "${name}@${version}: tarball has no package/package.json"
}

# find_license DIR -> path of the package's licence file
find_license() {
  local f
  for f in "$1"/LICENSE "$1"/LICENSE.md "$1"/LICENSE.txt "$1"/LICENCE "$1"/license "$1"/license.md; do
    [[ -f "$f" ]] && { printf '%s\n' "$f"; return 0; }
  done
  die "no LICENSE file in $1"
}

fetch "$CSS_PKG" "$CSS_VERSION" css
fetch "$THEME_PKG" "$THEME_VERSION" theme
css_root="$tmp/css/package"
theme_root="$tmp/theme/package"

# Component CSS = the package's main export "." (dist/src/index.css in 1.x),
# which is already a single bundled file with every component.
css_entry="$(node -e '
  const p = require(process.argv[1]);
  const e = p.exports && p.exports["."];
  const d = typeof e === "string" ? e : (e && (e.default || e.style || e.browser)) || p.style || p.browser;
  if (!d) process.exit(1);
  console.log(d.replace(/^\.\//, ""));
' "$css_root/package.json")" || die "$CSS_PKG: cannot find main CSS export in package.json"
[[ -f "$css_root/$css_entry" ]] || die "$CSS_PKG: main export $css_entry does not exist"

theme_entry="brand/${THEME_NAME}.css"
if [[ ! -f "$theme_root/$theme_entry" ]]; then
  echo "available themes in $THEME_PKG@$THEME_VERSION:" >&2
  (cd "$theme_root" && find . -name '*.css' ! -name '*tailwind*' | sort) >&2
  die "$THEME_PKG: $theme_entry not found"
fi

css_license="$(find_license "$css_root")"
theme_license="$(find_license "$theme_root")"

out="$tmp/out"
mkdir -p "$out"
cp "$css_license" "$out/LICENSE-designsystemet-css"
cp "$theme_license" "$out/LICENSE-designsystemet-theme"

# Sanitise + copy CSS. Writes removed @import statements to $tmp/removed.txt and
# fails on any remaining external url() / @import or undefined --ds-* variables.
node - "$css_root/$css_entry" "$out/designsystemet.css" "$theme_root/$theme_entry" "$out/theme.css" "$tmp/removed.txt" <<'JS'
const fs = require("fs");
const [src1, dst1, src2, dst2, removedFile] = process.argv.slice(2);
const removed = [];
const fail = (msg) => { console.error("refresh.sh: " + msg); process.exit(1); };
// @import of an absolute/protocol-relative URL, e.g. @import url("https://fonts.googleapis.com/...");
const externalImport = /@import\s+(?:url\(\s*)?["']?(?:[a-z][a-z0-9+.-]*:)?\/\/[^;]*;[ \t]*\r?\n?/gi;
function vendor(src, dst, label) {
  let css = fs.readFileSync(src, "utf8");
  css = css.replace(externalImport, (m) => { removed.push(`${label}: ${m.trim()}`); return ""; });
  const imp = css.match(/@import[^;]*;/i);
  if (imp) fail(`${label} still contains ${imp[0]} - bundle it or extend refresh.sh`);
  // Any url(...) must be a data: URI or a fragment; anything else would be fetched.
  for (const m of css.matchAll(/url\(\s*(["']?)([^"')]*)/gi)) {
    const u = m[2].trim();
    if (!/^(data:|#)/i.test(u)) fail(`${label} references url(${u})`);
  }
  // Outside data: URIs, no http(s):// or protocol-relative URL may remain.
  const stripped = css.replace(/url\(\s*(["'])data:.*?\1\s*\)/gis, "url()").replace(/url\(\s*data:[^)]*\)/gi, "url()");
  for (const m of stripped.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"')]*/gi)) {
    if (!/^(?:https?:)?\/\/www\.w3\.org\//i.test(m[0])) fail(`${label} references ${m[0]}`);
  }
  fs.writeFileSync(dst, css);
  return css;
}
const comp = vendor(src1, dst1, "designsystemet.css");
const theme = vendor(src2, dst2, "theme.css");
// Every --ds-* custom property used by the components must be defined somewhere.
const defined = new Set([...(comp + theme).matchAll(/(--ds-[\w-]+)\s*:/g)].map((m) => m[1]));
const missing = [...new Set([...comp.matchAll(/var\(\s*(--ds-[\w-]+)/g)].map((m) => m[1]))].filter((v) => !defined.has(v));
if (missing.length) console.error("refresh.sh: WARNING: theme does not define " + missing.join(", "));
fs.writeFileSync(removedFile, removed.join("\n") + (removed.length ? "\n" : ""));
JS

css_integrity="$(cat "$tmp/css.integrity")"
css_license_rel="${css_license#"$css_root"/}"
theme_license_rel="${theme_license#"$theme_root"/}"
theme_integrity="$(cat "$tmp/theme.integrity")"
if [[ -s "$tmp/removed.txt" ]]; then
  removed_note="$(printf 'refresh.sh removed these external @import statements (we use the system font stack, nothing is fetched from a CDN):\n\n'; sed 's/^/    /' "$tmp/removed.txt")"
else
  removed_note="Upstream contains no @import and no external URL, so nothing was removed (refresh.sh would strip any @import of an http(s) URL, e.g. a web-font CDN, and list it here)."
fi
deprecated_note=""
if grep -qi 'deprecated' "$theme_root/README.md" 2>/dev/null; then
  deprecated_note="
Note: upstream marks \`${THEME_PKG}\` as deprecated (its README points to \`${CSS_PKG}/theme\`
or the theme builder at theme.designsystemet.no). It still works with ${CSS_PKG}@${CSS_VERSION}:
refresh.sh checks that every \`--ds-*\` variable used by designsystemet.css is defined."
fi

cat >"$out/README.md" <<EOF
# Vendored Digdir Designsystemet CSS

Static copies of Digdir's Designsystemet CSS, served as-is (no npm, no build step,
no network access at runtime). Do not edit these files by hand: change the versions
at the top of \`../refresh.sh\`, run it, review the diff and commit.

| File | Package | Path inside the npm tarball |
|------|---------|-----------------------------|
| designsystemet.css | ${CSS_PKG}@${CSS_VERSION} | package/${css_entry} (main export, all components bundled in one file) |
| theme.css | ${THEME_PKG}@${THEME_VERSION} | package/${theme_entry} ("${THEME_NAME}" theme: colour, typography and size tokens) |
| LICENSE-designsystemet-css | ${CSS_PKG}@${CSS_VERSION} | package/${css_license_rel} |
| LICENSE-designsystemet-theme | ${THEME_PKG}@${THEME_VERSION} | package/${theme_license_rel} |

npm integrity of the tarballs:

- ${CSS_PKG}@${CSS_VERSION}: ${css_integrity}
- ${THEME_PKG}@${THEME_VERSION}: ${theme_integrity}

Load both, e.g. \`designsystemet.css\` then \`theme.css\`; all rules live in
\`@layer ds.*\`, so any unlayered CSS of our own overrides them.

External resources: ${removed_note}

Icons are inline \`data:\` SVG URIs. The theme names \`Inter\` (and \`IBM Plex Mono\` for
\`data-typography="secondary"\`) in \`--ds-font-family\` but ships no font files, and the
component CSS never applies that variable: our own CSS must set \`font-family\` on body
(we use the system font stack).
${deprecated_note}

## Licence

Both packages are released under the MIT licence, Copyright Digitaliseringsdirektoratet
(Digdir); see LICENSE-designsystemet-css and LICENSE-designsystemet-theme.
Source: https://github.com/digdir/designsystemet
EOF

chmod 0644 "$out"/*

# Install into $dest, reporting what changed; drop files refresh.sh no longer produces.
mkdir -p "$dest"
for f in "$dest"/*; do
  [[ -e "$f" ]] || continue
  name="$(basename "$f")"
  if [[ ! -e "$out/$name" ]]; then
    echo "removed    $name"
    rm -f -- "$f"
  fi
done
for f in "$out"/*; do
  name="$(basename "$f")"
  if [[ -f "$dest/$name" ]] && cmp -s "$f" "$dest/$name"; then
    echo "unchanged  $name"
  else
    [[ -f "$dest/$name" ]] && echo "updated    $name" || echo "added      $name"
    cp -- "$f" "$dest/$name"
  fi
done
