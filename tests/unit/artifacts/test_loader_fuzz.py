"""Fuzzing the loaders of every artifact: arbitrary bytes, truncations and flipped bytes.

Each file of a run, a bundle, an ensemble and the vector cache is replaced
by what hypothesis draws, then loaded as a user would (``load_model``,
resuming's ``load_last``, ``load_vectors``): the result is a model or a
:class:`DataError`/:class:`RunDirError`/:class:`StorageError` with a
one-line message, never another exception.

Parameter and state files are fuzzed with their checksums (any change is
caught before parsing) and, for a run written before checksums, with
truncations only: a flipped byte in an MXNet header can ask for an
allocation of any size, and a states file is a pickle, which a run's own
checksum protects (nothing else of the package unpickles).
"""
import json
import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from mxnet import gluon

import gluon_sentiment as gs
from deploy_fixtures import deploy_root, multikernel_bundle, multikernel_run  # noqa: F401
from gluon_sentiment.embeddings import sources
from gluon_sentiment.errors import DataError, RunDirError, StorageError
from gluon_sentiment.inference.ensemble import create_ensemble
from gluon_sentiment.training.checkpoint import load_last

EXPECTED = (DataError, RunDirError, StorageError)
FAST = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _damage(original, safe_only=False):
    """Arbitrary bytes, a truncation of ``original`` or ``original`` with one byte flipped."""
    cut = st.integers(0, max(len(original) - 1, 0)).map(lambda n: original[:n])
    if safe_only:
        return cut
    flip = st.tuples(st.integers(0, len(original) - 1), st.integers(1, 255)).map(
        lambda f: original[:f[0]] + bytes([original[f[0]] ^ f[1]]) + original[f[0] + 1:])
    return st.one_of(st.binary(max_size=300), cut, flip)


def _check(load):
    try:
        load()
    except EXPECTED as err:
        assert str(err) and '\n' not in str(err) and 'Traceback' not in str(err)


@pytest.fixture(scope='module')
def copies(multikernel_run, multikernel_bundle, tmp_path_factory):  # noqa: F811
    tmp = tmp_path_factory.mktemp('fuzz')
    run = str(tmp / 'run')
    shutil.copytree(multikernel_run, run)
    legacy = str(tmp / 'legacy')
    shutil.copytree(multikernel_run, legacy)
    metrics = json.load(open(os.path.join(legacy, 'metrics.json')))
    metrics.pop('checksums')
    metrics['checkpoint'].pop('checksums')
    with open(os.path.join(legacy, 'metrics.json'), 'w') as f:
        json.dump(metrics, f)
    bundle = str(tmp / 'bundle')
    shutil.copytree(multikernel_bundle, bundle)
    ensemble = str(tmp / 'ensemble')
    create_ensemble([multikernel_run], ensemble)
    return {'run': run, 'legacy': legacy, 'bundle': bundle, 'ensemble': ensemble}


def _resume(run):
    clf = gs.load_model(run, hybridize=False)  # the net to restore into (the run's own files)
    load_last(run, clf.net, gluon.Trainer(clf.net.collect_params(), 'adam'), [clf.ctx[0]])


def _fuzz(folder, name, load, safe_only=False):
    path = os.path.join(folder, name)
    with open(path, 'rb') as f:
        original = f.read()

    @FAST
    @given(data=_damage(original, safe_only))
    def run(data):
        with open(path, 'wb') as f:
            f.write(data)
        try:
            _check(load)
        finally:
            with open(path, 'wb') as f:
                f.write(original)
    run()


@pytest.mark.parametrize('name', ['config.json', 'vocab.json', 'metrics.json', 'best.params'])
def test_run_files(copies, name):
    _fuzz(copies['run'], name, lambda: gs.load_model(copies['run'], hybridize=False))


@pytest.mark.parametrize('name', ['metrics.json', 'checkpoint-params', 'checkpoint-states'])
def test_resume_files(copies, name):
    done = json.load(open(os.path.join(copies['run'], 'metrics.json')))['checkpoint']
    name = {'checkpoint-params': done['params'], 'checkpoint-states': done['states']}.get(name,
                                                                                           name)
    original = open(os.path.join(copies['run'], 'best.params'), 'rb').read()
    try:
        _fuzz(copies['run'], name, lambda: _resume(copies['run']))
    finally:  # load_last rewrites best.params from the best epoch
        open(os.path.join(copies['run'], 'best.params'), 'wb').write(original)


@pytest.mark.parametrize('name', ['best.params', 'checkpoint-params', 'checkpoint-states'])
def test_files_without_checksums_cut_short(copies, name):
    legacy = copies['legacy']
    done = json.load(open(os.path.join(legacy, 'metrics.json')))['checkpoint']
    name = {'checkpoint-params': done['params'], 'checkpoint-states': done['states']}.get(name,
                                                                                           name)
    load = ((lambda: gs.load_model(legacy, hybridize=False)) if name == 'best.params'
            else (lambda: _resume(legacy)))
    _fuzz(legacy, name, load, safe_only=True)


@pytest.mark.parametrize('name', ['manifest.json', 'config.json', 'vocab.json',
                                  'model-0000.params', 'model-symbol.json', 'model.onnx'])
@pytest.mark.parametrize('symbolic', [False, True])
def test_bundle_files(copies, name, symbolic):
    bundle = copies['bundle']
    _fuzz(bundle, name, lambda: gs.load_model(bundle, hybridize=False, symbolic=symbolic))


def test_ensemble_json(copies):
    ensemble = copies['ensemble']
    _fuzz(ensemble, 'ensemble.json', lambda: gs.load_model(ensemble, hybridize=False))


def test_vector_files(tmp_path):
    import gluonnlp as nlp
    import mxnet as mx
    import numpy as np
    emb = nlp.embedding.TokenEmbedding(unknown_token='<unk>', init_unknown_vec=None,
                                       idx_to_token=['<unk>', 'good', 'café'],
                                       idx_to_vec=mx.nd.array(np.arange(6).reshape(3, 2)))
    sources.save_vectors(emb, str(tmp_path / 'v.npz'))
    _fuzz(str(tmp_path), 'v.npz', lambda: sources.load_vectors(str(tmp_path / 'v.npz')))
