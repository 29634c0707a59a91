"""Three classes end to end: CSV -> train -> predict -> evaluate -> export (ONNX) -> bundle -> serve."""
import io
import json
import os
from contextlib import redirect_stdout

import numpy as np
import onnxruntime as ort
import pytest
from fastapi.testclient import TestClient

import gluon_sentiment as gs
from gluon_sentiment import evaluate as evaluate_cli
from gluon_sentiment import predict as predict_cli
from gluon_sentiment import train as train_cli
from gluon_sentiment.deploy.bundle import export_bundle
from gluon_sentiment.deploy.server import create_app
from gluon_sentiment.errors import DataError
from gluon_sentiment.inference.batches import softmax
from three_classes import CLASSES, three_class_rows, write_csv

FAST = ['--seq-len', '40', '--embed-size', '16', '--batch-size', '16', '--lr', '0.01', '--quiet']


@pytest.fixture(scope='module')
def three_class_run(tmp_path_factory):
    root = tmp_path_factory.mktemp('k3')
    data = write_csv(root / 'train.csv', three_class_rows())
    out = str(root / 'run')
    assert train_cli.main(['--data', data, '--labels', ','.join(CLASSES), '--output-dir', out,
                           '--epochs', '8', '--select-metric', 'macro_f1'] + FAST) == 0
    return root, out


def test_run_remembers_classes_and_predicts_three(three_class_run):
    root, run = three_class_run
    config = json.loads(open(f'{run}/config.json').read())
    assert config['class_names'] == list(CLASSES)
    assert config['model_kwargs']['num_classes'] == 3
    assert config['calibration']['temperature'] > 0
    metrics = json.loads(open(f'{run}/metrics.json').read())
    assert metrics['test_accuracy'] > 0.8 and 'val_macro_f1' in metrics
    assert metrics['calibration']['nll_after'] <= metrics['calibration']['nll_before'] + 1e-9
    clf = gs.load_model(run)
    assert clf.class_names == CLASSES
    probs = clf.predict_proba(['awful terrible movie', 'okay average film', 'great superb'])
    assert probs.shape == (3, 3) and np.allclose(probs.sum(axis=1), 1)
    assert clf.predict(['awful terrible worst', 'okay average mediocre',
                        'great superb wonderful']).tolist() == [0, 1, 2]
    out = io.StringIO()
    with redirect_stdout(out):
        assert predict_cli.main(['--model', run, 'okay average mediocre', '--quiet']) == 0
    fields = out.getvalue().strip().split('\t')
    assert fields[0] == 'meh' and [f.split('=')[0] for f in fields[1:4]] == list(CLASSES)
    out = io.StringIO()
    with redirect_stdout(out):
        assert predict_cli.main(['--model', run, 'great superb', '--format', 'jsonl',
                                 '--explain', '--quiet']) == 0
    record = json.loads(out.getvalue())
    assert record['label'] == 'good' and set(record['probabilities']) == set(CLASSES)
    assert record['explanation']['class'] == 'good'


def test_evaluate_reports_macro_f1_and_refuses_unknown_labels(three_class_run, capsys):
    root, run = three_class_run
    test = write_csv(root / 'test.csv', three_class_rows(20, seed=5))
    out = io.StringIO()
    with redirect_stdout(out):
        assert evaluate_cli.main(['--model', run, '--data', test, '--out', str(root / 'ev'),
                                  '--quiet']) == 0
    report = json.loads(out.getvalue())
    metrics = report['metrics']
    assert metrics['macro_f1'] > 0.8 and len(metrics['confusion_matrix']) == 3
    assert set(metrics['per_class']) == set(CLASSES) and metrics['roc_auc'] > 0.9
    bad = write_csv(root / 'bad.csv', [('awful', 'bad'), ('so so', 'neutral')])
    with pytest.raises(DataError, match=r"\['neutral'\] are none of --labels bad,meh,good"):
        gs.analysis.evaluate_run(run, bad, str(root / 'ev2'))
    capsys.readouterr()
    assert evaluate_cli.main(['--model', run, '--data', bad, '--out', str(root / 'ev3'),
                              '--quiet']) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: ') and err.count('\n') == 1 and 'Traceback' not in err
    assert "['neutral'] are none of --labels bad,meh,good" in err
    assert 'leave out the texts of other classes' in err


def test_bundle_onnx_and_serve(three_class_run):
    root, run = three_class_run
    bundle = str(root / 'bundle')
    manifest = export_bundle(run, bundle, onnx=True)
    assert manifest['output']['labels'] == list(CLASSES)
    assert manifest['output']['shape'] == ['batch', 3]
    assert manifest['onnx']['output']['shape'] == ['batch', 3]
    assert manifest['output']['temperature'] == gs.load_model(run).temperature
    texts = ['awful terrible', 'okay average', 'great superb']
    run_probs = gs.load_model(run).predict_proba(texts)
    assert np.allclose(gs.load_model(bundle).predict_proba(texts), run_probs, atol=1e-5)
    assert np.allclose(gs.load_model(bundle, symbolic=True).predict_proba(texts), run_probs,
                       atol=1e-5)
    # the ONNX graph gives the logits; the manifest's calibration turns them into the run's
    # probabilities
    clf = gs.load_model(run)
    X, _ = clf.encode_tokens(clf.tokenize(texts))
    session = ort.InferenceSession(os.path.join(bundle, 'model.onnx'),
                                   providers=['CPUExecutionProvider'])
    logits = session.run(None, {session.get_inputs()[0].name: X.astype(np.float32)})[0]
    assert logits.shape == (3, 3)
    output = manifest['output']
    onnx_probs = softmax(logits.astype(np.float64) / (output['temperature'] or 1.0)
                         + np.asarray(output.get('bias') or 0.0))
    np.testing.assert_allclose(onnx_probs, run_probs, atol=1e-5)
    client = TestClient(create_app(gs.load_model(bundle)))
    answer = client.post('/predict', json={'texts': texts})
    assert answer.status_code == 200
    predictions = answer.json()['predictions']
    assert [p['label'] for p in predictions] == list(CLASSES)
    served = [[p['probabilities'][name] for name in CLASSES] for p in predictions]
    np.testing.assert_allclose(served, run_probs, atol=1e-5)


def test_train_classifier_in_memory(tmp_path):
    rows = three_class_rows(30, seed=2)
    clf = gs.train_classifier([t for t, _ in rows], [y for _, y in rows], classes=CLASSES,
                              output_dir=str(tmp_path / 'mem'), epochs=6, seq_len=40,
                              embed_size=16, batch_size=16, lr=0.01)
    assert clf.class_names == CLASSES
    assert clf.predict(['awful terrible worst', 'great superb wonderful']).tolist() == [0, 2]
    with pytest.raises(DataError, match='row 1 has an empty label'):
        gs.train_classifier(['a', 'b', 'c'], ['x', '', 'y'], output_dir=str(tmp_path / 'e'))
