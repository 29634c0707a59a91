"""The search space of autotune: model families, their measured recipes and what varies.

Each :class:`Family` is one network with the recipe README measured for it
(:data:`FAMILIES`) and the hyperparameters a trial draws around it. Names
shared by every family (``family``, ``lr_scale``, ``lr_schedule``,
``epochs``) are drawn from one distribution, so Optuna can compare them
across families (the parameter-importance picture); the rest carry their
family's prefix. The learning rate is the recipe's times ``lr_scale``.

On imbalanced data (:func:`is_imbalanced`) every trial also draws
``class_weight`` (``none`` or ``balanced``), and the recipes are tried with
``balanced``, which the labels issue measured as the fix for a rare class.

``--max-size`` bounds the published model after compression
(:func:`gluon_sentiment.deploy.compress.compress_model`), and the space
keeps it: the vocabulary and hash-row choices are the ones whose model can
be compressed to the size (:func:`compressed_bytes`: an n-gram model's
hashed rows can all be pruned, other networks keep int8 embeddings), fixed
for the whole study (Optuna's categorical choices may not change within a
study). :func:`model_bytes` is the size before compression.
"""
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import ConfigError
from ..training.recipes import FAST_NGRAM

__all__ = ['Family', 'FAMILIES', 'SHARED', 'model_bytes', 'compressed_bytes', 'parse_size',
           'format_size', 'check_fits', 'suggest_fields', 'recipe_params', 'smallest_model',
           'is_imbalanced', 'IMBALANCE_RATIO']

_UNITS = {'': 1, 'b': 1, 'kb': 1000, 'mb': 1000 ** 2, 'gb': 1000 ** 3,
          'kib': 1024, 'mib': 1024 ** 2, 'gib': 1024 ** 3}
#: bytes of one vocabulary entry in ``vocab.json`` (measured on IMDB: about 20) and of the config
_VOCAB_ENTRY, _FIXED = 24, 8000


def parse_size(text: str) -> int:
    """Bytes of a size such as ``20MB``, ``500kB``, ``1.5GiB`` or ``123456``.

    Raises
    ------
    ConfigError
        If ``text`` is not a positive size.
    """
    match = re.fullmatch(r'\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*', str(text))
    unit = match.group(2).lower() if match else None
    if not match or unit not in _UNITS or float(match.group(1)) <= 0:
        raise ConfigError(f"--max-size {text!r}: expected a positive size such as 20MB, 500kB "
                          'or 1GiB')
    return int(float(match.group(1)) * _UNITS[unit])


def format_size(num_bytes: float) -> str:
    """``num_bytes`` as ``'12.3 MB'``."""
    for unit, scale in (('GB', 1e9), ('MB', 1e6), ('kB', 1e3)):
        if num_bytes >= scale:
            return f'{num_bytes / scale:.1f} {unit}'
    return f'{int(num_bytes)} B'


def model_bytes(fields: Dict[str, Any]) -> int:
    """Upper bound of the bytes ``load_model`` reads for a run of ``fields`` (TrainConfig fields).

    The parameters (float32) of the network ``fields`` describe at its full
    vocabulary, plus ``vocab.json`` and ``config.json``; a corpus with fewer
    distinct words gives a smaller model.
    """
    args = json.loads(fields.get('model_args') or '{}')
    words = fields.get('vocab_size', 5000) + 2
    model = fields.get('model', 'multikernel')
    if model == 'ngram':
        embed = fields.get('embed_size') or 16
        weights = (words + args.get('num_buckets', 2 ** 20)) * (embed + 1) + 2 * embed + 2
    elif model == 'multikernel':
        embed, filters = fields.get('embed_size') or 50, args.get('num_filters', 100)
        channels = 2 if fields.get('multichannel') else 1
        convs = sum(k * embed * channels * filters + filters for k in (3, 4, 5))
        weights = words * embed * channels + convs + 3 * filters * 2 + 2
    else:  # dense
        embed, hidden = fields.get('embed_size') or 50, args.get('hidden_size', 500)
        weights = words * embed + fields.get('seq_len', 500) * embed * hidden + hidden * 3 + 2
    return 4 * weights + _VOCAB_ENTRY * words + _FIXED


def compressed_bytes(fields: Dict[str, Any]) -> int:
    """Lower bound of the bytes a run of ``fields`` can be compressed to.

    An n-gram model folds into a score table whose rows can all be pruned,
    leaving its vocabulary and configuration; the other networks keep their
    weights, the embeddings as int8 (a byte per float32 of
    :func:`model_bytes`). How much accuracy the smallest sizes cost is
    measured by the compression itself, on the validation slice.
    """
    words = fields.get('vocab_size', 5000) + 2
    fixed = _VOCAB_ENTRY * words + _FIXED
    if fields.get('model', 'multikernel') == 'ngram':
        return fixed
    return (model_bytes(fields) - fixed) // 4 + fixed


@dataclass(frozen=True)
class Family:
    """One network, its measured recipe and the hyperparameters a trial draws.

    Parameters
    ----------
    name : str
        The value of the ``family`` parameter.
    recipe : dict
        TrainConfig fields of README's measured run (epochs and lr included).
    rows : sequence of (int, int)
        ``(vocab_size, num_buckets)`` choices (``num_buckets`` 0: no hash rows).
    draw : callable
        ``draw(trial, name)`` returns the family's own fields for ``trial``.
    recipe_draw : dict
        What ``draw``'s parameters are at the recipe (names without the
        family prefix), for :func:`recipe_params`.
    epoch_seconds : float
        Documented seconds of one epoch per 1,000 training reviews on 2 quiet
        cores (README's speed figures), used before a family has been timed.
    """
    name: str
    recipe: Dict[str, Any]
    rows: Tuple[Tuple[int, int], ...]
    draw: Callable[[Any, str], Dict[str, Any]] = field(compare=False)
    recipe_draw: Dict[str, Any] = field(default_factory=dict, compare=False)
    epoch_seconds: float = 2.0

    def fields_for(self, vocab_size: int, num_buckets: int, extra: Dict[str, Any]) -> Dict[str, Any]:
        """The recipe with these rows and ``extra`` fields (``model_args`` merged)."""
        args = {**json.loads(self.recipe.get('model_args') or '{}'),
                **json.loads(extra.pop('model_args', '{}'))}
        if num_buckets:
            args['num_buckets'] = num_buckets
        out = {**self.recipe, **extra, 'vocab_size': vocab_size}
        out['model_args'] = json.dumps(args, sort_keys=True) if args else None
        return out


def _rows(vocabs: Sequence[int], buckets: Sequence[int] = (0,)) -> Tuple[Tuple[int, int], ...]:
    return tuple((v, b) for v in vocabs for b in buckets)


def _draw_ngram(trial, name: str) -> Dict[str, Any]:
    return {'seq_len': trial.suggest_categorical(f'{name}_seq_len', [500, 1000])}


def _draw_cnn(trial, name: str) -> Dict[str, Any]:
    filters = trial.suggest_categorical(f'{name}_num_filters', [100, 200, 300])
    return {'dropout': trial.suggest_float(f'{name}_dropout', 0.0, 0.6),
            'model_args': json.dumps({'num_filters': filters})}


def _draw_dense(trial, name: str) -> Dict[str, Any]:
    return {'dropout': trial.suggest_float(f'{name}_dropout', 0.0, 0.6),
            'embed_dropout': trial.suggest_float(f'{name}_embed_dropout', 0.2, 0.6)}


#: README's measured recipes (the fast configuration, "Pretrained word vectors (GloVe)", "The
#: dense network"), the first trials of a new study, in this order.
FAMILIES: Tuple[Family, ...] = (
    Family('ngram', dict(FAST_NGRAM),
           _rows((20000, 50000, 100000), tuple(2 ** k for k in range(16, 23))), _draw_ngram,
           {'seq_len': 1000}, 1.9),
    Family('multikernel', dict(model='multikernel', epochs=3, lr=1e-3),
           _rows((5000, 20000, 50000)), _draw_cnn, {'num_filters': 100, 'dropout': 0.5}, 1.9),
    Family('multikernel-glove', dict(model='multikernel', embedding='glove.6B.50d',
                                     multichannel=True, embedding_std=0.05, vocab_size=50000,
                                     epochs=3, lr=2e-3, lr_schedule='cosine',
                                     model_args='{"num_filters": 200}'),
           _rows((5000, 20000, 50000)), _draw_cnn, {'num_filters': 200, 'dropout': 0.5}, 3.0),
    Family('dense', dict(model='dense', embed_dropout=0.5, epochs=2, lr=1e-3),
           _rows((5000, 20000)), _draw_dense, {'dropout': 0.0, 'embed_dropout': 0.5}, 1.0),
)

#: parameters every family draws from the same distribution
SHARED = ('family', 'lr_scale', 'lr_schedule', 'epochs')

#: the data are imbalanced (class weights searched) when the rarest class has fewer examples
#: than this fraction of the most frequent one's
IMBALANCE_RATIO = 0.5


def is_imbalanced(labels: Sequence[int]) -> bool:
    """Whether the rarest class of ``labels`` (class indices) is below :data:`IMBALANCE_RATIO`
    of the most frequent one."""
    counts = [c for c in np.bincount(np.asarray(labels, dtype=np.int64)) if c]
    return bool(counts) and min(counts) < IMBALANCE_RATIO * max(counts)


def _fitting_rows(family: Family, max_bytes: Optional[int]) -> List[str]:
    keep = [f'{v}x{b}' for v, b in family.rows
            if max_bytes is None or compressed_bytes(family.fields_for(v, b, {})) <= max_bytes]
    return keep


def smallest_model(families: Sequence[Family]) -> Tuple[str, int]:
    """The family and the bytes of the smallest model ``families`` can make, compressed."""
    sizes = [(compressed_bytes(f.fields_for(v, b, {})), f.name)
             for f in families for v, b in f.rows]
    size, name = min(sizes)
    return name, size


def check_fits(families: Sequence[Family], max_bytes: Optional[int]) -> List[Family]:
    """The families with a model within ``max_bytes``.

    Raises
    ------
    ConfigError
        If there is none; the message gives the smallest size possible.
    """
    usable = [f for f in families if _fitting_rows(f, max_bytes)]
    if not usable:
        name, size = smallest_model(families)
        raise ConfigError(f'--max-size {format_size(max_bytes)}: smaller than any model of the '
                          f'search space (the smallest, {name}, takes about {format_size(size)}); '
                          f'give at least --max-size {math.ceil(size / 1e5) / 10}MB')
    return usable


def suggest_fields(trial, families: Sequence[Family], max_bytes: Optional[int],
                   max_epochs: int = 8, imbalanced: bool = False) -> Tuple[Family, Dict[str, Any]]:
    """Draw a trial's family and its TrainConfig fields with Optuna's ``trial.suggest_*``.

    With ``imbalanced`` the trial also draws ``class_weight`` (``none`` or
    ``balanced``).

    Raises
    ------
    ConfigError
        If no model of ``families`` fits ``max_bytes``.
    """
    usable = check_fits(families, max_bytes)
    name = trial.suggest_categorical('family', [f.name for f in usable])
    family = next(f for f in usable if f.name == name)
    lr_scale = trial.suggest_float('lr_scale', 0.3, 3.0, log=True)
    extra = {'lr': family.recipe['lr'] * lr_scale,
             'lr_schedule': trial.suggest_categorical('lr_schedule', ['constant', 'cosine']),
             'epochs': trial.suggest_int('epochs', 1, max_epochs)}
    rows = trial.suggest_categorical(f'{name}_rows', _fitting_rows(family, max_bytes))
    extra.update(family.draw(trial, name))
    if imbalanced:
        extra['class_weight'] = trial.suggest_categorical('class_weight', ['none', 'balanced'])
    vocab_size, num_buckets = (int(n) for n in rows.split('x'))
    return family, family.fields_for(vocab_size, num_buckets, extra)


def recipe_params(family: Family, max_bytes: Optional[int], max_epochs: int = 8,
                  imbalanced: bool = False) -> Optional[Dict[str, Any]]:
    """Optuna parameters that reproduce ``family``'s recipe (for ``study.enqueue_trial``).

    The recipe's rows are replaced by the largest that fit ``max_bytes``;
    None if none fits. On ``imbalanced`` data the recipe is tried with
    balanced class weights.
    """
    rows = _fitting_rows(family, max_bytes)
    if not rows:
        return None
    args = json.loads(family.recipe.get('model_args') or '{}')
    wanted = f'{family.recipe.get("vocab_size", 5000)}x{args.get("num_buckets", 0)}'
    params = {'family': family.name, 'lr_scale': 1.0,
              'lr_schedule': family.recipe.get('lr_schedule', 'constant'),
              'epochs': min(family.recipe['epochs'], max_epochs),
              f'{family.name}_rows': wanted if wanted in rows else rows[-1]}
    params.update({f'{family.name}_{key}': value for key, value in family.recipe_draw.items()})
    if imbalanced:
        params['class_weight'] = 'balanced'
    return params
