"""Presets: defined once, listed in --help, filled in under the flags given explicitly."""
import json

import pytest

from gluon_sentiment import train as train_cli
from gluon_sentiment.errors import ConfigError
from gluon_sentiment.training import TrainConfig
from gluon_sentiment.training.presets import PRESETS, describe_presets, preset_fields


def _config(argv):
    return train_cli.config_from_args(train_cli.build_parser().parse_args(argv), argv)


def test_the_tutorial_networks():
    assert {'tutorial', 'tutorial-conv', 'tutorial-glove'} <= set(PRESETS)
    mk = TrainConfig.from_preset('tutorial')
    assert (mk.model, mk.dropout, mk.epochs, mk.preset) == ('multikernel', 0.0, 3, 'tutorial')
    conv = TrainConfig.from_preset('tutorial-conv')
    assert conv.model == 'conv' and conv.extra_model_args() == {'activation': None}
    glove = TrainConfig.from_preset('tutorial-glove')
    assert (glove.model, glove.embedding, glove.freeze_embedding, glove.epochs) == (
        'conv', 'glove.6B.50d', True, 5)
    assert glove.extra_model_args() == {'activation': None} and glove.embedding_std is None
    for name in PRESETS:
        TrainConfig.from_preset(name).validate()


def test_no_preset_is_the_plain_config():
    assert TrainConfig.from_preset(None, epochs=2) == TrainConfig(epochs=2)
    assert TrainConfig().preset is None


def test_fields_given_win_over_the_preset():
    config = TrainConfig.from_preset('tutorial-glove', epochs=2, freeze_embedding=False)
    assert config.epochs == 2 and not config.freeze_embedding and config.model == 'conv'


def test_model_args_are_merged_key_by_key():
    config = TrainConfig.from_preset('tutorial-conv', model_args='{"num_filters": 8}')
    assert config.extra_model_args() == {'activation': None, 'num_filters': 8}
    config = TrainConfig.from_preset('tutorial-conv', model_args='{"activation": "tanh"}')
    assert config.extra_model_args() == {'activation': 'tanh'}
    with pytest.raises(ConfigError, match='not JSON'):
        TrainConfig.from_preset('tutorial-conv', model_args='{oops')


def test_unknown_preset_is_one_line_listing_the_valid_ones():
    for call in (lambda: preset_fields('kim'), lambda: TrainConfig.from_preset('kim'),
                 lambda: TrainConfig(preset='kim').validate()):
        with pytest.raises(ConfigError) as err:
            call()
        message = str(err.value)
        assert '\n' not in message and "'kim'" in message
        assert 'tutorial, tutorial-conv, tutorial-glove' in message


def test_unknown_preset_on_the_command_line(capsys, tmp_path):
    assert train_cli.main(['--preset', 'fast', '--output-dir', str(tmp_path / 'r')]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown preset 'fast'") and len(err.splitlines()) == 1


def test_help_lists_the_presets(capsys):
    with pytest.raises(SystemExit):
        train_cli.main(['--help'])
    out = ' '.join(capsys.readouterr().out.split()).replace('- ', '-')  # wrapped at hyphens
    for name in PRESETS:
        assert f'{name}:' in out
    assert describe_presets().count(';') == len(PRESETS) - 1


def test_command_line_flags_given_win_even_at_their_default():
    # --epochs 3 is the dataclass default, but given explicitly it beats the preset's 5
    config = _config(['--preset', 'tutorial-glove', '--epochs', '3'])
    assert config.epochs == 3 and config.freeze_embedding and config.preset == 'tutorial-glove'
    config = _config(['--preset', 'tutorial', '--dropout', '0.5', '--no-bucket'])
    assert config.dropout == 0.5 and config.bucket is False and config.model == 'multikernel'
    config = _config(['--preset', 'tutorial-conv', '--model-args', '{"kernel_size": 3}'])
    assert config.extra_model_args() == {'activation': None, 'kernel_size': 3}


def test_given_fields_are_only_the_flags_given():
    assert train_cli.given_fields(['--epochs', '3', '--no-bucket', '--gpus', '0']) == {
        'epochs': 3, 'bucket': False, 'gpus': (0,)}
    assert train_cli.given_fields([]) == {}


def test_without_argv_the_defaults_count_as_not_given():
    args = train_cli.build_parser().parse_args(['--preset', 'tutorial-glove', '--lr', '0.01'])
    config = train_cli.config_from_args(args)
    assert config.lr == 0.01 and config.epochs == 5


def test_preset_and_resolved_values_round_trip_through_json():
    config = TrainConfig.from_preset('tutorial-conv', epochs=1)
    saved = json.loads(json.dumps(config.to_dict()))
    assert saved['preset'] == 'tutorial-conv' and saved['model'] == 'conv'
    assert json.loads(saved['model_args']) == {'activation': None}
    assert TrainConfig.from_dict(saved) == config


def test_resume_refuses_a_preset(tmp_path, capsys):
    assert train_cli.main(['--resume', str(tmp_path), '--preset', 'tutorial']) == 2
    assert '--preset' in capsys.readouterr().err
