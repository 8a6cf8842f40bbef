#!/usr/bin/env python3
"""Language-identification evaluation of `hubsearch detect-lang` (and of document detection).

Usage: tools/eval/langid-eval.py [--bin target/release/hubsearch] [--corpus ../shared/corpus]

1. Sample accuracy: every line of langid/{long,short}.tsv (`lang<TAB>text`) is fed to
   `hubsearch detect-lang`; accuracy over the 24 EU languages, over all 38, and per language.
2. Throughput: MB/s of `detect-lang` on the long samples (median of 3 runs, process start
   included).
3. Documents: `hubsearch extract --json` on every document of real/ whose manifest label is a
   language code (not `none`/`mixed`); the detected `lang` must equal the label. Trustworthy
   labels leave out the test PDFs whose label says where the file came from, not what its text
   is in (tagged `little-text` or `lorem-ipsum`, and the TCPDF font chart labelled Latin):
   for those, right / `und` / wrong are counted apart.
The corpus is read, never copied.
"""
import argparse, json, os, statistics, subprocess, sys, time
from collections import Counter

EU = "bg cs da de el en es et fi fr ga hr hu it lt lv mt nl pl pt ro sk sl sv".split()

def run_detect(binary, texts):
    data = ("\n".join(texts) + "\n").encode("utf-8")
    start = time.perf_counter()
    out = subprocess.run([binary, "detect-lang"], input=data, capture_output=True, check=True).stdout
    return out.decode().split("\n")[: len(texts)], time.perf_counter() - start, len(data)

def sample_accuracy(binary, path):
    rows = [line.rstrip("\n").split("\t", 1) for line in open(path, encoding="utf-8") if "\t" in line]
    langs, texts = [r[0] for r in rows], [r[1] for r in rows]
    preds, _, _ = run_detect(binary, texts)
    assert len(preds) == len(texts), "detect-lang must answer one line per input line"
    ok, tot, conf = Counter(), Counter(), Counter()
    for lang, pred in zip(langs, preds):
        tot[lang] += 1
        ok[lang] += pred == lang
        if pred != lang:
            conf[(lang, pred)] += 1
    acc = lambda ls: sum(ok[l] for l in ls) / sum(tot[l] for l in ls)
    return acc(EU), acc(sorted(tot)), {l: ok[l] / tot[l] for l in sorted(tot)}, conf, texts

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/hubsearch")
    ap.add_argument("--corpus", default="../shared/corpus")
    args = ap.parse_args()
    for name in ("long", "short"):
        eu, all_, per, conf, texts = sample_accuracy(args.bin, os.path.join(args.corpus, "langid", f"{name}.tsv"))
        print(f"{name}: EU-24 {eu:.4f}  all-38 {all_:.4f}  ({len(texts)} samples)")
        print("  " + " ".join(f"{l}:{a:.3f}" for l, a in per.items()))
        print("  worst EU:", ", ".join(f"{l} {per[l]:.3f}" for l in sorted(EU, key=per.get)[:3]))
        print("  top confusions:", ", ".join(f"{a}->{b} {n}" for (a, b), n in conf.most_common(8)))
        if name == "long":
            timings = []
            for _ in range(3):
                _, secs, size = run_detect(args.bin, texts)
                timings.append(size / secs / 1e6)
            print(f"  throughput: {statistics.median(timings):.2f} MB/s (median of 3; {size / 1e6:.2f} MB)")
    real = os.path.join(args.corpus, "real")
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(real, "manifest.tsv"), encoding="utf-8")]
    head, rows = rows[0], rows[1:]
    col = {c: i for i, c in enumerate(head)}
    labelled = [(r[col["path"]], r[col["language"]]) for r in rows if r[col["language"]] not in ("none", "mixed")]
    untrusted = {r[col["path"]] for r in rows
                 if {"little-text", "lorem-ipsum"} & set(r[col["difficulty"]].split(","))
                 or r[col["path"]] == "pdf/pdfjs-standard_fonts.pdf"}
    out = subprocess.run([args.bin, "extract", "--json", "--no-sidecars", *[os.path.join(real, p) for p, _ in labelled]]
                         if "--no-sidecars" in subprocess.run([args.bin, "extract", "--help"], capture_output=True, text=True).stdout
                         else [args.bin, "extract", "--json", *[os.path.join(real, p) for p, _ in labelled]],
                         capture_output=True, text=True).stdout
    right, wrong, failed = 0, [], []
    trusted, other = Counter(), Counter()
    for (path, want), line in zip(labelled, out.split("\n")):
        doc = json.loads(line)
        if doc.get("error"):
            failed.append((path, want, doc["error"][:60]))
            continue
        got = doc.get("lang")
        outcome = "right" if got == want else "und" if got == "und" else "wrong"
        (other if path in untrusted else trusted)[outcome] += 1
        if got == want:
            right += 1
        else:
            wrong.append((path, want, got))
    print(f"real documents: {right}/{right + len(wrong)} right among those extracted; "
          f"{len(failed)} not extractable")
    print(f"trustworthy labels: {trusted['right']}/{sum(trusted.values())} right, "
          f"{trusted['und']} und, {trusted['wrong']} wrong")
    print(f"other labels (little-text, lorem-ipsum, font chart): {other['right']} right, "
          f"{other['und']} und, {other['wrong']} wrong")
    for path, want, got in wrong:
        print(f"  WRONG {path}: label {want}, detected {got}")
    for path, want, err in failed:
        print(f"  (no text) {path}: label {want}: {err}")

if __name__ == "__main__":
    main()
