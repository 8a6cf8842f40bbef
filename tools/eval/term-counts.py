#!/usr/bin/env python3
"""Prints the number of terms of every topic in every language of the taxonomy, and flags the
lists thinner than a share of the topic's median list, so gaps between languages show:

    python3 tools/eval/term-counts.py [--min N]

(`every_builtin_topic_has_enough_terms_in_each_listed_language` in ingest/src/topic.rs holds
the floor.)"""
import argparse
import os
import statistics
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--min', type=int, default=6, help='flag lists with fewer terms than this')
    args = ap.parse_args()
    with open(os.path.join(ROOT, 'ingest/data/taxonomy.toml'), 'rb') as f:
        topics = tomllib.load(f)['topic']
    langs = []
    for t in topics:
        langs += [lang for lang in t.get('terms', {}) if lang not in langs]
    print(f'{"topic":40}' + ''.join(f'{lang:>4}' for lang in langs))
    thin = []
    for t in topics:
        counts = [len(t.get('terms', {}).get(lang, [])) for lang in langs]
        median = statistics.median(counts)
        print(f'{t["slug"]:40}' + ''.join(f'{n:>3}{"!" if n < args.min or n < median / 3 else " "}' for n in counts))
        thin += [(t['slug'], lang, n) for lang, n in zip(langs, counts) if n < args.min or n < median / 3]
    print(f'\n{len(thin)} thin lists (fewer than {args.min} terms or a third of the median, marked !)')


if __name__ == '__main__':
    main()
