"""What data a run reads and how it is split and encoded: the data fields of the configuration.

:class:`DataConfig` is the base of :class:`gluon_sentiment.training.TrainConfig`,
so each data flag (``--vocab-size``, ``--protocol``, ...) is defined once,
here, for ``train``, ``evaluate`` and the library functions of
:mod:`gluon_sentiment.data.pipeline` alike. Field metadata carries the
command-line help, the argument group and, where there are any, the choices.
"""
import dataclasses
from dataclasses import dataclass, field
from typing import Optional, Union

from ..errors import ConfigError
from .formats import FORMATS
from .text import TOKENIZERS
from .ratings import TARGETS
from .vocab import AUTO, TRUNCATE, parse_seq_len

__all__ = ['option', 'PROTOCOLS', 'DataConfig', 'READ_FIELDS', 'LEGACY_TOKENIZER',
           'DEFAULT_VOCAB_SIZE']

#: values of ``--protocol``
PROTOCOLS = ('tutorial', 'full')
#: the fields that say how to read one dataset (shared by ``train`` and ``evaluate``)
READ_FIELDS = ('format', 'labels', 'text_column', 'label_column', 'target', 'rating_bins')
#: the tokenizer of runs saved before ``tokenizer`` was a field (their config.json lacks it)
LEGACY_TOKENIZER = 'kim'
#: ``vocab_size`` when left unset (the tutorial's; a training run's case may choose another,
#: see :mod:`gluon_sentiment.training.defaults`)
DEFAULT_VOCAB_SIZE = 5000


def option(default, help, group, **extra):  # pylint: disable=redefined-builtin
    """A dataclass field carrying its command-line ``help``, ``group``, ``choices`` and, where
    the field's type does not parse the flag, its ``type``."""
    return field(default=default, metadata={'help': help, 'group': group, **extra})


@dataclass
class DataConfig:
    """Where the reviews come from, how they are split, tokenized and encoded."""
    data: Optional[str] = option(None, 'IMDB-style folder (pos/, neg/, or PATH/train/...) or '
                                       '.tar.gz; default: download aclImdb_v1.tar.gz into the '
                                       'cache', 'data')
    test_data: Optional[str] = option(None, 'separate labelled test set; then only validation '
                                            'is split off --data', 'data')
    format: Optional[str] = option(None, 'dataset format of --data and --test-data (default: '
                                         'detected from the path)', 'data', choices=FORMATS)
    labels: Optional[str] = option(None, "class names or label values in class order, e.g. "
                                         "'neg,pos' or 'negative,neutral,positive' (default: "
                                         "neg/pos, negative/positive or 0/1 for two classes; "
                                         "other values as found, numbers numerically, else "
                                         "sorted)", 'data')
    target: str = option('label', "what the classes are: 'label', or 'rating', the rating in "
                                  "IMDB-style file names <id>_<rating>.txt", 'data',
                         choices=TARGETS)
    rating_bins: Optional[str] = option(None, "with --target rating: ratings per class, e.g. "
                                              "'1-2,3-4,7-8,9-10' (default: each rating a class)",
                                        'data')
    text_column: str = option('text', 'CSV/TSV column or JSONL key of the text', 'data')
    label_column: str = option('label', 'CSV/TSV column or JSONL key of the label', 'data')
    max_examples: Optional[int] = option(None, 'train on a seeded, class-balanced subset of '
                                               'this many reviews (before splitting)', 'data')
    tokenizer: str = option('kim', "text cleaning rules: 'kim', Kim's 13-regex clean_str "
                                   "(keeps , ( ) 's n't as tokens), or 'tutorial', the "
                                   "tutorial's 17-pass variant (deletes , ( ) and every "
                                   "apostrophe: don't -> do n t)", 'data', choices=TOKENIZERS)
    vocab_size: Optional[int] = option(None, 'number of most frequent training words kept '
                                             '(default: 5000; 50000 when multikernel or '
                                             "dense fine-tune --embedding's vectors, 20000 "
                                             "when multikernel's are frozen; see --defaults)",
                                     'data')
    seq_len: Union[int, str] = option(500, "tokens per review after truncation and padding, or "
                                           "'auto': the 95th percentile of the training texts' "
                                           'token counts, rounded up to a multiple of 16, at '
                                           'most 1024 (saved resolved in config.json)', 'data',
                                      type=parse_seq_len)
    truncate: str = option('post', "which end of a longer review is cut: 'post' keeps the "
                                   "first --seq-len tokens, 'pre' the last", 'data',
                           choices=TRUNCATE)
    test_size: float = option(0.3, 'fraction of --data held out for testing', 'data')
    val_size: float = option(0.3, 'fraction of the rest held out for validation', 'data')
    split_seed: int = option(42, 'random_state of the train/validation/test splits', 'data')
    protocol: str = option('tutorial', "'tutorial': the tutorial's 0.3 test then 0.3 "
                                       "validation splits; 'full': train on all of --data but a "
                                       "stratified --full-val-size validation slice (test with "
                                       "--test-data)", 'data', choices=PROTOCOLS)
    full_val_size: float = option(0.05, "validation fraction of --protocol full", 'data')
    cv: int = option(0, 'run stratified K-fold cross-validation with this many folds instead '
                        'of one split (0: off)', 'data')

    def resolved(self) -> 'DataConfig':
        """This config with ``vocab_size`` left at None filled in (:data:`DEFAULT_VOCAB_SIZE`).

        :meth:`TrainConfig.resolved <gluon_sentiment.training.TrainConfig.resolved>`
        fills it in by the case instead; the data pipeline calls this method
        of whichever config it is given.
        """
        if self.vocab_size is not None:
            return self
        return dataclasses.replace(self, vocab_size=DEFAULT_VOCAB_SIZE)

    def validate(self) -> None:
        """Reject data options no run can use, with a message naming the flag."""
        for name in ('data', 'test_data'):
            if getattr(self, name) == '':
                raise ConfigError(f'--{name.replace("_", "-")} is empty; give a path or leave '
                                  'it out')
        if isinstance(self.seq_len, str) and self.seq_len != AUTO:
            raise ConfigError(f"--seq-len must be a number of tokens or 'auto', "
                              f'got {self.seq_len!r}')
        for name in ('vocab_size', 'seq_len'):
            if getattr(self, name) not in (None, AUTO) and getattr(self, name) < 1:
                raise ConfigError(f'--{name.replace("_", "-")} must be at least 1, '
                                  f'got {getattr(self, name)}')
        if self.max_examples is not None and self.max_examples < 3:
            raise ConfigError(f'--max-examples must be at least 3, got {self.max_examples}')
        if self.tokenizer not in TOKENIZERS:
            raise ConfigError(f'--tokenizer must be one of {", ".join(TOKENIZERS)}, '
                              f'got {self.tokenizer!r}')
        if self.protocol not in PROTOCOLS:
            raise ConfigError(f"--protocol must be 'tutorial' or 'full', got {self.protocol!r}")
        if self.protocol == 'full' and self.cv:
            raise ConfigError('--protocol full and --cv exclude each other: cross-validation '
                              'makes its own splits')
        for name in ('test_size', 'val_size', 'full_val_size'):
            if not 0 < getattr(self, name) < 1:
                raise ConfigError(f'--{name.replace("_", "-")} must be between 0 and 1, '
                                  f'got {getattr(self, name)}')
        if self.cv == 1 or self.cv < 0:
            raise ConfigError(f'--cv must be 0 (off) or at least 2 folds, got {self.cv}')
        if self.cv and self.test_data:
            raise ConfigError('--cv and --test-data exclude each other: cross-validation tests '
                              'on each fold of --data in turn')
