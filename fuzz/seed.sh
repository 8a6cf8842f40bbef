#!/usr/bin/env bash
# Seeds the fuzz corpora at run time from the real PDFs (they are not ours to copy into the
# repository): every PDF under 256 KiB, for both targets (CMaps are embedded in them).
# Usage: fuzz/seed.sh [CORPUS_DIR]   (default ../shared/corpus/real/pdf, else /work/shared/...)
set -euo pipefail
cd "$(dirname "$0")"
src="${1:-../../shared/corpus/real/pdf}"
[ -d "$src" ] || src=/work/shared/corpus/real/pdf
for target in pdf_extract cmap_parse; do
  mkdir -p "corpus/$target"
  find "$src" -name '*.pdf' -size -256k -exec cp {} "corpus/$target/" \;
done
echo "seeded $(ls corpus/pdf_extract | wc -l) files from $src"
