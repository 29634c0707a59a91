"""Hostile text and arbitrary bytes through every dataset reader, the tokenizer and encode_corpus."""
import io
import json
import tarfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gluon_sentiment.data.corpus import encode_corpus
from gluon_sentiment.data.formats import load_dataset
from gluon_sentiment.data.text import replace_surrogates, split_lines, tokenize
from gluon_sentiment.data.vocab import build_vocab, encode_batch
from gluon_sentiment.errors import DataError

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
#: any code point, lone surrogates and NUL included
ANY_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=60)
CUT = st.floats(0, 1)


def _cut(data: bytes, fraction: float) -> bytes:
    """``data`` truncated to ``fraction`` of its length (1.0 keeps it whole)."""
    return data[:int(len(data) * fraction)]


def _load(path, **kwargs):
    try:
        reviews = load_dataset(str(path), **kwargs)
    except DataError as err:
        assert str(err) and '\n' not in str(err)
        return None
    assert len(reviews.texts) == len(reviews.labels) == len(reviews.sources)
    for text in reviews.texts:
        text.encode('utf-8')  # no lone surrogate gets through a reader
    return reviews


# ---------------------------------------------------------------- line boundaries

BOUNDARIES = ['\x85', '\u2028', '\u2029', '\x0c', '\x0b', '\x1c', '\x1d', '\x1e', '\r']


def test_split_lines_ends_lines_at_newline_only():
    text = 'a' + 'b'.join(BOUNDARIES) + 'c\r\nsecond\n\nfourth'
    assert split_lines(text) == ['a' + 'b'.join(BOUNDARIES) + 'c', 'second', '', 'fourth']
    assert split_lines('') == [] and split_lines('x\n') == ['x']


def test_latin1_lines_file_with_0x85_keeps_one_text_per_line(tmp_path):
    (tmp_path / 'rt.neg').write_bytes(b'dull\x85 and slow\nflat\x0c and \x1cgrey\n')
    (tmp_path / 'rt.pos').write_bytes(b'lovely\x85 film\n')
    reviews = load_dataset(str(tmp_path / 'rt'))
    assert reviews.texts == ['lovely\x85 film', 'dull\x85 and slow', 'flat\x0c and \x1cgrey']
    assert reviews.sources[-1].endswith('rt.neg:2')


def test_jsonl_record_holding_u2028_and_surrogate_escapes_parses(tmp_path, caplog):
    path = tmp_path / 'r.jsonl'
    rows = [{'text': 'one\u2028two\x85three', 'label': 1},
            {'text': 'lone \ud800 surrogate', 'label': 0}]
    path.write_text('\n'.join(json.dumps(r, ensure_ascii=False) if i == 0 else json.dumps(r)
                              for i, r in enumerate(rows)) + '\n', encoding='utf-8')
    reviews = load_dataset(str(path))
    assert reviews.texts == ['one\u2028two\x85three', 'lone \ufffd surrogate']
    assert 'lone surrogate' in caplog.text


@pytest.mark.parametrize('value', ['NaN', 'Infinity', '-Infinity', '1e400'])
def test_jsonl_non_finite_labels_are_data_errors(tmp_path, value):
    path = tmp_path / 'r.jsonl'
    path.write_text(f'{{"text": "a", "label": {value}}}\n')
    with pytest.raises(DataError, match='label values'):
        load_dataset(str(path))


def test_deeply_nested_jsonl_is_a_data_error(tmp_path):
    path = tmp_path / 'r.jsonl'
    path.write_text('[' * 100000 + '\n')
    with pytest.raises(DataError, match='line 1'):
        load_dataset(str(path))


def test_csv_field_of_megabytes_is_read(tmp_path):
    path = tmp_path / 'big.csv'
    path.write_text('text,label\n"' + 'great film ' * 200000 + '",pos\nawful,neg\n')
    assert len(load_dataset(str(path)).texts[0]) > 2_000_000


# ---------------------------------------------------------------- arbitrary bytes per reader

def _table(fmt: str, cells) -> bytes:
    if fmt == 'jsonl':
        return ''.join(json.dumps({'text': t, 'label': lab}) + '\n' for t, lab in cells).encode()
    sep = '\t' if fmt == 'tsv' else ','
    return ('text' + sep + 'label\n' + ''.join(
        f'"{t}"{sep}{lab}\n' for t, lab in cells)).encode('utf-8', 'surrogatepass')


@FUZZ
@given(fmt=st.sampled_from(['csv', 'tsv', 'jsonl']),
       cells=st.lists(st.tuples(ANY_TEXT, st.sampled_from(['pos', 'neg', '0', '1', 'x'])),
                      max_size=5),
       noise=st.binary(max_size=40), cut=CUT)
def test_table_readers_on_hostile_and_truncated_files(tmp_path, fmt, cells, noise, cut):
    path = tmp_path / f'data.{fmt}'
    path.write_bytes(_cut(_table(fmt, cells) + noise, cut))
    _load(path)


@FUZZ
@given(fmt=st.sampled_from(['csv', 'tsv', 'jsonl']), data=st.binary(max_size=200))
def test_table_readers_on_arbitrary_bytes(tmp_path, fmt, data):
    path = tmp_path / f'data.{fmt}'
    path.write_bytes(data)
    _load(path, format=fmt)


@FUZZ
@given(neg=st.binary(max_size=200), pos=st.binary(max_size=200))
def test_lines_reader_on_arbitrary_bytes(tmp_path, neg, pos):
    (tmp_path / 'rt.neg').write_bytes(neg)
    (tmp_path / 'rt.pos').write_bytes(pos)
    reviews = _load(tmp_path / 'rt', format='lines')
    if reviews is not None:  # one text per non-blank \n-line, none lost
        assert len(reviews) <= neg.count(b'\n') + pos.count(b'\n') + 2


@FUZZ
@given(files=st.lists(st.tuples(st.sampled_from(['pos', 'neg']), st.binary(max_size=100)),
                      max_size=4))
def test_folder_readers_on_arbitrary_bytes(tmp_path, files):
    root = tmp_path / 'reviews'
    for name in ('pos', 'neg'):
        (root / name).mkdir(parents=True, exist_ok=True)
        for old in (root / name).iterdir():
            old.unlink()
    for i, (name, data) in enumerate(files):
        (root / name / f'{i}_1.txt').write_bytes(data)
    _load(root, format='imdb')
    _load(root, format='folder')


def _archive(files) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as tar:
        for i, (name, data) in enumerate(files):
            info = tarfile.TarInfo(f'aclImdb/train/{name}/{i}_1.txt')
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@FUZZ
@given(files=st.lists(st.tuples(st.sampled_from(['pos', 'neg']), st.binary(max_size=60)),
                      min_size=1, max_size=3), cut=CUT, garbage=st.binary(max_size=100))
def test_archive_reader_on_truncated_and_arbitrary_bytes(tmp_path, files, cut, garbage):
    path = tmp_path / 'a.tar.gz'
    path.write_bytes(_cut(_archive(files), cut))
    _load(path)
    path.write_bytes(garbage)
    _load(path)


# ---------------------------------------------------------------- tokenizer and corpus

@settings(max_examples=150, deadline=None)
@given(text=ANY_TEXT)
def test_tokenize_any_code_point(text):
    tokens = tokenize(text)
    assert all(token.isascii() and token and ' ' not in token for token in tokens)
    replace_surrogates(text)[0].encode('utf-8')  # strict: raises on a surrogate left


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=8), seq_len=st.integers(1, 12),
       truncate=st.sampled_from(['post', 'pre']))
def test_encode_corpus_any_code_point_matches_the_reference(texts, seq_len, truncate):
    vocab, X, lengths = encode_corpus(texts, max_size=50, seq_len=seq_len, truncate=truncate)
    tokens = [tokenize(t) for t in texts]
    reference = build_vocab(tokens, 50)
    assert vocab.idx_to_token == reference.idx_to_token
    expected, expected_lengths = encode_batch(tokens, reference, seq_len, truncate)
    np.testing.assert_array_equal(X, expected)
    np.testing.assert_array_equal(lengths, expected_lengths)
