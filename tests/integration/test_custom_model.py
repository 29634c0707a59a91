"""A model defined outside the package trains, reloads, exports and explains through the contract.

The model below is a :class:`~gluon_sentiment.model.SentimentNet` with an
encoder of its own that no part of the package knows; it declares what it
offers (fixed-length inputs, so its constructor takes ``seq_len``) and is
registered with the same decorator as the built-in models. Registration
happens in a fixture and is undone afterwards, so the other tests see the
built-in names only.
"""
import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon

import gluon_sentiment as gs
from gluon_sentiment.data.vocab import build_vocab
from gluon_sentiment.deploy import export_bundle
from gluon_sentiment.errors import ExportError
from gluon_sentiment.model import (SentimentNet, get_model, list_models, register_model,
                                   unregister_model)
from gluon_sentiment.training import TrainConfig, run_training

NAME = 'test-mean-of-embeddings'
TEXTS = ['the plot was great and wonderful', 'awful and boring, the worst film']


class MeanOfEmbeddings(gluon.HybridBlock):
    """Mean of the word vectors over time: ``(batch, seq_len, embed_size) -> (batch, embed_size)``."""

    def hybrid_forward(self, F, x):  # pylint: disable=arguments-differ
        return F.mean(x, axis=1)


class MeanNet(SentimentNet):
    """Embedding, mean over all positions (padding included), dense.

    The mean sees padding, so the input length is fixed.
    """

    length_margin = None

    def __init__(self, vocab_size, seq_len=40, embed_size=8, dropout=0.0, **kwargs):
        super().__init__(vocab_size, embed_size, dropout=dropout, **kwargs)
        self.seq_len = seq_len
        with self.name_scope():
            self.features = MeanOfEmbeddings()


@pytest.fixture
def registered():
    """``MeanNet`` registered as ``NAME`` for one test."""
    register_model(NAME)(MeanNet)
    yield NAME
    unregister_model(NAME)


@pytest.fixture
def custom_run(registered, review_folder, tmp_path):
    """A short training run of the registered ``MeanNet``."""
    config = TrainConfig(data=review_folder, output_dir=str(tmp_path / 'run'), model=registered,
                         seq_len=40, embed_size=8, epochs=3, batch_size=16, lr=0.05)
    metrics = run_training(config)
    assert metrics['best_epoch'] >= 1 and 0.0 <= metrics['test_accuracy'] <= 1.0
    return config.output_dir


def test_registration_is_undone_and_checked(registered):
    assert registered in list_models()
    net = get_model(registered, vocab_size=20, seq_len=13, multichannel=False)
    assert isinstance(net, MeanNet) and net.seq_len == 13  # seq_len: a fixed-length model
    assert net.embedding_static is None and net.output_layer is net.output[-1]
    with pytest.raises(TypeError, match='taken'):
        register_model(registered)(MeanNet)
    with pytest.raises(TypeError, match='not a SentimentNet'):
        register_model('test-plain-block')(MeanOfEmbeddings)

    class NoSeqLen(SentimentNet):  # fixed length by default, yet no seq_len
        pass
    with pytest.raises(TypeError, match='must take seq_len'):
        register_model('test-no-seq-len')(NoSeqLen)
    assert 'test-plain-block' not in list_models() and 'test-no-seq-len' not in list_models()


def test_registry_is_restored():
    assert list_models() == ['bigru', 'bilstm', 'conv', 'dense', 'multikernel', 'ngram',
                             'ngram-table']


def test_custom_model_trains_reloads_exports_and_explains(custom_run, tmp_path):
    clf = gs.load_model(custom_run)
    assert isinstance(clf.net, MeanNet) and clf.length_margin is None
    probs = clf.predict_proba(TEXTS)
    assert probs.shape == (2, 2) and np.isfinite(probs).all()

    out = str(tmp_path / 'bundle')
    manifest = export_bundle(custom_run, out)
    assert manifest['class'] == 'MeanNet' and not manifest['input']['variable_length']
    for symbolic in (False, True):
        np.testing.assert_allclose(gs.load_model(out, symbolic=symbolic).predict_proba(TEXTS),
                                   probs, rtol=0, atol=1e-6)
    with pytest.raises(ExportError, match='MeanOfEmbeddings'):
        export_bundle(custom_run, str(tmp_path / 'bundle-onnx'), onnx=True)

    result = gs.analysis.explain(clf, TEXTS[0], top_k=3)[0]
    assert result['method'] == 'gradient x input' and len(result['top']) == 3
    assert all(item['width'] == 1 and item['ngram'] in TEXTS[0].split() for item in result['top'])
    p = probs[0]  # calibrated: the logit margin is temperature x the log-odds
    assert result['margin'] == pytest.approx(np.log(p[1] / p[0]) * clf.temperature, abs=1e-5)


def test_gradient_input_is_exact_for_a_linear_encoder(registered):
    """For a mean encoder the attributions add up to the margin less the output bias."""
    net = get_model(registered, vocab_size=30, seq_len=6)
    net.initialize(mx.init.Xavier())
    clf = gs.SentimentClassifier(net, build_vocab([list('abcdefghij')]), seq_len=6)
    result = gs.analysis.explain(clf, 'a b c', top_k=10)[0]
    dense = net.output_layer
    bias = float((dense.bias.data()[1] - dense.bias.data()[0]).asscalar())
    total = sum(item['score'] for item in result['top'])
    # padding positions hold vectors too: the attributions of the words do not include them
    pad = net.embedding(mx.nd.array([clf.vocab.token_to_idx['<pad>']])).asnumpy()[0] / 6
    w = dense.weight.data().asnumpy()
    pad_part = 3 * float((w[1] - w[0]) @ pad)
    assert total == pytest.approx(result['margin'] - bias - pad_part, abs=1e-5)
