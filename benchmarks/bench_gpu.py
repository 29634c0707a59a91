"""Kim's CNN on an NVIDIA GPU with the CUDA 11.2 build of MXNet (``mxnet-cu112``).

Set up with ``pip install -e ".[gpu,test]"`` (never beside the CPU build).
First checks that the build can run a kernel on this GPU at all: a GPU newer
than CUDA 11.2 (Hopper, sm_90) has no machine code in that build and can
only run through the driver's JIT compilation of the PTX it ships, if any.
Then, if that works, times training (batch 64) and inference (batch 256) of
``MultiKernelConvNet`` at seq-len 500 on synthetic batches, as
``bench_vs_pytorch.py`` does on the CPU. The last line is one JSON object::

    .venv/bin/python benchmarks/bench_gpu.py [--gpu 0] [--repeats 5]
"""
import argparse
import json
import os
import statistics
import sys
import time
import traceback

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402
from mxnet import gluon  # noqa: E402

from gluon_sentiment.training.config import TrainConfig  # noqa: E402
from gluon_sentiment.inference.batches import predict_logits  # noqa: E402
from gluon_sentiment.training.engine import train_epoch  # noqa: E402
from gluon_sentiment.training.build import build_net, make_trainer  # noqa: E402

ROWS = 5002


def kernel_check(ctx):
    """Run an elementwise op, a GEMM and a convolution on ``ctx``; return None or the error."""
    try:
        x = mx.nd.ones((64, 50, 500), ctx=ctx)
        w = mx.nd.ones((100, 50, 3), ctx=ctx)
        (x * 2).wait_to_read()
        mx.nd.dot(x[0], x[0].T).wait_to_read()
        mx.nd.Convolution(x, w, no_bias=True, kernel=(3,), num_filter=100).wait_to_read()
        return None
    except mx.MXNetError as err:
        return str(err).strip().splitlines()[0]


def median_seconds(run, repeats):
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--gpu', type=int, default=0)
    parser.add_argument('--repeats', type=int, default=5)
    args = parser.parse_args(argv)
    features = mx.runtime.Features()
    result = {'mxnet': mx.__version__, 'cuda': features.is_enabled('CUDA'),
              'cudnn': features.is_enabled('CUDNN'), 'num_gpus': mx.context.num_gpus()}
    print(result, flush=True)
    if not result['cuda'] or result['num_gpus'] <= args.gpu:
        result['error'] = 'no CUDA build or no such GPU'
        print(json.dumps(result))
        return 1
    ctx = [mx.gpu(args.gpu)]
    result['kernel_error'] = kernel_check(ctx[0])
    if result['kernel_error']:
        print(json.dumps(result))
        return 1
    rng = np.random.RandomState(0)
    X = rng.randint(0, ROWS, (64 * 32, 500)).astype(np.int32)
    y = rng.randint(0, 2, len(X)).astype(np.int64)
    batches = [np.arange(i, i + 64) for i in range(0, len(X), 64)]
    config = TrainConfig(model='multikernel', seq_len=500)
    try:
        net = build_net(config, ROWS, ctx)
        net.hybridize(static_alloc=True, static_shape=True)
        trainer = make_trainer(net, config, len(batches))
        loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
        train_s = median_seconds(lambda: train_epoch(net, trainer, loss_fn, X, y, batches, ctx,
                                                     progress=False), args.repeats)
        infer_s = median_seconds(lambda: predict_logits(net, X, ctx, 256), args.repeats)
    except mx.MXNetError:
        result['error'] = traceback.format_exc().strip().splitlines()[-1]
        print(json.dumps(result))
        return 1
    result.update(train_samples_per_sec=len(X) / train_s, infer_samples_per_sec=len(X) / infer_s)
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
