"""gluon_sentiment against the same network in PyTorch, measured side by side in one run.

Usage (from the repository root, after ``pip install -r benchmarks/requirements.txt``)::

    .venv/bin/python benchmarks/bench_vs_pytorch.py            # full run, a few minutes
    .venv/bin/python benchmarks/bench_vs_pytorch.py --quick    # smoke run for CI

What is measured, each after a warm-up pass, as the median of ``--repeats``
passes, the contenders' passes interleaved so that other load on the machine
hits both alike:

* training throughput of ``MultiKernelConvNet`` (embedding 50, kernels
  3/4/5 x 100, seq-len 500, batch 64) with this package's own
  ``build_net`` + ``train_epoch``, against the same network in PyTorch eager
  mode with a bare training loop, on the same synthetic batches;
* inference throughput at batch 256 (``predict_logits`` against PyTorch
  under ``no_grad``), and of the path ``predict`` takes for this network on
  the CPU (``inference.conv_scores``: the first layer read from tables of
  word x filter products, rebuilt each pass; float32 like the others, its
  scores checked against the graph's);
* hybridized against imperative MXNet training;
* achieved training GFLOP/s, against this CPU's FP32 peak (cores x 2 FMA
  units x SIMD lanes x 2 x clock, from ``/proc/cpuinfo``), against the
  issue's 330 GFLOP/s (AVX-512) figure and against a numpy SGEMM;
* tokenize + vocabulary + encode on the reviews of ``--data``, against a
  re-implementation of the tutorial's code (Kim's 13-regex ``clean_str``,
  a ``Counter`` vocabulary, a list comprehension and a padding loop);
* one training epoch on real review lengths with fixed padding to 500
  against length bucketing, both trained 3 epochs through the train command
  in a subprocess, with their test accuracies; the peak RSS of the
  bucketed (default) training is that subprocess' ``ru_maxrss``.

Ratios above 1 mean gluon_sentiment is faster. The last line printed is one
JSON object; ``bucketing_accuracy_delta`` is in accuracy points (percent),
bucketed minus fixed.
"""
import argparse
import collections
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import gluon_sentiment  # noqa: E402,F401  (sets OMP_NUM_THREADS before mxnet loads)
import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mxnet import gluon  # noqa: E402

from gluon_sentiment.training.config import TrainConfig  # noqa: E402
from gluon_sentiment.data.reader import read_reviews  # noqa: E402
from gluon_sentiment.data.corpus import encode_corpus  # noqa: E402
from gluon_sentiment.data.text import clean_str_reference  # noqa: E402
from gluon_sentiment.inference.batches import predict_logits  # noqa: E402
from gluon_sentiment.inference.conv_scores import conv_logits  # noqa: E402
from gluon_sentiment.training.engine import train_epoch  # noqa: E402
from gluon_sentiment.training.build import build_net, make_trainer  # noqa: E402

DEFAULT_DATA = os.path.join(REPO, '..', 'shared', 'data', 'aclImdb_train.tar.gz')
VOCAB_SIZE = 5000
ROWS = VOCAB_SIZE + 2  # with <unk> and <pad>
EMBED, KERNELS, FILTERS = 50, (3, 4, 5), 100
ISSUE_PEAK_GFLOPS = 330.0  # the issue's figure: two cores of AVX-512 FMA


# ----------------------------------------------------------------------------- helpers

def interleaved_medians(passes, repeats):
    """Median seconds of each named pass; one warm-up each, then the passes in turn."""
    for run in passes.values():
        run()
    times = {name: [] for name in passes}
    for _ in range(repeats):
        for name, run in passes.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def train_flops_per_sample(seq_len=500, embed=EMBED, kernels=KERNELS, filters=FILTERS):
    """FLOPs of one training step per sample: convolutions forward, then 2x for backward.

    Backward computes the gradients of the weights and of the input (the
    embedding is trained), each as costly as the forward pass. The dense head
    and the elementwise operations are below 0.1 % and left out.
    """
    forward = sum(2 * (seq_len - k + 1) * filters * embed * k for k in kernels)
    return 3 * forward


def cpu_peak_gflops():
    """FP32 peak of the usable cores from ``/proc/cpuinfo``: cores x 2 FMA x lanes x 2 x GHz."""
    cores = len(os.sched_getaffinity(0))
    try:
        with open('/proc/cpuinfo') as f:
            info = f.read()
    except OSError:
        return float('nan'), {}
    flags = set(re.search(r'^flags\s*:(.*)$', info, re.M).group(1).split())
    mhz = float(re.search(r'^cpu MHz\s*:\s*([\d.]+)', info, re.M).group(1))
    lanes = 16 if 'avx512f' in flags else 8 if 'avx2' in flags else 4
    fma_units = 2 if 'fma' in flags else 1
    peak = cores * fma_units * lanes * 2 * mhz / 1000
    return peak, {'cores': cores, 'mhz': mhz, 'fp32_lanes': lanes, 'fma_units': fma_units,
                  'avx512': 'avx512f' in flags}


def sgemm_gflops(n=2048, repeats=5):
    """Best-of SGEMM GFLOP/s of numpy's BLAS: a practical peak of this machine."""
    a = np.random.RandomState(0).rand(n, n).astype(np.float32)
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


# ----------------------------------------------------------------------------- PyTorch side

class TorchKimCNN(torch.nn.Module):
    """The same network in PyTorch: embedding, conv 3/4/5 x 100, max over time, ReLU, dropout, dense."""

    def __init__(self, vocab_size, embed=EMBED, kernels=KERNELS, filters=FILTERS, dropout=0.5):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab_size, embed)
        self.convs = torch.nn.ModuleList(torch.nn.Conv1d(embed, filters, k) for k in kernels)
        self.dropout = torch.nn.Dropout(dropout)
        self.output = torch.nn.Linear(filters * len(kernels), 2)

    def forward(self, x):
        e = self.embedding(x).transpose(1, 2)  # NTC -> NCT
        h = torch.cat([conv(e).amax(dim=2) for conv in self.convs], dim=1)
        return self.output(self.dropout(torch.relu(h)))


def torch_train_pass(X, y, batches):
    net = TorchKimCNN(ROWS)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    net.train()

    def run():
        for idx in batches:
            data, label = torch.from_numpy(X[idx]).long(), torch.from_numpy(y[idx])
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(data), label)
            loss.backward()
            opt.step()
    return run


def torch_infer_pass(X, batch_size):
    net = TorchKimCNN(ROWS).eval()

    def run():
        with torch.no_grad():
            for i in range(0, len(X), batch_size):
                net(torch.from_numpy(X[i:i + batch_size]).long()).numpy()
    return run


# ----------------------------------------------------------------------------- MXNet side

def mx_net(hybridize=True, static_shape=False):
    """``MultiKernelConvNet`` as the train command builds it, on one CPU context."""
    config = TrainConfig(model='multikernel', seq_len=500, hybridize=hybridize)
    ctx = [mx.cpu()]
    net = build_net(config, ROWS, ctx)
    if hybridize and static_shape:
        net.hybridize(static_alloc=True, static_shape=True)
    return net, config, ctx


def mx_train_pass(X, y, batches, hybridize=True, static_shape=True):
    net, config, ctx = mx_net(hybridize, static_shape)
    trainer = make_trainer(net, config, len(batches))
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()

    def run():
        train_epoch(net, trainer, loss_fn, X, y, batches, ctx, progress=False)
    return run


def mx_infer_pass(X, batch_size, net=None):
    net, _, ctx = net or mx_net(True, static_shape=True)
    return lambda: predict_logits(net, X, ctx, batch_size)


def mx_table_pass(X, net):
    """The same network's inference path of ``predict``: its first layer read from tables.

    :func:`gluon_sentiment.inference.conv_scores.conv_logits` (the tables are
    rebuilt from the parameters in every pass, as at every ``predict`` call).
    """
    net, _, ctx = net
    lengths = np.full(len(X), X.shape[1])
    return lambda: conv_logits(net, X, lengths, ctx[0])


# ----------------------------------------------------------------------------- text preparation

def tutorial_prepare(texts, vocab_size, seq_len):
    """The tutorial's text preparation, re-implemented: regex clean_str, Counter, lookups, padding.

    Unknown words are dropped and 0 pads, as the tutorial did.
    """
    sentences = [clean_str_reference(text).split() for text in texts]
    counts = collections.Counter(itertools.chain(*sentences))
    vocab = {word: i + 1 for i, (word, _) in enumerate(counts.most_common(vocab_size))}
    encoded = [[vocab[word] for word in sentence if word in vocab] for sentence in sentences]
    X = np.zeros((len(encoded), seq_len), dtype=np.int32)
    for i, ids in enumerate(encoded):
        ids = ids[:seq_len]
        X[i, :len(ids)] = ids
    return X


def our_prepare(texts, vocab_size, seq_len):
    """gluon_sentiment's preparation, as the train command runs it: :func:`encode_corpus`.

    Same tokens, vocabulary and matrix as :func:`tokenize` of each text,
    :func:`build_vocab` and :func:`encode_batch`, in numpy passes over the
    whole corpus.
    """
    return encode_corpus(texts, None, vocab_size, seq_len)[1]


# ----------------------------------------------------------------------------- real-length training

def train_run(data, out_dir, bucket, epochs, max_examples=None):
    """Train through the command line in a subprocess; return its metrics and peak RSS (MB).

    The peak is the child's ``VmHWM``, polled every 0.1 s until it exits.
    """
    cmd = [sys.executable, '-m', 'gluon_sentiment.train', '--data', data, '--model', 'multikernel',
           '--epochs', str(epochs), '--output-dir', out_dir, '--overwrite']
    if not bucket:
        cmd.append('--no-bucket')
    if max_examples:
        cmd += ['--max-examples', str(max_examples)]
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err)
        peak_kb = 0
        while proc.poll() is None:
            peak_kb = max(peak_kb, _vm_hwm_kb(proc.pid))
            time.sleep(0.1)
        if proc.returncode:
            err.seek(0)
            raise RuntimeError(f'{" ".join(cmd)} failed:\n'
                               f'{err.read().decode(errors="replace")[-2000:]}')
    with open(os.path.join(out_dir, 'metrics.json')) as f:
        metrics = json.load(f)
    return metrics, peak_kb / 1024


def _vm_hwm_kb(pid):
    """Peak resident set (``VmHWM``) of a running process, in kB; 0 once it is gone.

    ``ru_maxrss`` of a child would not do: Linux carries the parent's peak
    over ``fork`` and ``exec``, and this process holds MXNet and PyTorch.
    """
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# ----------------------------------------------------------------------------- main

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: few batches, one repeat, small trainings')
    parser.add_argument('--data', default=DEFAULT_DATA,
                        help='IMDB archive or folder for text preparation and real-length training')
    parser.add_argument('--repeats', type=int, default=None,
                        help='timed passes per measurement (default 5, 1 with --quick)')
    parser.add_argument('--epochs', type=int, default=None,
                        help='epochs of each real-length training (default 3, 1 with --quick)')
    parser.add_argument('--skip-training', action='store_true',
                        help='leave out the two real-length trainings (bucketing and RSS keys '
                             'are then null)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    quick = args.quick
    repeats = args.repeats or (1 if quick else 5)
    epochs = args.epochs or (1 if quick else 3)
    threads = int(os.environ.get('OMP_NUM_THREADS') or len(os.sched_getaffinity(0)))
    torch.set_num_threads(threads)
    mx.random.seed(0)
    torch.manual_seed(0)
    result = {}

    # synthetic batches, the same arrays for both frameworks
    seq_len, batch, infer_batch = 500, 64, 256
    n_train, n_infer = (2, 1) if quick else (8, 4)
    rng = np.random.RandomState(0)
    X_train = rng.randint(0, ROWS, (n_train * batch, seq_len)).astype(np.int32)
    y_train = rng.randint(0, 2, n_train * batch).astype(np.int64)
    X_infer = rng.randint(0, ROWS, (n_infer * infer_batch, seq_len)).astype(np.int32)
    batches = [np.arange(i, i + batch) for i in range(0, len(X_train), batch)]
    print(f'threads: mxnet OMP_NUM_THREADS={threads}, torch {torch.get_num_threads()}; '
          f'torch {torch.__version__}, mxnet {mx.__version__}, numpy {np.__version__}', flush=True)

    train = interleaved_medians({
        'mxnet': mx_train_pass(X_train, y_train, batches),
        'mxnet_dynamic_shape': mx_train_pass(X_train, y_train, batches, static_shape=False),
        'mxnet_imperative': mx_train_pass(X_train, y_train, batches, hybridize=False),
        'pytorch': torch_train_pass(X_train, y_train, batches),
    }, repeats)
    rate = {name: len(X_train) / seconds for name, seconds in train.items()}
    print('train samples/s: ' + ', '.join(f'{k} {v:.0f}' for k, v in rate.items()), flush=True)
    result.update(train_samples_per_sec=rate['mxnet'], pytorch_train_samples_per_sec=rate['pytorch'],
                  train_speedup_vs_pytorch=rate['mxnet'] / rate['pytorch'],
                  hybridize_speedup=rate['mxnet'] / rate['mxnet_imperative'],
                  static_shape_speedup=rate['mxnet'] / rate['mxnet_dynamic_shape'])

    served = mx_net(True, static_shape=True)
    graph, tables = mx_infer_pass(X_infer, infer_batch, served)(), mx_table_pass(X_infer, served)()
    infer = interleaved_medians({'mxnet': mx_infer_pass(X_infer, infer_batch, served),
                                 'mxnet_tables': mx_table_pass(X_infer, served),
                                 'pytorch': torch_infer_pass(X_infer, infer_batch)}, repeats)
    irate = {name: len(X_infer) / seconds for name, seconds in infer.items()}
    print('inference samples/s (batch 256): ' + ', '.join(f'{k} {v:.0f}' for k, v in irate.items())
          + f'; tables vs graph: max |score difference| {np.abs(tables - graph).max():.1e}',
          flush=True)
    result.update(infer_samples_per_sec=irate['mxnet'],
                  pytorch_infer_samples_per_sec=irate['pytorch'],
                  infer_speedup_vs_pytorch=irate['mxnet'] / irate['pytorch'],
                  infer_tables_samples_per_sec=irate['mxnet_tables'],
                  infer_tables_speedup_vs_pytorch=irate['mxnet_tables'] / irate['pytorch'],
                  infer_tables_max_abs_diff=float(np.abs(tables - graph).max()))

    flops = train_flops_per_sample(seq_len)
    peak, cpu = cpu_peak_gflops()
    gemm = sgemm_gflops(1024 if quick else 2048)
    gflops = flops * rate['mxnet'] / 1e9
    print(f'training: {flops / 1e6:.1f} MFLOP/sample, {gflops:.1f} GFLOP/s; CPU FP32 peak '
          f'{peak:.0f} GFLOP/s ({cpu}); numpy SGEMM {gemm:.0f} GFLOP/s', flush=True)
    result.update(train_gflops=gflops, train_mflop_per_sample=flops / 1e6, cpu_peak_gflops=peak,
                  train_fraction_of_cpu_peak=gflops / peak,
                  train_fraction_of_issue_peak=gflops / ISSUE_PEAK_GFLOPS,
                  sgemm_gflops=gemm, train_fraction_of_sgemm=gflops / gemm)

    texts = read_reviews(args.data).texts
    if quick:
        texts = texts[:2000]
    prep = interleaved_medians({
        'ours': lambda: our_prepare(texts, VOCAB_SIZE, seq_len),
        'tutorial': lambda: tutorial_prepare(texts, VOCAB_SIZE, seq_len)}, min(repeats, 3))
    print(f'tokenize + encode of {len(texts)} reviews: ours {prep["ours"]:.2f} s, tutorial '
          f'{prep["tutorial"]:.2f} s', flush=True)
    result.update(prep_seconds=prep['ours'], tutorial_prep_seconds=prep['tutorial'],
                  prep_speedup_vs_tutorial=prep['tutorial'] / prep['ours'])

    keys = ('bucketing_epoch_speedup', 'bucketing_accuracy_delta', 'peak_rss_mb')
    result.update(dict.fromkeys(keys))
    if not args.skip_training:
        with tempfile.TemporaryDirectory() as tmp:
            max_examples = 400 if quick else None
            fixed, rss_fixed = train_run(args.data, os.path.join(tmp, 'fixed'), False, epochs,
                                         max_examples)
            bucket, rss = train_run(args.data, os.path.join(tmp, 'bucket'), True, epochs,
                                    max_examples)
        epoch_fixed = statistics.median(r['epoch_seconds'] for r in fixed['history'])
        epoch_bucket = statistics.median(r['epoch_seconds'] for r in bucket['history'])
        print(f'epoch on real lengths: fixed {epoch_fixed:.1f} s, bucketed {epoch_bucket:.1f} s; '
              f'test accuracy after {epochs} epochs: fixed {fixed["test_accuracy"]:.4f}, '
              f'bucketed {bucket["test_accuracy"]:.4f}; peak RSS {rss:.0f} MB '
              f'(fixed {rss_fixed:.0f} MB)', flush=True)
        result.update(bucketing_epoch_speedup=epoch_fixed / epoch_bucket,
                      bucketing_accuracy_delta=100 * (bucket['test_accuracy']
                                                      - fixed['test_accuracy']),
                      fixed_test_accuracy=fixed['test_accuracy'],
                      bucketed_test_accuracy=bucket['test_accuracy'],
                      fixed_epoch_seconds=epoch_fixed, bucketed_epoch_seconds=epoch_bucket,
                      peak_rss_mb=rss, peak_rss_mb_fixed=rss_fixed)
    result.update(quick=quick, repeats=repeats, threads=threads, load_average_1min=os.getloadavg()[0])
    print(json.dumps(result, sort_keys=True), flush=True)
    return result


if __name__ == '__main__':
    main()
