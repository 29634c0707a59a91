"""Time the analysis targets of issue 4 against their limits.

Usage::

    python benchmarks/analysis_speed.py --model runs/multikernel \\
        --data ../shared/data/aclImdb_train.tar.gz

prints, for each, the wall-clock and CPU seconds and their ratio to the
target: t-SNE of 500 words x 50 dimensions (limit 15 s) and ``evaluate`` on
the data (limit 30 s, 25,000 reviews). On a shared machine the CPU seconds
are the fairer figure; the script prints the load average beside them.
"""
import argparse
import os
import tempfile
import time

from gluon_sentiment.analysis.evaluation import evaluate_run
from gluon_sentiment.inference.loading import load_model
from gluon_sentiment.analysis.embedding_map import model_embedding, tsne_2d

__all__ = ['main']


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _report(name, wall, cpu, limit):
    print(f'{name}: wall {wall:.1f} s, CPU {cpu:.1f} s, limit {limit:.0f} s '
          f'(wall/limit {wall / limit:.2f}, CPU/limit {cpu / limit:.2f})')


def main() -> None:
    """Parse the arguments, run both measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', required=True, help='run directory (multikernel, embed 50)')
    parser.add_argument('--data', required=True, help='labelled data for evaluate')
    args = parser.parse_args()
    print('load average before:', os.getloadavg())
    words, vectors = model_embedding(load_model(args.model, fold=False))
    _, wall, cpu = _timed(lambda: tsne_2d(vectors[:500]))
    _report(f't-SNE of 500 words x {vectors.shape[1]} dims', wall, cpu, 15)
    with tempfile.TemporaryDirectory() as out:
        report, wall, cpu = _timed(lambda: evaluate_run(args.model, args.data, out))
    _report(f'evaluate on {report["metrics"]["n"]} texts', wall, cpu, 30)
    print('load average after:', os.getloadavg())


if __name__ == '__main__':
    main()
