"""The defaults of the case: with --embedding the measured recipe, without it the tutorial's.

Filled in by TrainConfig.resolved from the one table of training/defaults.py,
saved resolved in config.json; explicit values, presets and old runs keep theirs.
"""
import json

import pytest

from glove_fixtures import DIM, glove_file, glove_vectors  # noqa: F401
from gluon_sentiment import train as train_cli
from gluon_sentiment.data import DataConfig
from gluon_sentiment.training import TrainConfig
from gluon_sentiment.training.defaults import TUTORIAL_DEFAULTS, case_defaults, embedding_mode
from gluon_sentiment.training.fit import run_training
from gluon_sentiment.training.recipes import BEST_MEMBERS, FAST_NGRAM
from gluon_sentiment.tuning.report import train_command

#: what a class-weighted multikernel run with a learned embedding gets (README, bench_imbalanced)
WEIGHTED_LR = 3e-3


def _resolved(**fields):
    return TrainConfig(**fields).resolved()


def test_without_vectors_the_defaults_are_the_tutorials():
    config = _resolved()
    assert (config.lr, config.lr_schedule, config.embedding_std, config.dropout,
            config.model_args) == (1e-3, 'constant', None, None, None)
    for model in ('conv', 'dense', 'ngram', 'bilstm'):
        assert _resolved(model=model).lr == 1e-3 and _resolved(model=model).model_args is None


@pytest.mark.parametrize('flags', [dict(), dict(multichannel=True)])
def test_fine_tuned_multikernel_gets_the_measured_recipe(flags):
    config = _resolved(embedding='glove.6B.50d', **flags)
    assert (config.embedding_std, config.lr, config.lr_schedule) == (0.05, 2e-3, 'cosine')
    assert config.extra_model_args() == {'num_filters': 200} and config.dropout is None
    assert config.model_kwargs(100)['num_filters'] == 200


def test_frozen_multikernel_gets_more_filters_words_and_no_dropout_and_keeps_the_scale():
    config = _resolved(embedding='glove.6B.50d', freeze_embedding=True)
    assert (config.embedding_std, config.lr, config.lr_schedule, config.dropout) == (
        None, 3e-3, 'cosine', 0.0)
    assert config.extra_model_args() == {'num_filters': 300} and config.vocab_size == 20000


def test_other_models_rescale_fine_tuned_vectors_only():
    conv = _resolved(model='conv', embedding='v')
    assert (conv.embedding_std, conv.lr, conv.lr_schedule, conv.model_args) == (
        0.05, 1e-3, 'constant', None)
    dense = _resolved(model='dense', embedding='v')
    assert (dense.embedding_std, dense.dropout, dense.embed_dropout) == (0.05, 0.5, 0.5)
    frozen = _resolved(model='conv', embedding='v', freeze_embedding=True)
    assert frozen.embedding_std is None and frozen.lr == 1e-3


def test_values_given_win_and_model_args_merge_key_by_key():
    config = _resolved(embedding='v', multichannel=True, lr=5e-4, lr_schedule='constant',
                       embedding_std=0.1, model_args='{"kernel_sizes": [3, 4]}')
    assert (config.lr, config.lr_schedule, config.embedding_std) == (5e-4, 'constant', 0.1)
    assert config.extra_model_args() == {'kernel_sizes': [3, 4], 'num_filters': 200}
    config = _resolved(embedding='v', model_args='{"num_filters": 8}')
    assert config.extra_model_args() == {'num_filters': 8}


def test_resolving_twice_changes_nothing():
    for fields in (dict(), dict(embedding='v'), dict(embedding='v', freeze_embedding=True),
                   dict(model='dense', embedding='v'), dict(defaults='tutorial', embedding='v')):
        once = _resolved(**fields)
        assert once.resolved() == once
        assert TrainConfig.from_dict(json.loads(json.dumps(once.to_dict()))).resolved() == once


def test_tutorial_defaults_take_the_tutorials_values_in_every_case():
    config = _resolved(embedding='v', multichannel=True, defaults='tutorial')
    assert (config.lr, config.lr_schedule, config.embedding_std, config.model_args) == (
        1e-3, 'constant', None, None)
    assert case_defaults('multikernel', 'frozen', 'tutorial') == TUTORIAL_DEFAULTS
    for name in ('tutorial', 'tutorial-conv', 'tutorial-glove'):
        preset = TrainConfig.from_preset(name).resolved()
        assert (preset.lr, preset.lr_schedule, preset.embedding_std) == (1e-3, 'constant', None)
    assert TrainConfig.from_preset('tutorial').resolved().dropout == 0.0


def test_the_glove_presets_spell_out_what_the_defaults_would_fill_in():
    for name, flags in (('glove', {}), ('glove-multichannel', {'multichannel': True}),
                        ('glove-static', {'freeze_embedding': True})):
        preset = TrainConfig.from_preset(name)
        assert preset.resolved() == preset  # nothing left to fill in
        default = _resolved(embedding='glove.6B.50d', **flags)
        for field in ('lr', 'lr_schedule', 'embedding_std', 'dropout', 'vocab_size'):
            assert getattr(preset, field) == getattr(default, field), (name, field)
        assert preset.extra_model_args() == default.extra_model_args()
    assert TrainConfig.from_preset('glove-multichannel').vocab_size == 50000


def test_runs_saved_before_the_field_resume_with_the_tutorials_values():
    old = TrainConfig(embedding='v', multichannel=True, lr=1e-3,
                      lr_schedule='constant').to_dict()
    del old['defaults']
    config = TrainConfig.from_dict(old).resolved()
    assert config.defaults == 'tutorial'
    assert (config.embedding_std, config.model_args) == (None, None)


def test_the_best_configurations_glove_member_keeps_what_it_was_measured_with():
    fields = {name: member for name, _, member in BEST_MEMBERS}['multikernel-glove']
    config = TrainConfig(**fields).resolved()
    # the tutorial's lr and schedule, with the filters and length the best-configuration
    # measurement chose (training/recipes.py)
    assert (config.lr, config.lr_schedule, config.embedding_std, config.model_args,
            config.seq_len) == (1e-3, 'constant', 0.05, '{"num_filters": 50}', 1000)


def test_embedding_mode():
    assert embedding_mode(None, True, False) == 'learned'
    assert embedding_mode('v', True, False) == 'frozen'
    assert embedding_mode('v', False, True) == 'multichannel'
    assert embedding_mode('v', False, False) == 'fine-tuned'


def test_a_run_saves_the_resolved_values(review_folder, glove_file, tmp_path):
    out = tmp_path / 'run'
    assert train_cli.main(['--data', review_folder, '--output-dir', str(out), '--embedding',
                           glove_file, '--multichannel', '--seq-len', '40', '--epochs', '1',
                           '--batch-size', '16', '--quiet']) == 0
    saved = json.load(open(out / 'config.json'))
    assert (saved['lr'], saved['lr_schedule'], saved['embedding_std'], saved['defaults']) == (
        2e-3, 'cosine', 0.05, 'measured')
    assert saved['model_kwargs']['num_filters'] == 200 and saved['embed_size'] == DIM
    command = train_command(saved, 'again')
    assert '--lr 0.002' in command and '--lr-schedule cosine' in command


def test_tutorial_defaults_on_the_command_line(review_folder, glove_file, tmp_path):
    out = tmp_path / 'run'
    config = TrainConfig(data=review_folder, output_dir=str(out), embedding=glove_file,
                         seq_len=40, epochs=1, batch_size=16, defaults='tutorial')
    run_training(config)
    saved = json.load(open(out / 'config.json'))
    assert (saved['lr'], saved['lr_schedule'], saved['embedding_std']) == (1e-3, 'constant', None)
    assert 'num_filters' not in saved['model_kwargs']
    args = train_cli.build_parser().parse_args(['--defaults', 'tutorial'])
    assert train_cli.config_from_args(args).defaults == 'tutorial'


def test_the_vocabulary_grows_with_pretrained_vectors_where_measured():
    assert _resolved().vocab_size == 5000 and DataConfig().resolved().vocab_size == 5000
    assert _resolved(embedding='v').vocab_size == 50000
    assert _resolved(embedding='v', multichannel=True).vocab_size == 50000
    assert _resolved(model='dense', embedding='v').vocab_size == 50000
    assert _resolved(embedding='v', freeze_embedding=True).vocab_size == 20000
    assert _resolved(model='dense', embedding='v', freeze_embedding=True).vocab_size == 5000
    assert _resolved(model='conv', embedding='v').vocab_size == 5000
    assert _resolved(embedding='v', vocab_size=300).vocab_size == 300
    assert _resolved(embedding='v', defaults='tutorial').vocab_size == 5000
    assert TrainConfig.from_preset('tutorial-glove').resolved().vocab_size == 5000


def test_class_weighted_multikernel_gets_the_measured_schedule():
    weighted = _resolved(class_weight='balanced')
    assert (weighted.lr, weighted.lr_schedule, weighted.vocab_size, weighted.model_args) == (
        WEIGHTED_LR, 'cosine', 5000, None)
    assert _resolved(class_weight='1,10').lr == WEIGHTED_LR
    assert (_resolved().lr, _resolved().lr_schedule) == (1e-3, 'constant')  # no weights: as before
    assert _resolved(class_weight='balanced', lr=5e-4, lr_schedule='constant').lr == 5e-4
    assert _resolved(class_weight='balanced', defaults='tutorial').lr == 1e-3
    assert _resolved(model='conv', class_weight='balanced').lr == 1e-3
    glove = _resolved(class_weight='balanced', embedding='v')  # vectors: their own recipe
    assert (glove.lr, glove.extra_model_args()) == (2e-3, {'num_filters': 200})
    assert weighted.resolved() == weighted
    assert TrainConfig.from_dict(json.loads(json.dumps(weighted.to_dict()))).resolved() == weighted
    assert case_defaults('multikernel', 'learned', weighted=True)['lr'] == WEIGHTED_LR
    assert case_defaults('multikernel', 'learned', 'tutorial', weighted=True) == TUTORIAL_DEFAULTS


def test_adagrad_on_the_ngram_model_gets_the_fast_configurations_rate():
    adagrad = _resolved(model='ngram', optimizer='adagrad')
    assert adagrad.lr == FAST_NGRAM['lr'] == 0.3  # not Adam's 1e-3, at which Adagrad barely moves
    assert _resolved(model='ngram', optimizer='AdaGrad').lr == 0.3
    assert _resolved(model='ngram').lr == 1e-3  # Adam: as before
    assert _resolved(model='ngram', optimizer='adagrad', lr=0.1).lr == 0.1
    assert _resolved(model='ngram', optimizer='adagrad', defaults='tutorial').lr == 1e-3
    assert _resolved(model='multikernel', optimizer='adagrad').lr == 1e-3  # not measured there
    assert adagrad.resolved() == adagrad


@pytest.mark.parametrize('model, bias', [('conv', True), ('bigru', True), ('bilstm', True),
                                         ('multikernel', False), ('dense', False),
                                         ('ngram', False)])
def test_calibration_bias_is_on_where_it_was_measured_to_help(model, bias):
    assert _resolved(model=model).calibrate_bias is bias
    assert _resolved(model=model, defaults='tutorial').calibrate_bias is False
    assert _resolved(model=model, calibrate_bias=not bias).calibrate_bias is (not bias)
    # with pretrained vectors the case is another one: the temperature alone
    assert _resolved(model=model, embedding='glove.6B.50d').calibrate_bias is False


def test_calibration_bias_flags_parse_and_print_both_ways():
    parser = train_cli.build_parser()
    assert parser.parse_args(['--data', 'd']).calibrate_bias is None
    assert parser.parse_args(['--data', 'd', '--calibrate-bias']).calibrate_bias is True
    assert parser.parse_args(['--data', 'd', '--no-calibrate-bias']).calibrate_bias is False
    for value, flag in ((True, '--calibrate-bias'), (False, '--no-calibrate-bias')):
        config = TrainConfig(data='d', model='conv', calibrate_bias=value).to_dict()
        words = train_command(config, 'out').split()
        assert flag in words and 'True' not in words and 'False' not in words
        assert parser.parse_args(words[3:]).calibrate_bias is value
