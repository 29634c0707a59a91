"""Compression to a size: n-gram runs, other models, bundles, ensembles; the report; errors.

Tolerances: a compressed n-gram run keeps its rows in float16 (or 8-bit
codes), so its probabilities are those of the source within 2e-3 when every
row is kept; the int8 embedding rows of the multi-kernel network within 0.05.
"""
import os
import re
import shutil

import numpy as np
import pytest

import gluon_sentiment as gs
from compress_fixtures import ensemble_dir, ngram_run, tree_digest  # noqa: F401
from conftest import synthetic_reviews
from deploy_fixtures import deploy_root, multikernel_run  # noqa: F401
from gluon_sentiment.analysis import explain
from gluon_sentiment.artifacts.store import (BEST_PARAMS, COMPACT_PARAMS, COMPRESSION, ENSEMBLE,
                                             read_json)
from gluon_sentiment.deploy.bundle import export_bundle
from gluon_sentiment.deploy.compress import compress_model, folder_bytes, parse_size
from gluon_sentiment.deploy.pruning import largest_fit
from gluon_sentiment.errors import ConfigError, RunDirError
from gluon_sentiment.inference import EnsembleClassifier
from gluon_sentiment.model import NgramTableNet

TEXTS = synthetic_reviews(10, seed=7)[0] + ['', 'great', 'awful awful movie']


@pytest.mark.parametrize('text,size', [('20MB', 20_000_000), ('15MiB', 15 * 2 ** 20),
                                       ('800kb', 800_000), (' 1.5 GB', 1_500_000_000),
                                       ('4096', 4096), ('2KiB', 2048)])
def test_sizes_are_read(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize('text', ['big', '-5MB', '0', '20XB', '', '1e6', 'MB'])
def test_unreadable_sizes_are_one_line_errors(text):
    with pytest.raises(ConfigError, match=r"--max-size .*not a size; write e.g. 20MB"):
        parse_size(text)


def test_ngram_run_is_folded_and_predicts_as_before(ngram_run, tmp_path):
    before = tree_digest(ngram_run)
    out = str(tmp_path / 'small')
    report = compress_model(ngram_run, out, '1MB')
    assert tree_digest(ngram_run) == before  # the input is only read
    assert sorted(os.listdir(out)) == sorted(['config.json', 'vocab.json', 'metrics.json',
                                              COMPACT_PARAMS, COMPRESSION])
    assert report['size_bytes'] == folder_bytes(out) <= 1_000_000 < report['source_bytes']
    assert read_json(os.path.join(out, COMPRESSION)) == report
    assert report['written_as'] == 'ngram-table' and report['model'] == 'ngram'
    params = report['parameters']
    assert params['rows_kept'] == params['rows_of_positive_importance'] < params['rows_total']
    validation = report['validation']
    assert validation['texts'] > 10 and set(validation['before']) == {'accuracy', 'log_loss'}
    assert validation['after']['accuracy'] == validation['before']['accuracy']
    source, small = gs.load_model(ngram_run), gs.load_model(out)
    assert isinstance(small.net, NgramTableNet)
    assert small.temperature == source.temperature is not None
    assert small.threshold == source.threshold and small.class_names == source.class_names
    np.testing.assert_allclose(small.predict_proba(TEXTS), source.predict_proba(TEXTS), atol=2e-3)
    assert explain(small, TEXTS[0], top_k=3)[0]['method'] == 'bag of n-grams'


def test_size_bound_is_honoured_and_fewer_rows_kept_as_it_shrinks(ngram_run, tmp_path):
    full = compress_model(ngram_run, str(tmp_path / 'full'), '1MB')
    with pytest.raises(ConfigError) as err:
        compress_model(ngram_run, str(tmp_path / 'none'), '2KB')
    need = int(re.search(r'cannot be compressed below (\d+) bytes', str(err.value)).group(1))
    assert str(err.value).endswith('give at least that') and '\n' not in str(err.value)
    assert not os.path.exists(tmp_path / 'none')
    kept = []
    for size in (need, need + (full['size_bytes'] - need) // 2):
        report = compress_model(ngram_run, str(tmp_path / f'at-{size}'), size)
        assert folder_bytes(str(tmp_path / f'at-{size}')) <= size
        kept.append(report['parameters']['rows_kept'])
        gs.load_model(str(tmp_path / f'at-{size}')).predict_proba(TEXTS)  # still a model
    assert kept[0] == 0 < kept[1] < full['parameters']['rows_kept']


def test_other_models_get_int8_embedding_rows(multikernel_run, tmp_path):
    out = str(tmp_path / 'mk')
    report = compress_model(multikernel_run, out, '20MB')
    assert report['written_as'] == 'multikernel'
    assert report['parameters']['encoding'].startswith('int8-rows embeddings, float')
    assert report['size_bytes'] < folder_bytes(multikernel_run) / 2.5
    source, small = gs.load_model(multikernel_run), gs.load_model(out)
    np.testing.assert_allclose(small.predict_proba(TEXTS), source.predict_proba(TEXTS), atol=0.05)
    with pytest.raises(ConfigError, match='cannot be compressed below'):
        compress_model(multikernel_run, str(tmp_path / 'tiny'), report['size_bytes'] // 2)


def test_ensemble_members_are_compressed_and_ensemble_json_kept(ensemble_dir, tmp_path):
    out = str(tmp_path / 'ens')
    report = compress_model(ensemble_dir, out, '10MB')
    spec, source_spec = (read_json(os.path.join(p, ENSEMBLE)) for p in (out, ensemble_dir))
    assert spec == source_spec  # weights, calibration, threshold
    ens = gs.load_model(out)
    assert isinstance(ens, EnsembleClassifier) and ens.temperature == 1.5 and ens.threshold == 0.4
    for member in spec['members']:
        assert os.path.isfile(os.path.join(out, member, COMPACT_PARAMS))
        assert not os.path.exists(os.path.join(out, member, BEST_PARAMS))
    assert [m['written_as'] for m in report['members']] == ['ngram-table', 'multikernel']
    assert report['size_bytes'] == folder_bytes(out) <= 10_000_000
    assert report['validation']['before'] and report['validation']['after']
    np.testing.assert_allclose(ens.predict_proba(TEXTS), gs.load_model(ensemble_dir)
                               .predict_proba(TEXTS), atol=0.05)


def test_bundle_compresses_and_compressed_run_exports(ngram_run, tmp_path):
    bundle = str(tmp_path / 'bundle')
    export_bundle(ngram_run, bundle)
    compress_model(bundle, str(tmp_path / 'from-bundle'), '1MB')
    small = gs.load_model(str(tmp_path / 'from-bundle'))
    np.testing.assert_allclose(small.predict_proba(TEXTS),
                               gs.load_model(ngram_run).predict_proba(TEXTS), atol=2e-3)
    manifest = export_bundle(str(tmp_path / 'from-bundle'), str(tmp_path / 'again'), onnx=True)
    assert manifest['model'] == 'ngram-table' and manifest['onnx']['opset'] >= 13


def test_without_data_the_report_says_so(ngram_run, tmp_path):
    out = str(tmp_path / 'nodata')
    report = compress_model(ngram_run, out, '1MB', data=str(tmp_path / 'gone'))
    assert report['validation']['data'] is None and 'pass --data' in report['validation']['note']
    assert report['parameters']['ranking'] == 'spread'
    gs.load_model(out).predict_proba(TEXTS)


def test_out_rules_and_damage(ngram_run, tmp_path):
    out = str(tmp_path / 'once')
    compress_model(ngram_run, out, '1MB')
    with pytest.raises(RunDirError, match='exists; choose a new folder or pass --overwrite'):
        compress_model(ngram_run, out, '1MB')
    compress_model(ngram_run, out, '1MB', overwrite=True)
    for target in (ngram_run, os.path.join(ngram_run, 'inside')):
        with pytest.raises(RunDirError, match='the input is never changed'):
            compress_model(ngram_run, target, '1MB', overwrite=True)
    copy = str(tmp_path / 'damaged')
    shutil.copytree(out, copy)
    with open(os.path.join(copy, COMPACT_PARAMS), 'r+b') as f:
        f.seek(100)
        f.write(b'\0' * 16)
    with pytest.raises(RunDirError, match='damaged') as err:
        gs.load_model(copy)
    assert '\n' not in str(err.value)


@pytest.mark.parametrize('total', [0, 1, 2, 3, 10, 997, 100000])
def test_largest_fit_finds_the_last_size_that_fits(total):
    for budget in (0, 5, 17, total * 3, total * 3 + 2, total * 7):
        size_of = lambda k: 5 + 3 * k + (k * k) // max(1, total)  # noqa: E731 (grows with k)
        found = largest_fit(total, budget, size_of, slack=0.0)
        if size_of(0) > budget:
            assert found == -1
        else:
            assert 0 <= found <= total and size_of(found) <= budget
            step = max(1, total // 1000)
            assert found == total or size_of(min(total, found + step)) > budget
