"""Reading review folders and archives, and their error messages."""
import io
import os
import tarfile

import numpy as np
import pytest

from conftest import synthetic_reviews, write_review_archive, write_review_folder
from gluon_sentiment.data.reader import read_reviews
from gluon_sentiment.errors import DataError


def test_folder_layout_labels_and_order(tmp_path):
    root = tmp_path / 'r'
    write_review_folder(root, ['good one', 'fine', 'bad', 'poor'], [1, 1, 0, 0])
    # file names 0..3; natural order must put 10_x after 2_x
    with open(root / 'pos' / '10_9.txt', 'w') as f:
        f.write('late')
    reviews = read_reviews(str(root))
    assert list(reviews.labels) == [1, 1, 1, 0, 0]
    assert reviews.texts[:3] == ['good one', 'fine', 'late']
    assert reviews.texts[3:] == ['bad', 'poor']


def test_root_with_train_split_and_br_removed(tmp_path):
    write_review_folder(tmp_path / 'aclImdb' / 'train', ['a<br />b', 'c'], [1, 0])
    reviews = read_reviews(str(tmp_path / 'aclImdb'))
    assert reviews.texts == ['a b', 'c']


def test_archive_matches_folder(tmp_path):
    texts, labels = synthetic_reviews(10)
    folder = read_reviews(write_review_folder(tmp_path / 'f', texts, labels))
    archive = read_reviews(write_review_archive(tmp_path / 'a.tar.gz', texts, labels))
    assert archive.texts == folder.texts
    np.testing.assert_array_equal(archive.labels, folder.labels)


def test_archive_with_train_and_test_reads_train(tmp_path):
    path = tmp_path / 'full.tar.gz'
    with tarfile.open(path, 'w:gz') as tar:
        for split, text in (('train', 'from train'), ('test', 'from test')):
            for cls in ('pos', 'neg'):
                data = text.encode()
                info = tarfile.TarInfo(f'aclImdb/{split}/{cls}/0_5.txt')
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    assert set(read_reviews(str(path)).texts) == {'from train'}
    assert set(read_reviews(str(path), split='test').texts) == {'from test'}


def test_latin1_fallback_counted(tmp_path, caplog):
    root = write_review_folder(tmp_path / 'r', ['ok', 'fine'], [1, 0])
    with open(os.path.join(root, 'pos', '5_9.txt'), 'wb') as f:
        f.write('très bien'.encode('latin-1'))
    reviews = read_reviews(root)
    assert reviews.non_utf8 == 1
    assert 'très bien' in reviews.texts
    assert '1 of 3 files were not valid UTF-8' in caplog.text


def test_missing_path():
    with pytest.raises(DataError, match='no_such_dir: no such file or folder'):
        read_reviews('no_such_dir')


def test_folder_without_class_dirs(tmp_path):
    (tmp_path / 'other').mkdir()
    with pytest.raises(DataError, match=r'expected review folders pos/ and neg/'):
        read_reviews(str(tmp_path))


def test_empty_folder(tmp_path):
    with pytest.raises(DataError, match='an empty folder'):
        read_reviews(str(tmp_path))


def test_class_dirs_without_reviews(tmp_path):
    (tmp_path / 'pos').mkdir()
    (tmp_path / 'neg').mkdir()
    with pytest.raises(DataError, match='hold no .txt review'):
        read_reviews(str(tmp_path))


def test_corrupt_archive(tmp_path):
    path = tmp_path / 'bad.tar.gz'
    path.write_bytes(b'this is not a tar archive at all' * 10)
    with pytest.raises(DataError, match='corrupt or truncated archive'):
        read_reviews(str(path))


def test_truncated_archive(tmp_path):
    texts, labels = synthetic_reviews(30)
    good = write_review_archive(tmp_path / 'good.tar.gz', texts, labels)
    data = open(good, 'rb').read()
    cut = tmp_path / 'cut.tar.gz'
    cut.write_bytes(data[:len(data) // 2])
    with pytest.raises(DataError, match='cut.tar.gz: corrupt or truncated archive'):
        read_reviews(str(cut))


def test_empty_path_string():
    with pytest.raises(DataError, match='the data path is empty'):
        read_reviews('')


def test_empty_archive_file(tmp_path):
    path = tmp_path / 'empty.tar.gz'
    path.write_bytes(b'')
    with pytest.raises(DataError, match='empty.tar.gz: empty file'):
        read_reviews(str(path))


def test_unreadable_review_file(tmp_path, monkeypatch):
    root = write_review_folder(tmp_path / 'r', ['ok', 'fine'], [1, 0])

    def deny(path, *args, **kwargs):
        raise PermissionError(13, 'Permission denied', path)
    monkeypatch.setattr('gluon_sentiment.data.reader.open', deny, raising=False)
    with pytest.raises(DataError, match=r'0_8.txt: cannot read review file \(Permission denied\)'):
        read_reviews(root)


def test_unreadable_folder(tmp_path, monkeypatch):
    root = write_review_folder(tmp_path / 'r', ['ok', 'fine'], [1, 0])

    def deny(path):
        raise PermissionError(13, 'Permission denied', path)
    monkeypatch.setattr(os, 'scandir', deny)
    with pytest.raises(DataError, match=r'pos: cannot read it \(permission denied\)'):
        read_reviews(root)
