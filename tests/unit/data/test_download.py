"""Downloading IMDB fails at once when offline."""
import pytest

from gluon_sentiment.data.download import download_imdb
from gluon_sentiment.errors import DataError


def test_offline_download_fails_at_once(monkeypatch, tmp_path):
    monkeypatch.setenv('GLUON_SENTIMENT_HOME', str(tmp_path))
    with pytest.raises(DataError, match='pass --data PATH'):
        download_imdb(url='http://127.0.0.1:9/aclImdb_v1.tar.gz', timeout=5)
    assert not list((tmp_path / 'datasets').iterdir())
