"""Bundles: files and contract, round trips, ONNX parity, incomplete and failed exports."""
import json
import os

import numpy as np
import pytest

from conftest import NEUTRAL
from deploy_fixtures import deploy_root, fixed_length_run, multikernel_bundle, multikernel_run  # noqa: F401
import gluon_sentiment as gs
from gluon_sentiment.deploy import bundle as deploy_bundle
from gluon_sentiment.deploy.bundle import export_bundle
from gluon_sentiment.errors import ExportError
from gluon_sentiment.errors import RunDirError


TEXTS = ['great wonderful excellent', 'awful boring terrible film', 'the plot was a scene',
         '', 'zyzzyva quux', ' '.join(NEUTRAL * 6) + ' loved it',
         'I hated it. The worst! Dull (and long)?']


def _onnx_proba(path, X):
    """softmax(logits / temperature + bias), as the bundle's manifest says (the bias of runs
    calibrated with one, such as conv's default)."""
    import onnxruntime as ort
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    logits = session.run(None, {session.get_inputs()[0].name: X.astype(np.float32)})[0]
    with open(os.path.join(os.path.dirname(path), 'manifest.json'), encoding='utf-8') as f:
        output = json.load(f)['output']
    bias = np.asarray(output.get('bias') or 0.0, dtype=np.float64)
    return gs.inference.softmax(logits.astype(np.float64) / (output.get('temperature') or 1.0)
                                + bias)


def test_bundle_files_and_manifest(multikernel_bundle, multikernel_run):
    files = set(os.listdir(multikernel_bundle))
    assert files == {'manifest.json', 'model-symbol.json', 'model-0000.params', 'vocab.json',
                     'config.json', 'model.onnx'}
    assert not [f for f in os.listdir(os.path.dirname(multikernel_bundle)) if f.startswith('.')]
    manifest = json.load(open(os.path.join(multikernel_bundle, 'manifest.json')))
    assert manifest['format'] == 'gluon_sentiment.bundle/1' and manifest['model'] == 'multikernel'
    assert set(manifest['versions']) == {'gluon_sentiment', 'mxnet', 'gluonnlp', 'numpy'}
    contract = manifest['input']
    clf = gs.load_model(multikernel_run)
    assert contract['pad_id'] == clf.vocab['<pad>'] == 1 and contract['unk_id'] == 0
    assert contract['variable_length'] and contract['length_margin'] == 5
    assert contract['seq_len'] == 40 and contract['truncate'] == 'post'
    assert contract['vocab_size'] == len(clf.vocab)
    assert manifest['output']['labels'] == ['negative', 'positive']
    assert manifest['size_bytes'] == sum(os.path.getsize(os.path.join(multikernel_bundle, f))
                                         for f in files if f != 'manifest.json')


@pytest.mark.parametrize('symbolic', [False, True])
def test_bundle_round_trips_to_identical_probabilities(multikernel_run, multikernel_bundle,
                                                       symbolic):
    run = gs.load_model(multikernel_run)
    run.fast_paths = not symbolic  # a SymbolBlock runs its graph: compare with the run's graph
    expected = run.predict_proba(TEXTS)
    clf = gs.load_model(multikernel_bundle, symbolic=symbolic)
    np.testing.assert_array_equal(clf.predict_proba(TEXTS), expected)
    assert clf.name == 'multikernel' and clf.seq_len == 40


def test_onnx_parity_multikernel(multikernel_run, multikernel_bundle):
    clf = gs.load_model(multikernel_run)
    expected = clf.predict_proba(TEXTS)
    X, lengths = clf._encode(TEXTS)  # pylint: disable=protected-access
    onnx_path = os.path.join(multikernel_bundle, 'model.onnx')
    np.testing.assert_allclose(_onnx_proba(onnx_path, X), expected, rtol=0, atol=1e-5)
    # variable length: a batch cut to its longest text plus the margin
    cut = X[:, :int(lengths.max()) + 5]
    np.testing.assert_allclose(_onnx_proba(onnx_path, cut), expected, rtol=0, atol=1e-5)


def test_onnx_parity_fixed_length_models(fixed_length_run, tmp_path):
    out = str(tmp_path / 'bundle')
    manifest = export_bundle(fixed_length_run, out, onnx=True)
    assert manifest['onnx']['input']['shape'] == ['batch', 40]
    clf = gs.load_model(fixed_length_run)
    np.testing.assert_allclose(_onnx_proba(os.path.join(out, 'model.onnx'), clf.encode(TEXTS)),
                               clf.predict_proba(TEXTS), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(gs.load_model(out).predict_proba(TEXTS),
                                  clf.predict_proba(TEXTS))


def test_failed_export_leaves_nothing(multikernel_run, tmp_path, monkeypatch):
    def fail(clf, path):
        raise ExportError('ONNX export failed: simulated')
    monkeypatch.setattr(deploy_bundle, 'export_onnx', fail)
    with pytest.raises(ExportError, match='simulated'):
        export_bundle(multikernel_run, str(tmp_path / 'b'), onnx=True)
    assert os.listdir(tmp_path) == []


def test_incomplete_bundle_is_refused(multikernel_bundle, tmp_path):
    import shutil
    broken = tmp_path / 'broken'
    shutil.copytree(multikernel_bundle, broken)
    os.remove(broken / 'model-0000.params')
    with pytest.raises(RunDirError, match='model-0000.params: missing'):
        gs.load_model(str(broken))
