"""predict --threshold: labels follow it, probabilities never do; binary table columns as always."""
import io
import json
import os
from contextlib import redirect_stdout


from gluon_sentiment import predict as predict_cli

LEGACY_RUN = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'fixtures', 'legacy', 'run-multikernel')


def _predict(*argv):
    out = io.StringIO()
    with redirect_stdout(out):
        assert predict_cli.main(['--model', LEGACY_RUN, '--quiet', *argv]) == 0
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
