"""ONNX of the n-gram models: the graph written node by node computes MXNet's logits.

Tolerance: :data:`gluon_sentiment.deploy.TOLERANCE` (1e-5) on the logits,
the bound export_onnx itself checks; the hashed rows must be identical, so a
wrong hash shows as a difference of whole rows.
"""
import os

import gluonnlp as nlp
import mxnet as mx
import numpy as np
import pytest

from gluon_sentiment.deploy import TOLERANCE, export_onnx
from gluon_sentiment.deploy.onnx_ngram import ngram_onnx_model
from gluon_sentiment.inference import SentimentClassifier
from gluon_sentiment.model import NgramTableNet, get_model

ort = pytest.importorskip('onnxruntime')


def _run(model, X):
    session = ort.InferenceSession(model.SerializeToString(), providers=['CPUExecutionProvider'])
    return session.run(None, {'data': X.astype(np.float32)})[0]


def _classifier(num_classes=2, orders=(1, 2, 3)):
    vocab = nlp.Vocab(nlp.data.count_tokens(f'w{i}' for i in range(40)))
    net = get_model('ngram', vocab_size=len(vocab), embed_size=5, num_buckets=97,
                    ngram_orders=orders, num_classes=num_classes)
    net.initialize(mx.init.Xavier())
    net.nb_weight.weight.set_data(mx.nd.array(np.random.RandomState(0).randn(len(vocab) + 97, 1)))
    clf = SentimentClassifier(net, vocab, 30)
    clf.class_names = tuple(f'c{k}' for k in range(num_classes))
    return clf


@pytest.mark.parametrize('num_classes,orders', [(2, (1, 2, 3)), (3, (1, 2)), (2, (1,))])
def test_export_onnx_of_ngram_models(tmp_path, num_classes, orders):
    clf = _classifier(num_classes, orders)
    info = export_onnx(clf, str(tmp_path / 'model.onnx'))
    assert info['opset'] == 13 and info['input']['shape'] == ['batch', 'length']
    assert info['output']['shape'] == ['batch', num_classes]
    assert info['max_abs_diff_onnxruntime'] <= TOLERANCE and os.path.isfile(tmp_path / 'model.onnx')


def test_hash_of_large_ids_and_tables_is_exact():
    table = NgramTableNet(100000, num_buckets=2 ** 20)
    table.initialize(mx.init.Normal(1.0))
    rng = np.random.RandomState(3)
    X = rng.randint(0, 100000, (4, 25)).astype(np.float32)
    X[0] = 99999  # the largest products of the hash
    X[1, 10:] = 1  # padding after the text
    X[2, :] = 1  # all padding
    expected = table(mx.nd.array(X)).asnumpy()
    got = _run(ngram_onnx_model(table), X)
    np.testing.assert_allclose(got, expected, atol=TOLERANCE)
    short = X[:, :1]  # one column: shorter than the trigrams
    np.testing.assert_allclose(_run(ngram_onnx_model(table), short),
                               table(mx.nd.array(short)).asnumpy(), atol=TOLERANCE)
