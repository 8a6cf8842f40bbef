#!/usr/bin/env python3
"""Evaluate topic and country detection on a labelled set, with sidecars ignored.

Usage:
  python3 tools/eval/eval-facets.py [--bin target/release/hubsearch] [--errors] [--heldout-errors]
      [--library-labels FILE|catalogue] [--tuning-labels FILE]

The tuning set is the sample library (expected countries from the CATALOGUE of
tools/library/check-library.py, expected topics from tools/eval/labels-library.tsv, labelled by
the protocol in BENCHMARKS.md; `--library-labels catalogue` uses the CATALOGUE's topics instead)
plus the fixtures listed in tools/eval/labels.tsv (`--tuning-labels` names another file, e.g. an
older revision, so that old and new labels can be compared on the same build). The
held-out set (tools/eval/labels-heldout.tsv) was labelled before the classifier first ran on
it and is not used for tuning: its figures are printed apart, and its errors only on request
(--heldout-errors), so that looking at them stays a deliberate act. Every file
is run through `hubsearch extract --json --no-sidecars`, so the figures measure detection, not
the curated sidecars.

Printed: country precision/recall/F1 over (document, country) pairs; topic precision/recall/F1
three ways: exact slugs, hierarchical (both sides expanded with their ancestors: the
(document, value) pairs the topic facet filters and counts) and top level only. --errors lists
every document with a missed or spurious value.
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def library_labels(topics_file):
    """The sample library: countries from the CATALOGUE, topics from `topics_file` (path\ttopics)
    unless it is 'catalogue'. Every catalogued document must have a topic line."""
    spec = importlib.util.spec_from_file_location('check_library', os.path.join(ROOT, 'tools', 'library', 'check-library.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = [(os.path.join('library', d['path']), set(d['countries']), set(d['topics'])) for d in module.CATALOGUE]
    if topics_file == 'catalogue':
        return rows
    topics = {}
    with open(topics_file, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line or line.startswith('#') or line.startswith('path\t'):
                continue
            path, slugs = (line.split('\t') + [''])[:2]
            topics[path] = set(slugs.split()) - {'-'}
    missing = [p for p, _, _ in rows if p not in topics]
    unknown = sorted(set(topics) - {p for p, _, _ in rows})
    if missing or unknown:
        sys.exit(f'{topics_file}: no topic line for {missing}; not in the catalogue: {unknown}')
    return [(p, c, topics[p]) for p, c, _ in rows]


def fixture_labels(name='labels.tsv'):
    rows = []
    path = name if os.path.isabs(name) or os.sep in name else os.path.join(ROOT, 'tools', 'eval', name)
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line or line.startswith('#') or line.startswith('path\t'):
                continue
            path, countries, topics = (line.split('\t') + ['', ''])[:3]
            split = lambda s: set(s.split()) - {'-'}
            rows.append((path, split(countries), split(topics)))
    return rows


def ancestors(slugs):
    out = set()
    for slug in slugs:
        parts = slug.split('/')
        out.update('/'.join(parts[:i]) for i in range(1, len(parts) + 1))
    return out


def score(pairs):
    tp = sum(len(e & p) for e, p in pairs)
    fp = sum(len(p - e) for e, p in pairs)
    fn = sum(len(e - p) for e, p in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp, fp, fn


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--bin', default=os.path.join(ROOT, 'target', 'debug', 'hubsearch'))
    parser.add_argument('--errors', action='store_true', help='list the tuning documents with errors')
    parser.add_argument('--heldout-errors', action='store_true', help='list the held-out documents with errors')
    parser.add_argument('--library-labels', default=os.path.join(ROOT, 'tools', 'eval', 'labels-library.tsv'),
                        help="topic labels of the sample library, or 'catalogue' for the CATALOGUE's topics")
    parser.add_argument('--tuning-labels', default='labels.tsv', help='fixture labels of the tuning set')
    parser.add_argument('--heldout-labels', default='labels-heldout.tsv', help='labels of the held-out set')
    args = parser.parse_args()

    heldout = fixture_labels(args.heldout_labels)
    library = library_labels(args.library_labels)
    labelled = library + fixture_labels(args.tuning_labels) + heldout
    paths = [os.path.join(ROOT, p) for p, _, _ in labelled]
    out = subprocess.run([args.bin, 'extract', '--json', '--no-sidecars', *paths], capture_output=True, text=True, cwd=ROOT)
    results = [json.loads(line) for line in out.stdout.split("\n") if line.strip()]
    if len(results) != len(labelled):
        sys.exit(f'expected {len(labelled)} results, got {len(results)}: {out.stderr}')

    countries, exact, hierarchical, top = [], [], [], []
    errors = []
    for (path, want_c, want_t), got in zip(labelled, results):
        if got.get('error'):
            sys.exit(f'{path}: {got["error"]}')
        got_c, got_t = set(got['countries']), set(got['topics'])
        countries.append((want_c, got_c))
        exact.append((want_t, got_t))
        hierarchical.append((ancestors(want_t), ancestors(got_t)))
        top.append(({t.split('/')[0] for t in want_t}, {t.split('/')[0] for t in got_t}))
        if want_c != got_c or ancestors(want_t) != ancestors(got_t):
            errors.append((path, want_c, got_c, want_t, got_t))

    n_lib = len(library)
    n_tune = len(labelled) - len(heldout)
    held_c, held_h, held_x = countries[n_tune:], hierarchical[n_tune:], exact[n_tune:]
    all_c, all_h = countries, hierarchical
    countries, hierarchical, exact, top = countries[:n_tune], hierarchical[:n_tune], exact[:n_tune], top[:n_tune]
    print(f'tuning documents: {n_tune} ({n_lib} sample library, {n_tune - n_lib} fixtures); held-out: {len(heldout)}; sidecars ignored')
    print(f'{"facet":<26} {"precision":>9} {"recall":>7} {"F1":>6} {"tp":>5} {"fp":>4} {"fn":>4}')
    rows = [('country', countries), ('topic (hierarchical)', hierarchical), ('topic (exact slug)', exact), ('topic (top level)', top)]
    rows += [('  country, library only', countries[:n_lib]), ('  country, fixtures only', countries[n_lib:]),
             ('  topic (hier.), library', hierarchical[:n_lib]), ('  topic (hier.), fixtures', hierarchical[n_lib:]),
             ('held-out country', held_c), ('held-out topic (hier.)', held_h), ('held-out topic (exact)', held_x),
             (f'all {len(labelled)}: country', all_c), (f'all {len(labelled)}: topic (hier.)', all_h)]
    for name, pairs in rows:
        p, r, f, tp, fp, fn = score(pairs)
        print(f'{name:<26} {p:9.3f} {r:7.3f} {f:6.3f} {tp:5} {fp:4} {fn:4}')
    shown = [e for e in errors if (args.errors and not e[0].startswith('tools/eval/heldout/'))
             or (args.heldout_errors and e[0].startswith('tools/eval/heldout/'))]
    if shown:
        for path, want_c, got_c, want_t, got_t in shown:
            print(f'\n{path}')
            if want_c != got_c:
                print(f'  countries: missed {sorted(want_c - got_c)} spurious {sorted(got_c - want_c)}')
            wa, ga = ancestors(want_t), ancestors(got_t)
            if wa != ga:
                print(f'  topics: want {sorted(want_t)} got {sorted(got_t)}; missed {sorted(wa - ga)} spurious {sorted(ga - wa)}')


if __name__ == '__main__':
    main()
