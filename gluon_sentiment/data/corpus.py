"""Tokenize, count and encode a whole corpus at once, in numpy passes over one buffer.

:func:`encode_corpus` gives exactly what :func:`~.text.tokenize` of every
text, :func:`~.vocab.build_vocab` of the counted rows and
:func:`~.vocab.encode_batch` of all rows give, without making one Python
string per token:

1. the texts are joined into one buffer with NUL bytes between them (a text
   holding NUL is cleaned of ``<br />`` tags and its NULs turned into spaces
   first, which :func:`~.text.tokenize` would have done too); the ``<br />``
   tags are removed and Kim's character filter is applied by one regex pass
   and one ``bytes.translate`` over the buffer;
2. token boundaries come from numpy masks over the bytes (each byte's class
   by one ``bytes.translate``): runs of letters, digits, apostrophes and
   backticks, each of ``, ! ( ) ?`` on its own, and a cut before each
   lower-case ``'s 've 're 'd 'll`` and ``n't`` (the same cuts as Kim's six
   contraction rules, see :mod:`.text`);
3. each token of at most 8 bytes is read, lower-cased, as one little-endian
   64-bit integer (an exact key: tokens hold no NUL byte), and
   a vectorized hash table (:func:`_group`, linear where ``numpy.unique``
   sorts) numbers the distinct keys; a token of 9 to 16 bytes is two keys,
   whose pair of numbers is numbered again; the rare longer tokens are
   numbered with a dict;
4. ``numpy.bincount`` counts the distinct tokens over the counted rows; only
   the tokens at least as frequent as the ``max_size``-th go into the
   :class:`gluonnlp.Vocab`, which orders them as always (most frequent first,
   ties alphabetical); one lookup array maps every token id to its vocabulary
   index or ``<unk>``, and one scatter fills the padded matrix.

On the 25,000 IMDB training reviews this is several times as fast as the
per-review path (see ``benchmarks/bench_vs_pytorch.py``).

The tutorial's tokenizer (``tokenizer='tutorial'``) takes the same passes with
another byte classification: ``, ( )`` and the apostrophe are spaces, so only
the cut before the ``n`` of ``n't`` is left of the contraction rules (the other
cuts fall on an apostrophe, which ends a token anyway), and ``!`` and ``?``
are tokens of their own.
"""
import collections
import itertools
from typing import List, NamedTuple, Optional, Sequence, Tuple, Union

import gluonnlp as nlp
import numpy as np

from .clip import clip_texts
from .text import _BR, _KEEP, _TO_SPACE, check_tokenizer, strip_html_breaks
from .vocab import (AUTO, AUTO_MAX, PAD, UNK, _check_truncate, _vocab_from_counter, auto_seq_len,
                    scatter_padded, truncate_flat)

__all__ = ['corpus_token_ids', 'encode_corpus', 'CorpusTokens', 'tokenize_corpus',
           'encode_with_vocab', 'flat_with_vocab']

_SEP = '\x00'
_TABLE = b'\x00' + _TO_SPACE[1:]  # NUL stays: it ends a text
_WORD, _PUNCT = 1, 2
_CLASS = np.zeros(256, dtype=np.uint8)  # 0: space or text end, 1: word byte, 2: own token
_CLASS[list(_KEEP)] = _WORD
_CLASS[list(b',!()?')] = _PUNCT
_CLASS_TUTORIAL = _CLASS.copy()  # the tutorial deletes , ( ) and every apostrophe
_CLASS_TUTORIAL[list(b",()'")] = 0
_CLASSES = {'kim': _CLASS.tobytes(), 'tutorial': _CLASS_TUTORIAL.tobytes()}  # bytes.translate tables
_SHOWN = {'(': '\\(', ')': '\\)', '?': '\\?'}  # Kim's replacements carried the backslash
_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
_SHORT = 8
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio, odd


def _buffer(texts: Sequence[str]) -> bytes:
    """The texts joined by NUL, ``<br />`` tags removed, filtered by Kim's first rule."""
    joined = _SEP.join(texts)
    if joined.count(_SEP) == max(len(texts) - 1, 0):
        joined = _BR.sub(' ', joined)
    else:  # a text holds NUL: tokenize turns it into a space, but only after the tag removal
        joined = _SEP.join(strip_html_breaks(text).replace(_SEP, ' ') for text in texts)
    return joined.encode('utf-8', 'surrogatepass').translate(_TABLE)


def _contraction_cuts(raw: np.ndarray, n: int) -> np.ndarray:
    """Positions where Kim's contraction rules put a space, from the case-kept bytes."""
    apostrophes = np.flatnonzero(raw[:n] == ord("'"))
    after = raw[apostrophes + 1]
    second = raw[apostrophes + 2]
    before = raw[np.maximum(apostrophes - 1, 0)]
    suffix = ((after == ord('s')) | (after == ord('d'))
              | (((after == ord('v')) | (after == ord('r'))) & (second == ord('e')))
              | ((after == ord('l')) & (second == ord('l'))))
    negation = ~suffix & (after == ord('t')) & (before == ord('n')) & (apostrophes > 0)
    return np.concatenate([apostrophes[suffix], apostrophes[negation] - 1])


def corpus_token_ids(texts: Sequence[str],
                     tokenizer: str = 'kim') -> Tuple[np.ndarray, np.ndarray, list]:
    """Tokenize every text as :func:`~.text.tokenize` does and number the distinct tokens.

    Parameters
    ----------
    texts : sequence of str
        Raw texts.
    tokenizer : {'kim', 'tutorial'}, default 'kim'
        As for :func:`~.text.tokenize`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, list of str)
        ``ids``: int64 id of every token of the corpus, text after text;
        ``lengths``: int64 number of tokens of each text; ``tokens``: the
        distinct tokens, ``tokens[ids[j]]`` being the ``j``-th token. Ids
        are not in any particular order.
    """
    classes = _CLASSES[check_tokenizer(tokenizer)]
    data = _buffer(texts)
    n = len(data)
    pad = b'\x00' * (2 * _SHORT + 2)
    raw = np.frombuffer(data + pad, dtype=np.uint8)
    starts, ends = _token_bounds(np.frombuffer(data.translate(classes), dtype=np.uint8), raw, n)
    text_ends = np.append(np.flatnonzero(raw[:n] == 0), n)[:len(texts)]
    lengths = np.diff(np.searchsorted(starts, text_ends), prepend=0)
    ids, tokens = _number_tokens(data.lower() + pad, starts, ends)
    return ids, lengths, tokens


def _token_bounds(kind: np.ndarray, raw: np.ndarray, n: int) -> Tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of every token, from the class of each byte (see ``_CLASS``)."""
    boundary = np.ones(n + 1, dtype=bool)  # between byte i-1 and byte i
    word = kind == _WORD
    np.logical_not(word[:-1] & word[1:], out=boundary[1:n])
    boundary[_contraction_cuts(raw, n)] = True
    solid = kind != 0
    return np.flatnonzero(boundary[:n] & solid), np.flatnonzero(boundary[1:] & solid) + 1


def _number_tokens(lower: bytes, starts: np.ndarray, ends: np.ndarray) -> Tuple[np.ndarray, list]:
    """Ids and distinct tokens of the lower-cased buffer's tokens (see :func:`corpus_token_ids`).

    A token of at most 8 bytes is one little-endian uint64 key, one of 9 to
    16 bytes two (the pair numbered by :func:`_group` of the two keys' own
    numbers), a longer one its bytes in a dict.
    """
    sizes = ends - starts
    windows = np.ndarray((len(lower) - 2 * _SHORT,), dtype='<u8', buffer=lower,
                         strides=(1,))  # the 8 bytes from each byte
    ids = np.empty(len(starts), dtype=np.int64)
    tokens: list = []
    short = np.flatnonzero(sizes <= _SHORT)
    distinct, ids[short] = _group(windows[starts[short]] & _MASKS[sizes[short]])
    tokens += _key_strings(distinct[:, None])
    middle = np.flatnonzero((sizes > _SHORT) & (sizes <= 2 * _SHORT))
    if len(middle):
        head, head_ids = _group(windows[starts[middle]])
        tail, tail_ids = _group(windows[starts[middle] + _SHORT] & _MASKS[sizes[middle] - _SHORT])
        pairs, ids[middle] = _group((head_ids * len(tail) + tail_ids + 1).astype(np.uint64))
        ids[middle] += len(tokens)
        which = np.divmod(pairs.astype(np.int64) - 1, len(tail))
        tokens += _key_strings(np.stack([head[which[0]], tail[which[1]]], axis=1))
    longer = np.flatnonzero(sizes > 2 * _SHORT)
    if len(longer):
        first = {}
        words = [lower[s:e] for s, e in zip(starts[longer].tolist(), ends[longer].tolist())]
        seen = np.fromiter(map(first.setdefault, words, itertools.count()), dtype=np.int64,
                           count=len(words))
        dense = np.empty(len(words), dtype=np.int64)
        dense[list(first.values())] = np.arange(len(first)) + len(tokens)
        ids[longer] = dense[seen]
        tokens += [word.decode('ascii') for word in first]
    return ids, [_SHOWN.get(token, token) for token in tokens]


def _key_strings(keys: np.ndarray) -> List[str]:
    """The tokens of rows of keys ``(m, parts)``: their little-endian bytes, NUL padding dropped."""
    size = _SHORT * keys.shape[1]
    return np.ascontiguousarray(keys, dtype='<u8').view(f'S{size}')[:, 0].astype(f'U{size}').tolist()


def encode_corpus(texts: Sequence[str], vocab_rows: Optional[Sequence[int]] = None,
                  max_size: int = 5000, seq_len: Union[int, str] = 500,
                  truncate: str = 'post',
                  tokenizer: str = 'kim') -> Tuple[nlp.Vocab, np.ndarray, np.ndarray]:
    """Tokenize all texts, build the vocabulary of some of them and encode them all.

    The result is exactly that of ``tokens = [tokenize(t, tokenizer) for t in texts]``,
    ``vocab = build_vocab([tokens[i] for i in vocab_rows], max_size)`` and
    ``encode_batch(tokens, vocab, seq_len, truncate)``, except that a text
    longer than ``CHARS_PER_TOKEN * seq_len`` characters is first cut to the
    part the matrix keeps (:func:`~.clip.clip_texts`: memory is bounded by
    ``seq_len``, not by the longest text; only that part is counted).

    Parameters
    ----------
    texts : sequence of str
        Raw texts, for instance the training, validation and test reviews.
    vocab_rows : sequence of int, optional
        Indices of the texts whose tokens are counted for the vocabulary
        (the training split); a row given twice counts twice. Default: all.
    max_size : int, default 5000
        Words in the vocabulary, not counting ``<unk>`` and ``<pad>``.
    seq_len : int or 'auto', default 500
        Columns of the encoded matrix; ``'auto'``: :func:`~.vocab.auto_seq_len`
        of the token counts of the ``vocab_rows`` texts (the matrix's width
        says what it chose).
    truncate : {'post', 'pre'}, default 'post'
        Keep the first (``'post'``) or the last (``'pre'``) ``seq_len``
        tokens of a longer text.
    tokenizer : {'kim', 'tutorial'}, default 'kim'
        Kim's ``clean_str`` or the tutorial's variant (:data:`~.text.TOKENIZERS`).

    Returns
    -------
    (gluonnlp.Vocab, numpy.ndarray, numpy.ndarray)
        The vocabulary, the int32 matrix of shape ``(len(texts), seq_len)``
        and the int32 valid lengths (after cutting).
    """
    _check_truncate(truncate)
    clip = AUTO_MAX if seq_len == AUTO else seq_len
    ids, lengths, tokens = corpus_token_ids(clip_texts(texts, clip, truncate, tokenizer),
                                            tokenizer)
    if seq_len == AUTO:  # a clipped text still counts more than AUTO_MAX tokens
        rows = slice(None) if vocab_rows is None else np.asarray(vocab_rows, dtype=np.int64)
        seq_len = auto_seq_len(lengths[rows])
    if vocab_rows is None:
        counts = np.bincount(ids, minlength=len(tokens))
    else:
        weight = np.bincount(np.asarray(vocab_rows, dtype=np.int64), minlength=len(lengths))
        counts = np.bincount(ids, weights=np.repeat(weight, lengths), minlength=len(tokens))
        counts = np.rint(counts).astype(np.int64)
    vocab = _vocab_from_counter(_most_frequent(tokens, counts, max_size), max_size)

    index = {token: i for i, token in enumerate(tokens)}
    lookup = np.full(len(tokens), vocab.token_to_idx[UNK], dtype=np.int32)
    words = vocab.idx_to_token[2:]
    lookup[[index[word] for word in words]] = [vocab.token_to_idx[word] for word in words]

    X = scatter_padded(lookup[ids], lengths, seq_len, vocab.token_to_idx[PAD], truncate)
    return vocab, X, np.minimum(lengths, seq_len).astype(np.int32)


class CorpusTokens(NamedTuple):
    """The tokens of many texts, as :func:`corpus_token_ids` numbers them.

    ``ids`` (int64, every token of the corpus, text after text), ``lengths``
    (int64 tokens of each text) and ``tokens`` (the distinct tokens:
    ``tokens[ids[j]]`` is the ``j``-th token). One tokenization encodes with
    any number of vocabularies (:func:`encode_with_vocab`).
    """
    ids: np.ndarray
    lengths: np.ndarray
    tokens: list

    def __len__(self) -> int:
        return len(self.lengths)


def tokenize_corpus(texts: Sequence[str], tokenizer: str = 'kim') -> CorpusTokens:
    """Tokenize many texts at once, as :func:`~.text.tokenize` tokenizes each (numpy passes).

    Parameters
    ----------
    texts : sequence of str
        Raw texts.
    tokenizer : str, default 'kim'
        One of :data:`~.text.TOKENIZERS`.

    Returns
    -------
    CorpusTokens
        The tokens of every text, numbered.
    """
    if not len(texts):
        return CorpusTokens(np.zeros(0, np.int64), np.zeros(0, np.int64), [])
    return CorpusTokens(*corpus_token_ids(texts, tokenizer))


def encode_with_vocab(texts, vocab: nlp.Vocab, seq_len: int,
                      truncate: str = 'post') -> Tuple[np.ndarray, np.ndarray]:
    """Encode texts with a fixed vocabulary: what :func:`~.vocab.encode_batch` gives, in numpy passes.

    The result is exactly ``encode_batch([tokenize(t) for t in texts], vocab,
    seq_len, truncate)``; the Python work is one dictionary lookup per
    *distinct* token.

    Parameters
    ----------
    texts : sequence of str or CorpusTokens
        Raw texts, or their tokens from :func:`tokenize_corpus` (to encode
        one tokenization with several vocabularies).
    vocab : gluonnlp.Vocab
        The vocabulary (``<unk>`` for the tokens it lacks, ``<pad>`` after the end).
    seq_len : int
        Columns of the encoded matrix.
    truncate : {'post', 'pre'}, default 'post'
        Keep the first or the last ``seq_len`` tokens of a longer text.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The int32 matrix ``(len(texts), seq_len)`` and the int32 valid lengths (after cutting).
    """
    _check_truncate(truncate)
    corpus = _as_tokens(texts)
    X = scatter_padded(_vocab_ids(corpus, vocab), corpus.lengths, seq_len,
                       vocab.token_to_idx[PAD], truncate)
    return X, np.minimum(corpus.lengths, seq_len).astype(np.int32)


def flat_with_vocab(texts, vocab: nlp.Vocab, seq_len: int,
                    truncate: str = 'post') -> Tuple[np.ndarray, np.ndarray]:
    """:func:`encode_with_vocab` without the padding: every text's indices, one text after another.

    For ``X, lengths = encode_with_vocab(texts, vocab, seq_len, truncate)``
    the result is ``np.concatenate([X[i, :lengths[i]] for i in ...])`` and
    ``lengths``, without building ``X`` (whose width is that of the longest
    text allowed, ``seq_len``, for every text).

    Parameters
    ----------
    texts, vocab, seq_len, truncate
        As for :func:`encode_with_vocab`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        int32 indices ``(lengths.sum(),)`` and int32 lengths ``(len(texts),)``.
    """
    corpus = _as_tokens(texts)
    return truncate_flat(_vocab_ids(corpus, vocab), corpus.lengths, seq_len, truncate)


def _as_tokens(texts) -> CorpusTokens:
    return texts if isinstance(texts, CorpusTokens) else tokenize_corpus(texts)


def _vocab_ids(corpus: CorpusTokens, vocab: nlp.Vocab) -> np.ndarray:
    """int32 vocabulary index of every token of ``corpus`` (``<unk>`` for those it lacks)."""
    lookup = np.fromiter(map(vocab.token_to_idx.get, corpus.tokens,
                             itertools.repeat(vocab.token_to_idx[UNK])),
                         dtype=np.int32, count=len(corpus.tokens))
    return lookup[corpus.ids]


def _group(keys: np.ndarray, bits: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Number the distinct nonzero uint64 ``keys``: ``distinct[ids] == keys``.

    The table starts with ``2 ** bits`` slots: by default twice the number
    of keys (it never grows then), at most ``2 ** 19`` (the distinct tokens
    of a corpus are far fewer than its tokens), so that a short text does not
    pay for a table of half a million slots.

    An open-addressing hash table (multiplicative hashing, linear probing)
    filled in vectorized rounds, linear in ``len(keys)`` where
    ``numpy.unique`` sorts. In each round every pending key writes itself
    into its slot if the slot is empty (one of several writers wins) and is
    placed if the slot then holds it; the others move to the next slot. All
    copies of a key meet the same slots in the same rounds, so they end in
    one slot. The table grows fourfold when it gets half full.
    """
    if bits is None:
        bits = min(19, max(4, (2 * len(keys)).bit_length()))
    while True:
        size = 1 << bits
        table = np.zeros(size, dtype=np.uint64)
        slot = ((keys * _GOLDEN) >> np.uint64(64 - bits)).view(np.int64)
        table[slot] = keys  # first round: the table is empty, every key writes
        placed = table[slot] == keys
        found = np.where(placed, slot, -1)
        pending = np.flatnonzero(~placed)
        slot = (slot[pending] + 1) & (size - 1)
        while len(pending) and np.count_nonzero(table) <= size // 2:
            pending_keys = keys[pending]
            free = table[slot] == 0
            table[slot[free]] = pending_keys[free]
            placed = table[slot] == pending_keys
            found[pending[placed]] = slot[placed]
            pending = pending[~placed]
            slot = (slot[~placed] + 1) & (size - 1)
        if not len(pending):
            break
        bits += 2
    occupied = np.flatnonzero(table)
    dense = np.zeros(size, dtype=np.int64)
    dense[occupied] = np.arange(len(occupied))
    return table[occupied], dense[found]


def _most_frequent(tokens: list, counts: np.ndarray, max_size: int) -> collections.Counter:
    """A Counter of the counted tokens that can make the ``max_size`` most frequent.

    Every token at least as frequent as the ``max_size + 2``-th (two spare
    places in case ``<unk>`` or ``<pad>`` were tokens) is kept, so ties at
    the cut reach :class:`gluonnlp.Vocab`, which breaks them alphabetically.
    """
    present = np.flatnonzero(counts > 0)
    if max_size and len(present) > max_size + 2:
        cut = len(present) - max_size - 2
        threshold = np.partition(counts[present], cut)[cut]
        present = present[counts[present] >= threshold]
    return collections.Counter({tokens[i]: int(counts[i]) for i in present.tolist()})
