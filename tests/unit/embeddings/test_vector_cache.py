"""The vector cache and user .npz files are read without unpickling (allow_pickle=False)."""
import os

import numpy as np
import pytest

from glove_fixtures import glove_file, glove_vectors  # noqa: F401
import gluon_sentiment as gs
from gluon_sentiment.embeddings import sources
from gluon_sentiment.errors import DataError

MARK = 'unpickled.txt'


class _Payload:
    """Unpickling this writes a file: proof that a loader unpickled."""

    def __init__(self, folder):
        self.folder = folder

    def __reduce__(self):
        return (open, (os.path.join(self.folder, MARK), 'w'))


def test_save_vectors_file_holds_no_object_array(glove_file, tmp_path):
    emb = gs.load_token_embedding(glove_file)
    path = str(tmp_path / 'v.npz')
    sources.save_vectors(emb, path)
    with np.load(path, allow_pickle=False) as npz:
        assert npz['format'].item() == sources.VECTORS_FORMAT
        assert all(npz[name].dtype.kind != 'O' for name in npz.files)
    back = sources.load_vectors(path).embedding
    assert back.idx_to_token == emb.idx_to_token and back.unknown_token == emb.unknown_token
    np.testing.assert_array_equal(back.idx_to_vec.asnumpy(), emb.idx_to_vec.asnumpy())


def test_non_ascii_tokens_round_trip(tmp_path):
    import gluonnlp as nlp
    import mxnet as mx
    tokens = ['<unk>', 'café', '日本', '', 'a b']
    emb = nlp.embedding.TokenEmbedding(unknown_token='<unk>', init_unknown_vec=None,
                                       idx_to_token=tokens,
                                       idx_to_vec=mx.nd.array(np.arange(10).reshape(5, 2)))
    sources.save_vectors(emb, str(tmp_path / 'v.npz'))
    assert sources.load_vectors(str(tmp_path / 'v.npz')).embedding.idx_to_token == tokens


def test_pickled_npz_is_refused_without_unpickling(tmp_path):
    tokens = np.array(['<unk>', _Payload(str(tmp_path))], dtype=object)
    path = tmp_path / 'evil.npz'
    np.savez(path, unknown_token=np.array('<unk>'), idx_to_token=tokens,
             idx_to_vec=np.zeros((2, 3), np.float32))
    with pytest.raises(DataError) as err:
        sources.load_vectors(str(path))
    message = str(err.value)
    assert str(path) in message and 'never unpickles' in message
    assert 'GloVe text file' in message and 'save_vectors' in message
    assert '\n' not in message
    assert not (tmp_path / MARK).exists()


def test_gluonnlp_serialized_npz_is_refused_with_how_to_convert(glove_file, tmp_path):
    emb = gs.load_token_embedding(glove_file)
    emb.serialize(str(tmp_path / 'g.npz'))
    with pytest.raises(DataError, match='convert it once'):
        sources.load_vectors(str(tmp_path / 'g.npz'))


def test_gluonnlp_layout_with_unicode_tokens_loads(glove_file, tmp_path):
    emb = gs.load_token_embedding(glove_file)
    np.savez(tmp_path / 'u.npz', unknown_token=np.array('<unk>'),
             idx_to_token=np.array(emb.idx_to_token), idx_to_vec=emb.idx_to_vec.asnumpy())
    back = sources.load_vectors(str(tmp_path / 'u.npz')).embedding
    assert back.idx_to_token == emb.idx_to_token


def test_old_pickled_cache_is_rebuilt_from_the_wheel(monkeypatch, tmp_path, glove_vectors,
                                                     caplog):
    from test_pretrained import _fake_wheel
    monkeypatch.setenv('GLUON_SENTIMENT_HOME', str(tmp_path / 'home'))
    folder = _fake_wheel(tmp_path / 'wheel', glove_vectors)
    monkeypatch.setattr(sources, '_wheel_data_dir', lambda: folder)
    first = sources.load_vectors('glove.6B.50d')
    cache = sources.embedding_cache_path('glove.6B.50d')
    first.embedding.serialize(cache + '.old.npz', compress=False)  # what older versions cached
    os.replace(cache + '.old.npz', cache)
    again = sources.load_vectors('glove.6B.50d')
    assert again.origin == 'wheel' and 'converting again' in caplog.text
    with np.load(cache, allow_pickle=False) as npz:  # rewritten pickle-free
        assert npz['format'].item() == sources.VECTORS_FORMAT
    assert sources.load_vectors('glove.6B.50d').origin == 'cache'


def test_unwritable_cache_warns_and_leaves_no_temporary(monkeypatch, tmp_path, glove_vectors,
                                                        caplog):
    from test_pretrained import _fake_wheel
    home = tmp_path / 'home'
    home.mkdir()
    (home / 'embeddings').write_text('a file where the cache folder should be')
    monkeypatch.setenv('GLUON_SENTIMENT_HOME', str(home))
    folder = _fake_wheel(tmp_path / 'wheel', glove_vectors)
    monkeypatch.setattr(sources, '_wheel_data_dir', lambda: folder)
    assert sources.load_vectors('glove.6B.50d').origin == 'wheel'
    assert 'could not cache the converted vectors' in caplog.text
    assert os.listdir(home) == ['embeddings']
