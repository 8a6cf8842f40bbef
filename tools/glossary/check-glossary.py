#!/usr/bin/env python3
"""Checks index/data/glossary.tsv against word lists and corpora.

1. Every word of every term against wordfreq's list for the term's language (PyPI wordfreq
   3.1.1, the same package the language model is built from; `sh` for hr, nb for nb); a word
   missing from the list is printed, for a human to look at (rare compounds and inflected
   forms are expected there).
2. Every term against the texts of the given corpora (files or directories: .txt, .html,
   .ref.txt, and `lang<TAB>text` .tsv samples): how many terms occur somewhere (folded, as
   the index folds them).

Usage (see tools/langid/README.md for fetching wordfreq and msgpack):
  venv/bin/python tools/glossary/check-glossary.py --wordfreq wf/wordfreq/data \\
      /work/shared/corpus/langid /work/shared/corpus/real /work/shared/seeds library
"""
import argparse
import collections
import gzip
import os
import re
import sys
import unicodedata

GLOSSARY = os.path.join(os.path.dirname(__file__), "..", "..", "index", "data", "glossary.tsv")
WORDFREQ_LANG = {"hr": "sh", "nb": "nb"}


def fold(text):
    text = text.casefold()
    text = unicodedata.normalize("NFKD", text)
    # Latin diacritics only, as the neutral analyzer does (Cyrillic and Greek keep theirs).
    out = []
    for ch in text:
        if unicodedata.combining(ch) and out and out[-1].isascii():
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)).replace("ß", "ss").replace("œ", "oe").replace("ł", "l")


def words(text):
    return re.findall(r"\w+", fold(text))


def load_glossary():
    terms = []
    for line in open(GLOSSARY, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        concept, lang, cell = line.rstrip("\n").split("\t")
        for term in cell.split(";"):
            terms.append((concept, lang, term.strip()))
    return terms


def wordfreq_words(data_dir, lang):
    import msgpack

    code = WORDFREQ_LANG.get(lang, lang)
    for size in ("large", "small"):
        path = os.path.join(data_dir, f"{size}_{code}.msgpack.gz")
        if os.path.exists(path):
            with gzip.open(path, "rb") as f:
                packed = msgpack.load(f, raw=False, strict_map_key=False)
            return {fold(w) for bucket in packed[1:] for w in bucket}
    return None


def corpus_texts(paths):
    for root in paths:
        files = [root] if os.path.isfile(root) else [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
        for path in files:
            if path.endswith(".tsv"):
                for line in open(path, encoding="utf-8", errors="replace"):
                    yield line.split("\t", 1)[-1]
            elif path.endswith((".txt", ".html", ".htm")):
                yield open(path, encoding="utf-8", errors="replace").read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wordfreq", help="wordfreq's data directory")
    parser.add_argument("corpora", nargs="*")
    args = parser.parse_args()
    terms = load_glossary()
    concepts = {c for c, _, _ in terms}
    cells = {(c, l) for c, l, _ in terms}
    print(f"{len(concepts)} concepts, {len(cells)} concept-language cells, {len(terms)} terms")
    if args.wordfreq:
        by_lang = collections.defaultdict(list)
        for concept, lang, term in terms:
            by_lang[lang].append((concept, term))
        checked = known = 0
        for lang, items in sorted(by_lang.items()):
            vocabulary = wordfreq_words(args.wordfreq, lang)
            if vocabulary is None:
                continue
            missing = []
            for concept, term in items:
                for word in words(term):
                    checked += 1
                    if word in vocabulary:
                        known += 1
                    else:
                        missing.append(word)
            print(f"{lang}: {len(missing)} of the words not in wordfreq: {' '.join(sorted(set(missing)))}")
        print(f"wordfreq: {known}/{checked} words known")
    if args.corpora:
        text = " " + " ".join(" ".join(words(t)) for t in corpus_texts(args.corpora)) + " "
        found = [(c, l, t) for c, l, t in terms if f" {' '.join(words(t))} " in text]
        print(f"corpora: {len(found)}/{len(terms)} terms occur; per language:")
        per = collections.Counter(l for _, l, _ in found)
        total = collections.Counter(l for _, l, _ in terms)
        print(" ".join(f"{l}:{per[l]}/{total[l]}" for l in sorted(total)))


if __name__ == "__main__":
    sys.exit(main())
