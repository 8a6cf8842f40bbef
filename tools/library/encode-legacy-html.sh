#!/usr/bin/env bash
# Re-encode the legacy-charset HTML pages of the sample library.
# Sources are kept in UTF-8 under tools/library/legacy-html-src/<dir>/<name>.html;
# each is converted to the charset that its own <meta charset> / http-equiv
# declaration names and written to library/<dir>/<name>.html.
# Needs: iconv (libc-bin). Fails if a character cannot be represented.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
src="$here/legacy-html-src"
while IFS= read -r -d '' f; do
  rel="${f#"$src"/}"
  cs="$(grep -oiE 'charset="?[A-Za-z0-9_-]+' "$f" | head -1 | sed -E 's/charset="?//I')"
  [ -n "$cs" ] || { echo "no charset declared in $rel" >&2; exit 1; }
  mkdir -p "$root/library/$(dirname "$rel")"
  iconv -f UTF-8 -t "$cs" "$f" > "$root/library/$rel"
  echo "library/$rel ($cs)"
done < <(find "$src" -name '*.html' -print0 | sort -z)
