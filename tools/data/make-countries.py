#!/usr/bin/env python3
"""Build ingest/data/countries.tsv, the country gazetteer used by hubsearch.

Scope: the 53 member states of the WHO European Region plus EU (European
Union).  Output columns (tab-separated, with a header line):

    code  lang  term  kind  flags

  code   ISO 3166-1 alpha-2 (plus the reserved code EU)
  lang   ISO 639-1 code of the language the term is written in
         (sr / bs / uz / az cover both Cyrillic and Latin spellings)
  term   the surface form, with its proper capitalisation and diacritics;
         a trailing "*" means prefix match on the last word
  kind   name | official | adjective | inflection
  flags  comma-separated, may be empty:
           case      only match when capitalised as written
           ambiguous a mention alone is weak evidence for the country

Sources (all read from the local machine, nothing is downloaded):
  * Debian iso-codes:  /usr/share/iso-codes/json/iso_3166-1.json and the
    gettext catalogues /usr/share/locale/<lang>/LC_MESSAGES/iso_3166-1.mo
    (name, official_name, common_name) -- required.
  * Debian unicode-cldr-core: /usr/share/unicode/cldr/common/main/<lang>.xml
    <territory> names incl. alt="short"/"variant" -- optional, used if present.
    Entries marked draft="unconfirmed" are skipped.
  * Curated files beside this script (columns: code lang term flags):
      country-adjectives.tsv   adjectives / demonyms        -> kind adjective
      country-inflections.tsv  inflected forms and stems     -> kind inflection
      country-names-extra.tsv  names in neither source       -> kind name
        (constituent countries of the UK, "Holland", ...)

Usage:
    python3 tools/data/make-countries.py [--out ingest/data/countries.tsv]

-----------------------------------------------------------------------------
LIKELY FALSE-POSITIVE TRAPS (keep this list up to date; most are handled by
the `case` / `ambiguous` flags assigned below or in the curated files)
-----------------------------------------------------------------------------
  en  "Turkey"        the bird / food; -> case.  "Türkiye" is the ISO name now.
  en  "Georgia"       US state (Atlanta, Emory, Georgia Tech, CDC!) -> case,
                      ambiguous; the same holds for "Georgia"/"Géorgie"/
                      "Georgien"/"Geórgia" in other Latin-script languages and
                      for the adjective "Georgian" (also the British era).
  el  "Γεωργία"       also means "agriculture" -> ambiguous.
  *   "Macedonia"     (without "North") the Greek region / ancient kingdom
                      -> ambiguous; "North Macedonia" must win by longest
                      match, otherwise it also fires on the bare form.
  *   "Moldova"/"Moldavia"/"Moldau"  Romanian region (ro "Moldova" is both),
                      "Moldau" is also the German name of the Vltava river
                      -> ambiguous (the "Republic of Moldova" forms are not).
  *   "Luxembourg"    Belgian province, also the Paris "Jardin/Palais du
                      Luxembourg" (French Senate) -> ambiguous.
  *   "Ireland"       occurs inside "Northern Ireland" (UK): the gazetteer
                      lists "Northern Ireland" under GB; a matcher must prefer
                      the longest match.  Same for "Great Britain"/"Britain".
  nl/is/fi  "Wit-Rusland", "Hvíta-Rússland", "Valko-Venäjä" (Belarus) contain
                      the word for Russia: a tokenizer that splits on "-" must
                      still prefer the longest (hyphenated) match.
  *   source errors: iso-codes 4.15 ca names North Macedonia "República de
                      Lituània del Nord", tk gives Latvia Lithuania's name ->
                      BLOCKLIST below; the generator warns about any term
                      shared by two codes in one language.
  de/sv/da/cs/...  "Island" (Iceland) is the English word "island" -> case,
                      ambiguous.
  es/it/pt "Malta"    malt (es), mortar (it), gang/crowd (pt) -> case.
  it  "Monaco"        also Munich (Monaco di Baviera) and "monk" -> case,
                      ambiguous.
  fr  "Suède"         also suede leather ("suède") -> case.
  en  "Polish"        the verb / noun "polish" -> case.
  en  "Welsh", es "Gales"  verb "welsh" / English "gales" -> case.
  en  "Swiss"         "Swiss cheese model" (patient-safety literature) -> ambiguous.
  en  "German measles" (rubella), "Spanish flu" (1918 influenza),
      "Turkish"/"Russian"/"French"/"German"/... as *language* names
      ("available in Russian") -> adjectives that are also names of a
      language used in several countries are flagged ambiguous
      (Russian: RU but also BY, KZ, KG, UA, the Baltics...; Turkish: CY too;
      French: BE, CH, LU, MC; German: AT, CH, LU, BE; ...).
  *   two-letter abbreviations: "GB" (gigabyte), "MB" (sq, megabyte), "RU"
      (es/ca "Reino Unido", but also the ISO code of Russia), "VK"
      (VKontakte), "ОК" (mk, "okay"), "УК" (ru "criminal code") ...
      -> case, ambiguous; only "UK", "EU", "UE", "ЕС" are trusted (case).
  *   "European"/"européen"/"europäisch" are NOT evidence for the EU (Europe
      as a continent, the WHO European Region itself!) -> not listed.
  *   "Kosovo" is not a WHO member state and is not listed.
  ru  "Грузи*" would match "грузить" (to load) -> explicit forms instead.
  uk  "дані" is "data" -> Denmark's forms are listed explicitly (Данії...).
  ru  "Германи*" also matches "германий" (germanium) -> case.
  en  "Jersey", "Guernsey", "Man" are Crown dependencies, not listed.
  en  "Turkmen", "Turk" -- "Turk*" would swallow Turkmenistan; the curated
      files never use a stem that is a prefix of another country's name.
-----------------------------------------------------------------------------
"""
import argparse
import gettext
import json
import os
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

ISO_JSON = "/usr/share/iso-codes/json/iso_3166-1.json"
ISO_MO = "/usr/share/locale/{loc}/LC_MESSAGES/iso_3166-1.mo"
CLDR_MAIN = "/usr/share/unicode/cldr/common/main"

# The 53 member states of the WHO European Region.
WHO_EUROPE = (
    "AL AD AM AT AZ BY BE BA BG HR CY CZ DK EE FI FR GE DE GR HU IS IE IL IT "
    "KZ KG LV LT LU MT MC ME NL MK NO PL PT MD RO RU SM RS SK SI ES SE CH TJ "
    "TR TM UA GB UZ"
).split()
CODES = WHO_EUROPE + ["EU"]

# Languages of the Region.  Output code -> locale names in each source.
LANGS = ("en fr de es it pt pl ru uk nl sv da fi et lv lt cs sk sl hr sr bs "
         "hu ro bg el tr kk ky uz tg tk az hy ka be mk sq is ga mt lb ca eu").split()
MO_LOCALES = {"sr": ["sr", "sr@latin"], "uz": ["uz", "uz@cyrillic"]}
CLDR_LOCALES = {"sr": ["sr", "sr_Latn"], "bs": ["bs", "bs_Cyrl"],
                "uz": ["uz", "uz_Cyrl"], "az": ["az", "az_Cyrl"]}

KIND_ORDER = {"name": 0, "official": 1, "adjective": 2, "inflection": 3}
VALID_FLAGS = ("case", "ambiguous")

# Known errors in the sources: (code, lang, term) rows that must not be used.
BLOCKLIST = {
    # iso-codes 4.15 ca: official name of North Macedonia mistranslated
    # as "Lithuania of the North".
    ("MK", "ca", "República de Lituània del Nord"),
    # iso-codes 4.15 tk: Latvia given Lithuania's name.
    ("LV", "tk", "Litwiýa"),
    ("LV", "tk", "Litwiýa Respublikasy"),
}

# Extra flags for specific terms, whatever source they come from.
# key: (lang or "*", term exactly as written) -> flags
TERM_FLAGS = {
    ("en", "Turkey"): {"case"},
    ("en", "Georgia"): {"case", "ambiguous"},
    ("es", "Malta"): {"case"}, ("it", "Malta"): {"case"}, ("pt", "Malta"): {"case"},
    ("it", "Monaco"): {"case", "ambiguous"},
    ("fr", "Suède"): {"case"},
    ("*", "Island"): {"case", "ambiguous"},
    ("el", "Γεωργία"): {"ambiguous"},
}
# Short abbreviations (<= 3 letters, all capitals) get `case`; all of them
# except these also get `ambiguous`.
TRUSTED_ABBREVIATIONS = {"UK", "EU", "UE", "ЕС", "ЄС", "BiH", "FYROM", "ARYM"}

# North Macedonia: a form without "north" is ambiguous (Greek Macedonia).
NORTH_MARKERS = [
    "north", "nord", "norte", "polnoc", "северн", "північн", "паўночн", "noord",
    "pohjois", "pohja", "ziemel", "siaur", "severn", "sjevern", "eszak",
    "βορει", "kuzey", "солтүстік", "шимол", "demirgazyk", "simali",
    "հյուսիսային", "ჩრდილოეთ", "veriut", "thuaisceart", "tramuntana",
    "ipar", "түндүк", "shimoliy", "norður", "thuaidh", "fuq", "сјеверн",
    "yugoslav", "yougoslave", "jugoslaw", "yugoslava", "iugoslava", "югославск",
    "fyrom", "arym",
]
# Moldova: only "Republic of Moldova"-type forms are unambiguous.
REPUBLIC_MARKERS = [
    "republ", "респуб", "рэспуб", "tasavalta", "vabariik", "koztarsasag",
    "републ", "repubbl", "cumhuriyet", "δημοκρατ", "poblacht", "ҷумҳури", "lýðveld",
    "հանրապետ", "რესპუბლიკ", "respublik",
]


def fold(s):
    """Lower-case and strip diacritics (what the matcher does)."""
    s = unicodedata.normalize("NFKD", s.casefold())
    s = "".join(c for c in s if not unicodedata.combining(c))
    return s.replace("ł", "l").replace("ø", "o").replace("đ", "d").replace("ß", "ss")


def is_abbreviation(term):
    letters = [c for c in term if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and len(letters) <= 4


def rule_flags(code, lang, term, kind):
    """Flags that follow from the rules above (curated flags are added too)."""
    flags = set()
    flags |= TERM_FLAGS.get((lang, term), set())
    flags |= TERM_FLAGS.get(("*", term), set())
    f = fold(term)
    if is_abbreviation(term):
        flags.add("case")
        if term not in TRUSTED_ABBREVIATIONS:
            flags.add("ambiguous")
    if kind in ("name", "official", "inflection"):
        if code == "MK" and not any(fold(m) in f for m in NORTH_MARKERS):
            flags.add("ambiguous")
        if code == "MD" and not any(fold(m) in f for m in REPUBLIC_MARKERS):
            flags.add("ambiguous")
        if code == "LU" and kind != "official":
            flags.add("ambiguous")
        if code == "GE" and f.startswith("georg"):
            flags.add("ambiguous")
    return flags


def clean(term):
    term = re.sub(r"\s+", " ", term.replace("\u00a0", " ")).strip()
    return term


def unusable(term):
    """Inverted catalogue forms ("Moldova, Republic of") are not running text."""
    return ", " in term or " - " in term or "(" in term


def load_iso(rows, stats):
    with open(ISO_JSON, encoding="utf-8") as fh:
        entries = {e["alpha_2"]: e for e in json.load(fh)["3166-1"]}
    for code in WHO_EUROPE:
        e = entries[code]
        fields = [("name", "name"), ("common_name", "name"), ("official_name", "official")]
        for key, kind in fields:
            if key in e:
                rows.append((code, "en", e[key], kind, "iso-codes", set()))
        for lang in LANGS:
            if lang == "en":
                continue
            for loc in MO_LOCALES.get(lang, [lang]):
                path = ISO_MO.format(loc=loc)
                if not os.path.exists(path):
                    continue
                with open(path, "rb") as fh:
                    catalog = gettext.GNUTranslations(fh)._catalog
                stats.setdefault("iso-codes locales", set()).add(loc)
                for key, kind in fields:
                    if key in e and e[key] in catalog and catalog[e[key]]:
                        rows.append((code, lang, catalog[e[key]], kind, "iso-codes", set()))


def load_cldr(rows, stats):
    if not os.path.isdir(CLDR_MAIN):
        print("note: CLDR not installed (%s); skipping" % CLDR_MAIN, file=sys.stderr)
        return
    for lang in LANGS:
        for loc in CLDR_LOCALES.get(lang, [lang]):
            path = os.path.join(CLDR_MAIN, loc + ".xml")
            if not os.path.exists(path):
                continue
            stats.setdefault("CLDR locales", set()).add(loc)
            root = ET.parse(path).getroot()
            for t in root.iter("territory"):
                code = t.get("type")
                if code not in CODES:
                    continue
                if t.get("draft") == "unconfirmed":
                    stats["cldr unconfirmed skipped"] = stats.get("cldr unconfirmed skipped", 0) + 1
                    continue
                text = (t.text or "").strip()
                if not text or text == "↑↑↑":
                    continue
                rows.append((code, lang, text, "name", "cldr:" + (t.get("alt") or ""), set()))


def load_curated(rows, fname, kind):
    path = os.path.join(HERE, fname)
    if not os.path.exists(path):
        print("note: %s not found; skipping" % fname, file=sys.stderr)
        return
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if cols[:3] == ["code", "lang", "term"]:
                continue  # header
            if len(cols) < 3:
                sys.exit("%s:%d: expected code<TAB>lang<TAB>term[<TAB>flags]" % (fname, n))
            code, lang, term = cols[0].strip(), cols[1].strip(), cols[2].strip()
            flags = {f.strip() for f in (cols[3] if len(cols) > 3 else "").split(",") if f.strip()}
            if code not in CODES:
                sys.exit("%s:%d: unknown code %r" % (fname, n, code))
            bad = flags - set(VALID_FLAGS)
            if bad:
                sys.exit("%s:%d: unknown flag(s) %s" % (fname, n, ",".join(sorted(bad))))
            if term.endswith("*") and len(fold(term.split(" ")[-1].rstrip("*"))) < 5:
                print("warning: %s:%d: short stem %r" % (fname, n, term), file=sys.stderr)
            rows.append((code, lang, term, kind, fname, flags))


def maltese_variants(rows):
    """mt names carry the article ("il-Portugall"); add the bare form too."""
    extra = []
    for code, lang, term, kind, src, flags in rows:
        if lang == "mt":
            m = re.match(r"^(?:i[lċdnrstxżz]|l)-(.+)$", term)
            if m and len(m.group(1)) >= 3:
                extra.append((code, lang, m.group(1), kind, src + "+bare", set(flags)))
    rows.extend(extra)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "ingest", "data", "countries.tsv"))
    args = ap.parse_args()

    if len(WHO_EUROPE) != 53 or len(set(WHO_EUROPE)) != 53:
        sys.exit("WHO_EUROPE must list 53 distinct codes")

    stats = {}
    rows = []
    load_iso(rows, stats)
    load_cldr(rows, stats)
    maltese_variants(rows)
    load_curated(rows, "country-names-extra.tsv", "name")
    load_curated(rows, "country-adjectives.tsv", "adjective")
    load_curated(rows, "country-inflections.tsv", "inflection")

    out = {}
    dropped = {"blocklist": 0, "inverted": 0, "short": 0}
    for code, lang, term, kind, src, flags in rows:
        term = clean(term)
        if (code, lang, term) in BLOCKLIST:
            dropped["blocklist"] += 1
            continue
        if unusable(term):
            dropped["inverted"] += 1
            continue
        flags = set(flags) | rule_flags(code, lang, term, kind)
        if len(term.rstrip("*")) < 3 and not flags:
            dropped["short"] += 1
            continue
        # Terms are matched case-insensitively (unless flagged `case`), so
        # "An Albáin"/"an Albáin" are one entry; the first spelling seen wins
        # (iso-codes before CLDR before curated files).
        key = (code, lang, term if "case" in flags else term.casefold())
        if key in out:
            old_term, old_kind, old_flags = out[key]
            # keep the strongest kind (name > official > adjective > inflection)
            kind = min(old_kind, kind, key=KIND_ORDER.get)
            flags |= old_flags
            term = old_term
        out[key] = (term, kind, flags)
    out = {(code, lang, term): (kind, flags)
           for (code, lang, _), (term, kind, flags) in out.items()}

    # Sanity checks.
    codes_seen = {k[0] for k in out}
    missing = set(CODES) - codes_seen
    if missing:
        sys.exit("no terms for: " + " ".join(sorted(missing)))
    by_form = {}
    for (code, lang, term) in out:
        by_form.setdefault((lang, fold(term)), set()).add(code)
    clashes = {k: v for k, v in by_form.items() if len(v) > 1}
    for (lang, f), cs in sorted(clashes.items()):
        print("warning: %s %r used for %s" % (lang, f, ",".join(sorted(cs))), file=sys.stderr)

    ordered = sorted(out.items(), key=lambda kv: (kv[0][0], kv[0][1], KIND_ORDER[kv[1][0]], kv[0][2]))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("code\tlang\tterm\tkind\tflags\n")
        for (code, lang, term), (kind, flags) in ordered:
            fl = ",".join(f for f in VALID_FLAGS if f in flags)
            fh.write("%s\t%s\t%s\t%s\t%s\n" % (code, lang, term, kind, fl))

    # Report.
    print("wrote %s: %d rows, %d codes" % (os.path.relpath(args.out, ROOT), len(ordered), len(codes_seen)))
    for k in sorted(stats):
        v = stats[k]
        print("  %s: %s" % (k, " ".join(sorted(v)) if isinstance(v, set) else v))
    print("  dropped: " + ", ".join("%s=%d" % kv for kv in sorted(dropped.items())))
    per_lang = {}
    per_kind = {}
    for (code, lang, term), (kind, flags) in ordered:
        per_lang.setdefault(lang, {}).setdefault(kind, 0)
        per_lang[lang][kind] += 1
        per_kind[kind] = per_kind.get(kind, 0) + 1
    print("  per kind: " + ", ".join("%s=%d" % (k, per_kind[k]) for k in sorted(per_kind, key=KIND_ORDER.get)))
    print("  per language (total: name/official/adjective/inflection):")
    for lang in sorted(per_lang, key=lambda l: (LANGS.index(l) if l in LANGS else 99, l)):
        d = per_lang[lang]
        print("    %-3s %5d  %s" % (lang, sum(d.values()),
                                   "/".join(str(d.get(k, 0)) for k in KIND_ORDER)))
    langs_per_code = {}
    for (code, lang, term) in out:
        langs_per_code.setdefault(code, set()).add(lang)
    thin = [c for c in CODES if len(langs_per_code.get(c, ())) < 20]
    if thin:
        print("  codes with < 20 languages: " + " ".join(thin))


if __name__ == "__main__":
    main()
