"""Export: the bundle's files and contract, round trips, loading without our classes, ONNX."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import gluon_sentiment as gs
from conftest import NEUTRAL
from deploy_fixtures import deploy_root, fixed_length_run, multikernel_bundle, multikernel_run  # noqa: F401
from gluon_sentiment import export as export_cli
from gluon_sentiment.deploy import bundle as deploy_bundle
from gluon_sentiment.errors import RunDirError
from gluon_sentiment.errors import ExportError
from gluon_sentiment.deploy.bundle import export_bundle

TEXTS = ['great wonderful excellent', 'awful boring terrible film', 'the plot was a scene',
         '', 'zyzzyva quux', ' '.join(NEUTRAL * 6) + ' loved it',
         'I hated it. The worst! Dull (and long)?']


def _onnx_proba(path, X):
    import onnxruntime as ort
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    logits = session.run(None, {session.get_inputs()[0].name: X.astype(np.float32)})[0]
    return gs.inference.softmax(logits.astype(np.float64))


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
    expected = gs.load_model(multikernel_run).predict_proba(TEXTS)
    clf = gs.load_model(multikernel_bundle, symbolic=symbolic)
    np.testing.assert_array_equal(clf.predict_proba(TEXTS), expected)
    assert clf.name == 'multikernel' and clf.seq_len == 40


def test_bundle_loads_without_the_model_classes(multikernel_run, multikernel_bundle, tmp_path):
    clf = gs.load_model(multikernel_run)
    X = clf.encode(TEXTS)
    expected = gs.inference.predict_logits(clf.net, X, clf.ctx)
    np.save(tmp_path / 'ids.npy', X)
    script = textwrap.dedent('''
        import json, os, sys
        import mxnet as mx
        import numpy as np
        from mxnet import gluon
        bundle, ids = sys.argv[1], sys.argv[2]
        manifest = json.load(open(os.path.join(bundle, 'manifest.json')))
        net = gluon.SymbolBlock.imports(os.path.join(bundle, 'model-symbol.json'),
                                        [manifest['input']['name']],
                                        os.path.join(bundle, 'model-0000.params'))
        logits = net(mx.nd.array(np.load(ids))).asnumpy()
        ours = sorted(m for m in sys.modules if m.startswith('gluon_sentiment'))
        print(json.dumps({'logits': logits.tolist(), 'modules': ours}))
    ''')
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    proc = subprocess.run([sys.executable, '-c', script, multikernel_bundle,
                           str(tmp_path / 'ids.npy')], capture_output=True, text=True,
                          timeout=120, env=env, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result['modules'] == []
    np.testing.assert_allclose(np.array(result['logits']), expected, rtol=0, atol=1e-6)


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


def test_export_cli(multikernel_run, tmp_path, capsys):
    out = tmp_path / 'b'
    assert export_cli.main(['--model', multikernel_run, '--out', str(out), '--quiet']) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary['model'] == 'multikernel' and 'model.onnx' not in summary['files']
    assert summary['size_bytes'] < 5e6
    # exporting again over a bundle replaces it
    assert export_cli.main(['--model', multikernel_run, '--out', str(out), '--quiet']) == 0


def test_export_refuses_other_files_and_bad_runs(multikernel_run, tmp_path, capsys):
    busy = tmp_path / 'busy'
    busy.mkdir()
    (busy / 'notes.txt').write_text('mine')
    assert export_cli.main(['--model', multikernel_run, '--out', str(busy), '--quiet']) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: --out') and '--overwrite' in err and 'Traceback' not in err
    assert (busy / 'notes.txt').read_text() == 'mine'
    assert export_cli.main(['--model', str(tmp_path / 'nope'), '--out', str(tmp_path / 'b'),
                            '--quiet']) == 2
    assert 'no such run directory' in capsys.readouterr().err


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


def test_onnx_equivalent_rejects_unknown_encoders():
    from mxnet.gluon import nn
    from gluon_sentiment.model.onnx_twin import onnx_equivalent
    from gluon_sentiment.model import SentimentNet

    class MeanNet(SentimentNet):
        def __init__(self, vocab_size, **kwargs):
            super().__init__(vocab_size, 4, **kwargs)
            with self.name_scope():
                self.features = nn.GlobalAvgPool1D(layout='NWC')

    with pytest.raises(ExportError, match='GlobalAvgPool1D'):
        onnx_equivalent(MeanNet(10))
