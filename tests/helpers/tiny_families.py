"""Tiny autotune families of n-gram models, for the tuning tests (seconds per trial)."""
from dataclasses import dataclass
from typing import Tuple

from gluon_sentiment.tuning import Family


@dataclass(frozen=True)
class SeqLenDraw:
    """A family's ``draw``: ``seq_len`` from ``choices``, one Optuna parameter per family.

    A module-level class, so that a family pickles into another process (``n_jobs=2``).
    """
    choices: Tuple[int, ...]

    def __call__(self, trial, name):
        return {'seq_len': trial.suggest_categorical(f'{name}_seq_len', list(self.choices))}


def tiny_ngram(name, lr=5e-2, epochs=2, seq_lens=(24, 32), recipe_seq_len=24, rows=(60, 101),
               epoch_seconds=0.5):
    """A family of 8-float n-gram models over ``rows`` = (vocabulary, hash buckets)."""
    return Family(name, dict(model='ngram', embed_size=8, epochs=epochs, lr=lr), (rows,),
                  SeqLenDraw(tuple(seq_lens)), {'seq_len': recipe_seq_len}, epoch_seconds)
