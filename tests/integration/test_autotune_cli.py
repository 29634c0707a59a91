"""python -m gluon_sentiment.autotune: one-line errors, and a tiny real study that loads."""
import json
import os

import gluon_sentiment as gs
from gluon_sentiment import autotune


def test_cli_errors_are_one_line(review_folder, tmp_path, capsys):
    out = str(tmp_path / 'auto')
    for argv, message in ((['--select-metric', 'f2'], '--select-metric'),
                          (['--max-size', '10kB'], '--max-size 10.0 kB: smaller than any model'),
                          (['--time-budget', '1s'], 'too small for one trial'),
                          (['--time-budget', 'soon'], '--time-budget')):
        assert autotune.main(['--data', review_folder, '--output-dir', out, '--quiet', *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith('error: ') and message in err and '\n' not in err


def test_cli_runs_a_tiny_study_with_test_data(review_folder, tmp_path, capsys):
    out = str(tmp_path / 'auto')
    argv = ['--data', review_folder, '--test-data', review_folder, '--output-dir', out,
            '--time-budget', '1h', '--n-trials', '1', '--max-epochs', '1', '--max-size', '5MB',
            '--select-metric', 'macro_f1', '--full-val-size', '0.25', '--quiet']
    assert autotune.main(argv) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary['best_trial'] == 0 and summary['select_metric'] == 'macro_f1'
    assert summary['size_bytes'] <= 5_000_000
    report = json.load(open(os.path.join(out, 'autotune.json')))
    assert report['format'] == 'gluon_sentiment.autotune/1' and report['test_size'] == 80
    assert 0 <= report['test_accuracy'] <= 1
    assert gs.load_model(out).predict(['great wonderful']).shape == (1,)
