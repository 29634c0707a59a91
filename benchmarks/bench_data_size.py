"""Accuracy against the number of training reviews: the learned embedding against GloVe's defaults.

    python benchmarks/bench_data_size.py --data ../shared/data/aclImdb_train.tar.gz \\
        --plot data_size.png [--sizes 250,500,1000] [--seeds 0,1,2]

The tutorial's reason for transfer learning, "what if we are restricted to
a small amount of data?", measured. The reviews are split once by the
tutorial's protocol (12,250 training, 5,250 validation, 7,500 test
reviews). For every size in ``--sizes`` and every seed in ``--seeds``, a
class-balanced subset of that many training reviews (drawn with the seed,
:func:`gluon_sentiment.data.split.balanced_subset`) trains two networks
with the package's defaults and nothing else, the seed also seeding the
training:

* ``learned``: the default multi-kernel CNN, its embedding learned from scratch;
* ``glove``: the same with ``--embedding glove.6B.50d --multichannel``
  (``--embedding`` chooses other vectors), which brings in the measured
  defaults of pretrained vectors (``gluon_sentiment/training/defaults.py``).

The vocabulary is counted on the subset alone (its size the default of the
case: 5,000 words learned, 50,000 with GloVe); validation (best epoch) and
test splits are the same for every run. Each run's time (data encoding
apart) is in the JSON. It prints one row per size (mean
and spread of test accuracy over the seeds), the size where the two lines
cross last (interpolated in log size: beyond it one line stays ahead; or
that one line is ahead at every size),
draws mean test accuracy against size, one line per embedding, as a PNG
(``--plot``; Agg, through :mod:`gluon_sentiment.analysis.plots`), and ends
with one JSON line. ``--quick`` trains one epoch per run (for a smoke test).
``--include OUTPUT`` adds the runs of an earlier output (say more seeds at
the small sizes, where the spread is largest); ``--sizes ''`` with
``--include`` only summarizes and draws.
"""
import argparse
import dataclasses
import json
import logging
import math
import os
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.figure import Figure

from gluon_sentiment.analysis.plots import save_figure
from gluon_sentiment.data.pipeline import encode_splits, read_splits
from gluon_sentiment.data.split import balanced_subset
from gluon_sentiment.training.config import TrainConfig
from gluon_sentiment.training.fit import run_training

SIZES = (250, 500, 1000, 2000, 5000, 12250)
SEEDS = (0, 1, 2)
#: name -> TrainConfig fields beyond the defaults ('EMBEDDING' stands for --embedding)
EMBEDDINGS = {'learned': {}, 'glove': {'embedding': 'EMBEDDING', 'multichannel': True}}


def _ints(text: str) -> List[int]:
    return [int(v) for v in text.split(',') if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', help='IMDB-style folder or .tar.gz (needed unless --sizes is '
                        "'' and --include gives every run)")
    parser.add_argument('--sizes', type=_ints, default=list(SIZES),
                        help="training reviews per run, comma-separated ('': train nothing)")
    parser.add_argument('--include', action='append', default=[], metavar='OUTPUT',
                        help="an earlier run's output (its last line's JSON): its runs are added "
                             '(e.g. more seeds at some sizes); repeatable')
    parser.add_argument('--test-reviews', type=int, default=7500,
                        help='test reviews named on the plot when nothing is trained')
    parser.add_argument('--seeds', type=_ints, default=list(SEEDS), help='seeds, comma-separated')
    parser.add_argument('--embedding', default='glove.6B.50d', help="the 'glove' line's vectors")
    parser.add_argument('--plot', default=None, help='PNG file of accuracy against size')
    parser.add_argument('--epochs', type=int, default=None,
                        help='epochs per run (default: the package default; --quick: 1)')
    parser.add_argument('--quick', action='store_true', help='one epoch per run (smoke test)')
    return parser


def _run(config: TrainConfig, data, out: str) -> Dict:
    config = dataclasses.replace(config, output_dir=out, overwrite=True)
    start = time.perf_counter()
    metrics = run_training(config, data=data)
    return {'test_accuracy': metrics['test_accuracy'], 'val_accuracy': metrics['val_accuracy'],
            'seconds': time.perf_counter() - start}


def measure(args: argparse.Namespace, workdir: str) -> Tuple[Dict[str, Dict[int, List[Dict]]], int]:
    """Every run, ``{embedding: {size: [result per seed]}}``, and the number of test reviews."""
    results = {name: {} for name in EMBEDDINGS}
    if not args.sizes:
        return results, 0
    if not args.data:
        raise SystemExit('--data PATH: the reviews to train on')
    base = TrainConfig(data=args.data, calibrate=False,
                       **({'epochs': args.epochs or 1} if args.quick or args.epochs else {}))
    source, reviews, index, _ = read_splits(base, 0)
    texts, labels = list(reviews.texts), reviews.labels
    train = index['train']
    for size in args.sizes:
        if size > len(train):
            raise SystemExit(f'--sizes {size}: the training split has only {len(train)} reviews')
        for seed in args.seeds:
            rows = train[balanced_subset(labels[train], size, seed)]
            for name, fields in EMBEDDINGS.items():
                fields = {k: args.embedding if v == 'EMBEDDING' else v for k, v in fields.items()}
                config = dataclasses.replace(base, **fields, seed=seed).resolved()
                data = encode_splits(texts, labels, {**index, 'train': rows}, config, source,
                                     reviews.class_names)  # the vocabulary of the subset
                result = _run(config, data, os.path.join(workdir, f'{name}-{size}-{seed}'))
                results[name].setdefault(size, []).append({**result, 'seed': seed})
                print(f'  {name:8s} size {size:6d} seed {seed}: test {result["test_accuracy"]:.4f} '
                      f'val {result["val_accuracy"]:.4f} ({result["seconds"]:.0f} s)', flush=True)
    return results, len(index['test'])


def crossing(sizes: Sequence[int], learned: Sequence[float],
             glove: Sequence[float]) -> Optional[float]:
    """The size of the last crossing: where ``glove - learned`` last changes sign,
    interpolated in log size (None: it never does). Beyond it one line stays ahead."""
    diff = np.asarray(glove, dtype=float) - np.asarray(learned, dtype=float)
    point = None
    for i in range(len(sizes) - 1):
        if diff[i] == 0 and i > 0:
            point = float(sizes[i])
        elif diff[i] * diff[i + 1] < 0:
            a, b = math.log(sizes[i]), math.log(sizes[i + 1])
            t = diff[i] / (diff[i] - diff[i + 1])
            point = float(math.exp(a + t * (b - a)))
    return point


def crossing_sentence(sizes: Sequence[int], learned: Sequence[float],
                      glove: Sequence[float]) -> str:
    """One sentence on where the lines cross."""
    point = crossing(sizes, learned, glove)
    diff = np.asarray(glove, dtype=float) - np.asarray(learned, dtype=float)
    if point is not None:
        ahead = 'GloVe' if diff[-1] > 0 else 'the learned embedding'
        changes = int(np.sum(diff[:-1] * diff[1:] < 0))
        more = f' (the lines cross {changes} times in all)' if changes > 1 else ''
        return f'{ahead} is ahead from about {point:,.0f} training reviews on{more}'
    leader = 'GloVe' if np.mean(diff) > 0 else 'the learned embedding'
    return (f'no crossing between {sizes[0]:,} and {sizes[-1]:,} reviews: {leader} is ahead at '
            'every size')


def plot(sizes: Sequence[int], means: Dict[str, List[float]], spreads: Dict[str, List[float]],
         path: str, note: str, num_test: int) -> None:
    """Mean test accuracy against training reviews (log axis), one line per embedding."""
    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    labels = {'learned': 'embedding learned from scratch',
              'glove': 'GloVe 6B 50d, two channels (the defaults)'}
    for name, style in (('learned', 'o-'), ('glove', 's-')):
        ax.errorbar(sizes, means[name], yerr=spreads[name], fmt=style, capsize=3,
                    label=labels[name])
    ax.set_xscale('log')
    ax.set_xticks(sizes)
    ax.set_xticklabels([f'{s:,}' for s in sizes])
    ax.set_xlabel('training reviews')
    ax.set_ylabel(f'test accuracy ({num_test:,} reviews)')
    ax.set_title('Accuracy against data size (multikernel CNN, defaults)')
    ax.grid(alpha=0.3)
    ax.legend(loc='lower right')
    fig.text(0.01, 0.01, note, fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    save_figure(fig, path)


def merge(results: Dict[str, Dict[int, List[Dict]]], paths: Sequence[str]) -> None:
    """Add the runs of earlier outputs (``--include``: their last line's JSON) to ``results``."""
    for path in paths:
        with open(path, encoding='utf-8') as f:
            earlier = json.loads(f.read().strip().splitlines()[-1])
        for name in EMBEDDINGS:
            for size, runs in earlier['runs'][name].items():
                results[name].setdefault(int(size), []).extend(runs)


def summarize(results: Dict[str, Dict[int, List[Dict]]]) -> Dict[str, object]:
    """Sizes, mean and std of test accuracy per size and embedding, runs per size."""
    sizes = sorted(set(results['learned']) & set(results['glove']))
    stats = {}
    for name in EMBEDDINGS:
        accuracies = [[r['test_accuracy'] for r in results[name][s]] for s in sizes]
        stats[f'{name}_mean'] = [float(np.mean(a)) for a in accuracies]
        stats[f'{name}_std'] = [float(np.std(a)) for a in accuracies]
    return {'sizes': sizes, 'runs_per_size': [len(results['glove'][s]) for s in sizes], **stats}


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix='bench_data_size_') as workdir:
        results, num_test = measure(args, workdir)
    merge(results, args.include)
    summary = summarize(results)
    sizes, means = summary['sizes'], {n: summary[f'{n}_mean'] for n in EMBEDDINGS}
    spreads = {n: summary[f'{n}_std'] for n in EMBEDDINGS}
    print(f'{"reviews":>8s}  {"runs":>4s}  {"learned":>15s}  {"glove":>15s}  {"glove - learned":>15s}')
    for i, size in enumerate(sizes):
        print(f'{size:8,d}  {summary["runs_per_size"][i]:4d}  {means["learned"][i]:.4f} ± '
              f'{spreads["learned"][i]:.4f}  {means["glove"][i]:.4f} ± {spreads["glove"][i]:.4f}  '
              f'{means["glove"][i] - means["learned"][i]:+15.4f}')
    sentence = crossing_sentence(sizes, means['learned'], means['glove'])
    print('crossing:', sentence)
    if args.plot:
        runs = sorted(set(summary['runs_per_size']))
        plot(sizes, means, spreads, args.plot, f'mean ± std over {"/".join(map(str, runs))} '
             f'seeds per size; {sentence}', num_test or args.test_reviews)
    print(json.dumps({
        **summary, 'seeds': args.seeds, 'quick': args.quick, 'test_reviews': num_test,
        'crossing_reviews': crossing(sizes, means['learned'], means['glove']),
        'crossing': sentence, 'plot': args.plot,
        'runs': {n: {str(s): results[n][s] for s in sizes} for n in EMBEDDINGS},
        'wall_seconds': round(time.perf_counter() - start, 1)}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
