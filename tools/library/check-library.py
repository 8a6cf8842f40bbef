#!/usr/bin/env python3
"""Check the sample resource library (library/) against its catalogue.

Usage:
  python3 tools/library/check-library.py            # run all checks, exit 1 on failure
  python3 tools/library/check-library.py --readme   # print the README document table

Needs: python3 >= 3.11 (tomllib), pdftotext and pdfinfo (Debian: poppler-utils).

The CATALOGUE below is the ground truth for every document of the sample library:
language, countries, topics (the first one is the main subject), type and date.
Documents with a sidecar (<file>.meta.toml) must agree with it.
"""
import html.parser
import math
import os
import re
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
LIB = os.path.join(ROOT, 'library')

TAXONOMY = {
    'reimbursement': ['schemes', 'incentives'],
    'assessment': ['clinical-value', 'cost-effectiveness', 'frameworks'],
    'integration': ['clinical-pathways', 'ehr', 'interoperability'],
    'policy': ['national-strategy', 'governance'],
    'app-quality': ['certification', 'app-repositories', 'quality-criteria'],
    'legal-ethics': ['privacy', 'ethics', 'medical-device-regulation'],
    'evidence': ['clinical-trials', 'real-world'],
    'business-models': ['funding'],
    'secondary-use': [],
    'chronic-disease': ['diabetes', 'cardiovascular', 'respiratory', 'mental-health'],
    'implementation': ['success-factors', 'case-studies'],
}
SLUGS = set(TAXONOMY) | {f'{t}/{s}' for t, subs in TAXONOMY.items() for s in subs}
DOC_TYPES = {'report', 'policy', 'framework', 'evidence', 'guide', 'case-study', 'event', 'news', 'web-page'}

# WHO European Region member states (ISO 3166-1 alpha-2) plus "EU".
WHO_EUROPE = set('AL AD AM AT AZ BY BE BA BG HR CY CZ DK EE FI FR GE DE GR HU IS IE IL IT KZ KG LV LT LU MT MC ME '
                 'NL MK NO PL PT MD RO RU SM RS SK SI ES SE CH TJ TR TM UA GB UZ'.split()) | {'EU'}

def D(path, lang, countries, topics, doc_type, published, probe, charset='utf-8'):
    return dict(path=path, lang=lang, countries=countries.split(), topics=topics.split(),
                doc_type=doc_type, published=published, probe=probe, charset=charset)

# path (relative to library/), lang, countries, topics (main first), type, published, a word that must be in the text
CATALOGUE = [
    # PDFs
    D('evidence/pt-telemonitoring-copd-evaluation-2021.pdf', 'pt', 'PT', 'evidence/real-world chronic-disease/respiratory', 'evidence', '2021-03-15', 'agudizações'),
    D('policy/de-diga-fast-track-overview-2022.pdf', 'de', 'DE', 'reimbursement/schemes legal-ethics/medical-device-regulation', 'policy', '2022-06-20', 'Versorgungseffekts'),
    D('reports/pl-mobile-health-app-certification-2023.pdf', 'pl', 'PL', 'app-quality/certification app-quality/quality-criteria', 'report', '2023-09-12', 'użyteczność'),
    D('reports/ru-kazakhstan-telemedicine-regulation-review-2020.pdf', 'ru', 'KZ', 'legal-ethics/medical-device-regulation policy/governance reimbursement/schemes', 'report', '2020-11-16', 'дистанционных'),
    D('policy/it-privacy-gdpr-health-apps-2019.pdf', 'it', 'IT EU', 'legal-ethics/privacy', 'policy', '2019-05-27', 'titolarità'),
    D('frameworks/es-cost-effectiveness-mhealth-framework-2020.pdf', 'es', 'ES', 'assessment/cost-effectiveness assessment/frameworks', 'framework', '2020-02-10', 'modelización'),
    D('evidence/pl-heart-failure-telemonitoring-outcomes-2024.pdf', 'pl', 'PL', 'chronic-disease/cardiovascular evidence/real-world', 'evidence', '2024-04-08', 'niewydolnością'),
    D('guides/fr-mon-espace-sante-integration-guide-2023.pdf', 'fr', 'FR', 'integration/ehr integration/interoperability', 'guide', '2023-01-23', 'identitovigilance'),
    D('reports/mhealth-hub-brochure-2019.pdf', 'en', 'EU', 'implementation/success-factors app-quality policy', 'report', '2019', 'Personalised'),
    D('reports/uk-mhealth-emergencies-continuity-of-care-2022.pdf', 'uk', 'UA', 'implementation/success-factors chronic-disease', 'report', '2022-10-05', 'безперервність'),
    D('evidence/en-diabetes-apps-trials-review-2016.pdf', 'en', 'GB IE DK NO', 'evidence/clinical-trials chronic-disease/diabetes', 'evidence', '2016-07-18', 'haemoglobin'),
    D('frameworks/en-mhealth-assessment-frameworks-overview-2018.pdf', 'en', 'EU DK FR ES GB BE FI DE', 'assessment/frameworks', 'framework', '2018-11-26', 'typology'),
    D('reports/be-mhealthbelgium-validation-pyramid-2021.pdf', 'fr', 'BE', 'app-quality/app-repositories reimbursement/schemes', 'report', '2021-05-17', 'déclaration'),
    D('policy/se-vision-ehalsa-2025-mobile-health-2016.pdf', 'sv', 'SE', 'policy/national-strategy', 'policy', '2016-03-30', 'egenmonitorering'),
    D('reports/tr-e-nabiz-personal-health-record-2018.pdf', 'tr', 'TR', 'integration/ehr', 'report', '2018-09-24', 'entegrasyonu'),
    D('case-studies/gr-island-telemedicine-network-2017.pdf', 'el', 'GR', 'implementation/case-studies implementation/success-factors', 'case-study', '2017-10-09', 'τηλεϊατρικής'),
    D('evidence/at-depression-app-randomised-trial-2025.pdf', 'de', 'AT', 'chronic-disease/mental-health evidence/clinical-trials', 'evidence', '2025-02-14', 'Primärversorgung'),
    D('reports/fi-mhealth-business-models-nordic-baltic-2020.pdf', 'en', 'FI EE', 'business-models/funding', 'report', '2020-09-15', 'testbeds'),
    D('reports/fr-health-data-hub-secondary-use-2020.pdf', 'fr', 'FR', 'secondary-use', 'report', '2020-06-22', 'réidentification'),
    D('policy/es-estrategia-salud-digital-sns-2021.pdf', 'es', 'ES', 'policy/national-strategy', 'policy', '2021-12-13', 'Interterritorial'),
    D('evidence/ru-diabetes-self-management-apps-review-2019.pdf', 'ru', 'RU BY', 'chronic-disease/diabetes evidence', 'evidence', '2019-04-22', 'глюкозы'),
    # HTML pages
    D('news/mhealth-hub-relaunch-2023.html', 'en', 'EU', 'policy/governance reimbursement/schemes assessment integration/clinical-pathways integration/ehr', 'news', '2023-02-27', 'transformation'),
    D('guides/en-secure-health-app-development-guide-2022.html', 'en', 'EU', 'app-quality/quality-criteria legal-ethics/privacy', 'guide', '2022-05-09', '<script>alert(1)</script>'),
    D('events/mhealth-hub-talk-reimbursement-webinar-2023.html', 'en', 'EU DE BE FR', 'reimbursement/schemes reimbursement/incentives', 'event', '2023-05-30', 'incentivisation'),
    D('events/mhealth-hub-talk-secondary-use-2023.html', 'en', 'EU FI FR', 'secondary-use', 'event', '2023-05', 'Findata'),
    D('web/fr-telesurveillance-droit-commun-2022.html', 'fr', 'FR', 'reimbursement/schemes chronic-disease', 'news', '2022-07-04', 'télésurveillance', 'windows-1252'),
    D('web/ru-moscow-blood-pressure-remote-monitoring-2020.html', 'ru', 'RU', 'chronic-disease/cardiovascular implementation/case-studies', 'news', '2020-10-12', 'артериального', 'windows-1251'),
    D('web/cz-zakon-elektronizace-zdravotnictvi-2022.html', 'cs', 'CZ', 'integration/interoperability policy/governance', 'news', '2022-03-08', 'zdravotnictví', 'iso-8859-2'),
    D('case-studies/nl-diabetes-self-management-case-study-2019.html', 'nl', 'NL', 'chronic-disease/diabetes implementation/case-studies integration/ehr', 'case-study', '2019-11-14', 'praktijkondersteuner'),
    D('web/ch-gesundheits-apps-qualitaetskriterien-2017.html', 'de', 'CH', 'app-quality/quality-criteria', 'web-page', '2017-09-18', 'Selbstdeklaration'),
    D('web/es-distintivo-appsaludable-andalucia-2015.html', 'es', 'ES', 'app-quality/certification', 'web-page', '2015-04-20', 'certificación'),
    D('news/it-pnrr-telemedicina-finanziamenti-2022.html', 'it', 'IT', 'business-models/funding integration/clinical-pathways', 'news', '2022-10-18', 'sostenibilità'),
    D('news/pt-app-sns24-adesao-2021.html', 'pt', 'PT', 'implementation/success-factors integration/ehr', 'news', '2021-06-07', 'utilizadores'),
    D('news/ro-decontare-telemedicina-cnas-2020.html', 'ro', 'RO', 'reimbursement/incentives reimbursement/schemes', 'news', '2020-12-03', 'consultațiile'),
    D('web/kz-densaulyq-saqtaudy-tsifrlandyru-2019.html', 'kk', 'KZ', 'policy/national-strategy', 'web-page', '2019-06-11', 'цифрландыру'),
    D('web/fr-has-referentiel-applications-sante-2016.html', 'fr', 'FR', 'assessment/clinical-value app-quality/quality-criteria', 'web-page', '2016-11-08', 'référentiel'),
    D('news/de-gesundheitsdatennutzung-forschung-apps-2024.html', 'de', 'DE', 'secondary-use', 'news', '2024-04-02', 'Sekundärnutzung'),
    D('events/ru-central-asia-mhealth-seminar-tashkent-2018.html', 'ru', 'UZ KZ KG TJ TM', 'implementation/success-factors policy/national-strategy', 'event', '2018-10', 'Ташкент', 'koi8-r'),
    D('news/pl-ocena-technologii-aplikacje-aotmit-2024.html', 'pl', 'PL', 'assessment/clinical-value assessment/cost-effectiveness', 'news', '2024-03-19', 'opłacalności'),
    D('web/ee-digital-prescription-interoperability-2015.html', 'en', 'EE', 'integration/interoperability integration/ehr', 'web-page', '2015-09-21', 'X-Road'),
    D('news/gb-nhs-apps-library-lessons-2021.html', 'en', 'GB', 'app-quality/app-repositories', 'news', '2021-08-16', 'decommissioned'),
    D('case-studies/dk-telecare-nord-copd-telehealth-2014.html', 'en', 'DK', 'chronic-disease/respiratory implementation/case-studies', 'case-study', '2014-11-24', 'telekit'),
    D('guides/en-ethics-quick-guide-mhealth-2024.html', 'en', 'EU NO NL PT', 'legal-ethics/ethics', 'guide', '2024-09-30', 'manipulate'),
    # plain text
    D('events/hub-talk-you-have-an-mhealth-solution-summary-2023.txt', 'en', 'EU FI ES DE', 'implementation/success-factors business-models/funding', 'event', '2023-04-12', 'pilotitis'),
    D('evidence/en-sms-reminders-tuberculosis-georgia-armenia-2017.txt', 'en', 'GE AM', 'evidence/real-world', 'evidence', '2017-06', 'video-observed'),
    D('reports/es-modelos-financiacion-msalud-2024.txt', 'es', 'ES PT', 'business-models/funding reimbursement', 'report', '2024-05', 'financiación'),
    D('policy/en-ehds-wellness-apps-secondary-use-2025.txt', 'en', 'EU FI', 'secondary-use legal-ethics/privacy', 'policy', '2025-03', 'opt-out'),
]

# Files in library/ that are not documents and must be skipped by the ingester.
NON_DOCUMENTS = ['README.md', 'web/assets/logo.png', 'data/mhealth-strategy-survey-2023.csv']

# A made-up programme name that must occur in exactly one file: the body of one PDF.
DISTINCTIVE = ('Kardiolink Mazovia', 'evidence/pl-heart-failure-telemonitoring-outcomes-2024.pdf')

# Queries (1-3 words) and the document that should rank first.
QUERIES = [
    ('en', 'TeleCare North', 'case-studies/dk-telecare-nord-copd-telehealth-2014.html'),
    ('fr', 'Mon espace santé', 'guides/fr-mon-espace-sante-integration-guide-2023.pdf'),
    ('de', 'DiGA Fast-Track', 'policy/de-diga-fast-track-overview-2022.pdf'),
    ('es', 'coste-efectividad', 'frameworks/es-cost-effectiveness-mhealth-framework-2020.pdf'),
    ('ru', 'регулирование телемедицины', 'reports/ru-kazakhstan-telemedicine-regulation-review-2020.pdf'),
    ('pl', 'niewydolnością serca', 'evidence/pl-heart-failure-telemonitoring-outcomes-2024.pdf'),
]

MIN_LANG = {'en': 3, 'fr': 3, 'de': 3, 'es': 3, 'ru': 3, 'it': 2, 'pt': 2, 'pl': 2}
EXTRA_LANGS = {'nl', 'uk', 'sv', 'cs', 'tr', 'ro', 'el', 'kk'}


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip, self.title, self._in_title = [], 0, '', False

    def handle_starttag(self, tag, attrs):
        if tag in ('script', 'style'):
            self.skip += 1
        if tag == 'title':
            self._in_title = True
        if tag in ('p', 'div', 'li', 'tr', 'h1', 'h2', 'h3', 'br', 'td', 'th'):
            self.parts.append('\n')

    def handle_endtag(self, tag):
        if tag in ('script', 'style'):
            self.skip -= 1
        if tag == 'title':
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self.skip:
            self.parts.append(data)


def declared_charset(raw):
    m = re.search(rb'charset\s*=\s*["\']?([A-Za-z0-9_-]+)', raw[:4096], re.I)
    return m.group(1).decode('ascii').lower() if m else None


def extract(rel):
    """Return (title, text) of a library document."""
    p = os.path.join(LIB, rel)
    if rel.endswith('.pdf'):
        text = subprocess.run(['pdftotext', '-enc', 'UTF-8', p, '-'], capture_output=True, check=True).stdout.decode('utf-8')
        info = subprocess.run(['pdfinfo', '-enc', 'UTF-8', p], capture_output=True, check=True).stdout.decode('utf-8')
        m = re.search(r'^Title:\s*(.*)$', info, re.M)
        return (m.group(1).strip() if m else ''), text
    raw = open(p, 'rb').read()
    if rel.endswith('.html'):
        cs = declared_charset(raw) or 'utf-8'
        parser = _Text()
        parser.feed(raw.decode(cs, errors='strict'))
        return parser.title.strip(), ''.join(parser.parts)
    text = raw.decode('utf-8')
    return text.splitlines()[0].strip(), text


def sidecar(rel):
    p = os.path.join(LIB, rel + '.meta.toml')
    if os.path.exists(p):
        with open(p, 'rb') as f:
            return tomllib.load(f)
    return None


def tokens(s):
    return re.findall(r'\w+', s.lower())


def bm25_rank(docs, query, k1=1.2, b=0.75):
    toks = {k: tokens(v) for k, v in docs.items()}
    avg = sum(len(t) for t in toks.values()) / len(toks)
    df = Counter()
    for t in toks.values():
        df.update(set(t))
    n = len(toks)
    scores = {}
    for k, t in toks.items():
        tf = Counter(t)
        s = 0.0
        for q in tokens(query):
            if tf[q]:
                idf = math.log(1 + (n - df[q] + 0.5) / (df[q] + 0.5))
                s += idf * tf[q] * (k1 + 1) / (tf[q] + k1 * (1 - b + b * len(t) / avg))
        scores[k] = s
    return sorted(scores, key=lambda k: -scores[k]), scores


def readme_table():
    rows = ['| # | Path | Kind | Lang | Countries | Topics (main first) | Type | Published | Sidecar |',
            '|---|------|------|------|-----------|---------------------|------|-----------|---------|']
    for i, d in enumerate(CATALOGUE, 1):
        kind = d['path'].rsplit('.', 1)[1].upper()
        if d['charset'] != 'utf-8':
            kind += f" ({d['charset']})"
        sc = 'yes' if os.path.exists(os.path.join(LIB, d['path'] + '.meta.toml')) else 'no'
        rows.append(f"| {i} | `{d['path']}` | {kind} | {d['lang']} | {', '.join(d['countries'])} | "
                    f"{', '.join('`' + t + '`' for t in d['topics'])} | {d['doc_type']} | {d['published']} | {sc} |")
    return '\n'.join(rows)


def main():
    if '--readme' in sys.argv:
        print(readme_table())
        return 0
    errors = []
    def err(msg):
        errors.append(msg)
        print('FAIL', msg)

    cat = {d['path']: d for d in CATALOGUE}
    # 1. files on disk vs catalogue
    on_disk = []
    for dirpath, _, files in os.walk(LIB):
        for f in files:
            rel = os.path.relpath(os.path.join(dirpath, f), LIB)
            if rel.endswith('.meta.toml'):
                if rel[:-len('.meta.toml')] not in cat:
                    err(f'sidecar without document: {rel}')
                continue
            on_disk.append(rel)
    for rel in on_disk:
        if rel not in cat and rel not in NON_DOCUMENTS:
            err(f'file not in catalogue: {rel}')
        if rel not in NON_DOCUMENTS and (rel != rel.lower() or not re.fullmatch(r'[a-z0-9/._-]+', rel)):
            err(f'file name not lowercase ascii: {rel}')
    for rel in cat:
        if rel not in on_disk:
            err(f'missing document: {rel}')

    # 2. counts
    kinds = Counter(p.rsplit('.', 1)[1] for p in cat)
    print(f"documents: {len(cat)}  pdf: {kinds['pdf']}  html: {kinds['html']}  txt: {kinds['txt']}")
    if len(cat) < 46: err('fewer than 46 documents')
    if kinds['pdf'] < 18: err('fewer than 18 PDFs')
    if kinds['html'] < 18: err('fewer than 18 HTML pages')
    if not 3 <= kinds['txt'] <= 5: err('need 3-5 txt files')
    langs = Counter(d['lang'] for d in CATALOGUE)
    print('languages:', dict(sorted(langs.items(), key=lambda kv: -kv[1])))
    for l, n in MIN_LANG.items():
        if langs[l] < n: err(f'language {l}: {langs[l]} < {n}')
    for l in EXTRA_LANGS:
        if langs[l] < 1: err(f'language {l} missing')
    countries = Counter(c for d in CATALOGUE for c in d['countries'])
    real = sorted(c for c in countries if c != 'EU')
    print(f'countries ({len(real)} + EU x{countries["EU"]}):', ' '.join(real))
    for c in countries:
        if c not in WHO_EUROPE: err(f'country not in WHO European Region: {c}')
    if len(real) < 18: err('fewer than 18 countries')
    main_topic = Counter(d['topics'][0].split('/')[0] for d in CATALOGUE)
    print('main topics:', dict(main_topic))
    for t in TAXONOMY:
        if main_topic[t] < 3: err(f'topic {t} is the main subject of only {main_topic[t]} documents')
    years = Counter(d['published'][:4] for d in CATALOGUE)
    print('years:', dict(sorted(years.items())))
    types = Counter(d['doc_type'] for d in CATALOGUE)
    print('types:', dict(types))
    if set(types) != DOC_TYPES: err(f'doc types missing: {DOC_TYPES - set(types)}')

    # 3. catalogue sanity, sidecars
    n_side = 0
    for d in CATALOGUE:
        for t in d['topics']:
            if t not in SLUGS: err(f"{d['path']}: unknown topic {t}")
        if d['doc_type'] not in DOC_TYPES: err(f"{d['path']}: bad type")
        try:
            sc = sidecar(d['path'])
        except tomllib.TOMLDecodeError as e:
            err(f"{d['path']}.meta.toml: invalid TOML: {e}")
            continue
        if sc is None:
            continue
        n_side += 1
        allowed = {'title', 'lang', 'countries', 'topics', 'doc_type', 'published', 'url', 'description', 'author', 'keywords'}
        if set(sc) - allowed: err(f"{d['path']}: unknown sidecar fields {set(sc) - allowed}")
        for key in ('lang', 'doc_type'):
            if key in sc and sc[key] != d[key]: err(f"{d['path']}: sidecar {key}={sc[key]!r} != catalogue {d[key]!r}")
        if 'published' in sc and not d['published'].startswith(sc['published']):
            err(f"{d['path']}: sidecar published={sc['published']!r} disagrees with catalogue {d['published']!r}")
        if 'countries' in sc and sc['countries'] != d['countries']: err(f"{d['path']}: sidecar countries differ")
        if 'topics' in sc and sc['topics'] != d['topics']: err(f"{d['path']}: sidecar topics differ")
        if 'published' in sc and not re.fullmatch(r'\d{4}(-\d{2}(-\d{2})?)?', sc['published']): err(f"{d['path']}: bad date")
    print(f'sidecars: {n_side} of {len(CATALOGUE)}')

    # 4. text extraction, charsets, titles, sizes, probes
    texts = {}
    for d in CATALOGUE:
        rel = d['path']
        if rel.endswith('.html'):
            cs = declared_charset(open(os.path.join(LIB, rel), 'rb').read())
            if (cs or 'utf-8') != d['charset']: err(f'{rel}: declared charset {cs} != expected {d["charset"]}')
        try:
            title, text = extract(rel)
        except Exception as e:  # decoding or pdftotext failure
            err(f'{rel}: extraction failed: {e}')
            continue
        texts[rel] = title + '\n' + text
        words = len(re.findall(r'\w+', text))
        if not title: err(f'{rel}: no title')
        if not 300 <= words <= 1700: err(f'{rel}: {words} words')
        if d['probe'].lower() not in text.lower(): err(f'{rel}: probe {d["probe"]!r} not in extracted text')
        if '\ufffd' in text: err(f'{rel}: replacement character in text')
        print(f'  ok {rel:70s} {words:5d} words  {title[:60]}')

    # 5. the <script> guide
    g = 'guides/en-secure-health-app-development-guide-2022.html'
    if '<script>alert(1)</script>' not in texts.get(g, '') or '<b>' not in texts.get(g, ''):
        err('script guide text does not contain the literal injection examples')

    # 6. the distinctive term: exactly one file (raw bytes and extracted text)
    term, where = DISTINCTIVE
    hits = set()
    for dirpath, _, files in os.walk(LIB):
        for f in files:
            p = os.path.join(dirpath, f)
            rel = os.path.relpath(p, LIB)
            if term.lower().encode() in open(p, 'rb').read().lower():
                hits.add(rel)
    hits |= {rel for rel, t in texts.items() if term.lower() in t.lower()}
    print(f'distinctive term found in: {sorted(hits)}')
    if hits != {where}: err(f'distinctive term must be in exactly {where}')
    if term.split()[0].lower() in (extract(where)[0] + where + str(sidecar(where))).lower():
        err('distinctive term in title, file name or sidecar')

    # 7. queries
    for lang, q, expected in QUERIES:
        order, scores = bm25_rank(texts, q)
        ok = order[0] == expected
        print(f'  query [{lang}] {q!r}: first = {order[0]} ({scores[order[0]]:.2f}), second = {order[1]} ({scores[order[1]]:.2f})')
        if not ok: err(f'query {q!r} ranks {order[0]} first, expected {expected}')

    # 8. size
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(LIB) for f in fs)
    print(f'total size: {total / 1024:.0f} KiB')
    if total >= 4 * 1024 * 1024: err('library is 4 MB or more')

    print(f"{len(errors)} problems" if errors else 'all checks passed')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
