"""Download Stanford's IMDB archive into a cache folder.

The archive goes to ``$GLUON_SENTIMENT_HOME/datasets`` (default
``~/.gluon_sentiment/datasets``), is checked against its published MD5 and
is read in place afterwards; it is downloaded to a temporary name and
renamed, so an interrupted download never looks complete.
"""
import hashlib
import logging
import os
import urllib.error
import urllib.request

from tqdm import tqdm

from ..errors import DataError

__all__ = ['IMDB_URL', 'IMDB_MD5', 'cache_dir', 'download_imdb']

log = logging.getLogger(__name__)

IMDB_URL = 'https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz'
IMDB_MD5 = '7c2ac02c03563afcf9b574c7e56c153a'


def cache_dir() -> str:
    """The package cache folder: ``$GLUON_SENTIMENT_HOME`` or ``~/.gluon_sentiment``."""
    return os.environ.get('GLUON_SENTIMENT_HOME',
                          os.path.join(os.path.expanduser('~'), '.gluon_sentiment'))


def _md5(path: str) -> str:
    digest = hashlib.md5()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def download_imdb(url: str = IMDB_URL, md5: str = IMDB_MD5, timeout: float = 15.0) -> str:
    """Return the path of the cached IMDB archive, downloading it if needed.

    Raises
    ------
    DataError
        If the download fails (offline, say) or the checksum does not match.
    """
    folder = os.path.join(cache_dir(), 'datasets')
    path = os.path.join(folder, os.path.basename(url))
    if os.path.exists(path) and _md5(path) == md5:
        return path
    os.makedirs(folder, exist_ok=True)
    tmp = f'{path}.part{os.getpid()}'
    hint = 'pass --data PATH with a folder of pos/ and neg/ reviews or an aclImdb_v1.tar.gz'
    log.info('downloading %s to %s', url, path)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, 'wb') as out:
            total = int(response.headers.get('Content-Length') or 0) or None
            with tqdm(total=total, unit='B', unit_scale=True, desc='aclImdb_v1.tar.gz',
                      disable=None) as bar:
                for chunk in iter(lambda: response.read(1 << 20), b''):
                    out.write(chunk)
                    bar.update(len(chunk))
    except (urllib.error.URLError, OSError) as err:
        if os.path.exists(tmp):
            os.remove(tmp)
        reason = getattr(err, 'reason', err)
        raise DataError(f'could not download {url} ({reason}); {hint}') from None
    got = _md5(tmp)
    if got != md5:
        os.remove(tmp)
        raise DataError(f'{url}: checksum mismatch (md5 {got}, expected {md5}); {hint}')
    os.replace(tmp, path)
    return path
