"""Autotune's search: class weights on imbalanced data, several processes on one shared storage."""
import csv
import json
import os

import optuna
import pytest

import gluon_sentiment as gs
from conftest import synthetic_reviews, write_review_folder
from tiny_families import tiny_ngram
from gluon_sentiment.tuning import AutotuneOptions, autotune
from gluon_sentiment.tuning.space import (FAMILIES, is_imbalanced, recipe_params,
                                                   suggest_fields)


TINY = (tiny_ngram('good'),)


def _rows(folder):
    with open(os.path.join(folder, 'trials.csv'), encoding='utf-8') as f:
        return [r for r in csv.DictReader(f) if r['state'] != 'WAITING']


def _folder(root, negatives):
    texts, labels = synthetic_reviews(80)
    keep = [i for i, label in enumerate(labels) if label == 1][:80] + \
        [i for i, label in enumerate(labels) if label == 0][:negatives]
    write_review_folder(root, [texts[i] for i in keep], [labels[i] for i in keep])
    return str(root)


def test_imbalance_is_the_rarest_class_below_half_the_largest():
    assert is_imbalanced([0] * 10 + [1] * 100) and is_imbalanced([0] * 49 + [1] * 100 + [2] * 70)
    assert not is_imbalanced([0] * 50 + [1] * 100) and not is_imbalanced([0, 1, 1])


def test_class_weights_are_searched_only_on_imbalanced_data():
    ngram = FAMILIES[0]
    assert 'class_weight' not in recipe_params(ngram, None)
    assert recipe_params(ngram, None, imbalanced=True)['class_weight'] == 'balanced'
    study = optuna.create_study(direction='maximize', sampler=optuna.samplers.TPESampler(seed=0))
    drawn = set()
    for imbalanced in (False, True) * 4:
        trial = study.ask()
        _, fields = suggest_fields(trial, FAMILIES, None, imbalanced=imbalanced)
        assert ('class_weight' in fields) == imbalanced
        drawn.add(fields.get('class_weight'))
        study.tell(trial, 0.5)
    assert drawn <= {None, 'none', 'balanced'} and len(drawn) >= 2


def test_an_imbalanced_study_trains_its_recipe_with_balanced_weights(tmp_path):
    data = _folder(tmp_path / 'reviews', negatives=20)  # 80 positive, 20 negative
    options = AutotuneOptions(data=data, output_dir=str(tmp_path / 'auto'), time_budget=3600.0,
                              full_val_size=0.25, max_epochs=2, max_trials=1,
                              train_overrides={'batch_size': 16})
    autotune(options, families=TINY)
    rows = _rows(options.output_dir)
    assert rows[0]['params_class_weight'] == 'balanced'
    config = json.load(open(os.path.join(options.output_dir, 'trials', '0000', 'config.json')))
    assert config['class_weight'] == 'balanced'


@pytest.mark.slow
def test_two_processes_share_one_study_in_a_given_storage(tmp_path):
    """--n-jobs 2 with --storage: a second process runs trials of the same study, until the
    deadline; the study lives in the storage given, the published model loads."""
    data = _folder(tmp_path / 'reviews', negatives=80)
    url = f'sqlite:///{tmp_path}/shared.db'
    options = AutotuneOptions(data=data, output_dir=str(tmp_path / 'auto'), time_budget=45.0,
                              full_val_size=0.25, max_epochs=2, n_jobs=2, storage=url,
                              train_overrides={'batch_size': 16})
    report = autotune(options, families=TINY)
    assert not os.path.exists(os.path.join(options.output_dir, 'study.db'))
    study = optuna.load_study(study_name='gluon_sentiment-autotune', storage=url)
    finished = [t for t in study.trials if t.state.is_finished()]
    numbers = [t.number for t in finished]
    assert len(numbers) == len(set(numbers))
    processes = {t.user_attrs['process'] for t in finished if 'process' in t.user_attrs}
    assert os.getpid() in processes and len(processes) == 2
    assert report['best_trial'] is not None
    assert gs.load_model(options.output_dir).predict(
        ['great wonderful excellent', 'awful boring terrible']).tolist() == [1, 0]
