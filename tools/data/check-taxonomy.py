#!/usr/bin/env python3
"""Check ingest/data/taxonomy.toml: structure, labels, term syntax and counts.

Usage: python3 tools/data/check-taxonomy.py [path/to/taxonomy.toml]
Exit status 1 on errors; warnings are printed but do not fail.
"""
import os
import re
import sys
import tomllib
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "ingest", "data", "taxonomy.toml")

SLUGS = [
    "reimbursement", "reimbursement/schemes", "reimbursement/incentives",
    "assessment", "assessment/clinical-value", "assessment/cost-effectiveness", "assessment/frameworks",
    "integration", "integration/clinical-pathways", "integration/ehr", "integration/interoperability",
    "policy", "policy/national-strategy", "policy/governance",
    "app-quality", "app-quality/certification", "app-quality/app-repositories", "app-quality/quality-criteria",
    "legal-ethics", "legal-ethics/privacy", "legal-ethics/ethics", "legal-ethics/medical-device-regulation",
    "evidence", "evidence/clinical-trials", "evidence/real-world",
    "business-models", "business-models/funding",
    "secondary-use",
    "chronic-disease", "chronic-disease/diabetes", "chronic-disease/cardiovascular",
    "chronic-disease/respiratory", "chronic-disease/mental-health",
    "implementation", "implementation/success-factors", "implementation/case-studies",
]
LABEL_LANGS = ["en", "fr", "de", "es", "ru", "it", "pt", "pl"]
# language -> (min, max) number of terms per topic
TERM_RANGES = {
    "en": (10, 25), "fr": (10, 25), "de": (10, 25), "es": (10, 25), "ru": (10, 25),
    "it": (5, 15), "pt": (5, 15), "pl": (5, 15), "nl": (5, 15), "uk": (5, 15),
    "sv": (2, 6), "cs": (2, 6),
}
# Words that must not be terms on their own (they fire on every document).
TOO_GENERIC = {
    "health", "app", "apps", "mobile", "data", "digital", "mhealth", "ehealth",
    "santé", "gesundheit", "salud", "здоровье", "salute", "saúde", "zdrowie",
    "application", "applications", "aplicación", "приложение", "daten", "données",
    "evaluation", "assessment", "technology", "patient", "patients",
}
TERM_RE = re.compile(r"^[^\s*|][^*|]*?\*?$")


def fold(s):
    s = unicodedata.normalize("NFKD", s.casefold().replace("œ", "oe"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return s.replace("ł", "l").replace("ß", "ss").replace("’", "'")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    errors, warnings = [], []
    topics = data.get("topic", [])
    slugs = [t.get("slug") for t in topics]
    for s in SLUGS:
        n = slugs.count(s)
        if n != 1:
            errors.append("slug %r appears %d times" % (s, n))
    for s in slugs:
        if s not in SLUGS:
            errors.append("unexpected slug %r" % s)
    seen = set()
    for s in slugs:
        if "/" in s and s.split("/")[0] not in seen:
            errors.append("child %r before its parent" % s)
        seen.add(s)

    total = 0
    per_lang = {}
    for t in topics:
        slug = t.get("slug")
        labels = t.get("labels", {})
        for l in LABEL_LANGS:
            if not str(labels.get(l, "")).strip():
                errors.append("%s: missing label %s" % (slug, l))
        terms = t.get("terms", {})
        for lang, (lo, hi) in TERM_RANGES.items():
            n = len(terms.get(lang, []))
            if n < lo:
                errors.append("%s: %s has %d terms (< %d)" % (slug, lang, n, lo))
            elif n > hi:
                errors.append("%s: %s has %d terms (> %d)" % (slug, lang, n, hi))
        for lang, items in terms.items():
            folded = {}
            for item in items:
                total += 1
                per_lang[lang] = per_lang.get(lang, 0) + 1
                term, _, weight = item.partition("|")
                if weight:
                    try:
                        w = float(weight)
                        if not 0 < w <= 5:
                            raise ValueError
                    except ValueError:
                        errors.append("%s/%s: bad weight in %r" % (slug, lang, item))
                if term != term.strip() or "  " in term:
                    errors.append("%s/%s: stray spaces in %r" % (slug, lang, item))
                if term != term.lower():
                    errors.append("%s/%s: not lower-case: %r" % (slug, lang, item))
                if not TERM_RE.match(term):
                    errors.append("%s/%s: '*' only allowed at the end: %r" % (slug, lang, item))
                if "," in term or ";" in term:
                    errors.append("%s/%s: punctuation in %r" % (slug, lang, item))
                base = term.rstrip("*")
                if term.endswith("*") and " " not in base and len(fold(base)) < 4:
                    warnings.append("%s/%s: very short stem %r" % (slug, lang, item))
                if fold(base) in {fold(g) for g in TOO_GENERIC}:
                    errors.append("%s/%s: too generic: %r" % (slug, lang, item))
                # hyphens and apostrophes separate words, like spaces
                key = " ".join(re.split(r"[\s'-]+", fold(term)))
                if key in folded:
                    errors.append("%s/%s: duplicate %r / %r" % (slug, lang, folded[key], item))
                folded[key] = item

    for w in warnings:
        print("warning:", w)
    for e in errors:
        print("error:", e)
    print("%s: %d topics, %d terms; per language: %s" % (
        os.path.relpath(path), len(topics), total,
        " ".join("%s=%d" % (l, per_lang[l]) for l in sorted(per_lang, key=lambda l: -per_lang[l]))))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
