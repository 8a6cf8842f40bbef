#!/usr/bin/env python3
"""PDF extraction quality and speed against poppler's pdftotext.

Runs `hubsearch extract --json` over every PDF of the real corpus (one process, files in
order) and compares each text with the `NAME.pdf.ref.txt` that `pdftotext -enc UTF-8` made, as
word-level F1 over bags of words. Then runs pdftotext itself on the same files, one process per
file as it must, and prints both total times side by side.

Tokenisation (the same for both sides): Unicode NFKC, lower-case, then maximal runs of letters
(L*), combining marks (M*) and digits (N*); every CJK ideograph, kana or hangul syllable is a
token of its own (those scripts do not mark word boundaries). F1 is over multisets: overlap =
sum over words of min(count in ours, count in reference).

Classes (from manifest.tsv difficulty tags and the reference):
  scored   a reference with text, not tagged extraction-garbled: counts for the median and the
           0.85 floor;
  garbled  the reference itself is garbage (poppler could not decode the fonts): F1 shown, not
           judged;
  no-text  tagged images-only/scanned/no-extractable-text: must end in an error ("no text
           layer" for a readable file), never in an empty text;
  no-ref   pdftotext failed (empty reference): shown with our outcome.

Usage: pdf-eval.py [--bin target/release/hubsearch] [--corpus ../shared/corpus/real] [--no-pdftotext]
Python 3 standard library only.
"""
import argparse, collections, json, os, statistics, subprocess, sys, tempfile, time, unicodedata

CJK_RANGES = [(0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0x20000, 0x2FFFF)]


def is_cjk(c):
    o = ord(c)
    return any(lo <= o <= hi for lo, hi in CJK_RANGES)


def tokens(text):
    text = unicodedata.normalize("NFKC", text).lower()
    out, word = [], []
    for c in text:
        if is_cjk(c):
            if word:
                out.append("".join(word)); word = []
            out.append(c)
        elif unicodedata.category(c)[0] in "LN" or (word and unicodedata.category(c)[0] == "M"):
            word.append(c)
        elif word:
            out.append("".join(word)); word = []
    if word:
        out.append("".join(word))
    return collections.Counter(out)


def f1(ours, ref):
    if not ours or not ref:
        return 0.0, 0.0, 0.0
    overlap = sum((ours & ref).values())
    p, r = overlap / sum(ours.values()), overlap / sum(ref.values())
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(root, "target", "release", "hubsearch"))
    default_corpus = os.path.join(root, "..", "shared", "corpus", "real")
    if not os.path.isdir(default_corpus):
        default_corpus = "/work/shared/corpus/real"
    ap.add_argument("--corpus", default=default_corpus)
    ap.add_argument("--no-pdftotext", action="store_true", help="skip the pdftotext timing run")
    ap.add_argument("--json", help="also write per-file results to this file")
    args = ap.parse_args()

    tags = {}
    with open(os.path.join(args.corpus, "manifest.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            if row.get("kind") == "pdf":
                tags[os.path.basename(row["path"])] = set(row.get("difficulty", "").split(","))
    pdf_dir = os.path.join(args.corpus, "pdf")
    files = sorted(n for n in os.listdir(pdf_dir) if n.endswith(".pdf"))
    paths = [os.path.join(pdf_dir, n) for n in files]

    start = time.perf_counter()
    proc = subprocess.run([args.bin, "extract", "--json", *paths], capture_output=True, text=True)
    ours_time = time.perf_counter() - start
    results = [json.loads(line) for line in proc.stdout.split("\n") if line.strip()]
    if len(results) != len(paths):
        sys.exit(f"expected {len(paths)} results, got {len(results)} (exit {proc.returncode}): {proc.stderr[-2000:]}")

    rows = []
    for name, result in zip(files, results):
        with open(os.path.join(pdf_dir, name + ".ref.txt"), encoding="utf-8", errors="replace") as f:
            ref = tokens(f.read())
        t = tags.get(name, set())
        error = result.get("error")
        ours = tokens(result.get("text") or "")
        score, p, r = f1(ours, ref)
        if t & {"images-only", "scanned", "no-extractable-text"}:
            cls = "no-text"
            # An image-only file must be reported ("no text layer"), a broken one may fail
            # otherwise; indexing it empty is the failure.
            ok = error is not None or score >= 0.85
        elif not ref:
            cls, ok = "no-ref", True
        elif "extraction-garbled" in t:
            cls, ok = "garbled", True
        else:
            cls, ok = "scored", error is None and score >= 0.85
        rows.append(dict(file=name, cls=cls, f1=score, p=p, r=r, words=sum(ours.values()), ref_words=sum(ref.values()), error=error, ok=ok))

    print(f"{'file':48} {'class':8} {'F1':>6} {'P':>6} {'R':>6} {'words':>8} {'ref':>8}  outcome")
    for row in rows:
        outcome = "" if row["error"] is None else f"error: {row['error'][:70]}"
        flag = "" if row["ok"] else "  <-- FAIL"
        print(f"{row['file'][:48]:48} {row['cls']:8} {row['f1']:6.3f} {row['p']:6.3f} {row['r']:6.3f} {row['words']:8} {row['ref_words']:8}  {outcome}{flag}")
    scored = [r["f1"] for r in rows if r["cls"] == "scored"]
    panics = [r for r in rows if r["error"] and "panick" in r["error"]]
    print()
    print(f"scored files: {len(scored)}; median F1 {statistics.median(scored):.4f}; mean F1 {statistics.mean(scored):.4f}; "
          f"min F1 {min(scored):.4f}; below 0.85: {sum(1 for s in scored if s < 0.85)}")
    print(f"failures (judged): {[r['file'] for r in rows if not r['ok']]}")
    print(f"panics: {len(panics)}; hubsearch exit code {proc.returncode}")
    print(f"hubsearch extract --json, {len(paths)} files, one process: {ours_time:.2f} s")

    if not args.no_pdftotext:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            for i, path in enumerate(paths):
                subprocess.run(["pdftotext", "-enc", "UTF-8", path, os.path.join(tmp, f"{i}.txt")], capture_output=True)
            poppler_time = time.perf_counter() - start
        print(f"pdftotext -enc UTF-8, {len(paths)} files, one process each: {poppler_time:.2f} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
