"""Prediction throughput, text to label with tokenizing included: our models beside fastText.

    python benchmarks/bench_predict.py --data ../shared/data/aclImdb_train.tar.gz \\
        --model imdb --model fast=runs/fast --model multikernel=runs/multikernel \\
        --model best=runs/best

Reads the labelled reviews once (not timed) and keeps the held-out split of
``bench_peers.py`` (stratified 20%, seed 42: 5,000 of the 25,000 IMDB
reviews, which the shipped ``imdb`` model never saw). Each ``--model``
(``LABEL=PATH``, or a path or shipped name, labelled by its last folder) is
loaded and warmed up, then timed on those texts, best of ``--repeat`` runs:

* ``records/s``: ``iter_records`` (tokenize, encode, score, one record per
  text), what ``python -m gluon_sentiment.predict --verbose`` reports as
  ``N texts/s``;
* ``predict/s``: ``clf.predict(texts)``, what ``bench_peers.py`` measures;
* ``plain/s``: ``clf.predict_proba(texts)`` with the fast paths off
  (``clf.fast_paths = False``: each network by its graph), once, and whether
  its labels are those of the fast paths and how far the probabilities are
  apart.

fastText (``bench_peers.py``'s setting: word bigrams, lr 0.1, 10 epochs, 2
threads) is trained on the other reviews and timed the way ``bench_peers.py``
times it: ``model.predict`` of the texts tokenized by our tokenizer, the
tokenizing included. The load average is printed, since other work on the
machine slows every rate; the last line is one JSON object. ``--quick`` is a
smoke run on 300 reviews.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))

import numpy as np  # noqa: E402

import gluon_sentiment as gs  # noqa: E402
from gluon_sentiment.data.formats import load_dataset  # noqa: E402
from gluon_sentiment.data.split import balanced_subset, holdout_indices  # noqa: E402
from gluon_sentiment.inference.ensemble import EnsembleClassifier  # noqa: E402
from gluon_sentiment.inference.records import iter_records  # noqa: E402


def _best(fn, repeat):
    """The result of ``fn()`` and its best and median seconds over ``repeat`` runs."""
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return result, min(seconds), statistics.median(seconds)


def leaves(clf):
    """The classifiers of ``clf``: itself, or every member of an ensemble (of ensembles)."""
    if isinstance(clf, EnsembleClassifier):
        return [leaf for member in clf.members for leaf in leaves(member)]
    return [clf]


def time_model(clf, texts, repeat, batch_size):
    """Rates (records, predict, plain predict_proba), CPU seconds, and the fast/plain agreement."""
    for leaf in leaves(clf):
        leaf.batch_size = batch_size
    clf.predict(texts[:64])  # warm up the cached graphs
    _, records, _ = _best(lambda: sum(1 for _ in iter_records(clf, texts)), repeat)
    cpu = time.process_time()
    _, fast, fast_median = _best(lambda: clf.predict(texts), repeat)
    cpu = (time.process_time() - cpu) / repeat
    probs = clf.predict_proba(texts)
    clf.fast_paths = False
    plain_probs, plain, _ = _best(lambda: clf.predict_proba(texts), 1)
    clf.fast_paths = True
    n = len(texts)
    return {'records_per_sec': n / records, 'predict_per_sec': n / fast,
            'predict_median_per_sec': n / fast_median, 'predict_cpu_per_sec': n / cpu,
            'plain_predict_per_sec': n / plain,
            'labels_equal': bool((probs.argmax(axis=1) == plain_probs.argmax(axis=1)).all()),
            'max_probability_diff': float(np.abs(probs - plain_probs).max())}


def fasttext_rate(train, texts, repeat, quick):
    """fastText's predict rate on ``texts`` (bench_peers.py's model and timing), or None."""
    try:
        from bench_peers import FASTTEXT_BASE, fasttext_predict, fasttext_train
    except ImportError as err:  # fasttext or the peers' dependencies missing
        print(f'fastText left out ({err}): pip install -r benchmarks/requirements.txt')
        return None
    params = {**FASTTEXT_BASE, **({'epoch': 1} if quick else {})}
    with tempfile.TemporaryDirectory() as work:
        try:
            model, _ = fasttext_train(train[0], train[1], work, **params)
        except ImportError:
            print('fastText left out: pip install -r benchmarks/requirements.txt')
            return None
    fasttext_predict(model, texts[:64])
    _, seconds, _ = _best(lambda: fasttext_predict(model, texts), repeat)
    return len(texts) / seconds


def _split(path, quick):
    reviews = load_dataset(path)
    if quick and len(reviews) > 300:
        reviews = reviews.subset(balanced_subset(reviews.labels, 300, 0))
    split = holdout_indices(reviews.labels, 0.2)
    texts = reviews.texts
    return (([texts[i] for i in split['train']], reviews.labels[split['train']]),
            [texts[i] for i in split['test']])


def _parse_models(specs):
    models = {}
    for spec in specs or ['imdb']:
        label, _, path = spec.rpartition('=')
        models[label or os.path.basename(os.path.normpath(path))] = path
    return models


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', action='append', metavar='[LABEL=]PATH',
                        help='run, bundle, ensemble or shipped name (repeatable; default imdb)')
    parser.add_argument('--data', default=os.path.join(ROOT, '..', 'shared', 'data',
                                                       'aclImdb_train.tar.gz'))
    parser.add_argument('--batch-size', type=int, default=256,
                        help="texts per forward pass (predict's default)")
    parser.add_argument('--repeat', type=int, default=3, help='timed runs per rate (best kept)')
    parser.add_argument('--no-fasttext', action='store_true', help='leave fastText out')
    parser.add_argument('--quick', action='store_true', help='smoke run: 300 reviews')
    args = parser.parse_args()
    train, texts = _split(args.data, args.quick)
    threads = os.environ.get('OMP_NUM_THREADS', '?')
    print(f'{len(texts)} held-out reviews, batch size {args.batch_size}, best of {args.repeat}, '
          f'OMP threads {threads}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs')
    results = {'texts': len(texts), 'quick': args.quick, 'batch_size': args.batch_size}
    fasttext = None if args.no_fasttext else fasttext_rate(train, texts, args.repeat, args.quick)
    results['fasttext_predict_per_sec'] = fasttext
    print(f'{"model":14s} {"records/s":>10s} {"predict/s":>10s} {"plain/s":>9s} {"speedup":>8s} '
          f'{"vs fastText":>11s}  same labels  max |dp|')
    for label, path in _parse_models(args.model).items():
        row = time_model(gs.load_model(path), texts, args.repeat, args.batch_size)
        row['vs_fasttext'] = None if not fasttext else row['predict_per_sec'] / fasttext
        results.update({f'{label}_{key}': value for key, value in row.items()})
        ratio = '-' if row['vs_fasttext'] is None else f'{row["vs_fasttext"]:.2f}x'
        print(f'{label:14s} {row["records_per_sec"]:10.0f} {row["predict_per_sec"]:10.0f} '
              f'{row["plain_predict_per_sec"]:9.0f} '
              f'{row["predict_per_sec"] / row["plain_predict_per_sec"]:7.1f}x {ratio:>11s}  '
              f'{str(row["labels_equal"]):11s}  {row["max_probability_diff"]:.1e}')
    if fasttext:
        print(f'{"fastText":14s} {"":10s} {fasttext:10.0f}')
    results['load_average'] = os.getloadavg()[0]
    print(json.dumps(results))
    return 0


if __name__ == '__main__':
    sys.exit(main())
