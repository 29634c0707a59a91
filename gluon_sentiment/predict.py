"""Command line: classify texts with a trained run or an exported bundle.

Examples::

    python -m gluon_sentiment.predict --model runs/multikernel "the movie was awesome. Loved it"
    python -m gluon_sentiment.predict --model bundles/multikernel --input reviews.txt \\
        --format jsonl --verbose > predictions.jsonl
    cat reviews.txt | python -m gluon_sentiment.predict --model runs/multikernel --input -
    python -m gluon_sentiment.predict --model runs/multikernel --explain \\
        "unintelligent, gross, and vulgar—but I loved it"
    python -m gluon_sentiment.predict --model runs/multikernel --input 'shards/*.txt' \\
        --output-dir scores --dask local:2

``--format table`` (the default) prints one line per text: the label,
P(negative), P(positive) (a run of other classes: one ``name=p`` column per
class) and the text, tab-separated (with ``--explain``, an
indented line per n-gram follows). ``--format jsonl`` prints one JSON object
per line: ``text``, ``label``, ``probabilities`` (and ``explanation``).
With ``--output-dir``, ``--input`` is a glob of files, each scored to
``OUT/<stem>.jsonl`` in JSON Lines, resumably, in-process or on Dask
(:mod:`gluon_sentiment.deploy.batch_scoring`).
"""
import argparse
import sys
from typing import List, Optional

from .analysis.explain import explain
from .cli import add_common_args, run_cli
from .deploy.batch_scoring import ScoringOptions, plan_shards, run_batch
from .errors import ConfigError
from .inference.loading import load_model
from .inference.pretrained import DEFAULT_MODEL
from .inference.records import format_record, Throughput, iter_records, read_lines

__all__ = ['build_parser', 'main', 'format_record']


def build_parser() -> argparse.ArgumentParser:
    """The ``predict`` argument parser."""
    parser = argparse.ArgumentParser(prog='python -m gluon_sentiment.predict',
                                     description=__doc__.split('\n')[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--model', default=DEFAULT_MODEL,
                        help='run directory, bundle or ensemble, or the name of a model shipped '
                             'with the package (the IMDB model by default)')
    group = parser.add_argument_group('input')
    group.add_argument('texts', nargs='*', help='texts to classify')
    group.add_argument('--input', metavar='FILE',
                       help="file of texts, one per line; '-' reads standard input; with "
                            '--output-dir, a glob of such files')
    group = parser.add_argument_group('prediction')
    group.add_argument('--batch-size', type=int, default=256, help='texts per forward pass')
    group.add_argument('--chunk-size', type=int, default=4096,
                       help='texts read, predicted and written at a time')
    group.add_argument('--explain', action='store_true',
                       help='show the n-grams (multikernel) or words that drove each decision')
    group.add_argument('--top-k', type=int, default=5, help='n-grams or words per explanation')
    group.add_argument('--no-fast-paths', dest='fast_paths', action='store_false',
                       help='score every network by its MXNet graph, not by the numpy paths of '
                            'the n-gram table and Kim\'s CNN (same predictions, slower)')
    group.add_argument('--threshold', type=float, default=None,
                       help='binary runs: label positive when P(positive) > THRESHOLD '
                            "(default: the run's saved threshold, else the most probable class)")
    group = parser.add_argument_group('output')
    group.add_argument('--format', choices=('table', 'jsonl'), default='table',
                       help='a tab-separated table, or JSON Lines')
    group.add_argument('--verbose', action='store_true',
                       help='report the number of texts and the throughput on standard error')
    group = parser.add_argument_group('batch scoring (JSON Lines files)')
    group.add_argument('--output-dir', metavar='OUT',
                       help='score each --input file to OUT/<stem>.jsonl; complete ones skipped')
    group.add_argument('--dask', metavar='local:N|tcp://HOST:PORT',
                       help='score the files on a Dask cluster: N local worker processes, '
                            'or the scheduler at that address')
    group.add_argument('--dask-timeout', type=float, default=10.0,
                       help='seconds to wait for the Dask scheduler and a worker')
    group.add_argument('--overwrite', action='store_true',
                       help='delete the files in --output-dir first and score every file')
    add_common_args(parser)
    return parser


def _main(args: argparse.Namespace) -> int:
    if bool(args.texts) == bool(args.input):
        raise ConfigError('give texts as arguments or --input FILE (or --input - for '
                          'standard input), not both and not neither')
    for name in ('batch_size', 'chunk_size', 'top_k'):
        if getattr(args, name) < 1:
            raise ConfigError(f'--{name.replace("_", "-")} must be at least 1')
    if args.output_dir is not None:
        return _score_files(args)
    if args.dask or args.overwrite:
        raise ConfigError('--dask and --overwrite need --output-dir')
    clf = load_model(args.model)
    clf.batch_size = args.batch_size
    clf.fast_paths = args.fast_paths
    if args.threshold is not None:
        if len(clf.class_names) != 2 or not 0 <= args.threshold <= 1:
            raise ConfigError(f'--threshold {args.threshold}: needs a binary run and a value in '
                              f'[0, 1]; {args.model} has classes {", ".join(clf.class_names)}')
        clf.threshold = args.threshold
    texts = args.texts or read_lines(args.input)
    stats = Throughput()
    out = sys.stdout
    explainer = (lambda chunk: explain(clf, chunk, args.top_k)) if args.explain else None
    for record in iter_records(clf, texts, args.chunk_size, explainer, stats):
        out.write(format_record(record, args.format) + '\n')
    out.flush()
    if args.verbose:
        print(f'predicted {stats.texts} texts in {stats.seconds:.2f} s: '
              f'{stats.per_second:.0f} texts/s (tokenizing included; model '
              f'{clf.name}, batch size {clf.batch_size})', file=sys.stderr)
    return 0


def _score_files(args: argparse.Namespace) -> int:
    if args.texts or args.input == '-':
        raise ConfigError('--output-dir scores files: give --input GLOB, not texts or -')
    if not args.fast_paths:
        raise ConfigError('--no-fast-paths applies to texts printed here, not to --output-dir')
    shards = plan_shards(args.input, args.output_dir, args.overwrite)
    options = ScoringOptions(args.batch_size, args.chunk_size,
                             args.top_k if args.explain else None)
    report = run_batch(shards, args.model, options, args.dask, args.dask_timeout)
    if args.verbose:
        print(f'scored {report.texts} texts of {len(shards) - report.skipped} files in '
              f'{report.seconds:.2f} s: {report.per_second:.0f} texts/s ({report.skipped} '
              f'complete files skipped)', file=sys.stderr)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m gluon_sentiment.predict``; returns the exit status."""
    return run_cli(_main, build_parser(), argv)


if __name__ == '__main__':
    sys.exit(main())
