"""Class weights of the loss, selection metric, thresholds, early stopping, NB weights of K classes."""
import json
import os
import signal
from types import SimpleNamespace

import mxnet as mx
import numpy as np
import pytest

from conftest import synthetic_reviews, write_review_folder
from gluon_sentiment.errors import ConfigError, TrainingInterrupted
from gluon_sentiment.model.ngram import nb_log_count_ratio
from gluon_sentiment.training import TrainConfig, run_training
from gluon_sentiment.training.engine import Batch, train_batch
from gluon_sentiment.training import fit, resume_training
from gluon_sentiment.training.handlers import EarlyStopping, Handler
from gluon_sentiment.training.objectives import (ClassWeightedLoss, choose_threshold,
                                                 class_weight_vector, macro_f1, training_loss)


def test_weighted_loss_equals_the_hand_computation():
    logits = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 0.0], [0.0, 1.0, 3.0]])
    y = np.array([0, 1, 2])
    weights = [1.0, 2.0, 0.5]
    loss = ClassWeightedLoss(weights, [mx.cpu()])
    sample = mx.nd.array([[1.0], [1.0], [0.0]])  # the engine's filler rows weigh 0
    got = loss(mx.nd.array(logits), mx.nd.array(y), sample).asnumpy()
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    want = -np.array(weights)[y] * log_p[np.arange(3), y] * np.array([1, 1, 0])
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_a_weighted_step_descends_the_documented_batch_loss():
    # --class-weight-mode loss: a batch's loss is sum_i w[y_i] * CE_i / batch_size (not divided
    # by the weights' sum), on two contexts as on one
    rng = np.random.RandomState(0)
    X = rng.normal(size=(6, 4)).astype(np.float32)
    y = np.array([0, 1, 2, 0, 1, 2])
    weights = np.array([1.0, 2.0, 0.5])
    ctx = [mx.cpu(0), mx.cpu(1)]
    net = mx.gluon.nn.Dense(3, in_units=4)
    net.initialize(mx.init.Normal(0.5), ctx=ctx)
    W, b = (p.data(ctx[0]).asnumpy().astype(np.float64) for p in (net.weight, net.bias))
    trainer = mx.gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 1.0})
    loss_fn = training_loss(TrainConfig(class_weight_mode='loss'), weights, ctx)
    train_batch(net, trainer, loss_fn, X, y, Batch.whole(np.arange(6), 4), ctx)
    logits = X @ W.T + b
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    d_logits = weights[y, None] * (p - np.eye(3)[y]) / len(y)
    np.testing.assert_allclose(net.weight.data(ctx[1]).asnumpy(), W - d_logits.T @ X,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.bias.data(ctx[0]).asnumpy(), b - d_logits.sum(axis=0),
                               rtol=1e-5, atol=1e-6)


def test_balanced_and_listed_weights():
    y = np.array([0] * 10 + [1] * 30)
    np.testing.assert_allclose(class_weight_vector('balanced', None, y, 2), [2.0, 2 / 3])
    assert class_weight_vector('none', None, y, 2) is None
    config = TrainConfig(class_weight='1,10')
    assert config.class_weights(2) == (1.0, 10.0)
    with pytest.raises(ConfigError, match='2 weights for 3 classes'):
        config.class_weights(3)
    with pytest.raises(ConfigError, match='--class-weight'):
        TrainConfig(class_weight='heavy').validate()


def test_choose_threshold_and_macro_f1():
    p = np.array([0.1, 0.3, 0.35, 0.4, 0.8, 0.9])
    y = np.array([0, 0, 1, 1, 1, 1])
    assert choose_threshold(p, y, 'accuracy') == pytest.approx(0.325)
    # predicted 0 0 0 0 1 1: class 0 F1 4/6, class 1 F1 4/6
    assert macro_f1(y, (p > 0.5).astype(int), 2) == pytest.approx(2 / 3)
    assert macro_f1(y, (p > 0.325).astype(int), 2) == 1.0


def test_nb_weights_binary_signed_k_classes_max_abs():
    X = np.array([[2, 3], [2, 4], [5, 3], [5, 6]])
    binary = nb_log_count_ratio(X, np.array([1, 1, 0, 0]), 8, 4, orders=(1,))
    assert binary[2] > 0 > binary[5]  # word 2 only in class 1, word 5 only in class 0
    three = nb_log_count_ratio(X, np.array([0, 1, 2, 2]), 8, 4, orders=(1,))
    assert (three >= 0).all() and three[5] > three[3] > 0 and three[0] == 0


def _config(data, out, **options):
    return TrainConfig(data=data, output_dir=str(out), seq_len=30, embed_size=8, batch_size=16,
                       lr=0.01, hybridize=False, **options)


@pytest.fixture(scope='module')
def reviews(tmp_path_factory):
    texts, labels = synthetic_reviews(30)
    return write_review_folder(tmp_path_factory.mktemp('cw') / 'r', texts, labels)


def test_a_resumed_run_out_of_patience_trains_no_further_epoch():
    run = SimpleNamespace(config=TrainConfig(patience=2), stop=False,
                          metrics={'history': [{}, {}, {}], 'best_epoch': 1})
    EarlyStopping().train_begin(run)
    assert run.stop
    run = SimpleNamespace(config=TrainConfig(patience=2), stop=False,
                          metrics={'history': [{}, {}], 'best_epoch': 1})
    EarlyStopping().train_begin(run)
    assert not run.stop


def test_patience_stops_at_the_right_epoch(reviews, tmp_path):
    # lr 0: the validation metric never improves after epoch 1
    config = _config(reviews, tmp_path / 'run', epochs=6, patience=2, select_metric='loss',
                     lr_schedule='constant')
    config.lr = 1e-12
    metrics = run_training(config)
    assert metrics['best_epoch'] == 1 and metrics['stopped_early'] == 3
    assert [row['epoch'] for row in metrics['history']] == [1, 2, 3]


class _Snapshots(Handler):
    """The network's parameters after every epoch and at the end (the best epoch put back)."""

    def __init__(self):
        self.epochs, self.final = {}, None

    @staticmethod
    def _params(run):
        return {name: p.data().asnumpy().copy() for name, p in run.net.collect_params().items()}

    def epoch_end(self, run, row):
        self.epochs[row['epoch']] = self._params(run)
        return False

    def train_end(self, run):
        self.final = self._params(run)


def test_patience_counts_from_the_last_improvement_and_keeps_the_best_epoch(reviews, tmp_path,
                                                                          monkeypatch):
    # a scripted validation loss: best at 2, again at 4, then 2 epochs without improvement
    curve = iter([0.9, 0.5, 0.6, 0.45, 0.5, 0.7, 0.3])
    evaluate = fit._evaluate

    def scripted(run, split):
        out = evaluate(run, split)
        return {**out, 'loss': next(curve)} if split == 'val' else out
    monkeypatch.setattr(fit, '_evaluate', scripted)
    snapshots = _Snapshots()
    metrics = run_training(_config(reviews, tmp_path / 'run', epochs=7, patience=2,
                                   select_metric='loss'), handlers=[snapshots])
    assert metrics['best_epoch'] == 4 and metrics['stopped_early'] == 6
    assert [row['epoch'] for row in metrics['history']] == [1, 2, 3, 4, 5, 6]
    assert metrics['val_loss'] == 0.45
    best, last = snapshots.epochs[4], snapshots.epochs[6]
    assert all(np.array_equal(snapshots.final[name], best[name]) for name in best)
    assert not all(np.array_equal(best[name], last[name]) for name in best)


class _InterruptAt(Handler):
    """SIGINT at the start of one epoch: training stops after that epoch's first batch."""

    def __init__(self, epoch):
        self.epoch = epoch

    def epoch_begin(self, run, epoch):
        if epoch == self.epoch:
            os.kill(os.getpid(), signal.SIGINT)


def test_a_resumed_run_keeps_counting_patience_from_its_best_epoch(reviews, tmp_path,
                                                                   monkeypatch):
    # best at 2; interrupted in epoch 4; resumed, epochs 4 and 5 do not improve: with
    # --patience 3 it stops after epoch 5, as the run would have without the interruption
    curve = iter([0.9, 0.5, 0.6, 0.7, 0.8, 0.1])
    evaluate = fit._evaluate

    def scripted(run, split):
        out = evaluate(run, split)
        return {**out, 'loss': next(curve)} if split == 'val' else out
    monkeypatch.setattr(fit, '_evaluate', scripted)
    out = tmp_path / 'run'
    config = _config(reviews, out, epochs=6, patience=3, select_metric='loss')
    with pytest.raises(TrainingInterrupted):
        run_training(config, handlers=[_InterruptAt(4)])
    assert len(json.loads((out / 'metrics.json').read_text())['history']) == 3
    metrics = resume_training(str(out))
    assert metrics['best_epoch'] == 2 and metrics['stopped_early'] == 5
    assert [row['epoch'] for row in metrics['history']] == [1, 2, 3, 4, 5]
    assert next(curve) == 0.1  # epoch 6 never validated


def test_select_metric_loss_threshold_auto_and_calibration(reviews, tmp_path):
    metrics = run_training(_config(reviews, tmp_path / 'run', epochs=2, select_metric='loss',
                                   threshold='auto', class_weight='balanced'))
    best = min(metrics['history'], key=lambda row: row['val_loss'])
    assert metrics['best_epoch'] == best['epoch']
    saved = json.loads((tmp_path / 'run' / 'config.json').read_text())
    assert saved['decision_threshold'] == metrics['decision_threshold']
    assert 0 <= saved['decision_threshold'] <= 1
    assert saved['calibration']['temperature'] == metrics['calibration']['temperature'] > 0
    assert (tmp_path / 'run' / 'reliability.png').exists()
    off = run_training(_config(reviews, tmp_path / 'off', epochs=1, calibrate=False))
    assert off['calibration']['temperature'] is None and off['decision_threshold'] is None
