"""Vocabulary, encoding, padding and splits (tutorial and full protocol)."""
import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from glove_fixtures import vocab  # noqa: F401
from gluon_sentiment.data.split import balanced_subset, split_indices
from gluon_sentiment.data.split import full_split_indices
from gluon_sentiment.data.vocab import PAD, UNK, build_vocab, decode, encode, encode_batch, pad_batch
from gluon_sentiment.errors import DataError


CORPUS = [['the', 'movie', 'was', 'the', 'best'], ['the', 'worst', 'movie'], ['the', 'end']]


def test_layout_and_frequency_order():
    vocab = build_vocab(CORPUS, max_size=3)
    assert vocab.idx_to_token[:2] == [UNK, PAD]
    assert vocab.idx_to_token[2:] == ['the', 'movie', 'best']  # ties alphabetical
    assert len(vocab) == 5


def test_padding_index_is_never_a_word():
    vocab = build_vocab([[PAD.strip('<>'), 'pad']] + CORPUS)
    pad = vocab.token_to_idx[PAD]
    X, _ = encode_batch(CORPUS + [['pad']], vocab, seq_len=8)
    real_ids = {i for row, tokens in zip(X, CORPUS + [['pad']]) for i in row[:len(tokens)]}
    assert pad not in real_ids


def test_unknown_words_map_to_unk_and_keep_position():
    vocab = build_vocab(CORPUS, max_size=2)
    ids = encode(['the', 'zebra', 'movie'], vocab)
    assert ids == [vocab['the'], vocab.token_to_idx[UNK], vocab['movie']]


def test_pad_and_truncate():
    X, lengths = pad_batch([[5, 6, 7], [], [1, 2, 3, 4, 5, 6]], seq_len=4, pad_id=1)
    np.testing.assert_array_equal(X, [[5, 6, 7, 1], [1, 1, 1, 1], [1, 2, 3, 4]])
    np.testing.assert_array_equal(lengths, [3, 0, 4])
    assert X.dtype == np.int32


def test_truncate_pre_keeps_the_end():
    X, lengths = pad_batch([[1, 2, 3, 4, 5, 6], [7]], seq_len=4, pad_id=0, truncate='pre')
    np.testing.assert_array_equal(X, [[3, 4, 5, 6], [7, 0, 0, 0]])
    with pytest.raises(ValueError, match='truncate'):
        pad_batch([[1]], 2, 0, truncate='middle')


def test_encode_decode_round_trip():
    vocab = build_vocab(CORPUS)
    X, _ = encode_batch(CORPUS, vocab, seq_len=6)
    for row, tokens in zip(X, CORPUS):
        assert decode(row, vocab) == tokens


def test_split_is_the_tutorials():
    index = split_indices(1000)
    assert (len(index['train']), len(index['val']), len(index['test'])) == (490, 210, 300)
    rest, test = train_test_split(np.arange(1000), test_size=0.3, random_state=42)
    train, val = train_test_split(rest, test_size=0.3, random_state=42)
    np.testing.assert_array_equal(index['test'], test)
    np.testing.assert_array_equal(index['train'], train)
    np.testing.assert_array_equal(index['val'], val)
    assert len(set(np.concatenate(list(index.values())))) == 1000


def test_split_without_test():
    index = split_indices(100, test_size=None)
    assert set(index) == {'train', 'val'} and len(index['val']) == 30


def test_split_too_small():
    with pytest.raises(DataError, match='cannot be split'):
        split_indices(2)


def test_balanced_subset():
    labels = np.array([0] * 90 + [1] * 10)
    idx = balanced_subset(labels, 20, seed=3)
    assert len(idx) == 20 and np.bincount(labels[idx]).tolist() == [10, 10]
    np.testing.assert_array_equal(idx, balanced_subset(labels, 20, seed=3))
    assert not np.array_equal(idx, balanced_subset(labels, 20, seed=4))
    assert len(balanced_subset(labels, 1000)) == 100


@pytest.mark.parametrize('truncate', ['post', 'pre'])
def test_encode_batch_equals_encode_then_pad(truncate):
    vocab = build_vocab(CORPUS, max_size=3)
    texts = CORPUS + [[], ['zebra'] * 7, ['the', 'end', 'movie', 'best', 'worst']]
    X, lengths = encode_batch(iter(texts), vocab, seq_len=4, truncate=truncate)
    X_ref, len_ref = pad_batch([encode(t, vocab) for t in texts], 4, vocab.token_to_idx[PAD],
                               truncate)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(lengths, len_ref)
    assert X.dtype == np.int32 and lengths.dtype == np.int32


def test_full_protocol_split_is_stratified_and_complete():
    labels = np.array([0] * 60 + [1] * 40)
    index = full_split_indices(labels, 0.1, 42)
    assert set(index) == {'train', 'val'}
    assert sorted(np.concatenate([index['train'], index['val']])) == list(range(100))
    assert len(index['val']) == 10 and labels[index['val']].sum() == 4
    with pytest.raises(DataError, match='full-val-size'):  # a slice of 1 for 2 classes
        full_split_indices(np.array([0, 0, 1, 1]), 0.05, 42)
    with pytest.raises(DataError, match=r"too few examples of class '0' \(1\)"):
        full_split_indices(np.array([0, 1, 1]), 0.05, 42)
