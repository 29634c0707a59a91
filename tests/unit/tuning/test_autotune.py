"""Autotune: the budget logic with an injected clock, pruning, the trial table, resume, loading."""
import csv
import os

import optuna
import pytest

import gluon_sentiment as gs
from fake_clock import FakeClock, SlowBatches
from tiny_families import tiny_ngram
from gluon_sentiment.errors import ConfigError, RunDirError, TrainingStopped
from gluon_sentiment.training import Handler
from gluon_sentiment.tuning import (AutotuneOptions, Budget, TimeModel, autotune,
                                    load_options, model_bytes, parse_duration, parse_size)
from gluon_sentiment.tuning.space import (FAMILIES, compressed_bytes, recipe_params,
                                          suggest_fields)


#: tiny n-gram families: a learning recipe first, a hopeless one (lr 1e-7) second
TINY = (tiny_ngram('good'), tiny_ngram('bad', lr=1e-7))


class AdvanceClock(Handler):
    def __init__(self, clock, per_epoch):
        self.clock, self.per_epoch = clock, per_epoch

    def epoch_begin(self, run, epoch):  # after the autotune handler started its epoch clock
        self.clock.now += self.per_epoch


def _options(review_folder, tmp_path, **kw):
    values = dict(data=review_folder, output_dir=str(tmp_path / 'auto'), time_budget=100.0,
                  full_val_size=0.25, max_epochs=2, train_overrides={'batch_size': 16})
    values.update(kw)
    return AutotuneOptions(**values)


def _rows(folder):
    with open(os.path.join(folder, 'trials.csv'), encoding='utf-8') as f:
        return list(csv.DictReader(f))


def test_budget_cuts_and_stops_trials_and_prunes(review_folder, tmp_path):
    clock = FakeClock()
    options = _options(review_folder, tmp_path)
    report = autotune(options, families=TINY, clock=clock, handlers=[AdvanceClock(clock, 30.0)])
    rows = [r for r in _rows(options.output_dir) if r['state'] != 'WAITING']
    # trial 0 (good recipe): 2 epochs = 60 s; trial 1 (bad) fits one epoch of 30 s in the 35 s
    # left (budget less the 5 s reserve), is pruned after it; then 10 s left fit no epoch
    assert [r['state'] for r in rows] == ['COMPLETE', 'PRUNED']
    assert [r['epochs_run'] for r in rows] == ['2', '1']
    assert rows[1]['epochs_drawn'] == '2' and rows[1]['stopped_by'] == 'pruner'
    assert rows[0]['params_family'] == 'good' and float(rows[0]['value']) > 0.9
    assert clock.now <= options.time_budget
    assert report['best_trial'] == 0 and report['trials'] == {'COMPLETE': 1, 'PRUNED': 1}
    # the folder is a run: it loads and predicts; the best run's command is a train line
    clf = gs.load_model(options.output_dir)
    assert clf.predict(['great wonderful excellent', 'awful boring terrible']).tolist() == [1, 0]
    command = open(os.path.join(options.output_dir, 'best_command.txt')).read()
    assert command.startswith('python -m gluon_sentiment.train') and '--protocol full' in command
    assert '--lr 0.05' in command
    assert os.path.isfile(os.path.join(options.output_dir, 'optimization_history.png'))
    # the pruned trial keeps no weights; the best keeps its own
    assert not os.path.exists(os.path.join(options.output_dir, 'trials', '0001', 'best.params'))


def test_resume_continues_the_study_and_importance_needs_two(review_folder, tmp_path):
    options = _options(review_folder, tmp_path, time_budget=3600.0, max_trials=1)
    autotune(options, families=TINY)
    assert not os.path.exists(os.path.join(options.output_dir, 'param_importances.png'))
    with pytest.raises(RunDirError, match='--resume'):
        autotune(options, families=TINY)
    again = load_options(options.output_dir, max_trials=2, time_budget=3600.0)
    report = autotune(again, families=TINY, resume=True)
    rows = [r for r in _rows(options.output_dir) if r['state'] != 'WAITING']
    assert [r['number'] for r in rows] == ['0', '1', '2']
    assert report['trials'].get('COMPLETE', 0) + report['trials'].get('PRUNED', 0) == 3
    assert os.path.isfile(os.path.join(options.output_dir, 'param_importances.png'))
    study = optuna.load_study(study_name='gluon_sentiment-autotune',
                              storage=f'sqlite:///{options.output_dir}/study.db')
    assert len(study.trials) == 3


def test_too_small_a_budget_says_how_long_a_trial_takes(review_folder, tmp_path):
    with pytest.raises(ConfigError, match=r'too small for one trial; one epoch of .* takes about'):
        autotune(_options(review_folder, tmp_path, time_budget=1.0), families=TINY)
    assert not os.path.exists(str(tmp_path / 'auto'))


def test_bad_metric_and_impossible_size_are_one_line_errors(review_folder, tmp_path):
    with pytest.raises(ConfigError, match='--select-metric'):
        autotune(_options(review_folder, tmp_path, select_metric='f2'), families=TINY)
    with pytest.raises(ConfigError, match=r'--max-size 1.0 kB: smaller than any model'):
        autotune(_options(review_folder, tmp_path, max_size=1000), families=TINY)


def test_time_model_estimates_from_timed_epochs():
    times = TimeModel({'a': 1.0, 'b': 2.0}, setup_seconds=5.0, setup_per_1000=0.0)
    assert times.trial_seconds('b', 1000, 2) == pytest.approx(9.0)
    times.record_epoch('a', 2000, 6.0)  # 3 s per 1000: the machine runs 3x slower
    assert times.epoch_seconds('a', 1000) == pytest.approx(3.0)
    assert times.epoch_seconds('b', 1000) == pytest.approx(6.0)
    times.record_setup(4.0)
    assert times.epochs_that_fit('a', 1000, 14.0) == 3
    budget = Budget(10.0, clock=iter([0.0, 4.0, 12.0]).__next__)
    assert budget.fits(6.0) and not budget.fits(-1.0)


def test_sizes_and_durations_parse():
    assert parse_size('20MB') == 20_000_000 and parse_size('500kB') == 500_000
    assert parse_size('1MiB') == 2 ** 20
    assert parse_duration('10m') == 600 and parse_duration('1h30m') == 5400
    assert parse_duration('90s') == 90 and parse_duration('45') == 45
    for bad in ('-1MB', 'big', '20 parsecs'):
        with pytest.raises(ConfigError, match='--max-size'):
            parse_size(bad)
    with pytest.raises(ConfigError, match='--time-budget'):
        parse_duration('soon')


def test_model_bytes_bounds_a_real_run(review_folder, tmp_path):
    fields = dict(model='ngram', seq_len=24, embed_size=8, epochs=1, vocab_size=60,
                  model_args='{"num_buckets": 5000}')
    out = str(tmp_path / 'run')
    gs.training.run_training(gs.TrainConfig(data=review_folder, output_dir=out, **fields))
    actual = sum(os.path.getsize(os.path.join(out, n))
                 for n in ('config.json', 'vocab.json', 'best.params'))
    assert actual <= model_bytes(fields) <= actual * 1.3 + 10000


def test_max_size_bounds_the_compressed_model():
    ngram, multikernel = FAMILIES[0], FAMILIES[1]
    # the 2^22-row n-gram recipe (about 300 MB as trained) compresses below 20 MB
    assert recipe_params(ngram, None)['ngram_rows'] == '100000x4194304'
    assert recipe_params(ngram, 20_000_000)['ngram_rows'] == '100000x4194304'
    fields = ngram.fields_for(100000, 4194304, {})
    assert compressed_bytes(fields) < 20_000_000 < model_bytes(fields)
    cnn = multikernel.fields_for(50000, 0, {})  # int8 embeddings: about a quarter
    assert 0.2 < compressed_bytes(cnn) / model_bytes(cnn) < 0.4
    study = optuna.create_study(direction='maximize', sampler=optuna.samplers.TPESampler(seed=0))
    for _ in range(5):
        trial = study.ask()
        family, fields = suggest_fields(trial, FAMILIES, 3_000_000)
        assert compressed_bytes(fields) <= 3_000_000
        study.tell(trial, 0.5)


def test_a_spent_budget_ends_a_trial_within_its_epoch(review_folder, tmp_path):
    clock = FakeClock()
    options = _options(review_folder, tmp_path, time_budget=50.0)
    with pytest.raises(TrainingStopped, match='no trial finished within --time-budget 50 s'):
        autotune(options, families=TINY, clock=clock, handlers=[SlowBatches(clock, 20.0)])
    rows = [r for r in _rows(options.output_dir) if r['state'] != 'WAITING']
    assert [(r['state'], r['stopped_by']) for r in rows] == [('FAIL', 'budget')]
    assert 50.0 <= clock.now <= 50.0 + 20.0


def test_a_drawn_trial_that_cannot_start_gives_way_to_one_that_can(review_folder, tmp_path):
    # the first recipe queued is a family documented at 10^6 s an epoch: it cannot start in the
    # budget, and the study draws again (the next recipe) instead of stopping there
    slow = tiny_ngram('slow', epoch_seconds=1e6)
    options = _options(review_folder, tmp_path, time_budget=3600.0, max_trials=1)
    report = autotune(options, families=(slow, TINY[0]))
    rows = [r for r in _rows(options.output_dir) if r['state'] != 'WAITING']
    assert [(r['params_family'], r['state']) for r in rows] == [('slow', 'FAIL'),
                                                                ('good', 'COMPLETE')]
    assert rows[0]['stopped_by'] == 'budget: not started'
    assert report['best_trial'] == 1
