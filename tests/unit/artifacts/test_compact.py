"""Compact parameter files: each encoding reads back as float32, kept rows, damage refused."""
import os

import numpy as np
import pytest

from gluon_sentiment.artifacts.compact import (pack, packed_bytes, read_compact, unpack,
                                               write_compact)
from gluon_sentiment.artifacts.store import COMPACT_PARAMS
from gluon_sentiment.errors import RunDirError


def _table(rows=300, cols=10, seed=0):
    return np.random.RandomState(seed).randn(rows, cols).astype(np.float32)


def test_float32_is_exact_and_float16_is_half_precision():
    values = _table()
    np.testing.assert_array_equal(unpack(*pack(values)), values)
    half = unpack(*pack(values, 'float16'))
    assert half.dtype == np.float32
    np.testing.assert_array_equal(half, values.astype(np.float16).astype(np.float32))
    bias = np.array([0.5, -2.0], np.float32)  # 1-D parameters too
    np.testing.assert_array_equal(unpack(*pack(bias, 'float16')), bias)


def test_int8_rows_err_by_at_most_half_a_step_of_each_row():
    values = _table()
    values[7] = 0  # a row of zeros stays zeros
    values[8] *= 1000  # a row's scale is its own
    spec, arrays = pack(values, 'int8-rows')
    assert arrays['values'].dtype == np.int8 and arrays['scale'].shape == (300,)
    got = unpack(spec, arrays)
    step = np.abs(values).max(axis=1, keepdims=True) / 127
    assert (np.abs(got - values) <= step / 2 + 1e-6).all()
    assert not got[7].any()


def test_codebook_keeps_256_levels_close_to_the_values():
    values = np.random.RandomState(1).standard_t(3, (5000, 1)).astype(np.float32)
    spec, arrays = pack(values, 'codebook')
    assert arrays['values'].dtype == np.uint8 and len(arrays['levels']) <= 256
    got = unpack(spec, arrays)
    assert set(np.unique(got)) <= set(arrays['levels'])
    error = np.abs(got - values).mean()
    uniform = (values.max() - values.min()) / 255 / 4  # the mean error of 256 even steps
    assert error < 0.03 * np.abs(values).mean() and error < uniform


@pytest.mark.parametrize('encoding', ['float32', 'float16', 'int8-rows', 'codebook'])
def test_kept_rows_read_back_and_the_others_are_zero(encoding):
    values = _table(1000, 3)
    values -= values.mean(axis=1, keepdims=True)  # centered: the last column is left out
    kept = np.array([999, 0, 5, 6, 700, 256, 257])  # any order; stored sorted, as gaps
    spec, arrays = pack(values, encoding, rows=kept, centered=True)
    assert spec['rows'] == 7 and arrays['values'].shape[0] == 7
    assert arrays['values'].shape[1] == 2 and arrays['gaps'].dtype == np.uint16
    got = unpack(spec, arrays)
    assert got.shape == values.shape and not np.delete(got, kept, axis=0).any()
    atol = {'float32': 1e-6, 'float16': 5e-3, 'int8-rows': 3e-2, 'codebook': 0.3}[encoding]
    np.testing.assert_allclose(got[kept], values[kept], atol=atol)
    np.testing.assert_allclose(got.sum(axis=1), 0, atol=1e-5)


def test_fewer_rows_fewer_bytes():
    values = _table(20000, 1)
    sizes = [packed_bytes({'t': pack(values, 'float16', rows=np.arange(k))})
             for k in (0, 5000, 20000)]
    assert sizes[0] < sizes[1] < sizes[2] < 20000 * 2 + 2000


def test_file_round_trip_and_damage(tmp_path):
    path = str(tmp_path / COMPACT_PARAMS)
    params = {'embedding0_weight': pack(_table(), 'int8-rows'),
              'dense0_bias': pack(np.arange(3, dtype=np.float32))}
    digest = write_compact(path, params)
    assert len(digest) == 64 and os.listdir(tmp_path) == [COMPACT_PARAMS]
    read = read_compact(path)
    assert sorted(read) == ['dense0_bias', 'embedding0_weight']
    np.testing.assert_array_equal(read['dense0_bias'], [0, 1, 2])
    data = open(path, 'rb').read()
    for damaged in (data[:len(data) // 2], b'', b'not a zip file at all'):
        with open(path, 'wb') as f:
            f.write(damaged)
        with pytest.raises(RunDirError, match='damaged: not a complete compact') as err:
            read_compact(path)
        assert '\n' not in str(err.value)
    os.remove(path)
    with pytest.raises(RunDirError, match='missing'):
        read_compact(path)
