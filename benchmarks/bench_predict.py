"""Batch prediction throughput on the IMDB training reviews, tokenizing included.

Reads the reviews once (not timed), then times ``iter_records`` (tokenize,
encode, batch by length, forward, records) over all of them, and prints
reviews per second by wall clock and by the process's CPU time, with the
load average, since other work on the machine slows the wall clock:

    python benchmarks/bench_predict.py --model bundles/multikernel \\
        --data ../shared/data/aclImdb_train.tar.gz

The same number comes from the command line with ``--verbose``::

    python -m gluon_sentiment.predict --model bundles/multikernel --input reviews.txt \\
        --format jsonl --verbose > /dev/null

Target (issue 7): >= 1,000 reviews/s with multikernel on the 25,000 reviews.
"""
import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', required=True, help='run directory or bundle')
    parser.add_argument('--data', default=os.path.join(ROOT, '..', 'shared', 'data',
                                                       'aclImdb_train.tar.gz'))
    parser.add_argument('--limit', type=int, default=None, help='use the first N reviews')
    parser.add_argument('--batch-size', type=int, default=256)
    args = parser.parse_args()
    sys.path.insert(0, ROOT)
    import gluon_sentiment as gs
    from gluon_sentiment.data.reader import read_reviews
    from gluon_sentiment.inference.records import Throughput, iter_records

    texts = read_reviews(args.data).texts[:args.limit]
    clf = gs.load_model(args.model)
    clf.batch_size = args.batch_size
    clf.predict_proba(texts[:64])  # warm up the cached graph
    stats = Throughput()
    cpu = time.process_time()
    count = sum(1 for _ in iter_records(clf, texts, stats=stats))
    cpu = time.process_time() - cpu
    threads = int(os.environ.get('OMP_NUM_THREADS', '1') or 1)
    print(f'{count} reviews, model {clf.name}, batch size {clf.batch_size}, OMP threads '
          f'{threads}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs')
    print(f'wall clock: {stats.seconds:.2f} s = {stats.per_second:.0f} reviews/s')
    print(f'CPU time:   {cpu:.2f} s = {count / cpu:.0f} reviews per CPU-second; '
          f'{threads} idle cores would give about {threads * count / cpu:.0f} reviews/s')


if __name__ == '__main__':
    main()
