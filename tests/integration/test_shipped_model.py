"""The model shipped in the package: declared as package data, small, documented, accurate on
reviews it never saw, used by the commands without --model, and never written to."""
import configparser
import fnmatch
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import gluon_sentiment as gs
from conftest import SHARED_IMDB
from gluon_sentiment.analysis.evaluation import evaluate_run
from gluon_sentiment.data.formats import load_dataset
from gluon_sentiment.data.split import holdout_indices
from gluon_sentiment.inference.pretrained import MODEL_CARD, PRETRAINED_ROOT, pretrained_path

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = os.path.join(REPO, 'gluon_sentiment')


def _files(root):
    return {os.path.relpath(os.path.join(folder, name), root): os.path.getsize(os.path.join(folder, name))
            for folder, dirs, names in os.walk(root) if '__pycache__' not in folder
            for name in names}


def _snapshot():
    return {path: (size, os.stat(os.path.join(PRETRAINED_ROOT, path)).st_mtime_ns)
            for path, size in _files(PRETRAINED_ROOT).items()}


def test_shipped_model_is_package_data_and_small():
    assert gs.list_pretrained() == ['imdb']
    shipped = _files(pretrained_path('imdb'))
    assert sum(shipped.values()) <= 15e6, shipped
    assert sum(_files(PACKAGE).values()) <= 25e6
    parser = configparser.ConfigParser()
    parser.read(os.path.join(REPO, 'setup.cfg'))
    patterns = parser['options.package_data']['gluon_sentiment'].split()
    for name in shipped:  # every file would be installed
        assert any(fnmatch.fnmatch(os.path.join('pretrained', 'imdb', name), p) for p in patterns)


def test_model_card_states_data_protocol_figures_and_terms():
    card = open(os.path.join(pretrained_path('imdb'), MODEL_CARD), encoding='utf-8').read()
    for section in ('## Data and protocol', '## Held-out figures', '## Intended use',
                    '## Known limits', '## Terms'):
        assert section in card
    assert '{' not in card.split('## Model')[1].split('Training fields')[0]  # template filled
    metrics = json.load(open(os.path.join(pretrained_path('imdb'), 'metrics.json')))
    held_out = metrics['held_out']['compressed']
    assert f'{held_out["accuracy"]:.4f}' in card and held_out['accuracy'] >= 0.91
    assert metrics['split'] == {**metrics['split'], 'seed': 42, 'test_fraction': 0.2}


def test_console_command_without_model_uses_it(tmp_path):
    before = _snapshot()
    env = {**os.environ, 'PYTHONPATH': REPO + os.pathsep + os.environ.get('PYTHONPATH', '')}
    proc = subprocess.run([sys.executable, '-m', 'gluon_sentiment', 'predict', '--format', 'jsonl',
                           'the movie was awesome. Loved it', 'dull, predictable and far too long'],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    labels = [json.loads(line)['label'] for line in proc.stdout.splitlines()]
    assert labels == ['positive', 'negative']
    assert _snapshot() == before and os.listdir(tmp_path) == []


@pytest.mark.slow
def test_accurate_on_held_out_reviews_and_never_written(tmp_path, monkeypatch):
    """1,000 of the 5,000 reviews held out from its training (the split in its metrics.json)."""
    if not os.path.exists(SHARED_IMDB):
        pytest.fail(f'{SHARED_IMDB} is missing: the end-to-end tests read the shared IMDB archive')
    reviews = load_dataset(SHARED_IMDB)
    test = holdout_indices(reviews.labels, 0.2, 42)['test']
    chosen = np.random.RandomState(0).choice(test, 1000, replace=False)
    before = _snapshot()
    clf = gs.load_model('imdb')
    accuracy = float((clf.predict([reviews.texts[i] for i in chosen])
                      == reviews.labels[chosen]).mean())
    assert accuracy >= 0.89
    folder = tmp_path / 'labelled'
    for cls in ('pos', 'neg'):
        (folder / cls).mkdir(parents=True)
    for k, i in enumerate(chosen[:200]):
        cls = 'pos' if reviews.labels[i] == 1 else 'neg'
        (folder / cls / f'{k}_{8 if cls == "pos" else 2}.txt').write_text(reviews.texts[i])
    monkeypatch.chdir(tmp_path)
    report = evaluate_run('imdb', str(folder))
    assert report['report'].startswith('.' + os.sep) and os.path.isfile(report['report'])
    assert report['metrics']['accuracy'] >= 0.85
    assert _snapshot() == before
