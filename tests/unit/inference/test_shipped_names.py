"""Pretrained models by name: resolution, command defaults, and a package folder never written."""
import json
import os
import shutil
import stat

import numpy as np
import pytest

import gluon_sentiment as gs
from conftest import synthetic_reviews, write_review_folder
from deploy_fixtures import deploy_root, multikernel_run  # noqa: F401
from gluon_sentiment import evaluate as evaluate_cli
from gluon_sentiment import export as export_cli
from gluon_sentiment import predict as predict_cli
from gluon_sentiment.errors import RunDirError
from gluon_sentiment.inference import pretrained

TEXTS = ['a great wonderful film', 'an awful boring film']


def _snapshot(root):
    """Every file under ``root`` with its size and modification time."""
    return {os.path.join(folder, name): (os.path.getsize(os.path.join(folder, name)),
                                         os.stat(os.path.join(folder, name)).st_mtime_ns)
            for folder, _, names in os.walk(root) for name in names}


@pytest.fixture
def shipped(multikernel_run, tmp_path, monkeypatch):  # noqa: F811
    """A read-only pretrained root holding ``multikernel_run`` as ``imdb``, and its snapshot."""
    root = tmp_path / 'package' / 'pretrained'
    shutil.copytree(multikernel_run, root / 'imdb')
    (root / 'notes').mkdir()  # a folder without a model is not listed
    monkeypatch.setattr(pretrained, 'PRETRAINED_ROOT', str(root))
    for folder, dirs, names in os.walk(root):
        for name in names:
            os.chmod(os.path.join(folder, name), stat.S_IRUSR)
        os.chmod(folder, stat.S_IRUSR | stat.S_IXUSR)
    before = _snapshot(root)
    yield root, before
    for folder, dirs, names in os.walk(root):
        os.chmod(folder, stat.S_IRWXU)


def test_list_and_load_by_name(shipped, multikernel_run):  # noqa: F811
    root, before = shipped
    assert gs.list_pretrained() == ['imdb']
    by_name = gs.load_model('imdb').predict_proba(TEXTS)
    by_path = gs.load_model(multikernel_run).predict_proba(TEXTS)
    np.testing.assert_allclose(by_name, by_path, rtol=1e-6)
    assert _snapshot(root) == before


def test_unknown_name_lists_the_shipped_ones(shipped):
    with pytest.raises(RunDirError, match=r'imbd: no such run directory, and not a pretrained '
                                          r'model \(shipped: imdb\)'):
        gs.load_model('imbd')


def test_a_path_that_exists_wins(shipped, tmp_path, monkeypatch):
    texts, labels = synthetic_reviews(20)
    write_review_folder(tmp_path / 'work' / 'imdb', texts, labels)  # data, not a run
    monkeypatch.chdir(tmp_path / 'work')
    assert pretrained.resolve_model('imdb') == 'imdb'
    with pytest.raises(RunDirError, match='not a gluon_sentiment run'):
        gs.load_model('imdb')


def test_commands_default_to_the_shipped_model(shipped, tmp_path, monkeypatch, capsys):
    root, before = shipped
    monkeypatch.chdir(tmp_path)
    assert predict_cli.main(['--format', 'jsonl', '--quiet'] + TEXTS) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r['label'] for r in records] == ['positive', 'negative']
    texts, labels = synthetic_reviews(10)
    write_review_folder(tmp_path / 'labelled', texts, labels)
    assert evaluate_cli.main(['--data', str(tmp_path / 'labelled'), '--quiet']) == 0
    report = json.loads(capsys.readouterr().out)
    # the report lands in the working directory, never in the package
    assert os.path.isfile(tmp_path / 'eval-imdb-labelled' / 'evaluation.json')
    assert report['metrics']['accuracy'] > 0.9
    assert export_cli.main(['--out', str(tmp_path / 'bundle'), '--quiet']) == 0
    capsys.readouterr()
    np.testing.assert_allclose(gs.load_model(str(tmp_path / 'bundle')).predict_proba(TEXTS),
                               gs.load_model('imdb').predict_proba(TEXTS), rtol=1e-5)
    assert _snapshot(root) == before


def test_is_pretrained(shipped, multikernel_run):  # noqa: F811
    root, _ = shipped
    assert pretrained.is_pretrained(str(root / 'imdb'))
    assert not pretrained.is_pretrained(multikernel_run)
