"""StorageError from atomic writes: errno name and text, the real path, no temporary left."""
import errno
import os

import mxnet as mx
import pytest

from gluon_sentiment.artifacts import store
from gluon_sentiment.errors import RunDirError, StorageError


def _failing(code, partial=b'half'):
    def write(tmp):
        with open(tmp, 'wb') as f:
            f.write(partial)
        raise OSError(code, os.strerror(code), tmp)
    return write


@pytest.mark.parametrize('code, name', [(errno.ENOSPC, 'ENOSPC'), (errno.EACCES, 'EACCES'),
                                        (errno.EFBIG, 'EFBIG'), (errno.EROFS, 'EROFS')])
def test_failed_write_is_one_line_with_errno_and_leaves_nothing(tmp_path, code, name):
    path = str(tmp_path / 'epoch-0002.params')
    with pytest.raises(StorageError) as err:
        store.atomic_write(path, _failing(code))
    assert str(err.value) == f'{path}: cannot write it ({name}: {os.strerror(code)})'
    assert err.value.errno == code and err.value.path == path
    assert os.listdir(tmp_path) == []


def test_mxnet_short_write_is_diagnosed_from_the_file_size_limit(tmp_path, monkeypatch):
    import resource
    monkeypatch.setattr(resource, 'getrlimit', lambda what: (4, resource.RLIM_INFINITY))

    def write(tmp):
        with open(tmp, 'wb') as f:
            f.write(b'1234')
        raise mx.MXNetError('Traceback (most recent call last):\n  File "x.cc", line 1\n'
                            'MXNetError: Check failed: FileStream.Write incomplete')
    with pytest.raises(StorageError, match=r'cannot write it \(EFBIG: File too large\)$'):
        store.atomic_write(str(tmp_path / 'p.params'), write)
    assert os.listdir(tmp_path) == []


def test_target_that_is_a_folder_or_in_a_missing_folder(tmp_path):
    (tmp_path / 'metrics.json').mkdir()
    with pytest.raises(StorageError, match='EISDIR'):
        store.write_json(str(tmp_path / 'metrics.json'), {})
    with pytest.raises(StorageError, match='ENOENT'):
        store.write_json(str(tmp_path / 'gone' / 'metrics.json'), {})
    assert os.listdir(tmp_path) == ['metrics.json']


def test_atomic_folder_names_the_target_not_the_stage(tmp_path):
    out = tmp_path / 'bundle'
    with pytest.raises(StorageError) as err:
        with store.atomic_folder(str(out)) as stage:
            store.atomic_write(os.path.join(stage, 'model-0000.params'), _failing(errno.ENOSPC))
    assert str(err.value) == (f'{out}/model-0000.params: cannot write it (ENOSPC: '
                              f'{os.strerror(errno.ENOSPC)})')
    assert os.listdir(tmp_path) == []


def test_make_folder_under_a_file(tmp_path):
    (tmp_path / 'f').write_text('x')
    with pytest.raises(StorageError, match=r'ENOTDIR: .*/f is a file, not a folder'):
        store.make_folder(str(tmp_path / 'f' / 'a' / 'b'))


@pytest.mark.parametrize('data, message', [
    (b'', 'empty (a copy or write cut short?)'),
    (b'{"history": [1, 2', 'damaged: not valid JSON (cut short at line 1'),
    (b'{"a": 1} trailing', 'damaged: not valid JSON (corrupt at line 1'),
    (b'\xff\xfe{}', 'damaged: not UTF-8 text (byte 0)'),
    (b'[' * 100000, 'damaged: '),
])
def test_read_json_says_what_is_wrong_in_our_words(tmp_path, data, message):
    path = tmp_path / 'metrics.json'
    path.write_bytes(data)
    with pytest.raises(RunDirError) as err:
        store.read_json(str(path))
    text = str(err.value)
    assert text.startswith(f'{path}: {message}') and 'retrain' in text
    assert 'Expecting' not in text and '\n' not in text
