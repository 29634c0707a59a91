"""The defaults that depend on the case: what fills the training options left at None.

:class:`~gluon_sentiment.training.TrainConfig` is the one home of every
default. A few of its fields default to None, which means "the value
measured best for this case"; :meth:`TrainConfig.resolved
<gluon_sentiment.training.TrainConfig.resolved>` fills them in from the
table below (the only place), and :func:`~gluon_sentiment.training.run_training`
saves the resolved values in the run's ``config.json``, so a run never
depends on what the defaults mean later. The case is the model, how it
uses ``--embedding`` and whether it has class weights (``--class-weight``
other than 'none'):

=================  =====================================================================
case               filled in (when left unset)
=================  =====================================================================
every case         ``lr`` 1e-3, ``lr_schedule`` constant, ``vocab_size`` 5,000 (the
                   tutorial's), ``calibrate_bias`` off
conv, bigru,       ``calibrate_bias`` on: a bias per class fitted with the temperature
bilstm, learned    (on 5,000 held-out reviews, ECE 0.0145 / 0.0150 / 0.0102 against
                   0.0154 / 0.0230 / 0.0085 with the temperature alone; chosen by
                   cross-fits on the validation split, which preferred it for these three
                   and not for multikernel, dense and ngram)
``fine-tuned``,    ``embedding_std`` 0.05: pretrained vectors rescaled to the deviation of
``multichannel``   an embedding learned from scratch, so that Adam's steps of about
                   ``lr`` can move them (GloVe 6B's entries have a deviation of about 0.7)
multikernel,       also ``lr`` 2e-3, ``lr_schedule`` cosine, 200 filters per width,
fine-tuned or      ``vocab_size`` 50,000 (a word too rare to learn in 12,250 reviews
multichannel       is already placed by GloVe)
multikernel,       ``lr`` 3e-3, ``lr_schedule`` cosine, 300 filters per width, ``dropout``
``frozen``         0: fixed 50-dimensional vectors carry less than a learned embedding, so
                   the convolutions need more filters and no dropout; vectors as loaded;
                   ``vocab_size`` 20,000 (a frozen row needs no training data; 20,000
                   words measured best of 5,000, 20,000 and all 60,242 training words)
dense, fine-tuned  also ``dropout`` 0.5, ``embed_dropout`` 0.5, ``vocab_size`` 50,000
multikernel,       ``lr`` 3e-3, ``lr_schedule`` cosine (on a 10:1 IMDB folder, 3 seeds:
learned, with      balanced held-out accuracy 0.816 against 0.810 with the tutorial's;
class weights      ``benchmarks/bench_imbalanced.py``)
ngram with         ``lr`` 0.3 (the fast configuration's; Adagrad's steps do not scale
``--optimizer      with ``lr`` as Adam's do: at 1e-3 it barely moves, 0.05 gave 0.898
adagrad``          after 6 epochs and 0.2-0.4 about 0.915 after 2, on a 15,000-review
                   split)
=================  =====================================================================

These are README's measured recipes (sections "Pretrained word vectors
(GloVe)" and "Imbalanced classes"). Frozen 50-dimensional vectors still stay
about a point below the learned embedding with these values (README,
"Defaults with pretrained vectors"); fine-tuned and two-channel ones are
above it. Without ``--embedding`` and class weights every value is the
tutorial's, as it always was: the model's own dropout and filters, ``lr``
1e-3, constant, 5,000 words.
``defaults='tutorial'`` (``--defaults tutorial``) takes the tutorial's
values in every case (vectors as loaded, the model's own architecture);
the tutorial presets set it, and runs saved before this field existed load
with it. Filters go into ``model_args``, merged key by key: keys given in
``--model-args`` win.
"""
from typing import Any, Dict, Optional

from ..data.config import DEFAULT_VOCAB_SIZE

__all__ = ['ADAGRAD_NGRAM_LR', 'DEFAULTS', 'TUTORIAL_DEFAULTS', 'LEGACY_DEFAULTS', 'embedding_mode',
           'case_defaults']

#: values of ``--defaults``
DEFAULTS = ('measured', 'tutorial')
#: what every case falls back to, and all that ``--defaults tutorial`` fills in
TUTORIAL_DEFAULTS: Dict[str, Any] = {'lr': 1e-3, 'lr_schedule': 'constant',
                                     'vocab_size': DEFAULT_VOCAB_SIZE, 'calibrate_bias': False}
#: the ``defaults`` of runs saved before the field existed (their config.json lacks it)
LEGACY_DEFAULTS = 'tutorial'

_RESCALED = {'embedding_std': 0.05}
_MULTIKERNEL_TUNED = {**_RESCALED, 'lr': 2e-3, 'lr_schedule': 'cosine', 'vocab_size': 50000,
                      'model_args': {'num_filters': 200}}

#: (model, mode) -> the measured values; model None: any model
_MEASURED: Dict[tuple, Dict[str, Any]] = {
    ('conv', 'learned'): {'calibrate_bias': True},
    ('bigru', 'learned'): {'calibrate_bias': True},
    ('bilstm', 'learned'): {'calibrate_bias': True},
    (None, 'fine-tuned'): _RESCALED,
    (None, 'multichannel'): _RESCALED,
    ('multikernel', 'fine-tuned'): _MULTIKERNEL_TUNED,
    ('multikernel', 'multichannel'): _MULTIKERNEL_TUNED,
    ('multikernel', 'frozen'): {'lr': 3e-3, 'lr_schedule': 'cosine', 'dropout': 0.0,
                                'vocab_size': 20000, 'model_args': {'num_filters': 300}},
    ('dense', 'fine-tuned'): {**_RESCALED, 'dropout': 0.5, 'embed_dropout': 0.5,
                              'vocab_size': 50000},
}

#: lr of Adagrad on the n-gram model (the fast configuration's, ``recipes.FAST_NGRAM``)
ADAGRAD_NGRAM_LR = 0.3

#: (model, optimizer) -> the measured values of a run with that ``--optimizer``, over those above
_BY_OPTIMIZER: Dict[tuple, Dict[str, Any]] = {
    ('ngram', 'adagrad'): {'lr': ADAGRAD_NGRAM_LR},
}

#: (model, mode) -> the measured values of a run with class weights, over those above
#: (benchmarks/bench_imbalanced.py, 10:1: chosen among 5 settings on its validation slice)
_WEIGHTED: Dict[tuple, Dict[str, Any]] = {
    ('multikernel', 'learned'): {'lr': 3e-3, 'lr_schedule': 'cosine'},
}


def embedding_mode(embedding: Optional[str], freeze: bool, multichannel: bool) -> str:
    """How a run uses pretrained vectors: 'learned', 'frozen', 'multichannel' or 'fine-tuned'."""
    if not embedding:
        return 'learned'
    return 'multichannel' if multichannel else 'frozen' if freeze else 'fine-tuned'


def case_defaults(model: str, mode: str, defaults: str = 'measured',
                  weighted: bool = False, optimizer: str = 'adam') -> Dict[str, Any]:
    """The values that fill the unset fields of a run of ``model`` in ``mode`` (a new dict).

    ``weighted``: the run has class weights (``--class-weight`` other than
    'none'), whose measured values (:data:`_WEIGHTED`) come on top, and then
    those of ``optimizer`` for this model (:data:`_BY_OPTIMIZER`).
    ``model_args`` is a dict of constructor arguments to merge under the
    given ones. With ``defaults='tutorial'``, :data:`TUTORIAL_DEFAULTS`
    whatever the case.
    """
    values = dict(TUTORIAL_DEFAULTS)
    if defaults == 'measured':
        values.update(_MEASURED.get((model, mode), _MEASURED.get((None, mode), {})))
        if weighted:
            values.update(_WEIGHTED.get((model, mode), {}))
        values.update(_BY_OPTIMIZER.get((model, optimizer.lower()), {}))
    return values
