#!/usr/bin/env python3
"""Generate ingest/data/country-labels.tsv (the display name of each WHO European Region
member state and the EU) and ingest/data/language-labels.tsv (the name of each language the
detector can answer) in each UI language, from Unicode CLDR territory and language names.

Usage: python3 tools/data/make-country-labels.py [--out PATH] [--languages-out PATH]
Needs: python3, Debian package unicode-cldr-core (CLDR 41: /usr/share/unicode/cldr).

countries.tsv lists every form a country is *recognised* by ("Britain", "Holland", "FYROM");
a facet label must be the one standard name, which is CLDR's territory name without `alt`.
Licence of the source data: Unicode License (Unicode-DFS-2016).
"""
import argparse
import os
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CLDR = '/usr/share/unicode/cldr/common/main'
CODES = ('AL AD AM AT AZ BY BE BA BG HR CY CZ DK EE FI FR GE DE GR HU IS IE IL IT KZ KG LV LT LU MT MC ME '
         'NL MK NO PL PT MD RO RU SM RS SK SI ES SE CH TJ TR TM UA GB UZ EU').split()
# ISO 639-1 codes the language detector can answer (ingest/src/language.rs), and the Region's
# other languages a sidecar may declare.
LANGUAGE_CODES = ('kk ky tg lb ga mt sq bs is no eu af ak am ar az be bg bn ca cs cy da de el en eo es et fa fi fr gu he hi hr hu hy id it ja jv ka km kn ko la lt lv mk ml mr my nb ne nl or pa pl pt ro ru si sk sl sn sr sv ta te th tk tl tr uk ur uz vi yi zh zu').split()
LANGS = ('en fr de es ru it pt pl uk nl sv da fi et lv lt cs sk sl hr sr bs hu ro bg el tr kk ky uz tg tk az '
         'hy ka be mk sq is ga mt lb ca eu nb').split()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--out', default=os.path.join(ROOT, 'ingest', 'data', 'country-labels.tsv'))
    parser.add_argument('--languages-out', default=os.path.join(ROOT, 'ingest', 'data', 'language-labels.tsv'))
    args = parser.parse_args()
    if not os.path.isdir(CLDR):
        sys.exit(f'{CLDR} is missing: apt-get install unicode-cldr-core')
    rows, language_rows = [], []
    for lang in LANGS:
        path = os.path.join(CLDR, f'{lang}.xml')
        if not os.path.exists(path):
            print(f'note: no CLDR locale {lang}', file=sys.stderr)
            continue
        root = ET.parse(path).getroot()
        ui = 'no' if lang == 'nb' else lang
        names = {}
        for territory in root.iter('territory'):
            if territory.get('alt') or territory.get('draft') == 'unconfirmed':
                continue
            names[territory.get('type')] = territory.text
        for code in CODES:
            if code in names:
                rows.append((code, ui, names[code]))
        languages = {}
        for language in root.iter('language'):
            if language.get('alt') or language.get('draft') == 'unconfirmed':
                continue
            if language.text:
                languages[language.get('type')] = language.text
        for code in LANGUAGE_CODES:
            if code in languages:
                language_rows.append((code, ui, languages[code]))
    with open(args.out, 'w', encoding='utf-8') as out:
        out.write('code\tlang\tlabel\n')
        for row in sorted(rows):
            out.write('\t'.join(row) + '\n')
    print(f'{args.out}: {len(rows)} labels', file=sys.stderr)
    with open(args.languages_out, 'w', encoding='utf-8') as out:
        out.write('code\tlang\tlabel\n')
        for row in sorted(language_rows):
            out.write('\t'.join(row) + '\n')
    print(f'{args.languages_out}: {len(language_rows)} labels', file=sys.stderr)


if __name__ == '__main__':
    main()
