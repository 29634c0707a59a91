"""Every dataset loader, format detection, label mapping and their errors."""
import csv
import dataclasses
import json
import os

import numpy as np
import pytest

from gluon_sentiment.training.config import TrainConfig
from gluon_sentiment.data.formats import FORMATS, detect_format, load_dataset, parse_labels
from gluon_sentiment.errors import DataError

from conftest import synthetic_reviews, write_review_archive, write_review_folder

TEXTS = ['a great film', 'dull <br />and slow', 'loved it', 'worst plot ever']
LABELS = [1, 0, 1, 0]


def _write_csv(path, rows, delimiter=',', header=('text', 'label')):
    with open(path, 'w', encoding='utf-8', newline='') as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def _assert_reviews(reviews, texts=TEXTS, labels=LABELS):
    got = sorted(zip(reviews.texts, reviews.labels.tolist()))
    want = sorted(zip([t.replace('<br />', ' ').strip() for t in texts], labels))
    assert got == want
    assert reviews.labels.dtype == np.int64
    assert len(reviews.sources) == len(reviews.texts)


def test_format_choices_match_the_config():
    field = {f.name: f for f in dataclasses.fields(TrainConfig)}['format']
    assert tuple(field.metadata['choices']) == FORMATS


@pytest.mark.parametrize('archive', [False, True])
def test_imdb_layout(tmp_path, archive):
    if archive:
        path = write_review_archive(tmp_path / 'a.tar.gz', TEXTS, LABELS)
    else:
        path = write_review_folder(tmp_path / 'imdb', TEXTS, LABELS)
    assert detect_format(path) == 'imdb'
    _assert_reviews(load_dataset(path))


def test_class_folders_with_any_names(tmp_path):
    for name, label_texts in (('bad', TEXTS[1::2]), ('good', TEXTS[0::2])):
        os.makedirs(tmp_path / 'd' / name)
        for i, text in enumerate(label_texts):
            (tmp_path / 'd' / name / f'r{i}.txt').write_text(text, encoding='utf-8')
    path = str(tmp_path / 'd')
    assert detect_format(path, 'bad,good') == 'folder'
    with pytest.raises(DataError, match='two class folders named by --labels NEG,POS'):
        detect_format(path)
    _assert_reviews(load_dataset(path, labels='bad,good'))
    flipped = load_dataset(path, labels=('good', 'bad'))
    assert flipped.labels.tolist() == [1, 1, 0, 0]  # positive ('bad' now) first
    with pytest.raises(DataError, match='--labels NEG,POS'):
        load_dataset(path, format='folder')
    with pytest.raises(DataError, match="no class folder 'fine'"):
        load_dataset(path, format='folder', labels='bad,fine')


def test_class_folders_named_negative_positive_need_no_labels(tmp_path):
    for name, text in (('negative', 'bad'), ('positive', 'good')):
        os.makedirs(tmp_path / name)
        (tmp_path / name / '1.txt').write_text(text)
    reviews = load_dataset(str(tmp_path))
    assert dict(zip(reviews.texts, reviews.labels.tolist())) == {'good': 1, 'bad': 0}


@pytest.mark.parametrize('ext, delimiter', [('csv', ','), ('tsv', '\t')])
def test_csv_and_tsv(tmp_path, ext, delimiter):
    rows = [(text, label) for text, label in zip(TEXTS, LABELS)]
    rows[0] = ('a great, "quoted"\nfilm', 1)  # delimiter, quotes and a newline inside a cell
    path = _write_csv(tmp_path / f'd.{ext}', rows, delimiter)
    assert detect_format(path) == ext
    reviews = load_dataset(path)
    assert reviews.texts[0] == 'a great, "quoted"\nfilm'
    assert reviews.labels.tolist() == LABELS
    assert reviews.sources[0].endswith(':2') and reviews.sources[1].endswith(':4')  # start lines


def test_csv_named_columns_and_string_labels(tmp_path):
    rows = [(str(i), text, 'positive' if label else 'negative')
            for i, (text, label) in enumerate(zip(TEXTS, LABELS))]
    path = _write_csv(tmp_path / 'd.csv', rows, header=('id', 'review', 'sentiment'))
    reviews = load_dataset(path, text_column='review', label_column='sentiment')
    _assert_reviews(reviews)
    with pytest.raises(DataError, match=r"no column 'text' \(columns: id, review, sentiment\)"
                                        r".*--text-column"):
        load_dataset(path)
    with pytest.raises(DataError, match='--label-column'):
        load_dataset(path, text_column='review')


def test_unexpected_label_values(tmp_path):
    path = _write_csv(tmp_path / 'd.csv', [('ok', 'pos'), ('meh', 'neutral'), ('bad', 'neg')])
    three = load_dataset(path)  # more than two values: classes as found, sorted
    assert three.class_names == ('neg', 'neutral', 'pos')
    assert three.labels.tolist() == [2, 1, 0]
    with pytest.raises(DataError, match=r"\['neutral'\] are none of --labels neg,pos"):
        load_dataset(path, labels='neg,pos')
    two = _write_csv(tmp_path / 'e.csv', [('ok', 'fine'), ('bad', 'poor')])
    with pytest.raises(DataError, match=r"\['fine', 'poor'\].*--labels NEG,POS"):
        load_dataset(two)


def test_custom_label_values(tmp_path):
    path = _write_csv(tmp_path / 'd.csv', [('ok', '4'), ('bad', '2'), ('fine', '4')])
    assert load_dataset(path, labels='2,4').labels.tolist() == [1, 0, 1]


def test_jsonl(tmp_path):
    path = tmp_path / 'd.jsonl'
    lines = [json.dumps({'text': t, 'label': bool(y) if i == 0 else y, 'extra': [1]})
             for i, (t, y) in enumerate(zip(TEXTS, LABELS))]
    path.write_text('\n'.join(lines[:2]) + '\n\n' + '\n'.join(lines[2:]) + '\n', encoding='utf-8')
    assert detect_format(str(path)) == 'jsonl'
    reviews = load_dataset(str(path))
    assert reviews.labels.tolist() == LABELS
    assert reviews.sources[2].endswith(':4')
    path.write_text(lines[0] + '\n{not json\n')
    with pytest.raises(DataError, match='line 2: not valid JSON'):
        load_dataset(str(path))
    path.write_text('{"review": "x", "label": 1}\n')
    with pytest.raises(DataError, match="no column 'text'"):
        load_dataset(str(path))


def _write_polarity(folder, pos_lines, neg_lines, encoding='latin-1'):
    os.makedirs(folder, exist_ok=True)
    for ext, lines in (('pos', pos_lines), ('neg', neg_lines)):
        with open(os.path.join(folder, f'rt-polarity.{ext}'), 'wb') as f:
            f.write(('\n'.join(lines) + '\n').encode(encoding))
    return str(folder)


def test_sentence_per_line_latin1(tmp_path, caplog):
    pos = ['a charming café of a film', 'the naïve hero wins']
    neg = ['a dull, déjà vu plot', '', 'ugh']
    folder = _write_polarity(tmp_path / 'rt', pos, neg)
    with open(os.path.join(folder, 'rt-polarity.pos'), 'rb') as f:
        raw = f.read()
    with pytest.raises(UnicodeDecodeError):
        raw.decode('utf-8')  # really Latin-1 bytes, as in the corpus
    expected = sorted(zip(pos + [neg[0], neg[2]], [1, 1, 0, 0]))
    for path in (folder, os.path.join(folder, 'rt-polarity.neg'), os.path.join(folder, 'rt-polarity')):
        assert detect_format(path) == 'lines'
        reviews = load_dataset(path)
        assert sorted(zip(reviews.texts, reviews.labels.tolist())) == expected
        assert reviews.non_utf8 == 2
    assert reviews.sources[-1].endswith('rt-polarity.neg:3')


def test_lines_forced_and_named_by_stem(tmp_path):
    (tmp_path / 'good.txt').write_text('fine\nnice\n')
    (tmp_path / 'bad.txt').write_text('poor\n')
    reviews = load_dataset(str(tmp_path), format='lines', labels='bad,good')
    assert reviews.labels.tolist() == [1, 1, 0]
    with pytest.raises(DataError, match='--labels'):
        load_dataset(str(tmp_path))


def test_detection_and_forcing_errors(tmp_path):
    with pytest.raises(DataError, match='no such file or folder'):
        detect_format(str(tmp_path / 'missing.csv'))
    (tmp_path / 'notes.xyz').write_text('x')
    with pytest.raises(DataError, match='pass --format'):
        detect_format(str(tmp_path / 'notes.xyz'))
    path = _write_csv(tmp_path / 'data.txt', [('good', 1), ('bad', 0)])
    assert load_dataset(path, format='csv').labels.tolist() == [1, 0]
    with pytest.raises(DataError, match='unknown'):
        load_dataset(path, format='xml')


@pytest.mark.parametrize('labels', ['pos', 'a,b,a', 'x,x', ',pos'])
def test_bad_labels_flag(labels):
    with pytest.raises(DataError, match='--labels'):
        parse_labels(labels)


def test_train_reads_csv(tmp_path):
    from gluon_sentiment import train as train_cli
    texts, labels = synthetic_reviews(20)
    path = _write_csv(tmp_path / 'd.csv', [(y, t) for t, y in zip(texts, labels)],
                      header=('y', 'x'))
    out = tmp_path / 'run'
    assert train_cli.main(['--data', path, '--text-column', 'x', '--label-column', 'y',
                           '--output-dir', str(out), '--seq-len', '30', '--embed-size', '8',
                           '--epochs', '1', '--quiet']) == 0
    metrics = json.load(open(out / 'metrics.json'))
    assert sum(metrics['sizes'].values()) == 40
    config = json.load(open(out / 'config.json'))
    assert config['text_column'] == 'x' and config['label_column'] == 'y'
