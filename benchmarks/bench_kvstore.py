"""Communication cost of one dist_sync step for multikernel, next to its compute, on loopback.

    python benchmarks/bench_kvstore.py --workers 2 --servers 1 --batch-size 64 --seq-len 200

Run without ``DMLC_*`` variables, the script launches itself as the workers
of a job (scheduler, servers and workers on 127.0.0.1, through
:func:`gluon_sentiment.training.launcher.launch`). Each worker builds the default
multikernel network (vocabulary 5000, embedding 50), takes its share
(``--batch-size / --workers``) of random full-length batches, and times,
step by step, with ``mx.nd.waitall()`` between the phases:

* compute: forward and backward of its share,
* communication: ``trainer.allreduce_grads()``, i.e. push every gradient to
  the servers and pull the sum back,
* update: the optimizer on the worker (``update_on_kvstore=False``).

Rank 0 prints the medians, the bytes each worker pushes and pulls per step,
and the communication share of the step, as one JSON line. The servers
share this machine's cores with the workers, so on loopback the
communication time is mostly CPU time (serialization, summing on the
server), not wire time.
"""
import argparse
import json
import logging
import os
import sys
import time

import numpy as np

import gluon_sentiment  # noqa: F401  (threads)
import mxnet as mx
from mxnet import autograd, gluon

from gluon_sentiment.training.distributed import create_worker
from gluon_sentiment.training.launcher import launch
from gluon_sentiment.model import get_model


def _parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--servers', type=int, default=1)
    parser.add_argument('--batch-size', type=int, default=64, help='total over the workers')
    parser.add_argument('--seq-len', type=int, default=200)
    parser.add_argument('--vocab-size', type=int, default=5000)
    parser.add_argument('--steps', type=int, default=30, help='timed steps (after 3 warm-up)')
    parser.add_argument('--timeout', type=float, default=600)
    return parser.parse_args(argv)


def _timed(fn):
    start = time.perf_counter()
    fn()
    mx.nd.waitall()
    return (time.perf_counter() - start) * 1000


def worker(args):
    """Time compute, push+pull and update of ``args.steps`` steps on this worker."""
    kv = create_worker('dist_sync')
    net = get_model('multikernel', vocab_size=args.vocab_size, embed_size=50,
                    seq_len=args.seq_len)
    mx.random.seed(0)
    net.initialize(mx.init.Xavier())
    net.hybridize(static_alloc=True)
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 1e-3},
                            kvstore=kv.kvstore, update_on_kvstore=False)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    share = args.batch_size // kv.num_workers
    rng = np.random.RandomState(kv.rank)
    X = mx.nd.array(rng.randint(2, args.vocab_size, (share, args.seq_len)))
    y = mx.nd.array(rng.randint(0, 2, share))

    def compute():
        with autograd.record():
            loss = loss_fn(net(X), y)
        loss.backward()

    times = []
    for step in range(args.steps + 3):
        row = (_timed(compute), _timed(trainer.allreduce_grads),
               _timed(lambda: trainer.update(args.batch_size)))
        if step >= 3:
            times.append(row)
    params = [p for p in net.collect_params().values() if p.grad_req != 'null']
    num_params = sum(int(np.prod(p.shape)) for p in params)
    grad_bytes = sum(p.grad().size * np.dtype(p.grad().dtype).itemsize for p in params)
    compute_ms, comm_ms, update_ms = np.median(np.array(times), axis=0)
    if kv.rank == 0:
        print(json.dumps({
            'workers': kv.num_workers, 'servers': int(os.environ['DMLC_NUM_SERVER']),
            'batch_size_total': args.batch_size, 'batch_per_worker': share,
            'seq_len': args.seq_len, 'parameters': num_params, 'arrays': len(params),
            'bytes_pushed_per_step': grad_bytes, 'bytes_pulled_per_step': grad_bytes,
            'compute_ms': round(float(compute_ms), 2), 'push_pull_ms': round(float(comm_ms), 2),
            'update_ms': round(float(update_ms), 2),
            'comm_share': round(float(comm_ms / (compute_ms + comm_ms + update_ms)), 3),
            'omp_threads_per_worker': os.environ.get('OMP_NUM_THREADS')}), flush=True)


def main(argv=None):
    args = _parse(argv)
    if os.environ.get('DMLC_ROLE') == 'worker':
        worker(args)
        return 0
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(message)s', datefmt='%H:%M:%S')
    command = [sys.executable, os.path.abspath(__file__)] + (sys.argv[1:] if argv is None
                                                              else list(argv))
    return launch(command, args.workers, args.servers, timeout=args.timeout)


if __name__ == '__main__':
    sys.exit(main())
