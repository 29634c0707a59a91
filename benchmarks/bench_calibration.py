"""Calibration on held-out reviews: every registered model with its defaults, and the best configuration.

    python benchmarks/bench_calibration.py --data ../shared/data/aclImdb_train.tar.gz \\
        --workdir /tmp/bench_calibration

Holds out a stratified ``--test-fraction`` of the reviews (seed 42, as
bench_accuracy.py), writes both parts as JSON Lines, then:

* trains every registered model (``--models``) with its defaults on the
  training part: ``train --data TRAIN --test-data TEST --model NAME``, so
  the tutorial protocol splits 30% of TRAIN off for validation, on which
  the temperature is fitted. ``--subset NAME=N`` trains NAME on a seeded,
  class-balanced ``--max-examples N`` of TRAIN instead (the recurrent
  models read at about 100 reviews/s on 2 cores: by default 6,000 for
  ``bilstm`` and ``bigru``); the held-out reviews stay the same;
* trains the best configuration (``training/recipes.train_best``, its own
  5% validation slice of TRAIN), or reads an existing one (``--best-dir``);
  ``--no-best`` skips it.

Each is scored on the held-out reviews with and without its calibration
(every temperature, the ensemble's and its members', and any bias set
aside): ECE over 15 equal-width bins of the top probability
(:mod:`gluon_sentiment.analysis.calibration`), NLL and accuracy, beside
``ece_floor``, the mean ECE over 20 draws of labels from the calibrated
probabilities themselves (what a perfectly calibrated model with those
confidences would score on this many reviews: the binning noise), and
``ece_boot90``, the 5th and 95th percentiles of the calibrated ECE over
200 bootstrap resamples of the held-out reviews. For each single model,
``*_bias`` are the same figures with the temperature and bias per class
that ``--calibrate-bias`` fits, fitted here on the run's validation split.
The last line is one JSON object: model -> figures. ``--reuse`` scores runs
already finished in ``--workdir`` instead of training them again.
``--quick`` is a smoke version on 1,000 reviews, one epoch, ``dense`` and
``ngram``, no best configuration.
"""
import argparse
import contextlib
import json
import logging
import os
import sys
import time

import numpy as np
from sklearn.model_selection import train_test_split

from gluon_sentiment.analysis.calibration import (apply_temperature, expected_calibration_error,
                                                  fit_temperature_bias, negative_log_likelihood)
from gluon_sentiment.artifacts.store import METRICS, read_json
from gluon_sentiment.data.formats import load_dataset
from gluon_sentiment.data.pipeline import read_splits
from gluon_sentiment.data.split import balanced_subset
from gluon_sentiment.inference.loading import load_model
from gluon_sentiment.model.registry import list_models
from gluon_sentiment.training import TrainConfig, run_training
from gluon_sentiment.training.recipes import train_best

__all__ = ['main', 'held_out_scores', 'uncalibrated']

DEFAULT_SUBSETS = {'bilstm': 6000, 'bigru': 6000}


def _write_jsonl(path, texts, labels):
    with open(path, 'w', encoding='utf-8') as f:
        for text, label in zip(texts, labels):
            f.write(json.dumps({'text': text, 'label': int(label)}) + '\n')


@contextlib.contextmanager
def uncalibrated(clf):
    """``clf`` (a classifier or an ensemble) with every temperature and bias set aside."""
    parts = [clf, *getattr(clf, 'members', [])]
    saved = [(part, part.temperature, getattr(part, 'bias', None)) for part in parts]
    for part in parts:
        part.temperature = None
        if hasattr(part, 'bias'):
            part.bias = None
    try:
        yield clf
    finally:
        for part, temperature, bias in saved:
            part.temperature = temperature
            if hasattr(part, 'bias'):
                part.bias = bias


def _ece_floor(probs, draws=20, seed=0):
    rng = np.random.RandomState(seed)
    cumulative = np.cumsum(probs, axis=1)
    scores = []
    for _ in range(draws):
        y = (rng.rand(len(probs), 1) > cumulative).sum(axis=1).clip(0, probs.shape[1] - 1)
        scores.append(expected_calibration_error(probs, y))
    return float(np.mean(scores))


def _boot90(probs, y, draws=200, seed=0):
    rng = np.random.RandomState(seed)
    scores = [expected_calibration_error(probs[i], y[i])
              for i in (rng.randint(0, len(y), len(y)) for _ in range(draws))]
    return [float(np.percentile(scores, 5)), float(np.percentile(scores, 95))]


def held_out_scores(clf, texts, y, val=None):
    """ECE, NLL and accuracy of ``clf`` on ``(texts, y)`` before and after its calibration.

    ``val`` (validation texts and labels) adds the ``*_bias`` figures: the
    temperature and bias of ``--calibrate-bias`` fitted on them.
    """
    after = clf.predict_proba(texts)
    with uncalibrated(clf):
        before = clf.predict_proba(texts)
        val_probs = None if val is None else clf.predict_proba(val[0])
    out = {'n': int(len(y)), 'accuracy': float((after.argmax(axis=1) == y).mean()),
           'accuracy_before': float((before.argmax(axis=1) == y).mean()),
           'ece_before': expected_calibration_error(before, y),
           'ece_after': expected_calibration_error(after, y),
           'nll_before': negative_log_likelihood(before, y),
           'nll_after': negative_log_likelihood(after, y), 'ece_floor': _ece_floor(after),
           'ece_boot90': _boot90(after, y)}
    if val is not None:
        temperature, bias = fit_temperature_bias(val_probs, val[1])
        corrected = apply_temperature(before, temperature, bias)
        out.update(temperature_bias=[temperature, [float(b) for b in bias]],
                   accuracy_bias=float((corrected.argmax(axis=1) == y).mean()),
                   ece_after_bias=expected_calibration_error(corrected, y),
                   nll_after_bias=negative_log_likelihood(corrected, y))
    return out


def _validation(run):
    """The validation texts and labels of the run in ``run``."""
    config = TrainConfig.from_dict(read_json(os.path.join(run, 'config.json')))
    _, reviews, index, _ = read_splits(config, config.seed)
    return [reviews.texts[i] for i in index['val']], reviews.labels[index['val']]


def _train_or_reuse(config, reuse):
    path = os.path.join(config.output_dir, METRICS)
    if reuse and os.path.isfile(path) and read_json(path).get('status') == 'done':
        return read_json(path)
    return run_training(config)


def _parse_subsets(items):
    subsets = dict(DEFAULT_SUBSETS)
    for item in items or ():
        name, _, size = item.partition('=')
        subsets[name] = int(size) if size not in ('', '0', 'all') else None
    return subsets


def _parser():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', required=True)
    parser.add_argument('--workdir', required=True)
    parser.add_argument('--test-fraction', type=float, default=0.2)
    parser.add_argument('--models', default=','.join(list_models()))
    parser.add_argument('--subset', nargs='*', metavar='NAME=N',
                        help='train NAME on --max-examples N (NAME=all: every review)')
    parser.add_argument('--best-dir', default=None, help='score this train_best output instead '
                                                         'of training one')
    parser.add_argument('--no-best', action='store_true')
    parser.add_argument('--reuse', action='store_true', help='score finished runs in --workdir '
                                                             'instead of training them again')
    parser.add_argument('--quick', action='store_true')
    return parser


def main() -> None:
    """Split, train each model and the best configuration, print the held-out scores."""
    args = _parser().parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format='%(asctime)s %(name)s: %(message)s')
    reviews = load_dataset(args.data)
    if args.quick:
        reviews = reviews.subset(balanced_subset(reviews.labels, 1000, 0))
        args.models, args.no_best = 'dense,ngram', True
    train_idx, test_idx = train_test_split(np.arange(len(reviews)), test_size=args.test_fraction,
                                           random_state=42, stratify=reviews.labels)
    os.makedirs(args.workdir, exist_ok=True)
    train, test = (os.path.join(args.workdir, f'{name}.jsonl') for name in ('train', 'test'))
    for path, idx in ((train, train_idx), (test, test_idx)):
        _write_jsonl(path, [reviews.texts[i] for i in idx], reviews.labels[idx])
    texts, y = [reviews.texts[i] for i in test_idx], reviews.labels[test_idx]
    subsets = _parse_subsets(args.subset)
    result = {'data': args.data, 'sizes': {'train': len(train_idx), 'test': len(test_idx)},
              'bins': 15}
    for name in args.models.split(','):
        start = time.time()
        out = os.path.join(args.workdir, name)
        metrics = _train_or_reuse(TrainConfig(data=train, test_data=test, model=name,
                                              output_dir=out, overwrite=True,
                                              max_examples=subsets.get(name),
                                              epochs=1 if args.quick else 3), args.reuse)
        result[name] = {**held_out_scores(load_model(out), texts, y, _validation(out)),
                        'temperature': metrics['calibration']['temperature'],
                        'val_n': metrics['calibration']['n'],
                        'max_examples': subsets.get(name), 'seconds': time.time() - start}
        print(json.dumps({name: result[name]}), file=sys.stderr)
    if not args.no_best:
        start = time.time()
        best = args.best_dir or os.path.join(args.workdir, 'best')
        if not args.best_dir and not (args.reuse and os.path.isfile(os.path.join(best, METRICS))):
            train_best(train, best, test_data=test, overwrite=True)
        ensemble = load_model(best)
        result['best'] = {**held_out_scores(ensemble, texts, y),
                          'temperature': ensemble.temperature,
                          'member_temperatures': [m.temperature for m in ensemble.members],
                          'seconds': time.time() - start}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
