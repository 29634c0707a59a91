"""The visualize command: t-SNE maps of a run or a GloVe file, neighbours, errors."""
import json
import os

import numpy as np
import pytest

from analysis_fixtures import assert_picture, run_dir  # noqa: F401
from gluon_sentiment import visualize


def test_visualize_model_with_sentiment_colours(run_dir, tmp_path, capsys):
    out = tmp_path / 'pics' / 'tsne.png'
    assert visualize.main(['--model', run_dir[0], '--words', '20', '--out', str(out),
                           '--color-by-sentiment', '--probes', 'excellent', 'nonword',
                           '--neighbours', '5', '--quiet']) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary['words'] == 20 and 10 <= summary['labelled'] <= 20
    assert_picture(str(out), 1500, 1300)
    neighbours = json.load(open(tmp_path / 'pics' / 'tsne.neighbours.json'))['neighbours']
    assert neighbours['nonword'] is None
    near = [n['word'] for n in neighbours['excellent']]
    assert len(near) == 5 and 'excellent' not in near
    cosines = [n['cosine'] for n in neighbours['excellent']]
    assert cosines == sorted(cosines, reverse=True)


def test_visualize_glove_file(tmp_path, capsys):
    rng = np.random.RandomState(0)
    path = tmp_path / 'glove.tiny.8d.txt'
    words = [f'w{i}' for i in range(40)] + ['excellent', 'awful', 'boring']
    path.write_text(''.join(f'{w} ' + ' '.join(f'{v:.4f}' for v in rng.randn(8)) + '\n'
                            for w in words))
    out = tmp_path / 'glove.png'
    assert visualize.main(['--embedding', str(path), '--words', '43', '--out', str(out),
                           '--quiet']) == 0
    assert json.loads(capsys.readouterr().out)['words'] == 43
    assert_picture(str(out), 1500, 1300)
    neighbours = json.load(open(tmp_path / 'glove.neighbours.json'))['neighbours']
    assert set(neighbours) == {'excellent', 'awful', 'boring'}
    assert all(len(n) == 10 for n in neighbours.values())


@pytest.mark.parametrize('argv, message', [
    (['--words', '100000'], 'holds only'),
    (['--words', '2'], 'at least 5'),
])
def test_visualize_bad_word_counts(run_dir, tmp_path, capsys, argv, message):
    assert visualize.main(['--model', run_dir[0], '--out', str(tmp_path / 'x.png')] + argv) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: --words') and message in err
    assert not os.path.exists(tmp_path / 'x.png')


def test_visualize_input_errors(tmp_path, capsys):
    assert visualize.main(['--model', str(tmp_path)]) == 2
    assert 'not a gluon_sentiment run' in capsys.readouterr().err
    assert visualize.main(['--embedding', str(tmp_path / 'none.txt')]) == 2
    assert 'none.txt: no such file' in capsys.readouterr().err
    assert visualize.main(['--embedding', 'x', '--color-by-sentiment']) == 2
    assert '--color-by-sentiment needs --model' in capsys.readouterr().err
