#!/usr/bin/env bash
# Regenerate every PDF of the sample resource library (library/**/*.pdf) from its
# source under tools/library/pdf-src/ (same sub-folder, same base name):
#   tools/library/pdf-src/<dir>/<name>.fodt  -> library/<dir>/<name>.pdf
#   tools/library/pdf-src/<dir>/<name>.html  -> library/<dir>/<name>.pdf
#
# Needs (Debian packages):
#   libreoffice-writer-nogui   (soffice, the PDF producer)
#   fonts-liberation fonts-dejavu-core   (Latin, Greek and Cyrillic glyphs)
#   poppler-utils              (optional: pdftotext/pdfinfo, used by --check)
# e.g.  apt-get update && apt-get install -y --no-install-recommends \
#         libreoffice-writer-nogui fonts-liberation fonts-dejavu-core poppler-utils
#
# Usage: tools/library/make-pdfs.sh [--check]
# Idempotent: every run rebuilds all PDFs and overwrites them in place.
# .fodt sources carry a page style with a running header and "page X of Y"
# footer; .html sources are imported with the Writer HTML filter (no header).
# The PDF Info Title comes from <dc:title> (.fodt) or <title> (.html).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
src="$here/pdf-src"
lib="$root/library"

command -v soffice >/dev/null || { echo "soffice not found: install libreoffice-writer-nogui" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# private LibreOffice profile, so a running desktop instance does not interfere
profile="file://$work/profile"

count=0
while IFS= read -r -d '' f; do
  rel="${f#"$src"/}"
  dir="$(dirname "$rel")"
  base="$(basename "$rel")"
  name="${base%.*}"
  out="$work/out/$dir"
  mkdir -p "$out" "$lib/$dir"
  case "$base" in
    *.fodt) soffice -env:UserInstallation="$profile" --headless \
              --convert-to pdf:writer_pdf_Export --outdir "$out" "$f" >/dev/null 2>&1 ;;
    *.html) soffice -env:UserInstallation="$profile" --headless \
              --infilter="HTML (StarWriter)" \
              --convert-to pdf:writer_pdf_Export --outdir "$out" "$f" >/dev/null 2>&1 ;;
  esac
  if [ ! -s "$out/$name.pdf" ]; then
    echo "FAILED: $rel" >&2; exit 1
  fi
  mv -f "$out/$name.pdf" "$lib/$dir/$name.pdf"
  count=$((count + 1))
  echo "library/$dir/$name.pdf"
done < <(find "$src" -type f \( -name '*.fodt' -o -name '*.html' \) -print0 | sort -z)

echo "$count PDFs written"

if [ "${1:-}" = "--check" ]; then
  command -v pdftotext >/dev/null || { echo "pdftotext not found: install poppler-utils" >&2; exit 1; }
  while IFS= read -r -d '' p; do
    words=$(pdftotext -enc UTF-8 "$p" - | wc -w)
    pages=$(pdfinfo "$p" | awk '/^Pages:/ {print $2}')
    title=$(pdfinfo -enc UTF-8 "$p" | sed -n 's/^Title: *//p')
    printf '%-75s %2s pages %5s words  %s\n' "${p#"$root"/}" "$pages" "$words" "$title"
  done < <(find "$lib" -name '*.pdf' -print0 | sort -z)
fi
