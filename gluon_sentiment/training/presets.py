"""Named presets: the tutorial's exact networks, each in one flag (``--preset NAME``).

A preset is a set of :class:`~gluon_sentiment.training.TrainConfig` field
values, defined here and nowhere else. It fills in what the user did not set:

    dataclass defaults  <  the preset's values  <  fields given explicitly

(on the command line, the flags given; in Python, the keyword arguments of
:meth:`TrainConfig.from_preset <gluon_sentiment.training.TrainConfig.from_preset>`).
``--model-args`` given with a preset is merged into the preset's object, key
by key, the given keys winning. The run's ``config.json`` saves the preset's
name (``preset``) and every resolved value, so a run never depends on what a
preset means later.

The presets are about the networks; the tokenizer is its own flag (add
``--tokenizer tutorial`` for the tutorial's text cleaning too).
"""
from typing import Any, Dict

from ..errors import ConfigError

__all__ = ['PRESETS', 'preset_fields', 'describe_presets']

_LINEAR_CONV = '{"activation": null}'  # the tutorial's ConvNet: no activation before flatten

#: name -> (one-line description, TrainConfig fields it sets)
PRESETS: Dict[str, tuple] = {
    'tutorial': ("the tutorial's multiple-convolution network: Kim's CNN (widths 3, 4, 5) "
                 'without dropout before the output layer, 3 epochs',
                 dict(model='multikernel', dropout=0.0, vocab_size=5000, seq_len=500,
                      epochs=3)),
    'tutorial-conv': ("the tutorial's ConvNet: one 5-word convolution with no activation "
                      'before the flatten, 3 epochs',
                      dict(model='conv', model_args=_LINEAR_CONV, vocab_size=5000, seq_len=500,
                           epochs=3)),
    'tutorial-glove': ("the tutorial's GloVe example: its ConvNet on frozen glove.6B.50d "
                       'vectors (zeros for missing words, not rescaled), 5 epochs',
                       dict(model='conv', model_args=_LINEAR_CONV, embedding='glove.6B.50d',
                            freeze_embedding=True, oov_vectors='zeros', embedding_std=None,
                            vocab_size=5000, seq_len=500, epochs=5)),
}


def preset_fields(name: str) -> Dict[str, Any]:
    """The field values preset ``name`` sets (a new dict).

    Raises
    ------
    ConfigError
        For an unknown name; the message lists the valid ones.
    """
    try:
        return dict(PRESETS[name][1])
    except (KeyError, TypeError):
        raise ConfigError(f'unknown preset {name!r}; choose one of '
                          f'{", ".join(PRESETS)}') from None


def describe_presets() -> str:
    """Every preset as ``name: description``, joined by semicolons, for ``--help``."""
    return '; '.join(f'{name}: {description}' for name, (description, _) in PRESETS.items())
