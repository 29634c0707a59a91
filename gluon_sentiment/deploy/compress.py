"""Compression of a trained model to a size: a run, a bundle or an ensemble, as compact runs.

::

    from gluon_sentiment.deploy.compress import compress_model
    report = compress_model('runs/fast', 'runs/fast-15mb', '15MB')

writes a *compact run* (:mod:`gluon_sentiment.artifacts.compact`) that
:func:`gluon_sentiment.load_model` loads like any run, with the source's
vocabulary, configuration, calibration temperature and decision threshold:

* a bag-of-n-grams model (``ngram``) is folded into its score table
  (:func:`gluon_sentiment.model.fold_ngram`, rows centered), whose least
  important rows are left out until the folder fits ``max_size``
  (:mod:`.pruning`); the kept rows go in float16 or as 8-bit codes of 256
  levels, whichever scores the better validation log-loss;
* any other model keeps every parameter: embedding tables in int8 with a
  scale per row, the rest in float16 if the validation accuracy is
  unchanged by it, else float32;
* an ensemble gets each member compressed (the n-gram members share what
  the others leave of ``max_size``) and its ``ensemble.json`` (weights,
  calibration, threshold) as it was.

Accuracy and log-loss before and after are measured on the run's own
validation split, re-read from its ``config.json``
(:func:`gluon_sentiment.data.pipeline.read_splits`; ``data`` replaces the
data path); without data the report says so and the model is written all
the same. The report is ``compression.json`` in the output folder, which is
assembled aside and swapped in when complete; the input is only read.
"""
import copy
import dataclasses
import json
import logging
import os
import re
import shutil
import time
from typing import Any, Dict, List, Optional, Tuple, Union

import mxnet as mx
import numpy as np

from ..analysis.calibration import negative_log_likelihood
from ..artifacts import rundir
from ..artifacts.compact import Packed, packed_bytes, unpack, write_compact
from ..artifacts.store import (COMPACT_PARAMS, COMPRESSION, CONFIG, ENSEMBLE, METRICS, VOCAB,
                               atomic_folder, read_json, write_json)
from ..data.config import DataConfig
from ..data.pipeline import read_splits
from ..errors import ConfigError, DataError, ExportError, RunDirError
from ..inference.classifier import SentimentClassifier, decide
from ..inference.ensemble import is_ensemble
from ..inference.loading import load_model, member_paths
from ..inference.pretrained import is_pretrained, resolve_model
from ..model import get_model
from ..model.base import SentimentNet
from ..model.ngram import HashedNgramNet, ngram_document_counts
from ..model.ngram_table import NgramTableNet, fold_ngram, table_kwargs
from .pruning import (dense_plan, largest_fit, param_names, ranked_rows, row_importance,
                      table_encodings, table_params)

__all__ = ['parse_size', 'compress_model', 'folder_bytes', 'Holdout', 'read_holdout']

log = logging.getLogger(__name__)

_UNITS = {'': 1, 'b': 1, 'k': 10 ** 3, 'kb': 10 ** 3, 'm': 10 ** 6, 'mb': 10 ** 6, 'g': 10 ** 9,
          'gb': 10 ** 9, 'kib': 2 ** 10, 'mib': 2 ** 20, 'gib': 2 ** 30}
_SIZE = re.compile(r'^\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]*)\s*$')
#: bytes of each folder's budget kept for its compression.json, written last (1-2 KB)
_REPORT_RESERVE = 4096
#: and for each member's line in an ensemble's report
_MEMBER_RESERVE = 1024
#: a SHA-256 in hexadecimal, standing in for the compact file's until it is written
_PLACEHOLDER = '0' * 64


def parse_size(text: Union[str, int]) -> int:
    """Bytes of a size such as ``'20MB'``, ``'15 MiB'``, ``'800kB'`` or ``'1000000'``.

    KB, MB, GB are powers of 1000; KiB, MiB, GiB powers of 1024 (``du -m``
    counts MiB); a bare number is bytes.

    Raises
    ------
    ConfigError
        If ``text`` is not a positive size.
    """
    if isinstance(text, int) and not isinstance(text, bool) and text > 0:
        return text
    match = _SIZE.match(str(text))
    unit = match.group(2).lower() if match else None
    if unit not in _UNITS or int(float(match.group(1)) * _UNITS[unit]) < 1:
        raise ConfigError(f'--max-size {text!r}: not a size; write e.g. 20MB, 15MiB, 500KB or '
                          'a number of bytes')
    return int(float(match.group(1)) * _UNITS[unit])


def folder_bytes(path: str) -> int:
    """Bytes of all the files under ``path``."""
    return sum(os.path.getsize(os.path.join(root, name))
               for root, _, names in os.walk(path) for name in names)


def _json_bytes(obj: Any) -> int:
    """Size of ``obj`` as :func:`~gluon_sentiment.artifacts.store.write_json` writes it."""
    return len(json.dumps(obj, indent=2, sort_keys=True).encode('utf-8')) + 1


@dataclasses.dataclass
class Holdout:
    """The validation split of a run, and its training split (to count n-grams)."""
    data: str
    texts: List[str]
    labels: np.ndarray
    train_texts: List[str]
    train_labels: np.ndarray


def read_holdout(config: Dict[str, Any], data: Optional[str] = None
                 ) -> Tuple[Optional[Holdout], Optional[str]]:
    """The run's splits, re-derived from its ``config.json``; or None and why not.

    ``data`` replaces the data path of the config. Nothing is downloaded: a
    run trained on the downloaded IMDB archive needs ``data``.
    """
    path = data or config.get('data')
    if not path:
        return None, 'the run records no data path; pass --data to measure the accuracy'
    names = {field.name for field in dataclasses.fields(DataConfig)}
    fields = {key: value for key, value in config.items() if key in names}
    try:
        _, reviews, index, _ = read_splits(DataConfig(**{**fields, 'data': path}),
                                           config.get('seed', 0))
    except (DataError, ConfigError, TypeError) as err:
        return None, f'cannot read the validation split of {path} ({err}); pass --data'
    texts = reviews.texts
    return Holdout(path, [texts[i] for i in index['val']], reviews.labels[index['val']],
                   [texts[i] for i in index['train']], reviews.labels[index['train']]), None


def _scores(clf, texts: List[str], labels: np.ndarray, tokens=None) -> Dict[str, float]:
    """Accuracy (by the classifier's own decision rule) and log-loss on ``texts``."""
    probs = clf.predict_proba(texts) if tokens is None else clf.predict_proba_tokens(tokens)
    return {'accuracy': float((decide(probs, clf.threshold) == labels).mean()),
            'log_loss': negative_log_likelihood(probs, labels)}


class _TablePlan:
    """The centered score table of an n-gram model, its rows ranked, packed for any size."""

    def __init__(self, table_net: NgramTableNet, frequency: Optional[np.ndarray]):
        names = param_names(table_net)
        table = table_net.embedding.weight.data().asnumpy().astype(np.float64)
        self.table = (table - table.mean(axis=1, keepdims=True)).astype(np.float32)
        self.bias = table_net.output_layer.bias.data().asnumpy()
        self.names = {'table': names[table_net.embedding.weight.name],
                      'bias': names[table_net.output_layer.bias.name]}
        self.ranking = 'spread x training texts' if frequency is not None else 'spread'
        self.ranked = ranked_rows(row_importance(self.table, frequency))

    def params(self, encoding: str, kept: int) -> Dict[str, Packed]:
        return table_params(self.table, self.bias, self.names, encoding, self.ranked[:kept])

    def floor(self) -> int:
        """Bytes of the smallest compact file: no row kept."""
        return min(packed_bytes(self.params(enc, 0)) for enc in table_encodings(len(self.bias)))

    def candidates(self, budget: int) -> List[Tuple[Dict[str, Any], Dict[str, Packed]]]:
        """For each encoding, the most rows that fit ``budget`` bytes."""
        found = []
        for encoding in table_encodings(len(self.bias)):
            kept = largest_fit(len(self.ranked), budget,
                               lambda k, e=encoding: packed_bytes(self.params(e, k)))
            if kept >= 0:
                found.append(({'encoding': encoding, 'rows_kept': kept},
                              self.params(encoding, kept)))
        return found

    def describe(self) -> Dict[str, Any]:
        return {'rows_total': len(self.table), 'rows_of_positive_importance': len(self.ranked),
                'ranking': self.ranking}

    @staticmethod
    def choose(tried: List[Dict[str, Any]], before=None) -> int:  # pylint: disable=unused-argument
        """The candidate of the lowest validation log-loss among those that keep more rows
        than the more faithful encodings before them (the first, float16, without data)."""
        best = 0
        for i, candidate in enumerate(tried[1:], 1):
            more = candidate['rows_kept'] > tried[best]['rows_kept']
            if more and candidate['validation'] and tried[best]['validation'] and (
                    candidate['validation']['log_loss'] < tried[best]['validation']['log_loss']):
                best = i
        return best


class _DensePlan:
    """Every parameter of a network: int8 embedding rows, float16 or float32 elsewhere."""

    def __init__(self, net: SentimentNet):
        self.variants = {rest: dense_plan(net, rest) for rest in ('float16', 'float32')}

    def floor(self) -> int:
        return packed_bytes(self.variants['float16'])

    def largest(self) -> int:
        return packed_bytes(self.variants['float32'])

    def candidates(self, budget: int) -> List[Tuple[Dict[str, Any], Dict[str, Packed]]]:
        return [({'encoding': f'int8-rows embeddings, {rest} elsewhere'}, packed)
                for rest, packed in self.variants.items() if packed_bytes(packed) <= budget]

    @staticmethod
    def describe() -> Dict[str, Any]:
        return {}

    @staticmethod
    def choose(tried: List[Dict[str, Any]], before=None) -> int:
        """float16 if it keeps the validation accuracy (float32 without data), if it fits."""
        scores = tried[0]['validation']
        if len(tried) == 1 or (before and scores and scores['accuracy'] >= before['accuracy']):
            return 0
        return 1


class _Compression:
    """One run or bundle being compressed: loaded, scored before, and planned for any size.

    ``floor`` is the smallest folder it can be written in, ``flexible`` whether
    it can use more (an n-gram table keeps more rows); :meth:`write` writes it.
    """

    def __init__(self, source: str, data: Optional[str]):
        self.source = source
        self.config = rundir.read_config(source)
        self.clf = load_model(source)
        if not isinstance(self.clf.net, SentimentNet):
            raise ExportError(f'{source}: its model is not registered here; compress the '
                              'training run, in the process that registers the model')
        self.holdout, self.note = read_holdout(self.config, data)
        self.tokens = self.clf.tokenize(self.holdout.texts) if self.holdout else None
        self.before = self._score(self.clf)
        net = self.clf.net
        self.flexible = isinstance(net, HashedNgramNet)
        if self.flexible:
            table = net if isinstance(net, NgramTableNet) else fold_ngram(net)
            self.plan = _TablePlan(table, self._frequency(net))
            self.config_out = {**self.config, 'model': 'ngram-table',
                               'model_kwargs': table_kwargs(net)}
        else:
            self.plan = _DensePlan(net)
            self.config_out = self.config
        self.metrics_out = self._metrics()
        self.floor = self.fixed_bytes() + self.plan.floor()
        #: the folder size that leaves every choice open (None: more is always used)
        self.want = None if self.flexible else self.fixed_bytes() + self.plan.largest()

    def _score(self, clf) -> Optional[Dict[str, float]]:
        if self.holdout is None:
            return None
        return _scores(clf, self.holdout.texts, self.holdout.labels, self.tokens)

    def _frequency(self, net: HashedNgramNet) -> Optional[np.ndarray]:
        """How many training texts reach each row of the table (None without data)."""
        if self.holdout is None:
            return None
        X, _ = self.clf.encode_tokens(self.clf.tokenize(self.holdout.train_texts))
        counts = ngram_document_counts(X, self.holdout.train_labels, net.words, net.num_buckets,
                                       net.ngram_orders, net.padding_index)
        return counts.sum(axis=0)

    def _metrics(self) -> Dict[str, Any]:
        """The source's ``metrics.json`` (a bundle has none) with the compact file's checksum."""
        path = os.path.join(self.source, METRICS)
        metrics = read_json(path) if os.path.isfile(path) else {}
        metrics = {k: v for k, v in metrics.items() if k not in ('checksums', 'checkpoint')}
        return {**metrics, 'checksums': {COMPACT_PARAMS: _PLACEHOLDER}}

    def fixed_bytes(self) -> int:
        """Bytes of every file but the compact parameters, the report's reserve included."""
        return (os.path.getsize(os.path.join(self.source, VOCAB)) + _json_bytes(self.config_out)
                + _json_bytes(self.metrics_out) + _REPORT_RESERVE)

    def _classifier(self, packed: Dict[str, Packed]) -> SentimentClassifier:
        """The classifier with ``packed`` decoded into a fresh network, as loading gives it."""
        net = get_model(self.config_out['model'], **self.config_out['model_kwargs'])
        net.collect_params().load_dict({name: mx.nd.array(unpack(*value))
                                        for name, value in packed.items()},
                                       ctx=mx.cpu(), restore_prefix=net.prefix)
        net.hybridize(static_alloc=True)
        clf = copy.copy(self.clf)
        clf.net = net
        return clf

    def choose(self, budget: int) -> Tuple[Dict[str, Packed], Dict[str, Any]]:
        """The packed parameters for a folder of ``budget`` bytes, and what was tried."""
        tried, options = [], self.plan.candidates(budget - self.fixed_bytes())
        for what, packed in options:
            tried.append({**what, 'params_bytes': packed_bytes(packed),
                          'validation': self._score(self._classifier(packed))})
        best = self.plan.choose(tried, self.before)
        return options[best][1], {**self.plan.describe(), **tried[best], 'candidates': tried}

    def write(self, stage: str, budget: int) -> Dict[str, Any]:
        """Write the compact run into the new folder ``stage`` within ``budget`` bytes; the report."""
        packed, chosen = self.choose(budget)
        os.makedirs(stage, exist_ok=True)
        shutil.copyfile(os.path.join(self.source, VOCAB), os.path.join(stage, VOCAB))
        write_json(os.path.join(stage, CONFIG), self.config_out)
        digest = write_compact(os.path.join(stage, COMPACT_PARAMS), packed)
        write_json(os.path.join(stage, METRICS),
                   {**self.metrics_out, 'checksums': {COMPACT_PARAMS: digest}})
        after = self._score(load_model(stage))  # as any user loads it
        return {'source': os.path.abspath(self.source), 'model': self.config['model'],
                'written_as': self.config_out['model'], 'source_bytes': folder_bytes(self.source),
                'parameters': chosen, 'validation': self._validation(after)}

    def _validation(self, after: Optional[Dict[str, float]]) -> Dict[str, Any]:
        if self.holdout is None:
            return {'data': None, 'note': self.note}
        return {'data': self.holdout.data, 'texts': len(self.holdout.labels),
                'before': self.before, 'after': after}


class _TooSmall(Exception):
    """The size asked for is below ``need`` bytes, the least the model can be written in."""

    def __init__(self, need: int):
        super().__init__(need)
        self.need = need


def _budgets(jobs: List[_Compression], size: int, overhead: int) -> List[int]:
    """The folder size each job may use: its floor, then what is left of ``size``.

    The fixed-size models get what they can use first (float32 where float16
    would cost accuracy); the n-gram models share the rest by their table rows.

    Raises
    ------
    _TooSmall
        If ``size`` is below the sum of the floors and ``overhead``.
    """
    need = overhead + sum(job.floor for job in jobs)
    if size < need:
        raise _TooSmall(need)
    spare = size - need
    budgets = []
    for job in jobs:
        extra = 0 if job.flexible else min(spare, job.want - job.floor)
        spare -= extra
        budgets.append(job.floor + extra)
    rows = [len(job.plan.table) if job.flexible else 0 for job in jobs]
    share = spare // max(1, sum(1 for r in rows if r))
    return [budget + (share if r else 0) for budget, r in zip(budgets, rows)]


def _check_out(model: str, out: str, overwrite: bool) -> None:
    if os.path.exists(out) and not os.path.isdir(out):
        raise RunDirError(f'--out {out}: exists and is not a folder; choose another path')
    source, target = os.path.realpath(model), os.path.realpath(out)
    if os.path.commonpath([source, target]) in (source, target):
        raise RunDirError(f'--out {out}: is, holds or lies inside --model {model}; the input is '
                          'never changed, choose another folder')
    if is_pretrained(out):
        raise RunDirError(f'--out {out}: lies inside the package\'s pretrained models, which are '
                          'never written; choose another folder')
    if os.path.exists(out) and not overwrite:
        raise RunDirError(f'--out {out}: exists; choose a new folder or pass --overwrite')


def _write_report(folder: str, report: Dict[str, Any]) -> Dict[str, Any]:
    """Write ``compression.json``, its ``size_bytes`` the folder's size with the report itself."""
    path = os.path.join(folder, COMPRESSION)
    for _ in range(3):  # the size's own digits may change the size
        write_json(path, report)
        total = folder_bytes(folder)
        if report.get('size_bytes') == total:
            break
        report['size_bytes'] = total
    return report


def _compress_ensemble(path: str, stage: str, size: int, data: Optional[str]) -> Dict[str, Any]:
    """Compress each member of the ensemble ``path`` into ``stage``; the ensemble's report."""
    spec = read_json(os.path.join(path, ENSEMBLE))
    before_model = load_model(path)  # checks ensemble.json and its members
    jobs = [_Compression(member, data) for member in member_paths(path, spec)]
    budgets = _budgets(jobs, size,
                       _json_bytes(spec) + _REPORT_RESERVE + _MEMBER_RESERVE * len(jobs))
    members = []
    for name, job, budget in zip(spec['members'], jobs, budgets):
        members.append(_write_report(os.path.join(stage, name),
                                     job.write(os.path.join(stage, name), budget)))
    write_json(os.path.join(stage, ENSEMBLE), spec)
    holdout = next((job.holdout for job in jobs if job.holdout is not None), None)
    validation = {'data': None, 'note': jobs[0].note}
    if holdout is not None:  # the members' split (train_best trains them on one)
        validation = {'data': holdout.data, 'texts': len(holdout.labels),
                      'before': _scores(before_model, holdout.texts, holdout.labels),
                      'after': _scores(load_model(stage), holdout.texts, holdout.labels)}
    return {'source': os.path.abspath(path), 'model': 'ensemble',
            'source_bytes': folder_bytes(path), 'validation': validation,
            'members': [{'member': name, 'size_bytes': member['size_bytes'],
                         'written_as': member['written_as'],
                         'validation': member['validation']}
                        for name, member in zip(spec['members'], members)]}


def compress_model(model: str, out: str, max_size: Union[str, int], data: Optional[str] = None,
                   overwrite: bool = False) -> Dict[str, Any]:
    """Compress the run, bundle or ensemble ``model`` into ``out``, at most ``max_size``.

    Parameters
    ----------
    model : str
        A run directory, a bundle, an ensemble, a compressed one of them, or
        the name of a model shipped with the package (``'imdb'``).
    out : str
        The folder to write (a compact run, or an ensemble of them).
    max_size : str or int
        The most bytes the whole of ``out`` may hold: ``'20MB'``,
        ``'15MiB'``, or an int (see :func:`parse_size`).
    data : str, optional
        The labelled data the run was trained on, where its ``config.json``
        records another path (or none).
    overwrite : bool, default False
        Replace an existing ``out``.

    Returns
    -------
    dict
        The report written as ``out/compression.json``: ``size_bytes``,
        ``source_bytes``, ``seconds``, ``validation`` (``before`` and ``after``:
        ``accuracy`` and ``log_loss``, or a ``note`` saying why there is no
        data), and ``parameters`` (encoding, rows kept, the candidates tried)
        or, for an ensemble, ``members``.

    Raises
    ------
    ConfigError
        If ``max_size`` is unreadable or below what the model can reach (the
        message says how small it can go).
    RunDirError
        If ``model`` is not a model, or ``out`` exists without ``overwrite``
        or is ``model``'s own folder.
    """
    start = time.perf_counter()
    size = parse_size(max_size)
    model = resolve_model(model)  # a path, or the name of a shipped model
    _check_out(model, out, overwrite)
    try:
        with atomic_folder(out) as stage:
            if is_ensemble(model):
                report = _compress_ensemble(model, stage, size, data)
            else:
                job = _Compression(model, data)
                budget = _budgets([job], size, 0)[0]
                report = job.write(stage, budget)
            report.update(out=os.path.abspath(out), max_size_bytes=size,
                          seconds=round(time.perf_counter() - start, 3))
            _write_report(stage, report)
    except _TooSmall as err:
        raise ConfigError(f'--max-size {max_size}: {model} cannot be compressed below '
                          f'{err.need} bytes ({np.ceil(err.need / 1e4) / 100:.2f}MB: its '
                          'vocabulary, configuration and smallest parameters); give at least '
                          'that') from None
    _log_report(model, out, report)
    return report


def _log_report(model: str, out: str, report: Dict[str, Any]) -> None:
    validation = report['validation']
    if validation.get('before') and validation.get('after'):
        figures = ('validation accuracy {:.4f} -> {:.4f}, log-loss {:.4f} -> {:.4f}'.format(
            validation['before']['accuracy'], validation['after']['accuracy'],
            validation['before']['log_loss'], validation['after']['log_loss']))
    else:
        figures = f'no validation figures ({validation.get("note")})'
    log.info('compressed %s to %s: %.2f MB (from %.2f MB) in %.1f s; %s', model, out,
             report['size_bytes'] / 1e6, report['source_bytes'] / 1e6, report['seconds'], figures)
