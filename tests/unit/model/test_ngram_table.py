"""The folded n-gram model: same probabilities as the NgramNet it came from, terms, spans.

Tolerances: the folded table is computed in float64 and stored in float32,
and the mean over the n-grams is then taken over 2 columns instead of 16,
so scores differ by float32 rounding only: 1e-5 absolute on the logits and
on the probabilities.
"""
import gluonnlp as nlp
import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd

import gluon_sentiment as gs
from gluon_sentiment.artifacts import rundir, store
from gluon_sentiment.model import NgramNet, NgramTableNet, fold_ngram, get_model
from gluon_sentiment.model.ngram import ngram_ids, ngram_spans
from gluon_sentiment.model.ngram_table import table_kwargs

VOCAB, BUCKETS, PAD = 40, 211, 1
TOLERANCE = 1e-5


def _ngram_net(num_classes=2, orders=(1, 2, 3), dropout=0.0, seed=0):
    net = get_model('ngram', vocab_size=VOCAB, embed_size=6, num_buckets=BUCKETS,
                    ngram_orders=orders, num_classes=num_classes, dropout=dropout)
    mx.random.seed(seed)
    net.initialize(mx.init.Xavier())
    rng = np.random.RandomState(seed)
    weights = rng.randn(VOCAB + BUCKETS, 1) * (rng.rand(VOCAB + BUCKETS, 1) > 0.3)
    net.nb_weight.weight.set_data(mx.nd.array(weights))  # some rows 0, as never seen
    net(mx.nd.ones((1, 4)))  # shapes the dense layer
    net.output_layer.weight.set_data(mx.nd.array(rng.randn(num_classes, 6) * 3))
    net.output_layer.bias.set_data(mx.nd.array(rng.randn(num_classes)))
    return net


def _texts(seed=1, lengths=(0, 1, 2, 5, 11, 16), width=16):
    rng = np.random.RandomState(seed)
    X = np.full((len(lengths), width), PAD, dtype=np.float32)
    for i, n in enumerate(lengths):
        X[i, :n] = rng.choice([0] + list(range(2, VOCAB)), n)  # <unk> inside, padding after
    return mx.nd.array(X)


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


@pytest.mark.parametrize('hybridize', [False, True])
@pytest.mark.parametrize('num_classes,orders', [(2, (1, 2, 3)), (3, (1, 2)), (2, (2,))])
def test_folded_table_predicts_the_same_probabilities(hybridize, num_classes, orders):
    net = _ngram_net(num_classes, orders, dropout=0.5)  # dropout is the identity at inference
    X = _texts()
    with autograd.predict_mode():
        expected = net(X).asnumpy()
    for center in (True, False):
        table = fold_ngram(net, center=center)
        assert isinstance(table, NgramTableNet)
        assert table.embedding.weight.shape == (VOCAB + BUCKETS, num_classes)
        if hybridize:
            table.hybridize(static_alloc=True)
        got = table(X).asnumpy()
        np.testing.assert_allclose(_softmax(got), _softmax(expected), atol=TOLERANCE)
        if not center:  # the scores themselves agree
            np.testing.assert_allclose(got, expected, atol=TOLERANCE)
    centered = fold_ngram(net).embedding.weight.data().asnumpy()
    np.testing.assert_allclose(centered.sum(axis=1), 0, atol=1e-5)


def test_rows_never_seen_fold_to_zero():
    net = _ngram_net()
    unseen = net.nb_weight.weight.data().asnumpy()[:, 0] == 0
    table = fold_ngram(net).embedding.weight.data().asnumpy()
    assert unseen.sum() > 10 and not table[unseen].any() and table[~unseen].any()


@pytest.mark.parametrize('num_classes', [2, 3])
def test_ngram_terms_add_up_to_the_scores(num_classes):
    net = _ngram_net(num_classes)
    X = _texts()
    for model in (net, fold_ngram(net, center=False)):
        terms, bias = model.ngram_terms(X)
        with autograd.predict_mode():
            scores = model(X).asnumpy()
        np.testing.assert_allclose(terms.sum(axis=1) + bias, scores, atol=TOLERANCE)
        _, mask = ngram_ids(X.asnumpy(), VOCAB, BUCKETS, padding_index=PAD)
        assert not terms[mask == 0].any()  # n-grams with padding count for nothing


def test_spans_name_the_words_of_each_column():
    X = np.array([[5, 6, 7, 8, PAD, PAD]])
    rows, mask = ngram_ids(X, VOCAB, BUCKETS, (1, 2, 3), PAD)
    starts, widths = ngram_spans(X.shape[1], (1, 2, 3))
    assert len(starts) == rows.shape[1] == len(widths)
    valid = [(int(s), int(w)) for s, w, m in zip(starts, widths, mask[0]) if m]
    assert valid == [(0, 1), (1, 1), (2, 1), (3, 1), (0, 2), (1, 2), (2, 2), (0, 3), (1, 3)]
    alone = ngram_ids(X[:, 1:3], VOCAB, BUCKETS, (1, 2, 3), PAD)[0][0]
    at = dict(zip(zip(starts.tolist(), widths.tolist()), range(len(starts))))
    at_alone = dict(zip(zip(*(a.tolist() for a in ngram_spans(2, (1, 2, 3)))), range(len(alone))))
    assert rows[0, at[1, 2]] == alone[at_alone[0, 2]]  # "6 7" hashes alike wherever it stands


def test_table_is_registered_and_rebuilt_from_its_kwargs():
    net = _ngram_net(3, (1, 2))
    kwargs = table_kwargs(net)
    assert kwargs == {'vocab_size': VOCAB, 'num_buckets': BUCKETS, 'ngram_orders': [1, 2],
                      'num_classes': 3, 'padding_index': PAD}
    rebuilt = get_model('ngram-table', **kwargs, seq_len=50)  # seq_len is dropped, as for ngram
    assert isinstance(rebuilt, NgramTableNet) and rebuilt.length_margin == 1
    assert not NgramTableNet.accepts_pretrained and isinstance(net, NgramNet)


def test_load_model_folds_ngram_runs_unless_told_not_to(tmp_path):
    vocab = nlp.Vocab(nlp.data.count_tokens(f'w{i}' for i in range(VOCAB - 4)))
    assert len(vocab) == VOCAB
    net = _ngram_net()
    net.save_parameters(str(tmp_path / store.BEST_PARAMS))
    rundir.save_vocab(str(tmp_path / store.VOCAB), vocab)
    kwargs = {'vocab_size': VOCAB, 'embed_size': 6, 'num_buckets': BUCKETS}
    store.write_json(str(tmp_path / store.CONFIG),
                     rundir.describe({'seq_len': 20}, 'ngram', kwargs))
    texts = ['w1 w2 w3 w9', 'w3 w3', '', 'nothing known']
    folded, plain = gs.load_model(str(tmp_path)), gs.load_model(str(tmp_path), fold=False)
    assert isinstance(folded.net, NgramTableNet) and isinstance(plain.net, NgramNet)
    assert folded.name == plain.name == 'ngram'
    np.testing.assert_allclose(folded.predict_proba(texts), plain.predict_proba(texts),
                               atol=TOLERANCE)
    with pytest.raises(TypeError, match='folds an NgramNet'):
        fold_ngram(folded.net)
