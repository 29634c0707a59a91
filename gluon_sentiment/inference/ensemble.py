"""Ensembles: several trained models that vote by averaging their probabilities.

An ensemble folder holds ``ensemble.json`` and a copy of each member
(config, vocabulary, best parameters, metrics), so it stays usable when the
original runs are deleted::

    python -m gluon_sentiment.ensemble --models runs/ngram runs/multikernel --out runs/ens
    clf = load_model('runs/ens')          # an EnsembleClassifier
    clf.predict_proba(['a gem of a film'])

Members may differ in everything (model, vocabulary, sequence length):
each encodes the texts its own way. :func:`gluon_sentiment.inference.load_model`
reads the folder.
"""
import os
import shutil
from typing import Iterable, Optional, Sequence, Union

import numpy as np

from .._version import __version__
from ..artifacts import bundle, rundir
from ..artifacts.store import (BEST_PARAMS, CONFIG, ENSEMBLE, ENSEMBLE_FORMAT, MEMBERS, METRICS,
                               VOCAB, atomic_folder, write_json)
from ..data.corpus import tokenize_corpus
from ..errors import RunDirError
from .batches import apply_temperature
from .classifier import LABELS, SentimentClassifier, decide

__all__ = ['EnsembleClassifier', 'is_ensemble', 'create_ensemble', 'write_ensemble']

#: What is copied from a training run: enough for ``load_model``.
_RUN_FILES = (CONFIG, VOCAB, BEST_PARAMS, METRICS)


def is_ensemble(path: str) -> bool:
    """Whether ``path`` is an ensemble folder."""
    return os.path.isfile(os.path.join(path, ENSEMBLE))


class EnsembleClassifier:
    """Weighted average of the class probabilities of several classifiers.

    Parameters
    ----------
    members : sequence
        Loaded classifiers (anything with ``predict_proba(texts)``, e.g.
        :class:`~gluon_sentiment.inference.SentimentClassifier`).
    weights : sequence of float, optional
        One non-negative weight per member (default equal); normalized to sum 1.

    Attributes
    ----------
    class_names : tuple of str
        The members' class names (they must agree).
    temperature : float or None
        Calibration of the averaged probabilities (see
        :func:`~gluon_sentiment.inference.batches.apply_temperature`); set
        by :func:`~gluon_sentiment.inference.load_ensemble` from
        ``ensemble.json``. The members' own temperatures apply first.
    threshold : float or None
        Binary ensembles: the decision threshold of :meth:`predict`.
    """

    name = 'ensemble'
    temperature: Optional[float] = None
    threshold: Optional[float] = None

    def __init__(self, members: Sequence, weights: Optional[Sequence[float]] = None):
        if not members:
            raise ValueError('an ensemble needs at least one member')
        weights = np.ones(len(members)) if weights is None else np.asarray(weights, float)
        if weights.shape != (len(members),) or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(f'weights must be {len(members)} non-negative numbers, not all 0')
        self.members = list(members)
        self.weights = weights / weights.sum()
        names = [tuple(getattr(m, 'class_names', LABELS)) for m in self.members]
        if any(n != names[0] for n in names):
            raise ValueError(f'the members disagree on the classes: {sorted(set(names))}; '
                             'ensemble runs trained on the same classes')
        self.class_names = names[0]

    def predict_proba(self, texts: Union[str, Iterable[str]]) -> np.ndarray:
        """Class probabilities ``(n, K)``: the weighted mean of the members', calibrated by
        :attr:`temperature`.

        The texts are tokenized once for all members with the same tokenizer
        (see :meth:`predict_proba_tokens`).
        """
        texts = [texts] if isinstance(texts, str) else list(texts)
        return self._average(texts, {})

    @property
    def fast_paths(self) -> bool:
        """Whether the members that read tokens take their fast paths; setting it sets theirs.

        See :attr:`SentimentClassifier.fast_paths
        <gluon_sentiment.inference.SentimentClassifier.fast_paths>`.
        """
        return all(m.fast_paths for m in self.members if _takes_tokens(m))

    @fast_paths.setter
    def fast_paths(self, on: bool) -> None:
        for member in self.members:
            if _takes_tokens(member):
                member.fast_paths = on

    @property
    def tokenizer(self) -> Optional[str]:
        """The tokenizer of every member that reads tokens; None when they differ."""
        names = {m.tokenizer for m in self.members if _takes_tokens(m)}
        return names.pop() if len(names) == 1 else None

    def tokenize(self, texts: Union[str, Iterable[str]]):
        """The tokens of the texts, as ``SentimentClassifier.tokenize`` gives them."""
        return tokenize_corpus([texts] if isinstance(texts, str) else list(texts),
                               self.tokenizer or 'kim')

    def predict_proba_tokens(self, tokens) -> np.ndarray:
        """:meth:`predict_proba` of texts tokenized by :meth:`tokenize`.

        Raises
        ------
        TypeError
            If a member is not a :class:`~gluon_sentiment.inference.SentimentClassifier`
            (or an ensemble of them), which alone take tokens, or the members
            tokenize differently.
        """
        other = next((m for m in self.members if not _takes_tokens(m)), None)
        if other is not None:
            raise TypeError(f'ensemble member {type(other).__name__} reads texts, not tokens: '
                            'call predict_proba(texts)')
        if self.tokenizer is None:
            raise TypeError('the ensemble members tokenize differently: call predict_proba(texts)')
        return self._average(None, {self.tokenizer: tokens})

    def _average(self, texts, tokens: dict) -> np.ndarray:
        """Weighted mean of the members' probabilities, from shared tokens where a member takes them.

        ``tokens`` maps a tokenizer name to the texts' tokens under it and is
        filled as members need them, so each tokenizer runs once; each member
        encodes the shared tokens with its own vocabulary and sequence
        length; one without ``predict_proba_tokens`` reads ``texts``.
        """
        total = None
        for weight, member in zip(self.weights, self.members):
            if _takes_tokens(member):
                if member.tokenizer not in tokens:
                    tokens[member.tokenizer] = member.tokenize(texts)
                probs = member.predict_proba_tokens(tokens[member.tokenizer])
            else:
                probs = member.predict_proba(texts)
            probs = weight * np.asarray(probs, dtype=np.float64)
            total = probs if total is None else total + probs
        return apply_temperature(total, self.temperature)

    def predict(self, texts: Union[str, Iterable[str]]) -> np.ndarray:
        """Class indices ``(n,)`` (binary: 1 positive, 0 negative), by
        :func:`~gluon_sentiment.inference.classifier.decide`."""
        return decide(self.predict_proba(texts), self.threshold)

    @property
    def net(self):
        """An ensemble has no single network; analyses that need one take a member."""
        raise RunDirError('an ensemble has no single network (embedding, explanation, export): '
                          'pass one of its members, e.g. ENSEMBLE_DIR/members/00-...')


def _takes_tokens(member) -> bool:
    """Whether ``member`` predicts from ``SentimentClassifier.tokenize``'s tokens."""
    return isinstance(member, (SentimentClassifier, EnsembleClassifier))


def _copy_member(source: str, target: str) -> str:
    if is_ensemble(source):
        raise RunDirError(f'{source}: is an ensemble; list its members instead')
    config = rundir.read_config(source)  # checks it is a run or bundle this version reads
    if bundle.is_bundle(source):
        shutil.copytree(source, target)
    else:
        if not os.path.isfile(os.path.join(source, BEST_PARAMS)):
            raise RunDirError(f'{source}: has no {BEST_PARAMS}; the run has not finished '
                              'an epoch')
        os.makedirs(target)
        for name in _RUN_FILES:
            if os.path.isfile(os.path.join(source, name)):
                shutil.copy2(os.path.join(source, name), os.path.join(target, name))
    return config['model']


def write_ensemble(path: str, members: Sequence[str], weights: Optional[Sequence[float]] = None,
                   sources: Optional[Sequence[str]] = None) -> dict:
    """Write ``ensemble.json`` into ``path`` for members already inside it.

    ``members`` are paths relative to ``path``. Returns the spec written.
    """
    EnsembleClassifier([None] * len(members), weights)  # validates the weights
    spec = {'ensemble_format': ENSEMBLE_FORMAT, 'version': __version__, 'members': list(members),
            'weights': None if weights is None else [float(w) for w in weights],
            'sources': list(sources) if sources is not None else None}
    write_json(os.path.join(path, ENSEMBLE), spec)
    return spec


def create_ensemble(models: Sequence[str], out: str, weights: Optional[Sequence[float]] = None,
                    overwrite: bool = False) -> dict:
    """Write an ensemble of the runs (or bundles) ``models`` to ``out``.

    The folder is assembled under a temporary name and renamed when
    complete, so ``out`` is never half written.

    Returns
    -------
    dict
        The ``ensemble.json`` written.

    Raises
    ------
    RunDirError
        If a member is not a finished run or bundle, or ``out`` exists and
        is not an ensemble to ``overwrite``.
    """
    if not models:
        raise RunDirError('--models: give at least one run directory')
    EnsembleClassifier([None] * len(models), weights)  # validates the weights
    if os.path.exists(out) and not os.path.isdir(out):
        raise RunDirError(f'--out {out}: exists and is not a folder; choose another path')
    if os.path.exists(out):
        if not overwrite:
            raise RunDirError(f'--out {out}: exists; choose a new folder or pass --overwrite')
        if os.listdir(out) and not is_ensemble(out):
            raise RunDirError(f'--out {out}: holds files that are not an ensemble; '
                              'refusing to replace it, choose another folder')
    with atomic_folder(out) as stage:
        members = os.path.join(stage, MEMBERS)
        os.makedirs(members)
        names = []
        for i, source in enumerate(models):
            kind = _copy_member(source, os.path.join(members, f'{i:02d}-tmp'))
            name = f'{i:02d}-{kind}'
            os.rename(os.path.join(members, f'{i:02d}-tmp'), os.path.join(members, name))
            names.append(os.path.join(MEMBERS, name))
        spec = write_ensemble(stage, names, weights, [os.path.abspath(m) for m in models])
    return spec
