"""The train command's refusals, one-line errors and help."""
import json
import os

import pytest

from gluon_sentiment import train as train_cli
from train_fixtures import FAST, trained_run  # noqa: F401
from train_fixtures import train_fast as _train


def test_refuses_a_different_run_unless_overwrite(trained_run, review_folder, capsys):
    assert _train(review_folder, trained_run, '--vocab-size', '7') == 2
    err = capsys.readouterr().err
    assert err.startswith('error: --output-dir') and 'holds a different run' in err
    assert 'vocab_size' in err and '--overwrite' in err and 'Traceback' not in err
    assert _train(review_folder, trained_run, '--vocab-size', '7', '--overwrite') == 0
    assert json.load(open(os.path.join(trained_run, 'config.json')))['vocab_size'] == 7


def test_refuses_a_folder_of_other_files(review_folder, tmp_path, capsys):
    out = tmp_path / 'busy'
    out.mkdir()
    (out / 'notes.txt').write_text('mine')
    assert _train(review_folder, out) == 2
    assert 'not a gluon_sentiment run' in capsys.readouterr().err
    assert (out / 'notes.txt').read_text() == 'mine'


@pytest.mark.parametrize('make_path, message', [
    (lambda tmp: str(tmp / 'missing'), 'no such file or folder'),
    (lambda tmp: str(tmp), 'expected review folders pos/ and neg/'),
    (lambda tmp: _bad_archive(tmp), 'corrupt or truncated archive'),
])
def test_bad_data_is_one_line_error(tmp_path, capsys, make_path, message):
    (tmp_path / 'stray').mkdir()
    path = make_path(tmp_path)
    assert train_cli.main(['--data', path, '--output-dir', str(tmp_path / 'out'), '--quiet']) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and err.startswith('error: ') and message in err
    assert path in err


def _bad_archive(tmp):
    path = tmp / 'broken.tar.gz'
    path.write_bytes(b'\x1f\x8b\x08\x00 truncated')
    return str(path)


def test_seq_len_shorter_than_kernel(review_folder, tmp_path, capsys):
    assert _train(review_folder, tmp_path / 'r', '--seq-len', '3') == 2
    assert '--seq-len 3' in capsys.readouterr().err


def test_help_documents_every_flag(capsys):
    with pytest.raises(SystemExit):
        train_cli.main(['--help'])
    out = capsys.readouterr().out
    for flag in ('--data', '--test-data', '--model', '--epochs', '--gpus', '--seed',
                 '--max-examples', '--vocab-size', '--seq-len', '--no-hybridize',
                 '--output-dir', '--overwrite', '--no-bucket', '--cpu-contexts'):
        assert flag in out


def test_options_that_do_not_fit_the_classes_fail_before_the_run_is_written(review_folder,
                                                                            tmp_path, capsys):
    out = tmp_path / 'run'
    assert _train(review_folder, out, '--class-weight', '1,2,3') == 2
    err = capsys.readouterr().err
    assert err.startswith('error: --class-weight 1,2,3: 3 weights for 2 classes (negative, '
                          'positive); give one per class, in class order')
    assert err.count('\n') == 1 and 'Traceback' not in err
    assert not out.exists()  # so the corrected command may use the same folder
    assert _train(review_folder, out, '--class-weight', '1,3', '--epochs', '1') == 0
    assert json.load(open(out / 'config.json'))['class_weight'] == '1,3'
    three = tmp_path / 'three'
    for name in 'abc':
        os.makedirs(three / name)
        for i in range(5):
            (three / name / f'{i}.txt').write_text(f'{name} review number {i}')
    assert _train(str(three), tmp_path / 'k3', '--labels', 'a,b,c', '--threshold', '0.4') == 2
    err = capsys.readouterr().err
    assert err == ('error: --threshold 0.4: only for binary runs; this one has 3 classes '
                   '(a, b, c); leave it out\n')
    assert not (tmp_path / 'k3').exists()
