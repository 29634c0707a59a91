"""Readers of K classes: the label order rule, class folders and files, columns, ratings."""
import json
import os

import numpy as np
import pytest

from gluon_sentiment.data import DataConfig, label_indices, load_dataset, read_splits
from gluon_sentiment.data.checks import check_corpus
from gluon_sentiment.data.labels import order_found
from gluon_sentiment.data.ratings import parse_rating_bins
from gluon_sentiment.errors import DataError


def _folders(root, classes):
    for name, texts in classes.items():
        os.makedirs(root / name, exist_ok=True)
        for i, text in enumerate(texts):
            (root / name / f'{i}_{len(text)}.txt').write_text(text, encoding='utf-8')
    return str(root)


def test_order_found_numbers_numerically_else_sorted():
    assert order_found(['10', '2', '1', '2']) == ['1', '2', '10']
    assert order_found(['pos', 'neutral', 'neg']) == ['neg', 'neutral', 'pos']


def test_k_class_folders_as_found_with_labels_in_order_and_unsup_ignored(tmp_path, caplog):
    path = _folders(tmp_path / 'd', {'neg': ['bad one'], 'neutral': ['so so', 'meh'],
                                     'pos': ['good'], 'unsup': ['no label at all']})
    with caplog.at_level('INFO'):
        found = load_dataset(path)
    assert found.class_names == ('neg', 'neutral', 'pos')
    assert 'taken as found' in caplog.text and 'neg, neutral, pos' in caplog.text
    assert sorted(zip(found.texts, found.labels.tolist())) == [
        ('bad one', 0), ('good', 2), ('meh', 1), ('so so', 1)]
    ordered = load_dataset(path, labels='pos,neutral,neg')
    assert ordered.class_names == ('pos', 'neutral', 'neg')
    assert dict(zip(ordered.texts, ordered.labels.tolist()))['good'] == 0


def test_imdb_folder_with_unsup_stays_binary(tmp_path):
    path = _folders(tmp_path / 'imdb', {'neg': ['bad'], 'pos': ['good'], 'unsup': ['x']})
    reviews = load_dataset(path)
    assert reviews.class_names == ('negative', 'positive') and len(reviews) == 2


def test_lines_files_of_three_classes(tmp_path):
    for name, lines in (('neg', 'awful\npoor\n'), ('neu', 'fine\n'), ('pos', 'great\n')):
        (tmp_path / f'{name}.txt').write_text(lines)
    reviews = load_dataset(str(tmp_path), format='lines')
    assert reviews.class_names == ('neg', 'neu', 'pos')
    assert dict(zip(reviews.texts, reviews.labels.tolist())) == {
        'awful': 0, 'poor': 0, 'fine': 1, 'great': 2}


def test_jsonl_numeric_labels_numerically_and_empty_label_names_the_row(tmp_path):
    path = tmp_path / 'd.jsonl'
    rows = [{'text': 'a', 'label': 10}, {'text': 'b', 'label': 2}, {'text': 'c', 'label': 1}]
    path.write_text('\n'.join(json.dumps(r) for r in rows))
    reviews = load_dataset(str(path))
    assert reviews.class_names == ('1', '2', '10') and reviews.labels.tolist() == [2, 1, 0]
    path.write_text('\n'.join(json.dumps(r) for r in rows + [{'text': 'd', 'label': ''}]))
    with pytest.raises(DataError, match='row 4 has an empty label'):
        load_dataset(str(path))


def test_fewer_than_two_classes_and_in_memory_labels():
    with pytest.raises(DataError, match='at least two classes'):
        label_indices(['x', 'x'])
    assert label_indices(['pos', 'neg', 'pos']) == ([1, 0, 1], ('negative', 'positive'))
    assert label_indices([True, False]) == ([1, 0], ('negative', 'positive'))
    assert label_indices(['b', 'c', 'a'], 'c,b,a') == ([1, 0, 2], ('c', 'b', 'a'))
    with pytest.raises(DataError, match=r"\['d'\] are none of --labels a,b,c"):
        label_indices(['a', 'd'], 'a,b,c')


def test_rating_target_with_bins_and_without(tmp_path):
    root = tmp_path / 'imdb'
    for folder, ratings in (('neg', (1, 2, 3, 4)), ('pos', (7, 8, 9, 10))):
        os.makedirs(root / folder)
        for i, r in enumerate(ratings):
            (root / folder / f'{i}_{r}.txt').write_text(f'review rated {r}')
    binned = load_dataset(str(root), target='rating', rating_bins='1-2,3-4,7-8,9-10',
                          labels='terrible,bad,good,excellent')
    assert binned.class_names == ('terrible', 'bad', 'good', 'excellent')
    got = {text: binned.class_names[y] for text, y in zip(binned.texts, binned.labels)}
    assert got['review rated 3'] == 'bad' and got['review rated 10'] == 'excellent'
    every = load_dataset(str(root), target='rating')
    assert every.class_names == ('1', '2', '3', '4', '7', '8', '9', '10')
    two = load_dataset(str(root), target='rating', rating_bins='1-4,7-10')
    assert two.class_names == ('negative', 'positive')
    assert {t: y for t, y in zip(two.texts, two.labels.tolist())}['review rated 2'] == 0
    partial = load_dataset(str(root), target='rating', rating_bins='1,10')
    assert len(partial) == 2  # the others are in no range
    with pytest.raises(DataError, match='2 names for 4 rating classes'):
        load_dataset(str(root), target='rating', rating_bins='1-2,3-4,7-8,9-10', labels='a,b')


@pytest.mark.parametrize('bins', ['1-2', '1-4,3-6', '4-1,7-8', 'x'])
def test_bad_rating_bins(bins):
    with pytest.raises(DataError, match='--rating-bins'):
        parse_rating_bins(bins)


def test_a_class_missing_from_the_training_split_is_an_error():
    with pytest.raises(DataError, match=r"class \['c'\] has no example in the training split"):
        check_corpus('d', np.array([0, 1, 0, 1]), np.ones(4), 10, 10, ('a', 'b', 'c'))


def test_full_protocol_split_is_stratified_over_k_classes(tmp_path):
    path = _folders(tmp_path / 'd', {name: [f'{name} text {i}' for i in range(20)]
                                     for name in ('a', 'b', 'c')})
    config = DataConfig(data=path, protocol='full', full_val_size=0.15)
    _, reviews, index, _ = read_splits(config)
    assert np.bincount(reviews.labels[index['val']]).tolist() == [3, 3, 3]


def test_full_protocol_names_a_class_too_small_for_the_validation_slice(tmp_path):
    path = _folders(tmp_path / 'd', {'a': [f'a text {i}' for i in range(20)], 'b': ['b text'],
                                     'c': [f'c text {i}' for i in range(20)]})
    config = DataConfig(data=path, protocol='full', labels='a,b,c')
    with pytest.raises(DataError, match=r"--protocol full: too few examples of class 'b' \(1\) "
                                        r'for a stratified validation slice, which needs at least '
                                        r'2 of each class; add examples of it or leave it out'):
        read_splits(config)


def test_test_data_with_a_class_unknown_to_the_training_data(tmp_path):
    path = _folders(tmp_path / 'd', {name: [f'{name} text {i}' for i in range(6)]
                                     for name in ('a', 'b', 'c')})
    test = tmp_path / 'test.jsonl'
    test.write_text('\n'.join(json.dumps({'text': f't {i}', 'label': label})
                              for i, label in enumerate(['a', 'zzz', 'c', 'yyy'])))
    config = DataConfig(data=path, test_data=str(test), labels='a,b,c')
    with pytest.raises(DataError, match=r"\['yyy', 'zzz'\] are none of --labels a,b,c; only "
                                        r'those may occur: leave out the texts of other classes'):
        read_splits(config)
    # without --labels the training data's classes stand in for them
    with pytest.raises(DataError, match=r"\['yyy', 'zzz'\] are none of --labels a,b,c"):
        read_splits(DataConfig(data=path, test_data=str(test)))
