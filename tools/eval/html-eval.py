#!/usr/bin/env python3
"""Main-content quality of HTML extraction against reference texts.

Runs `hubsearch extract --json` over every `*.html` of a corpus directory (default
`../shared/corpus/real/html`) and compares each page's text with `<page>.ref.txt`
(trafilatura's main-content text): word-level precision, recall and F1 (bag of words,
case-folded, punctuation stripped), per page and as medians. Flags pages whose text has U+FFFD
while the reference has none, and pages that failed. Exit status 1 if a target is missed.

Usage: tools/eval/html-eval.py [--bin target/release/hubsearch] [--corpus DIR] [--verbose]
"""
import argparse
import collections
import glob
import json
import os
import re
import statistics
import subprocess
import sys
import time

WORD = re.compile(r"\w+", re.UNICODE)


def words(text):
    # Table cells come out of trafilatura as "| a | b |": the bars are not words.
    return collections.Counter(w.casefold() for w in WORD.findall(text))


def prf(got, ref):
    overlap = sum((got & ref).values())
    p = overlap / sum(got.values()) if got else (1.0 if not ref else 0.0)
    r = overlap / sum(ref.values()) if ref else (1.0 if not got else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.normpath(os.path.join(here, "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(root, "target", "release", "hubsearch"))
    ap.add_argument("--corpus", default=os.path.normpath(os.path.join(root, "..", "..", "shared", "corpus", "real", "html")))
    ap.add_argument("--verbose", action="store_true", help="print every page")
    args = ap.parse_args()

    pages = sorted(glob.glob(os.path.join(args.corpus, "*.html")))
    if not pages:
        sys.exit(f"no *.html in {args.corpus}")
    started = time.monotonic()
    run = subprocess.run([args.bin, "extract", "--json", *pages], capture_output=True, text=True)
    elapsed = time.monotonic() - started
    results = [json.loads(line) for line in run.stdout.split("\n") if line.strip()]
    if len(results) != len(pages):
        sys.exit(f"expected {len(pages)} results, got {len(results)}; stderr: {run.stderr[-2000:]}")

    rows, errors, fffd = [], [], []
    for page, result in zip(pages, results):
        name = os.path.basename(page)
        if result.get("error"):
            errors.append((name, result["error"]))
            continue
        text = result.get("text") or ""
        with open(page + ".ref.txt", encoding="utf-8") as f:
            ref = f.read()
        if "\ufffd" in text and "\ufffd" not in ref:
            fffd.append(name)
        p, r, f1 = prf(words(text), words(ref))
        rows.append((name, p, r, f1))

    total_bytes = sum(os.path.getsize(p) for p in pages)
    print(f"{'page':58} {'P':>6} {'R':>6} {'F1':>6}")
    for name, p, r, f1 in sorted(rows, key=lambda row: row[3]):
        if args.verbose or f1 < 0.9 or p < 0.9:
            print(f"{name:58} {p:6.3f} {r:6.3f} {f1:6.3f}")
    med = lambda i: statistics.median(row[i] for row in rows) if rows else 0.0
    mean = lambda i: statistics.mean(row[i] for row in rows) if rows else 0.0
    print(f"pages: {len(pages)}, errors: {len(errors)}, U+FFFD where the reference has none: {len(fffd)}")
    print(f"median precision {med(1):.3f}, median recall {med(2):.3f}, median F1 {med(3):.3f}")
    print(f"mean precision {mean(1):.3f}, mean recall {mean(2):.3f}, mean F1 {mean(3):.3f}")
    # Translations of one page (NAME.xx.html, three or more) weigh like one page here.
    stems = collections.Counter(re.sub(r"\.[a-z]{2}\.html$", "", row[0]) for row in rows)
    single = [row for row in rows if stems[re.sub(r"\.[a-z]{2}\.html$", "", row[0])] < 3]
    if single:
        smed = lambda i: statistics.median(row[i] for row in single)
        print(f"without translation sets ({len(single)} pages): median precision {smed(1):.3f}, "
              f"median recall {smed(2):.3f}, median F1 {smed(3):.3f}")
    print(f"{total_bytes / 1e6:.1f} MB in {elapsed:.2f} s (whole extract command, language and topics included): "
          f"{total_bytes / 1e6 / elapsed:.1f} MB/s")
    for name, error in errors:
        print(f"error: {name}: {error}")
    for name in fffd:
        print(f"U+FFFD: {name}")
    ok = not errors and not fffd and med(3) >= 0.90 and med(1) >= 0.90
    print("targets met" if ok else "targets MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
