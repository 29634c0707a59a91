"""The fit loop's handlers (user handlers, early stop, cleanup) and the engine's Batch layout."""
import json
import os
import random
import signal

import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon

from gluon_sentiment.model import MultiKernelConvNet
from gluon_sentiment.training.config import TrainConfig
from gluon_sentiment.training.engine import Batch, epoch_batches, layout_batches, train_epoch
from gluon_sentiment.training.fit import epoch_layout, run_training
from gluon_sentiment.training.handlers import Handler

WORDS = {1: ['great', 'wonderful', 'excellent'], 0: ['awful', 'boring', 'terrible']}
FILLER = ['the', 'movie', 'plot', 'was', 'and', 'a', 'it']


@pytest.fixture
def reviews(tmp_path):
    """A folder of 60 synthetic reviews (pos/, neg/), learnable in a few epochs."""
    rng = random.Random(0)
    for label, name in ((1, 'pos'), (0, 'neg')):
        os.makedirs(tmp_path / 'reviews' / name)
        for i in range(30):
            tokens = [rng.choice(FILLER) for _ in range(rng.randint(6, 20))]
            tokens.insert(rng.randrange(len(tokens)), rng.choice(WORDS[label]))
            (tmp_path / 'reviews' / name / f'{i}_{8 if label else 2}.txt').write_text(
                ' '.join(tokens))
    return str(tmp_path / 'reviews')


def _config(data, out, epochs=3):
    return TrainConfig(data=data, output_dir=str(out), seq_len=24, embed_size=8, batch_size=16,
                       epochs=epochs, lr=0.01)


class Recorder(Handler):
    """Records every hook call."""

    def __init__(self, stop_after=None):
        self.calls, self.rows, self.batches, self.steps = [], [], [], []
        self.stop_after = stop_after

    def train_begin(self, run):
        self.calls.append('train_begin')

    def epoch_begin(self, run, epoch):
        self.calls.append(f'epoch_begin {epoch}')
        self.steps += [(epoch, i) for i in range(len(epoch_layout(run, epoch)))]

    def batch_end(self, run, epoch, batch):
        self.batches.append((epoch, batch))

    def epoch_end(self, run, row):
        self.calls.append(f'epoch_end {row["epoch"]}')
        self.rows.append(dict(row))
        # the built-in handlers ran first: the row is recorded and checkpointed
        assert run.metrics['history'][-1] == row
        assert run.metrics['checkpoint']['epoch'] == row['epoch']
        return row['epoch'] == self.stop_after

    def train_end(self, run):
        self.calls.append('train_end')

    def train_exit(self, run):
        self.calls.append('train_exit')


def test_user_handler_sees_every_epoch(reviews, tmp_path):
    recorder = Recorder()
    metrics = run_training(_config(reviews, tmp_path / 'run'), handlers=[recorder])
    assert recorder.rows == metrics['history'] and len(recorder.rows) == 3
    assert recorder.calls == ['train_begin', 'epoch_begin 1', 'epoch_end 1', 'epoch_begin 2',
                              'epoch_end 2', 'epoch_begin 3', 'epoch_end 3', 'train_exit',
                              'train_end']
    assert recorder.batches == recorder.steps and len(recorder.steps) > 3
    assert set(recorder.rows[0]) == {'epoch', 'train_loss', 'train_accuracy', 'samples_per_sec',
                                     'epoch_seconds', 'val_loss', 'val_accuracy',
                                     'val_macro_f1'}


def test_handler_stops_training_early(reviews, tmp_path):
    out = tmp_path / 'run'
    metrics = run_training(_config(reviews, out, epochs=5), handlers=[Recorder(stop_after=2)])
    assert [row['epoch'] for row in metrics['history']] == [1, 2]
    assert metrics['status'] == 'done' and 'test_accuracy' in metrics
    assert json.load(open(out / 'metrics.json')) == metrics
    assert (out / 'epoch-0002.params').exists() and not (out / 'epoch-0003.params').exists()
    assert (out / 'learning_curves.png').exists() and (out / 'best.params').exists()


def test_failing_handler_restores_signal_handlers(reviews, tmp_path):
    class Fails(Handler):
        def epoch_end(self, run, row):
            raise RuntimeError('handler failed')

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with pytest.raises(RuntimeError, match='handler failed'):
        run_training(_config(reviews, tmp_path / 'run'), handlers=[Fails()])
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_layout_shards_every_batch_and_cuts_it_whole():
    lengths = np.random.RandomState(0).randint(1, 30, 50)
    batches = epoch_batches(lengths, 8, seed=3, epoch=2, bucket=True, num_buckets=4)
    shards = [layout_batches(batches, 40, lengths, margin=5, rank=r, num_workers=3)
              for r in range(3)]
    for i, idx in enumerate(batches):
        parts = [shard[i] for shard in shards]
        np.testing.assert_array_equal(np.sort(np.concatenate([p.rows for p in parts])),
                                      np.sort(idx))
        assert {p.width for p in parts} == {min(40, int(lengths[idx].max()) + 5)}
        assert {p.size for p in parts} == {len(idx)} and {p.filler for p in parts} == {idx[0]}
    whole = layout_batches(batches, 40)
    assert [b.width for b in whole] == [40] * len(batches)
    assert [Batch.whole(idx, 40) for idx in batches[:1]][0].size == len(batches[0])
    assert layout_batches(batches, 40, step_size=4)[0].size == 4


def _train(batches, X, y):
    mx.random.seed(7)
    net = MultiKernelConvNet(20, embed_size=6, num_filters=4, dropout=0.0)
    ctx = [mx.cpu(0), mx.cpu(1)]
    net.initialize(mx.init.Xavier(), ctx=ctx)
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 0.01})
    stats = train_epoch(net, trainer, gluon.loss.SoftmaxCrossEntropyLoss(), X, y, batches,
                        ctx, progress=False)
    return stats, {k.split('_', 1)[1]: v.data(ctx[0]).asnumpy() for k, v in net.collect_params().items()}


def test_index_arrays_train_as_whole_batches():
    rng = np.random.RandomState(0)
    X, y = rng.randint(0, 20, (33, 12)).astype(np.float32), rng.randint(0, 2, 33)
    batches = epoch_batches(np.full(len(X), 12), 16, seed=0, epoch=1)  # last batch: 1 example
    stats_a, params_a = _train(batches, X, y)
    stats_b, params_b = _train(layout_batches(batches, 12), X, y)
    assert stats_a['loss'] == stats_b['loss'] and stats_a['examples'] == len(X)
    for name in params_a:
        np.testing.assert_array_equal(params_a[name], params_b[name])
