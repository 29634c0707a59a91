"""--class-weight-mode sample: the epoch's draws, weighted validation and selection, bias calibration."""
import json

import mxnet as mx
import numpy as np
import pytest

from conftest import synthetic_reviews, write_review_folder
from gluon_sentiment.data.pipeline import Dataset, read_splits
from gluon_sentiment.deploy.bundle import export_bundle
from gluon_sentiment.errors import ConfigError
from gluon_sentiment.inference.batches import predict_logits, softmax
from gluon_sentiment.inference.loading import load_model
from gluon_sentiment.training import TrainConfig, run_training
from gluon_sentiment.training.fit import epoch_indices
from gluon_sentiment.training.objectives import (ClassWeightedLoss, choose_threshold,
                                                 sample_epoch, selection_score, training_loss)


def test_balanced_draws_every_class_equally_and_repeats_evenly():
    y = np.array([0] * 10 + [1] * 100 + [2] * 40)
    weights = len(y) / (3 * np.bincount(y))
    drawn = sample_epoch(y, weights, seed=0, epoch=1)
    assert len(drawn) == len(y)
    np.testing.assert_array_equal(np.bincount(y[drawn]), [50, 50, 50])
    rare = np.bincount(drawn[y[drawn] == 0], minlength=10)
    assert rare.min() == 5 and rare.max() == 5  # each of the 10 rare examples exactly 5 times
    common = np.bincount(drawn[y[drawn] == 1], minlength=110)[10:]
    assert common.max() == 1 and common.sum() == 50  # half the common class, none twice
    np.testing.assert_array_equal(drawn, sample_epoch(y, weights, seed=0, epoch=1))
    assert not np.array_equal(np.sort(drawn), np.sort(sample_epoch(y, weights, seed=0, epoch=2)))


def test_listed_weights_give_shares_in_proportion_to_weight_times_count():
    y = np.array([0] * 30 + [1] * 60)
    drawn = sample_epoch(y, [2.0, 0.5], seed=3, epoch=1)
    # masses 60 and 30: two thirds of the 90 draws from class 0
    np.testing.assert_array_equal(np.bincount(y[drawn]), [60, 30])


def _dataset(y):
    y = np.asarray(y)
    n = len(y)
    X = np.zeros((n, 5), np.int32)
    lengths = np.full(n, 5, np.int32)
    return Dataset(None, {'train': (X, y, lengths)}, 'mem', ('negative', 'positive'))


def test_epoch_indices_sample_or_every_example_once():
    data = _dataset([0] * 4 + [1] * 36)
    weights = np.array([5.0, 40 / 72])
    config = TrainConfig(batch_size=8, class_weight='balanced')
    sampled = np.concatenate(epoch_indices(config, data, weights, False, 1))
    np.testing.assert_array_equal(np.bincount(data.splits['train'][1][sampled]), [20, 20])
    config.class_weight_mode = 'loss'
    once = np.concatenate(epoch_indices(config, data, weights, False, 1))
    np.testing.assert_array_equal(np.sort(once), np.arange(40))
    assert isinstance(training_loss(config, weights, [mx.cpu()]), ClassWeightedLoss)
    config.class_weight_mode = 'sample'
    assert not isinstance(training_loss(config, weights, [mx.cpu()]), ClassWeightedLoss)


def test_mode_is_checked_and_old_runs_keep_the_weighted_loss():
    with pytest.raises(ConfigError, match='--class-weight-mode'):
        TrainConfig(class_weight_mode='resample').validate()
    assert TrainConfig.from_dict({'class_weight': 'balanced'}).class_weight_mode == 'loss'
    assert TrainConfig.from_dict(TrainConfig().to_dict()).class_weight_mode == 'sample'


def test_selection_prefers_the_weighted_metric_and_threshold_weights():
    row = {'val_accuracy': 0.9, 'val_weighted_accuracy': 0.7, 'val_loss': 0.2,
           'val_weighted_loss': 0.5, 'val_macro_f1': 0.6}
    assert selection_score(row, 'accuracy') == 0.7
    assert selection_score(row, 'loss') == -0.5
    assert selection_score(row, 'macro_f1') == 0.6
    assert selection_score({'val_accuracy': 0.9}, 'accuracy') == 0.9
    p = np.array([0.2, 0.6, 0.7, 0.8, 0.9, 0.95])
    y = np.array([0, 0, 1, 1, 1, 1])
    assert choose_threshold(p, y, 'accuracy') == pytest.approx(0.65)
    # negatives weigh 10: predicting them right matters most, the threshold stays above 0.6
    weights = np.where(y == 0, 10.0, 1.0)
    assert choose_threshold(p, y, 'accuracy', weights) > 0.6


@pytest.fixture(scope='module')
def imbalanced(tmp_path_factory):
    texts, labels = synthetic_reviews(60, seed=4)
    keep = [i for i, label in enumerate(labels) if label == 1 or i % 4 == 0]  # 60 pos, 15 neg
    return write_review_folder(tmp_path_factory.mktemp('imb') / 'r', [texts[i] for i in keep],
                               [labels[i] for i in keep])


def test_balanced_run_reports_weighted_metrics_and_calibrates_with_a_bias(imbalanced, tmp_path):
    out = tmp_path / 'run'
    metrics = run_training(TrainConfig(data=imbalanced, output_dir=str(out), seq_len=30,
                                       embed_size=8, batch_size=16, lr=0.01, epochs=2,
                                       hybridize=False, class_weight='balanced'))
    for row in metrics['history']:
        assert 0 <= row['val_weighted_accuracy'] <= 1 and row['val_weighted_loss'] > 0
    best = max(metrics['history'], key=lambda row: row['val_weighted_accuracy'])
    assert metrics['best_epoch'] == best['epoch']
    assert 'test_weighted_accuracy' in metrics
    calibration = metrics['calibration']
    assert calibration['weighted'] is True and len(calibration['bias']) == 2
    saved = json.loads((out / 'config.json').read_text())
    assert saved['calibration']['bias'] == calibration['bias']
    assert saved['class_weight_mode'] == 'sample'
    # every prediction path applies softmax(logits / T + b)
    clf = load_model(str(out))
    texts = ['great fun', 'awful boring mess', 'the film']
    X, lengths = clf.encode_tokens(clf.tokenize(texts))
    logits = predict_logits(clf.net, X, clf.ctx, 8, lengths, clf.length_margin)
    want = softmax(logits.astype(np.float64) / calibration['temperature']
                   + np.array(calibration['bias']))
    np.testing.assert_allclose(clf.predict_proba(texts), want, rtol=1e-5, atol=1e-7)
    # the run's test figures are those of the predictions it gives
    config = TrainConfig.from_dict(saved)
    _, reviews, index, _ = read_splits(config, config.seed)
    test_texts = [reviews.texts[i] for i in index['test']]
    hits = clf.predict(test_texts) == reviews.labels[index['test']]
    assert metrics['test_accuracy'] == pytest.approx(hits.mean())
    manifest = export_bundle(str(out), str(tmp_path / 'bundle'))
    assert manifest['output']['bias'] == calibration['bias']
    assert '+ bias' in manifest['output']['probabilities']
    np.testing.assert_allclose(load_model(str(tmp_path / 'bundle')).predict_proba(texts), want,
                               rtol=1e-5, atol=1e-7)


def test_calibrate_bias_without_class_weights(imbalanced, tmp_path):
    common = dict(data=imbalanced, seq_len=30, embed_size=8, batch_size=16, lr=0.01, epochs=1,
                  hybridize=False)
    plain = run_training(TrainConfig(output_dir=str(tmp_path / 'plain'), **common))
    assert 'bias' not in plain['calibration'] and 'val_weighted_accuracy' not in plain
    metrics = run_training(TrainConfig(output_dir=str(tmp_path / 'bias'), calibrate_bias=True,
                                       **common))
    calibration = metrics['calibration']
    assert calibration['weighted'] is False and len(calibration['bias']) == 2
    assert calibration['nll_after'] <= calibration['nll_before'] + 1e-9
    clf = load_model(str(tmp_path / 'bias'))
    assert clf.bias == tuple(calibration['bias'])
    # the same network, only the calibration differs: its decision is the bias-corrected one
    raw = load_model(str(tmp_path / 'plain'))
    raw.temperature, raw.bias = calibration['temperature'], tuple(calibration['bias'])
    texts = ['great fun', 'awful boring mess', 'the film']
    np.testing.assert_allclose(clf.predict_proba(texts), raw.predict_proba(texts), rtol=1e-5)
