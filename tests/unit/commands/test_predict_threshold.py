"""predict --threshold and a run's saved threshold: labels follow it, probabilities never do.

Binary table columns stay as always; a run without a saved threshold (as
every run before ``--threshold`` existed) decides by the most probable class.
"""
import io
import json
import os
import shutil
from contextlib import redirect_stdout

import numpy as np
from fastapi.testclient import TestClient

import gluon_sentiment as gs
from gluon_sentiment import predict as predict_cli
from gluon_sentiment.deploy.bundle import export_bundle
from gluon_sentiment.deploy.server import create_app

LEGACY_RUN = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'fixtures', 'legacy', 'run-multikernel')


def _predict(*argv, model=LEGACY_RUN):
    out = io.StringIO()
    with redirect_stdout(out):
        assert predict_cli.main(['--model', str(model), '--quiet', *argv]) == 0
    return out.getvalue()


def test_threshold_moves_labels_not_probabilities():
    text = 'the movie was fine'
    plain = json.loads(_predict(text, '--format', 'jsonl'))
    p = plain['probabilities']['positive']
    low = json.loads(_predict(text, '--format', 'jsonl', '--threshold', str(max(p - 0.01, 0))))
    high = json.loads(_predict(text, '--format', 'jsonl', '--threshold', str(min(p + 0.01, 1))))
    assert low['label'] == 'positive' and high['label'] == 'negative'
    assert low['probabilities'] == high['probabilities'] == plain['probabilities']
    row = _predict(text).rstrip('\n').split('\t')
    assert row[1].startswith('negative=') and row[2].startswith('positive=') and row[3] == text


def test_threshold_out_of_range_is_refused(capsys):
    assert predict_cli.main(['--model', LEGACY_RUN, 'x', '--threshold', '1.5']) == 2
    assert 'needs a binary run and a value in [0, 1]' in capsys.readouterr().err


def _served_labels(clf, texts):
    answer = TestClient(create_app(clf)).post('/predict', json={'texts': texts})
    assert answer.status_code == 200
    return [p['label'] for p in answer.json()['predictions']]


def test_a_saved_threshold_decides_every_label_and_no_probability(tmp_path):
    texts = ['great wonderful excellent film', 'the movie was fine', 'awful boring worst']
    old = gs.load_model(LEGACY_RUN)
    assert old.threshold is None and old.class_names == ('negative', 'positive')
    probs = old.predict_proba(texts)
    assert old.predict(texts).tolist() == probs.argmax(axis=1).tolist()
    assert _served_labels(old, texts) == [old.class_names[c] for c in probs.argmax(axis=1)]
    # the most positive text is no longer positive under a threshold at its own probability
    threshold = float(probs[:, 1].max())
    assert threshold > 0.5
    run = tmp_path / 'run'
    shutil.copytree(LEGACY_RUN, run)
    config = json.loads((run / 'config.json').read_text())
    (run / 'config.json').write_text(json.dumps({**config, 'decision_threshold': threshold}))
    want = ['positive' if p > threshold else 'negative' for p in probs[:, 1]]
    assert want != [old.class_names[c] for c in probs.argmax(axis=1)]
    clf = gs.load_model(str(run))
    assert clf.threshold == threshold
    np.testing.assert_array_equal(clf.predict_proba(texts), probs)
    assert [clf.class_names[c] for c in clf.predict(texts)] == want
    assert _served_labels(clf, texts) == want
    rows = [json.loads(line) for line in _predict(*texts, '--format', 'jsonl',
                                                  model=run).splitlines()]
    assert [row['label'] for row in rows] == want
    assert [row['probabilities']['positive'] for row in rows] == probs[:, 1].tolist()
    overridden = _predict(*texts, '--format', 'jsonl', '--threshold', '0', model=run)
    assert [json.loads(line)['label'] for line in overridden.splitlines()] == ['positive'] * 3
    bundle = tmp_path / 'bundle'
    assert export_bundle(str(run), str(bundle))['output']['threshold'] == threshold
    assert _served_labels(gs.load_model(str(bundle)), texts) == want
