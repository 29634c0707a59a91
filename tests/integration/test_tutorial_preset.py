"""The tutorial's tokenizer and networks through a whole run: train, save, load, explain, export.

One small run of ``--preset tutorial-conv --tokenizer tutorial`` on synthetic
reviews: the run and its bundle say which tokenizer they use, every
prediction path tokenizes with it, and the ConvNet without activation
exports to ONNX with the same probabilities.
"""
import json
import os
import shutil

import numpy as np
import pytest

import gluon_sentiment as gs
from conftest import synthetic_reviews, write_review_folder
from gluon_sentiment import train as train_cli
from gluon_sentiment.analysis import explain
from gluon_sentiment.data.text import tokenize
from gluon_sentiment.deploy.bundle import export_bundle

FAST = ['--seq-len', '40', '--embed-size', '16', '--batch-size', '16', '--lr', '0.01',
        '--epochs', '2', '--quiet']
TEXTS = ["Don't you think it's great? Wonderful, (really) excellent!", 'awful, boring film',
         '', "IT'S the worst'n't"]
LEGACY_RUN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          'fixtures', 'legacy', 'run-multikernel')


def _onnx_proba(path, X, temperature=None):
    """softmax(logits / temperature) of the ONNX file, as the bundle's manifest says."""
    import onnxruntime as ort
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    logits = session.run(None, {session.get_inputs()[0].name: X.astype(np.float32)})[0]
    return gs.inference.softmax(logits.astype(np.float64) / (temperature or 1.0))


@pytest.fixture(scope='module')
def tutorial_run(tmp_path_factory):
    root = tmp_path_factory.mktemp('tutorial')
    texts, labels = synthetic_reviews(40, seed=2)
    texts = [text.replace(' was ', " wasn't ") + " It's (so), so." for text in texts]
    data = write_review_folder(root / 'reviews', texts, labels)
    out = str(root / 'run')
    assert train_cli.main(['--data', data, '--output-dir', out, '--preset', 'tutorial-conv',
                           '--tokenizer', 'tutorial'] + FAST) == 0
    return out


def _config(path):
    with open(os.path.join(path, 'config.json'), encoding='utf-8') as f:
        return json.load(f)


def test_run_saves_preset_tokenizer_and_resolved_values(tutorial_run):
    config = _config(tutorial_run)
    assert config['preset'] == 'tutorial-conv' and config['tokenizer'] == 'tutorial'
    assert config['model'] == 'conv' and config['model_kwargs']['activation'] is None
    assert config['seq_len'] == 40 and config['epochs'] == 2  # the flags given win
    vocab = json.load(open(os.path.join(tutorial_run, 'vocab.json')))['idx_to_token']
    assert 'n' in vocab and 't' in vocab and "n't" not in vocab and ',' not in vocab


def test_every_prediction_path_tokenizes_like_training(tutorial_run):
    clf = gs.load_model(tutorial_run)
    assert clf.tokenizer == 'tutorial'
    assert clf.text_tokens(TEXTS[0]) == tokenize(TEXTS[0], 'tutorial')
    expected = clf.vocab[tokenize(TEXTS[0], 'tutorial')]
    assert clf.encode(TEXTS[:1])[0][:len(expected)].tolist() == expected
    words = {word for result in explain(clf, TEXTS[:1], top_k=40)
             for word in result['top'][0]['ngram'].split()}
    assert words <= set(tokenize(TEXTS[0], 'tutorial'))
    kim = gs.SentimentClassifier(clf.net, clf.vocab, clf.seq_len)  # the same net, Kim's rules
    assert kim.tokenizer == 'kim'
    assert not np.array_equal(kim.encode(TEXTS), clf.encode(TEXTS))
    with pytest.raises(ValueError, match='kim, tutorial'):
        kim.tokenizer = 'spacy'


def test_bundle_names_the_tokenizer_and_exports_onnx(tutorial_run, tmp_path):
    out = str(tmp_path / 'bundle')
    manifest = export_bundle(tutorial_run, out, onnx=True)
    assert manifest['input']['tokenizer'].startswith('tutorial: ')
    assert "don't -> do n t" in manifest['input']['tokenizer']
    clf = gs.load_model(tutorial_run)
    for bundled in (gs.load_model(out), gs.load_model(out, symbolic=True)):
        assert bundled.tokenizer == 'tutorial'
        np.testing.assert_array_equal(bundled.predict_proba(TEXTS), clf.predict_proba(TEXTS))
    np.testing.assert_allclose(_onnx_proba(os.path.join(out, 'model.onnx'), clf.encode(TEXTS),
                                           manifest['output'].get('temperature')),
                               clf.predict_proba(TEXTS), rtol=0, atol=1e-5)


def test_runs_without_the_field_load_as_kim(tutorial_run, tmp_path):
    assert 'tokenizer' not in _config(LEGACY_RUN)
    assert gs.load_model(LEGACY_RUN).tokenizer == 'kim'
    old = str(tmp_path / 'old')
    shutil.copytree(tutorial_run, old)
    config = _config(old)
    del config['tokenizer'], config['preset']
    with open(os.path.join(old, 'config.json'), 'w', encoding='utf-8') as f:
        json.dump(config, f)
    assert gs.load_model(old).tokenizer == 'kim'
    assert gs.training.TrainConfig.from_dict(config).tokenizer == 'kim'


def test_kim_bundle_manifest_names_kim(tmp_path):
    manifest = export_bundle(LEGACY_RUN, str(tmp_path / 'bundle'))
    assert manifest['input']['tokenizer'].startswith('kim: Kim (2014) clean_str')
