"""Named presets: the tutorial's exact networks and the measured GloVe recipes, each in one
flag (``--preset NAME``).

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
``--tokenizer tutorial`` for the tutorial's text cleaning too). The
tutorial's presets take the tutorial's values for the options they leave
unset (``defaults='tutorial'``, see :mod:`.defaults`); the ``glove-*``
presets are README's measured recipes for pretrained vectors, every value
spelled out.
"""
from typing import Any, Dict

from ..errors import ConfigError

__all__ = ['PRESETS', 'preset_fields', 'describe_presets']

_LINEAR_CONV = '{"activation": null}'  # the tutorial's ConvNet: no activation before flatten
_FILTERS_200 = '{"num_filters": 200}'

#: name -> (one-line description, TrainConfig fields it sets)
PRESETS: Dict[str, tuple] = {
    'tutorial': ("the tutorial's multiple-convolution network: Kim's CNN (widths 3, 4, 5) "
                 'without dropout before the output layer, 3 epochs',
                 dict(model='multikernel', dropout=0.0, vocab_size=5000, seq_len=500,
                      epochs=3, defaults='tutorial')),
    'tutorial-conv': ("the tutorial's ConvNet: one 5-word convolution with no activation "
                      'before the flatten, 3 epochs',
                      dict(model='conv', model_args=_LINEAR_CONV, vocab_size=5000, seq_len=500,
                           epochs=3, defaults='tutorial')),
    'tutorial-glove': ("the tutorial's GloVe example: its ConvNet on frozen glove.6B.50d "
                       'vectors (zeros for missing words, not rescaled), 5 epochs',
                       dict(model='conv', model_args=_LINEAR_CONV, embedding='glove.6B.50d',
                            freeze_embedding=True, oov_vectors='zeros', embedding_std=None,
                            vocab_size=5000, seq_len=500, epochs=5, defaults='tutorial')),
    'glove-multichannel': ("Kim's two channels of glove.6B.50d (rescaled to std 0.05) over "
                           '50,000 words, 200 filters, lr 2e-3 cosine, 3 epochs',
                           dict(model='multikernel', embedding='glove.6B.50d', multichannel=True,
                                embedding_std=0.05, vocab_size=50000, epochs=3, lr=2e-3,
                                lr_schedule='cosine', model_args=_FILTERS_200,
                                calibrate_bias=False)),
    'glove': ('one fine-tuned channel of glove.6B.50d (rescaled to std 0.05) over 50,000 '
              'words, 200 filters, lr 2e-3 cosine, 3 epochs',
              dict(model='multikernel', embedding='glove.6B.50d', embedding_std=0.05,
                   vocab_size=50000, epochs=3, lr=2e-3, lr_schedule='cosine',
                   model_args=_FILTERS_200, calibrate_bias=False)),
    'glove-static': ('frozen glove.6B.50d vectors (as loaded) over 20,000 words, 300 filters, '
                     'no dropout, lr 3e-3 cosine, 5 epochs',
                     dict(model='multikernel', embedding='glove.6B.50d', freeze_embedding=True,
                          vocab_size=20000, epochs=5, lr=3e-3, lr_schedule='cosine', dropout=0.0,
                          model_args='{"num_filters": 300}', calibrate_bias=False)),
    'glove-dense': ('the dense network on glove.6B.50d (rescaled to std 0.05) over 50,000 '
                    'words, dropout 0.5 on the embedded tokens and before the output layer',
                    dict(model='dense', embedding='glove.6B.50d', embedding_std=0.05,
                         vocab_size=50000, embed_dropout=0.5, dropout=0.5, epochs=3, lr=1e-3,
                         lr_schedule='constant', calibrate_bias=False)),
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
