"""Train the package's fast configuration on all labelled reviews: one n-gram model.

    python examples/train_fast.py --data ../shared/data/aclImdb_train.tar.gz --output-dir runs/fast

trains ``gluon_sentiment.training.recipes.FAST_NGRAM`` (a naive-Bayes weighted
bag of words and hashed 2-/3-grams, trained with Adagrad for two epochs) on
all reviews but a stratified 5% validation slice, as
``examples/train_best.py`` trains its members, and writes a run directory
that ``gluon_sentiment.load_model`` loads. ``--test-data`` scores it on a
separate labelled set. The last line is JSON: validation and test accuracy
and the wall time, reading and encoding the reviews included.
"""
import argparse
import json
import sys

from gluon_sentiment.cli import add_common_args, run_cli
from gluon_sentiment.training.recipes import train_fast


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', required=True, help='labelled training reviews')
    parser.add_argument('--output-dir', required=True, help='run directory for the model')
    parser.add_argument('--test-data', default=None, help='separate labelled test set')
    parser.add_argument('--overwrite', action='store_true', help='replace --output-dir')
    parser.add_argument('--max-examples', type=int, default=None,
                        help='train on a balanced subset of this many reviews (a quick try)')
    add_common_args(parser)
    return parser


def _main(args):
    overrides = {'max_examples': args.max_examples} if args.max_examples else {}
    report = train_fast(args.data, args.output_dir, args.test_data, args.overwrite, **overrides)
    print(json.dumps({key: report[key] for key in ('val_accuracy', 'test_accuracy', 'seconds')
                      if key in report}))
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(_main, build_parser()))
