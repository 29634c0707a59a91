"""End to end on real IMDB reviews: a seeded subset of ../shared/data, real accuracy."""
import json
import os

import pytest

import gluon_sentiment as gs
from conftest import SHARED_IMDB
from gluon_sentiment import train as train_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def imdb_run(tmp_path_factory):
    if not os.path.exists(SHARED_IMDB):
        pytest.fail(f'{SHARED_IMDB} is missing: the end-to-end tests read the shared IMDB archive')
    out = tmp_path_factory.mktemp('imdb') / 'run'
    status = train_cli.main(['--data', SHARED_IMDB, '--max-examples', '4000', '--seq-len', '300',
                             '--epochs', '4', '--lr', '2e-3', '--output-dir', str(out),
                             '--quiet'])
    assert status == 0
    return str(out)


def test_accuracy_well_above_chance(imdb_run):
    metrics = json.load(open(os.path.join(imdb_run, 'metrics.json')))
    assert metrics['sizes'] == {'train': 1960, 'val': 840, 'test': 1200}
    assert metrics['test_accuracy'] > 0.72, metrics
    assert metrics['val_accuracy'] > 0.72, metrics


def test_predicts_clear_reviews(imdb_run):
    clf = gs.load_model(imdb_run)
    labels = clf.predict(['This was a wonderful film with a great cast, I loved every minute.',
                          'The worst movie I have ever seen, boring and a waste of time.'])
    assert list(labels) == [1, 0]


def test_bundle_and_onnx_match_on_real_reviews(imdb_run, tmp_path):
    import tarfile

    import numpy as np
    import onnxruntime as ort

    from gluon_sentiment.inference.batches import softmax
    from gluon_sentiment.deploy.bundle import export_bundle
    texts = []
    with tarfile.open(SHARED_IMDB) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith('.txt') and '/train/' in member.name:
                texts.append(tar.extractfile(member).read().decode('utf-8', 'replace'))
                if len(texts) == 300:
                    break
    bundle = str(tmp_path / 'bundle')
    export_bundle(imdb_run, bundle, onnx=True)
    clf = gs.load_model(imdb_run)
    expected = clf.predict_proba(texts)
    np.testing.assert_array_equal(gs.load_model(bundle).predict_proba(texts), expected)
    session = ort.InferenceSession(os.path.join(bundle, 'model.onnx'),
                                   providers=['CPUExecutionProvider'])
    logits = session.run(None, {'data': clf.encode(texts).astype(np.float32)})[0]
    np.testing.assert_allclose(softmax(logits.astype(np.float64)), expected, rtol=0, atol=1e-5)
