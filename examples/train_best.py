"""Train the package's best configuration on all labelled reviews, as an ensemble.

    python examples/train_best.py --data ../shared/data/aclImdb_train.tar.gz --output-dir runs/best

trains the members of ``gluon_sentiment.training.recipes.BEST_MEMBERS`` (a naive-Bayes
weighted bag of hashed 1-3-grams, weight 2, and Kim's CNN on two channels of
GloVe vectors, weight 1) on all
reviews but a stratified 5% validation slice, and writes an ensemble that
``gluon_sentiment.load_model`` loads like a single model. ``--test-data``
scores it on a separate labelled set.
"""
import argparse
import json
import sys

from gluon_sentiment.training.recipes import train_best
from gluon_sentiment.cli import add_common_args, run_cli


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', required=True, help='labelled training reviews')
    parser.add_argument('--output-dir', required=True, help='folder for the ensemble')
    parser.add_argument('--test-data', default=None, help='separate labelled test set')
    parser.add_argument('--overwrite', action='store_true', help='replace --output-dir')
    parser.add_argument('--max-examples', type=int, default=None,
                        help='train on a balanced subset of this many reviews (a quick try)')
    add_common_args(parser)
    return parser


def _main(args):
    overrides = {'max_examples': args.max_examples} if args.max_examples else {}
    report = train_best(args.data, args.output_dir, args.test_data, args.overwrite, **overrides)
    print(json.dumps({key: report[key] for key in ('val_accuracy', 'test_accuracy', 'seconds')
                      if key in report}))
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(_main, build_parser()))
