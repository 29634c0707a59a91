"""Train the model shipped in the package (``load_model('imdb')``) and write its model card.

    python examples/train_pretrained.py --data ../shared/data/aclImdb_train.tar.gz --out build/imdb
    cp -r build/imdb gluon_sentiment/pretrained/imdb     # to ship it (a maintainer's step)

1. holds out a stratified 20% of the labelled reviews (seed 42: the split of
   ``benchmarks/bench_peers.py``, so that benchmark scores the shipped model
   on reviews it never saw);
2. trains ``gluon_sentiment.training.recipes.FAST_NGRAM`` on the other 80%
   with ``--protocol full`` (its own 5% validation slice picks the epoch and
   fits the temperature);
3. compresses the run to ``--max-size`` (``gluon_sentiment.deploy.compress``);
4. scores the run and the compressed model on the held-out reviews:
   accuracy, macro-F1, ROC-AUC, expected calibration error, texts/s;
5. writes ``OUT``: the compressed run, its ``metrics.json`` with the split
   and the held-out figures, and ``MODEL_CARD.md``.

The last line is JSON: the held-out figures before and after compression.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

import gluon_sentiment as gs
from gluon_sentiment.analysis.calibration import expected_calibration_error
from gluon_sentiment.analysis.metrics import classification_metrics, multiclass_metrics
from gluon_sentiment.artifacts.store import METRICS, read_json, write_json
from gluon_sentiment.cli import add_common_args, run_cli
from gluon_sentiment.data.formats import load_dataset
from gluon_sentiment.data.split import holdout_indices
from gluon_sentiment.deploy.compress import compress_model
from gluon_sentiment.inference.pretrained import MODEL_CARD
from gluon_sentiment.training.recipes import FAST_NGRAM

TEST_FRACTION, SEED = 0.2, 42
CARD = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'model_card_template.md')


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', required=True, help='the IMDB training reviews (archive or folder)')
    parser.add_argument('--out', required=True, help='folder for the shipped model')
    parser.add_argument('--max-size', default='12MB', help='size bound of the compressed model')
    parser.add_argument('--overwrite', action='store_true', help='replace --out')
    parser.add_argument('--max-examples', type=int, default=None,
                        help='train on a subset of this many reviews (a quick try)')
    add_common_args(parser)
    return parser


def held_out_figures(model, texts, labels):
    """Accuracy, macro-F1, ROC-AUC, ECE and texts/s of ``model`` on the held-out reviews."""
    clf = gs.load_model(model)
    clf.predict_proba(texts[:64])  # warm: the first call plans the graph
    start = time.perf_counter()
    probs = clf.predict_proba(texts)
    rate = len(texts) / (time.perf_counter() - start)
    binary = classification_metrics(labels, probs[:, 1])
    macro_f1 = multiclass_metrics(labels, probs, clf.class_names)['macro_f1']
    return {'accuracy': binary['accuracy'], 'macro_f1': macro_f1, 'roc_auc': binary['roc_auc'],
            'ece': expected_calibration_error(probs, labels), 'texts_per_sec': rate,
            'reviews': len(labels)}


def write_card(out, figures, metrics):
    """``OUT/MODEL_CARD.md`` from the template, filled with the measured figures."""
    run, small = figures['run'], figures['compressed']
    values = {f'{name}_{key}': (f'{value:.4f}' if isinstance(value, float) and key != 'texts_per_sec'
                                else f'{value:,.0f}' if key == 'texts_per_sec' else value)
              for name, row in figures.items() if isinstance(row, dict)
              for key, value in row.items()}
    values.update(version=gs.__version__, fields=json.dumps(FAST_NGRAM, sort_keys=True),
                  train_reviews=f'{metrics["split"]["train_reviews"]:,}',
                  test_reviews=f'{metrics["split"]["test_reviews"]:,}',
                  size_mb=f'{figures["size_bytes"] / 1e6:.1f}',
                  temperature=f'{(metrics.get("calibration") or {}).get("temperature") or 1:.3f}',
                  loss_points=f'{100 * (run["accuracy"] - small["accuracy"]):.2f}',
                  train_seconds=f'{figures["train_seconds"]:.0f}')
    with open(CARD, encoding='utf-8') as f:
        text = f.read().format(**values)
    with open(os.path.join(out, MODEL_CARD), 'w', encoding='utf-8') as f:
        f.write(text)


def _main(args):
    if os.path.exists(args.out) and not args.overwrite:
        raise gs.RunDirError(f'--out {args.out}: exists; choose a new folder or pass --overwrite')
    reviews = load_dataset(args.data)
    split = holdout_indices(reviews.labels, TEST_FRACTION, SEED)
    train, test = split['train'], split['test']
    if args.max_examples:
        train = train[:args.max_examples]
    texts = [reviews.texts[i] for i in test]
    with tempfile.TemporaryDirectory() as work:
        run = os.path.join(work, 'run')
        start = time.perf_counter()
        names = reviews.class_names  # ('negative', 'positive')
        gs.train_classifier([reviews.texts[i] for i in train],
                            [names[y] for y in reviews.labels[train]], classes=names,
                            output_dir=run, protocol='full', **FAST_NGRAM)
        figures = {'train_seconds': time.perf_counter() - start}
        figures['run'] = held_out_figures(run, texts, reviews.labels[test])
        staged = os.path.join(work, 'compressed')
        figures['compression'] = compress_model(run, staged, args.max_size)
        report = os.path.join(staged, 'compression.json')  # no temporary paths in what ships
        write_json(report, {**read_json(report), 'source': 'examples/train_pretrained.py',
                            'out': os.path.basename(os.path.normpath(args.out))})
        figures['compressed'] = held_out_figures(staged, texts, reviews.labels[test])
        figures['size_bytes'] = sum(os.path.getsize(os.path.join(staged, f))
                                    for f in os.listdir(staged))
        metrics = read_json(os.path.join(staged, METRICS))
        metrics['split'] = {'seed': SEED, 'test_fraction': TEST_FRACTION,
                            'train_reviews': len(train), 'test_reviews': len(test),
                            'data': os.path.basename(os.path.normpath(args.data))}
        metrics['held_out'] = {key: figures[key] for key in ('run', 'compressed')}
        write_json(os.path.join(staged, METRICS), metrics)
        write_card(staged, figures, metrics)
        if os.path.exists(args.out):
            shutil.rmtree(args.out)
        shutil.copytree(staged, args.out)
        os.chmod(args.out, 0o755)  # the staging folder was private
    print(json.dumps({key: figures[key] for key in ('run', 'compressed', 'size_bytes',
                                                    'train_seconds')}))
    return 0


if __name__ == '__main__':
    np.set_printoptions(precision=4)
    sys.exit(run_cli(_main, build_parser()))
