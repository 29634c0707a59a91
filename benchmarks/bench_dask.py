"""Batch scoring throughput on Dask: 1 and 2 local workers against one process, same labels.

Writes the IMDB training reviews as shard files of one review per line
(newlines inside a review become spaces) in a temporary folder, scores them
in-process (``predict --input GLOB --output-dir OUT``), then with ``--dask
local:N`` for each N, and checks that every row is scored once and that the
labels are identical to the in-process ones::

    python benchmarks/bench_dask.py --model /tmp/ngram-run \\
        --data ../shared/data/aclImdb_train.tar.gz --shards 10 --workers 1,2

"scoring" is the wall clock of the batch (model loads on the workers,
reading, tokenizing, forward passes and writing); "with start" adds starting
the LocalCluster. The last line is JSON.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_shards(texts, folder, count):
    """``count`` files ``part-XX.txt`` of about equal size in ``folder``; returns the glob."""
    os.makedirs(folder)
    for i in range(count):
        with open(os.path.join(folder, f'part-{i:02d}.txt'), 'w', encoding='utf-8',
                  newline='\n') as f:
            f.writelines(' '.join(text.replace('\r', ' ').split('\n')) + '\n'
                         for text in texts[i::count])
    return os.path.join(folder, '*.txt')


def labels_of(out_dir):
    """{file: [label, ...]} of every output in ``out_dir``."""
    labels = {}
    for name in sorted(os.listdir(out_dir)):
        with open(os.path.join(out_dir, name), encoding='utf-8') as f:
            labels[name] = [json.loads(line)['label'] for line in f]
    return labels


def cpu_model():
    """The CPU's model name, from /proc/cpuinfo."""
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            return next(line.split(':', 1)[1].strip() for line in f if 'model name' in line)
    except (OSError, StopIteration):
        return 'unknown'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', required=True, help='run directory, bundle or ensemble')
    parser.add_argument('--data', default=os.path.join(ROOT, '..', 'shared', 'data',
                                                       'aclImdb_train.tar.gz'))
    parser.add_argument('--limit', type=int, default=None, help='use the first N reviews')
    parser.add_argument('--shards', type=int, default=10, help='shard files to write')
    parser.add_argument('--workers', default='1,2', help='local worker counts to measure')
    args = parser.parse_args()
    sys.path.insert(0, ROOT)
    from gluon_sentiment.data.reader import read_reviews
    from gluon_sentiment.deploy.batch_scoring import (ScoringOptions, dask_client, plan_shards,
                                                      score_shards)

    texts = read_reviews(args.data).texts[:args.limit]
    work = tempfile.mkdtemp(prefix='bench-dask-')
    result = {'reviews': len(texts), 'shards': args.shards, 'cpu': cpu_model(),
              'cpus': os.cpu_count()}
    try:
        pattern = write_shards(texts, os.path.join(work, 'shards'), args.shards)
        out = os.path.join(work, 'in-process')
        report = score_shards(plan_shards(pattern, out), args.model, ScoringOptions())
        reference = labels_of(out)
        result['in_process_per_s'] = round(report.per_second, 1)
        print(f'in-process: {report.texts} reviews in {report.seconds:.2f} s = '
              f'{report.per_second:.0f} reviews/s', file=sys.stderr)
        for n in (int(w) for w in args.workers.split(',')):
            out = os.path.join(work, f'dask-{n}')
            start = time.perf_counter()
            with dask_client(f'local:{n}') as client:
                report = score_shards(plan_shards(pattern, out), args.model, ScoringOptions(),
                                      client)
            total = time.perf_counter() - start
            labels = labels_of(out)
            result[f'dask_{n}_per_s'] = round(report.per_second, 1)
            result[f'dask_{n}_with_start_per_s'] = round(report.texts / total, 1)
            result[f'dask_{n}_rows_once'] = sum(map(len, labels.values())) == len(texts)
            result[f'dask_{n}_labels_identical'] = labels == reference
            result[f'dask_{n}_loads'] = sorted(report.loads().values())
            print(f'dask local:{n}: {report.per_second:.0f} reviews/s scoring, '
                  f'{report.texts / total:.0f} with start; labels identical: '
                  f'{labels == reference}', file=sys.stderr)
    finally:
        shutil.rmtree(work)
    result['load_average'] = round(os.getloadavg()[0], 2)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
