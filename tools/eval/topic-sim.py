#!/usr/bin/env python3
"""Replays the topic classifier's selection on dumped per-topic scores, for trying selection
rules and settings in seconds (tuning set and held-out set; never tune on the held-out set).

    cargo build -p hubsearch-ingest --example topic_scores
    python3 tools/eval/topic-sim.py            # current settings, error breakdown, variants

The replay of `TopicClassifier::classify` is checked against the binary's own choice for every
document (the example prints it), so a drift between this copy and the Rust code is an error.
"""
import importlib.util
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location('ev', os.path.join(ROOT, 'tools/eval/eval-facets.py'))
ev = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ev)
EXAMPLE = os.path.join(ROOT, 'target/debug/examples/topic_scores')


def dump(labelled):
    """Per document: (path, words, {slug: (title, headings, body)}, chosen slugs)."""
    paths = [os.path.join(ROOT, p) for p, _, _ in labelled]
    out = subprocess.run([EXAMPLE, *paths], env={**os.environ, 'ALL': '1'}, capture_output=True, text=True, check=True).stdout
    docs = []
    for line in out.splitlines():
        m = re.match(r'^(\S+) \[(\w+)\] words=(\d+)', line)
        if m:
            docs.append([m.group(1), int(m.group(3)), {}, None])
            continue
        m = re.match(r'^  chosen \[(.*)\]$', line)
        if m:
            docs[-1][3] = re.findall(r'"([^"]+)"', m.group(1))
            continue
        m = re.match(r'^\s+(\S+)\s+[\d.]+\s+title ([\d.]+) headings ([\d.]+) body ([\d.]+)', line)
        if m:
            docs[-1][2][m.group(1)] = tuple(float(x) for x in m.group(2, 3, 4))
    if len(docs) != len(labelled):
        sys.exit(f'expected {len(labelled)} documents, the example printed {len(docs)}')
    return docs


def parent(slug):
    return slug.rsplit('/', 1)[0] if '/' in slug else None


def classify(parts, tw=2.0, hw=2.0, min_score=3.0, rel=0.3, max_topics=2, share=0.3, parent_only=0.0, head_min=1.0):
    """`TopicClassifier::classify` (defaults = the shipped settings); `parent_only` is a variant:
    a second branch that is a parent alone needs this fraction of the best score. A topic with
    heading evidence >= `head_min` needs only `min_score` and is kept beyond `max_topics`
    (None: no such rule)."""
    sc = {s: t * tw + h * hw + b for s, (t, h, b) in parts.items()}
    eff = dict(sc)
    for s, v in sc.items():
        p = parent(s)
        if p:
            eff[p] = max(eff.get(p, 0.0), sc.get(p, 0.0) + share * v)
    best = max(eff.values(), default=0.0)
    headed = lambda s: head_min is not None and parts.get(s, (0, 0, 0))[1] >= head_min
    strong = lambda v: v >= min_score and v >= best * rel
    ranked = sorted(((s, v) for s, v in eff.items() if strong(v) or (headed(s) and v >= min_score)), key=lambda x: -x[1])
    chosen = []
    places = 0
    for s, v in ranked:
        p = parent(s)
        if p is None and any(parent(c) == s for c in chosen):
            continue
        if p and p in chosen:
            chosen[chosen.index(p)] = s
        elif places < max_topics and strong(v) and not (parent_only and p is None and chosen and v < parent_only * best):
            chosen.append(s)
            places += 1
        elif headed(s):
            kids = [c for c in eff if parent(c) == s and strong(eff[c])]
            chosen.append(max(kids, key=lambda c: eff[c]) if kids else s)
    return chosen


def f1(labelled, docs, **kw):
    pairs = [(ev.ancestors(w), ev.ancestors(set(classify(d[2], **kw)))) for (_, _, w), d in zip(labelled, docs)]
    return ev.score(pairs)[:3]


def breakdown(labelled, docs):
    """Counts of spurious and missed (hierarchical) pairs by kind."""
    kinds = {}
    for (_, _, want), d in zip(labelled, docs):
        got = set(classify(d[2]))
        wa, ga = ev.ancestors(want), ev.ancestors(got)
        want_top = {t.split('/')[0] for t in want}
        got_top = {t.split('/')[0] for t in got}
        for s in ga - wa:
            kind = 'spurious: too specific (wanted the parent only)' if s.split('/')[0] in want_top and '/' in s and s.split('/')[0] in want else \
                'spurious: wrong child in a wanted branch' if s.split('/')[0] in want_top else 'spurious: a branch not wanted'
            kinds[kind] = kinds.get(kind, 0) + 1
        for s in wa - ga:
            kind = 'missed: wrong or no child in a found branch' if s.split('/')[0] in got_top else 'missed: a branch not found'
            kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def main():
    tune = ev.library_labels(os.path.join(ROOT, 'tools', 'eval', 'labels-library.tsv')) + ev.fixture_labels()
    held = ev.fixture_labels('labels-heldout.tsv')
    T, H = dump(tune), dump(held)
    for d in T + H:
        if classify(d[2]) != d[3]:
            sys.exit(f'replay differs from the classifier on {d[0]}: {classify(d[2])} vs {d[3]}')
    print('replay matches the classifier on all', len(T) + len(H), 'documents')
    for kind, n in sorted(breakdown(tune, T).items()):
        print(f'  {kind:<52} {n:3}')
    variants = [
        ('shipped', {}),
        ('no heading bypass (before the fifth session)', {'head_min': None}),
        ('title x1.5, parent share 0.5', {'tw': 1.5, 'share': 0.5}),
        ('max 3 topics', {'max_topics': 3}),
        ('relative score 0.4', {'rel': 0.4}),
        ('parent alone as 2nd branch needs 0.6 x best', {'parent_only': 0.6}),
        ('title x1.5, share 0.5, parent alone 0.7', {'tw': 1.5, 'share': 0.5, 'parent_only': 0.7}),
    ]
    print(f'{"variant":<46} {"tuning P/R/F1":>21} {"held-out P/R/F1":>21}')
    for name, kw in variants:
        t, h = f1(tune, T, **kw), f1(held, H, **kw)
        print(f'{name:<46} {" ".join(f"{x:.3f}" for x in t):>21} {" ".join(f"{x:.3f}" for x in h):>21}')


if __name__ == '__main__':
    main()
