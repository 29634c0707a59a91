"""The evaluate command: its report, pictures, default output folder and errors."""
import json
import os

import numpy as np

from analysis_fixtures import assert_picture, run_dir  # noqa: F401
from conftest import synthetic_reviews
from gluon_sentiment import evaluate as evaluate_cli


def test_evaluate_cli_on_csv(run_dir, tmp_path, capsys):
    import csv
    texts, labels = synthetic_reviews(15, seed=3)
    path = tmp_path / 'held_out.csv'
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['review', 'sentiment'])
        writer.writerows(zip(texts, ['good' if y else 'bad' for y in labels]))
    out = tmp_path / 'eval'
    assert evaluate_cli.main(['--model', run_dir[0], '--data', str(path), '--out', str(out),
                              '--text-column', 'review', '--label-column', 'sentiment',
                              '--labels', 'bad,good', '--quiet']) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == json.load(open(out / 'evaluation.json'))
    assert report['metrics']['n'] == 30 and report['metrics']['accuracy'] > 0.8
    matrix = np.array(report['metrics']['confusion_matrix'])
    assert matrix.sum() == 30 and matrix.sum(axis=1).tolist() == [15, 15]
    assert_picture(str(out / 'confusion_matrix.png'), 500, 450)


def test_evaluate_default_out_dir_and_imdb_folder(run_dir, capsys):
    assert evaluate_cli.main(['--model', run_dir[0], '--data', run_dir[1], '--quiet']) == 0
    report = json.loads(capsys.readouterr().out)
    assert report['report'] == os.path.join(run_dir[0], 'eval-reviews', 'evaluation.json')
    assert os.path.isfile(report['confusion_png'])
    wrong = report['metrics']['confusion_matrix'][0][1] + report['metrics']['confusion_matrix'][1][0]
    assert len(report['confident_errors']) == min(wrong, 10)


def test_evaluate_not_a_run(tmp_path, capsys):
    assert evaluate_cli.main(['--model', str(tmp_path), '--data', str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: ') and 'not a gluon_sentiment run' in err and err.count('\n') == 1
