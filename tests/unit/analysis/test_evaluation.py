"""Learning curves, evaluation, t-SNE pictures and cross-validation on synthetic runs."""
import json
import os

import matplotlib.image
import numpy as np
import pytest
from sklearn import metrics as skm

from gluon_sentiment import evaluate as evaluate_cli
from gluon_sentiment import train as train_cli
from gluon_sentiment import visualize
from gluon_sentiment.analysis import embedding_map
from gluon_sentiment.data.folds import stratified_folds
from gluon_sentiment.data.reader import Reviews
from gluon_sentiment.errors import ConfigError
from gluon_sentiment.analysis.metrics import classification_metrics, confident_errors
from gluon_sentiment.analysis.plots import plot_confusion_matrix, plot_learning_curves

from conftest import NEGATIVE, POSITIVE, synthetic_reviews, write_review_folder

FAST = ['--seq-len', '40', '--embed-size', '16', '--batch-size', '16', '--epochs', '4',
        '--lr', '0.01', '--quiet']
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


def assert_picture(path, min_width, min_height):
    """A valid, non-blank PNG of at least the given size."""
    with open(path, 'rb') as f:
        assert f.read(8) == PNG_MAGIC
    pixels = matplotlib.image.imread(path)
    height, width = pixels.shape[:2]
    assert width >= min_width and height >= min_height
    gray = pixels[..., :3].mean(axis=2)
    assert gray.std() > 0.02  # not a blank canvas
    assert (gray < 0.5).mean() > 0.001  # some dark ink: text, lines or dots
    assert not [f for f in os.listdir(os.path.dirname(path)) if '.tmp' in f]


@pytest.fixture(scope='module')
def run_dir(tmp_path_factory):
    texts, labels = synthetic_reviews()
    root = tmp_path_factory.mktemp('analysis')
    data = write_review_folder(root / 'reviews', texts, labels)
    out = root / 'run'
    assert train_cli.main(['--data', data, '--output-dir', str(out)] + FAST) == 0
    return str(out), data


def test_training_writes_learning_curves(run_dir):
    assert_picture(os.path.join(run_dir[0], 'learning_curves.png'), 1000, 400)


def test_learning_curves_differ_with_history(tmp_path):
    rows = [{'epoch': e, 'train_loss': 1 / e, 'val_loss': 1.2 / e, 'train_accuracy': 1 - 0.5 / e,
             'val_accuracy': 1 - 0.6 / e} for e in (1, 2, 3)]
    plot_learning_curves(rows, str(tmp_path / 'a.png'))
    plot_learning_curves(rows[:2], str(tmp_path / 'b.png'))
    assert_picture(str(tmp_path / 'a.png'), 1000, 400)
    a = matplotlib.image.imread(str(tmp_path / 'a.png'))
    b = matplotlib.image.imread(str(tmp_path / 'b.png'))
    assert a.shape == b.shape and not np.array_equal(a, b)


def test_metrics_match_scikit_learn():
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 1])
    p = np.array([0.9, 0.8, 0.3, 0.6, 0.2, 0.7, 0.1, 0.4, 0.55, 0.45])
    got = classification_metrics(y, p)
    pred = (p > 0.5).astype(int)
    assert got['accuracy'] == pytest.approx(skm.accuracy_score(y, pred)) == 0.6
    assert got['precision'] == pytest.approx(skm.precision_score(y, pred)) == 0.6
    assert got['recall'] == pytest.approx(skm.recall_score(y, pred)) == 0.6
    assert got['f1'] == pytest.approx(skm.f1_score(y, pred))
    assert got['roc_auc'] == pytest.approx(skm.roc_auc_score(y, p)) == 0.76  # 19 of 25 pairs
    assert got['confusion_matrix'] == [[3, 2], [2, 3]]
    assert (got['n'], got['n_positive']) == (10, 5)
    assert classification_metrics(np.ones(3), np.array([0.9, 0.2, 0.7]))['roc_auc'] is None


def test_confident_errors_surest_first():
    reviews = Reviews(['a', 'b', 'c', 'd'], np.array([1, 0, 1, 0]), ['s0', 's1', 's2', 's3'])
    errors = confident_errors(reviews, np.array([0.4, 0.95, 0.05, 0.2]), k=5)
    assert [e['source'] for e in errors] == ['s2', 's1', 's0']
    assert errors[0]['true'] == 'positive' and errors[0]['predicted'] == 'negative'


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


def test_confusion_matrix_picture(tmp_path):
    plot_confusion_matrix(np.array([[40, 10], [5, 45]]), str(tmp_path / 'cm.png'))
    assert_picture(str(tmp_path / 'cm.png'), 500, 450)


def test_evaluate_not_a_run(tmp_path, capsys):
    assert evaluate_cli.main(['--model', str(tmp_path), '--data', str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: ') and 'not a gluon_sentiment run' in err and err.count('\n') == 1


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


def test_word_sentiment_and_embedding_rows(run_dir):
    import gluon_sentiment as gs
    clf = gs.load_model(run_dir[0])
    words, vectors = embedding_map.model_embedding(clf)
    assert '<unk>' not in words and '<pad>' not in words
    assert vectors.shape == (len(clf.vocab) - 2, 16)
    row = clf.net.embedding.weight.data().asnumpy()[clf.vocab['great']]
    np.testing.assert_array_equal(vectors[words.index('great')], row)
    p = embedding_map.word_sentiment(clf, POSITIVE + NEGATIVE)
    assert p[:len(POSITIVE)].mean() > p[len(POSITIVE):].mean()


def test_nearest_neighbours_by_cosine():
    words = ['a', 'b', 'c', 'd']
    vectors = np.array([[1, 0], [10, 1], [0, 1], [-1, 0]], dtype=float)
    near = embedding_map.nearest_neighbours(words, vectors, ['a'], k=3)['a']
    assert [n['word'] for n in near] == ['b', 'c', 'd']
    assert near[0]['cosine'] == pytest.approx(10 / np.sqrt(101), abs=1e-4)


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


def test_folds_stratified_and_disjoint():
    labels = np.array([1] * 30 + [0] * 20)
    folds = stratified_folds(labels, 5, seed=7)
    held_out = np.concatenate([test for _, test in folds])
    assert sorted(held_out.tolist()) == list(range(50))  # disjoint, covering all
    for train, test in folds:
        assert not set(train) & set(test)
        assert np.bincount(labels[test]).tolist() == [4, 6]  # the 40/60 class balance
    again = stratified_folds(labels, 5, seed=7)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))
    with pytest.raises(ConfigError, match='--cv 5'):
        stratified_folds(np.array([1] * 10 + [0] * 3), 5)


def test_train_cv_builds_vocab_per_fold(tmp_path, monkeypatch, capsys):
    import gluon_sentiment.training.crossval as crossval
    texts, labels = synthetic_reviews(12)
    texts[0] += ' onlyinfirstreview'
    data = write_review_folder(tmp_path / 'd', texts, labels)
    seen = []
    real = crossval.fold_dataset

    def spy(tokens, labels, train_idx, test_idx, config, source):
        dataset = real(tokens, labels, train_idx, test_idx, config, source)
        seen.append(('onlyinfirstreview' in dataset.vocab.token_to_idx, 0 in test_idx))
        return dataset
    monkeypatch.setattr(crossval, 'fold_dataset', spy)
    assert train_cli.main(['--data', data, '--output-dir', str(tmp_path / 'cv'), '--cv', '2',
                           '--seq-len', '30', '--embed-size', '8', '--epochs', '1',
                           '--quiet']) == 0
    printed = json.loads(capsys.readouterr().out)
    summary = json.load(open(tmp_path / 'cv' / 'cv.json'))
    assert printed['k'] == 2 and printed['mean_accuracy'] == summary['mean_accuracy']
    assert sum(sum(f['sizes'].values()) for f in summary['folds']) == 2 * 24
    assert [f['sizes']['test'] for f in summary['folds']] == [12, 12]
    accs = [f['test_accuracy'] for f in summary['folds']]
    assert summary['mean_accuracy'] == pytest.approx(np.mean(accs))
    assert summary['std_accuracy'] == pytest.approx(np.std(accs))
    assert os.path.isfile(tmp_path / 'cv' / 'fold-2' / 'best.params')
    # the word of review 0 is in a fold's vocabulary exactly when review 0 is not held out
    assert sorted(seen) == [(False, True), (True, False)]


def test_cv_flag_errors(review_folder, tmp_path, capsys):
    assert train_cli.main(['--data', review_folder, '--cv', '1', '--quiet']) == 2
    assert '--cv must be 0 (off) or at least 2' in capsys.readouterr().err
    assert train_cli.main(['--data', review_folder, '--cv', '3', '--test-data', review_folder,
                           '--quiet']) == 2
    assert 'exclude each other' in capsys.readouterr().err
