"""Load any trained artifact as a classifier: a run directory, a bundle or an ensemble.

::

    clf = load_model('runs/multikernel')     # a SentimentClassifier
    ens = load_model('runs/best')            # an EnsembleClassifier, same interface
"""
import os
from typing import List, Optional, Union

import mxnet as mx

from ..artifacts import bundle, compact, rundir
from ..artifacts.checksums import run_checksum, verify_checksum
from ..artifacts.params import load_parameters
from ..artifacts.store import BEST_PARAMS, ENSEMBLE, ENSEMBLE_FORMAT, VOCAB, read_json
from ..data.config import LEGACY_TOKENIZER
from ..errors import ConfigError, RunDirError
from ..model import NgramNet, fold_ngram, get_model, list_models
from .classifier import LABELS, SentimentClassifier
from .ensemble import EnsembleClassifier, is_ensemble
from .pretrained import resolve_model

__all__ = ['load_model', 'load_ensemble', 'member_paths', 'run_outputs']


def load_model(path: str, ctx: Optional[mx.Context] = None, params: str = BEST_PARAMS,
               hybridize: bool = True, symbolic: bool = False,
               fold: bool = True) -> Union[SentimentClassifier, EnsembleClassifier]:
    """Load the classifier of a training run, of an exported bundle or of an ensemble.

    An ensemble folder (``python -m gluon_sentiment.ensemble``) gives an
    :class:`~gluon_sentiment.inference.EnsembleClassifier`, which predicts
    like a single classifier.

    Parameters
    ----------
    path : str
        A run directory (the ``--output-dir`` of ``gluon_sentiment.train``,
        or the ``--out`` of ``gluon_sentiment.compress``), a bundle (the
        ``--out`` of ``gluon_sentiment.export``), an ensemble (the ``--out``
        of ``gluon_sentiment.ensemble``), or the name of a model shipped
        with the package (``'imdb'``; see
        :func:`~gluon_sentiment.inference.pretrained.list_pretrained`). A path
        that exists wins over a name.
    ctx : Context, optional
        Device to load onto (default CPU).
    params : str, default 'best.params'
        Parameter file inside a run, e.g. ``epoch-0002.params`` (not used
        for a bundle, which holds one set; a compressed run holds only its
        compact ``params.npz``, read for the default).
    hybridize : bool, default True
        Hybridize the network.
    symbolic : bool, default False
        For a bundle: run its exported graph as a ``SymbolBlock`` instead of
        rebuilding the registered Gluon model (explanations need the Gluon
        model). A bundle whose model is not registered here always loads
        as a ``SymbolBlock``.

    The classifier tokenizes with the run's ``tokenizer`` (Kim's for runs
    saved before the field existed).

    Raises
    ------
    RunDirError
        If ``path`` is not a complete run or bundle.
    """
    path = resolve_model(path)
    if is_ensemble(path):
        return load_ensemble(path, ctx)
    config = rundir.read_config(path)  # a bundle keeps its run's config.json
    vocab = rundir.load_vocab(os.path.join(path, VOCAB))
    kwargs = dict(config['model_kwargs'])
    if kwargs.get('vocab_size') != len(vocab):
        raise RunDirError(f'{path}: config says vocab_size {kwargs.get("vocab_size")} but '
                          f'{VOCAB} holds {len(vocab)} tokens')
    ctx = ctx or mx.cpu()
    margin = None  # a SentimentNet declares its own
    if bundle.is_bundle(path):
        bundle.verify_files(path)
        if symbolic or config['model'] not in list_models():
            net = bundle.load_symbol_block(path, ctx)
            margin = bundle.length_margin(path)
        else:
            net = _build(config, kwargs, path)
            bundle.load_params_into(net, path, ctx)
    elif params == BEST_PARAMS and compact.is_compact(path):  # gluon_sentiment.compress
        net = _build(config, kwargs, path)
        compact.load_compact(net, path, ctx)
    else:
        net = _build(config, kwargs, path)
        params_path = os.path.join(path, params)
        if not os.path.isfile(params_path):
            raise RunDirError(f'{params_path}: missing; the run has not finished an epoch')
        remedy = 'restore it from a copy of the run, or retrain'
        verify_checksum(params_path, run_checksum(path, params), 'parameters', remedy)
        load_parameters(net, params_path, ctx, remedy)
    if fold and isinstance(net, NgramNet):
        net = fold_ngram(net, center=False, ctx=ctx)
    if hybridize:
        net.hybridize(static_alloc=True)
    clf = SentimentClassifier(net, vocab, config['seq_len'], ctx,
                              truncate=config.get('truncate', 'post'), name=config['model'],
                              length_margin=margin)
    clf.tokenizer = config.get('tokenizer', LEGACY_TOKENIZER)
    return run_outputs(clf, config)


def run_outputs(clf, config: dict):
    """Give ``clf`` the class names, calibration and threshold its ``config.json`` keeps.

    Runs made before these existed have none: ``('negative', 'positive')``,
    no temperature or bias (probabilities as they always were) and no threshold.
    """
    clf.class_names = tuple(config.get('class_names') or LABELS)
    calibration = config.get('calibration') or {}
    clf.temperature = calibration.get('temperature')
    clf.bias = None if calibration.get('bias') is None else tuple(calibration['bias'])
    clf.threshold = config.get('decision_threshold')
    return clf


def _build(config: dict, kwargs: dict, path: str):
    """The registered model of ``config``, or a RunDirError if its arguments do not build it."""
    try:
        return get_model(config['model'], **kwargs)
    except (TypeError, ValueError, ConfigError) as err:
        raise RunDirError(f'{path}: the model in its config.json cannot be built '
                          f'({str(err).splitlines()[0][:160]}); retrain, or restore config.json '
                          'from a copy') from None


def load_ensemble(path: str, ctx=None) -> EnsembleClassifier:
    """Load the ensemble folder ``path`` (as :func:`gluon_sentiment.load_model` does).

    Raises
    ------
    RunDirError
        If ``ensemble.json`` is damaged, of another format, names a member
        outside the folder (:func:`member_paths`), a member is missing, or
        its weights are invalid.
    """
    spec = read_json(os.path.join(path, ENSEMBLE))
    if not isinstance(spec, dict) or spec.get('ensemble_format') != ENSEMBLE_FORMAT:
        raise RunDirError(f'{os.path.join(path, ENSEMBLE)}: not a {ENSEMBLE_FORMAT} ensemble; '
                          'recreate it with python -m gluon_sentiment.ensemble')
    members = [load_model(member, ctx=ctx) for member in member_paths(path, spec)]
    try:
        ensemble = EnsembleClassifier(members, spec.get('weights'))
    except (ValueError, TypeError) as err:
        raise RunDirError(f'{os.path.join(path, ENSEMBLE)}: bad weights or members ({err}); '
                          'recreate it with python -m gluon_sentiment.ensemble') from None
    ensemble.temperature = (spec.get('calibration') or {}).get('temperature')
    ensemble.threshold = spec.get('decision_threshold')
    return ensemble


def member_paths(path: str, spec: dict) -> List[str]:
    """The member folders an ``ensemble.json`` names, each checked to lie inside ``path``.

    A member is a relative path to a folder the ensemble holds: an
    absolute path, a ``..`` component or a symbolic link leading out of
    ``path`` is refused, so loading an ensemble reads nothing outside it.

    Raises
    ------
    RunDirError
        If ``members`` is not a non-empty list of such paths, or names a
        folder the ensemble does not hold.
    """
    where = os.path.join(path, ENSEMBLE)
    members = spec.get('members')
    if not isinstance(members, list) or not members:
        raise RunDirError(f'{where}: "members" is not a list of member folders; recreate it '
                          'with python -m gluon_sentiment.ensemble')
    root = os.path.realpath(path)
    paths = []
    for member in members:
        if (not isinstance(member, str) or not member or os.path.isabs(member)
                or '..' in member.replace('\\', '/').split('/')):
            raise RunDirError(f'{where}: member {member!r} is not a relative path inside the '
                              'ensemble; refusing to read outside it')
        full = os.path.join(path, member)
        if os.path.commonpath([root, os.path.realpath(full)]) != root:
            raise RunDirError(f'{where}: member {member!r} leads out of the ensemble folder '
                              '(a symbolic link); refusing to read outside it')
        if not os.path.isdir(full):
            raise RunDirError(f'{where}: names member {member!r}, which the ensemble does not '
                              'hold; recreate it with python -m gluon_sentiment.ensemble')
        paths.append(full)
    return paths
