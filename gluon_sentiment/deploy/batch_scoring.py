"""Batch scoring of many text files: one JSON Lines file per input shard, in-process or on Dask.

::

    shards = plan_shards('shards/*.txt', 'scores')
    report = run_batch(shards, 'runs/multikernel', ScoringOptions(), dask='local:2')

Each input shard ``shards/<stem>.txt`` (one text per line) gives
``scores/<stem>.jsonl``: one prediction record per input line, in input
order, as ``predict --format jsonl`` prints them
(:func:`gluon_sentiment.inference.predict_records`). An output is written
through :func:`gluon_sentiment.artifacts.store.atomic_write`, so it appears
under its name only when complete.

*Resuming.* An output is complete when it exists and has as many lines as
its shard; a complete output is skipped, any other (a truncated copy, or
one of a shard that has grown since) is scored again, and the temporary
files an interrupted write left are removed. The output folder holds
nothing but the outputs: anything else in it is refused, unless
``overwrite`` clears it (and so scores every shard again).

*On Dask* (``dask='local:N'`` for a :class:`~distributed.LocalCluster` of N
one-thread worker processes on this machine, or ``'tcp://HOST:PORT'`` for a
running scheduler), each shard is one task, and a worker plugin loads the
model once per worker, when the job starts; the shards, the model and the
output folder must be at the same paths on every worker (a shared
filesystem). Workers of one thread each are best (``dask worker ADDRESS
--nthreads 1 --nworkers K``): the threads of a worker share its one model
and take turns with it.
"""
import contextlib
import glob
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional

from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker

from ..analysis.explain import explain
from ..artifacts.store import atomic_write, remove_temporaries
from ..errors import ConfigError, DataError, GluonSentimentError
from ..inference.loading import load_model
from ..inference.records import iter_records, read_lines
from ..threads import usable_cores

__all__ = ['OUTPUT_SUFFIX', 'Shard', 'ScoringOptions', 'ShardResult', 'BatchReport',
           'plan_shards', 'count_lines', 'is_complete', 'score_shard', 'score_shards',
           'dask_client', 'run_batch']

log = logging.getLogger(__name__)

#: what an output's name is: ``<stem of its shard>.jsonl``
OUTPUT_SUFFIX = '.jsonl'


@dataclass(frozen=True)
class Shard:
    """An input file of texts (``path``) and the JSON Lines file of its records (``output``)."""

    path: str
    output: str


@dataclass(frozen=True)
class ScoringOptions:
    """How texts are scored: as :mod:`gluon_sentiment.predict`'s flags of the same names.

    Parameters
    ----------
    batch_size : int, default 256
        Texts per forward pass.
    chunk_size : int, default 4096
        Texts read, predicted and written at a time.
    explain_top_k : int, optional
        Add an ``explanation`` of this many n-grams or words to each record.
    """

    batch_size: int = 256
    chunk_size: int = 4096
    explain_top_k: Optional[int] = None


@dataclass(frozen=True)
class ShardResult:
    """What became of one shard: its texts, seconds spent, the worker and its model's load."""

    path: str
    texts: int
    seconds: float = 0.0
    skipped: bool = False
    #: the Dask worker's address ('' in-process)
    worker: str = ''
    #: the identity of the model load that scored the shard ('' if skipped)
    load: str = ''


@dataclass
class BatchReport:
    """The results of a batch, one per shard in input order, and its wall-clock seconds."""

    results: List[ShardResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def texts(self) -> int:
        """Texts scored by this batch (skipped shards not counted)."""
        return sum(r.texts for r in self.results if not r.skipped)

    @property
    def skipped(self) -> int:
        """Shards skipped because their complete output existed."""
        return sum(r.skipped for r in self.results)

    @property
    def per_second(self) -> float:
        """Texts scored per wall-clock second (reading, scoring and writing included)."""
        return self.texts / self.seconds if self.seconds else 0.0

    def loads(self) -> Dict[str, int]:
        """Worker -> number of times it loaded the model for this batch."""
        loads: Dict[str, set] = {}
        for r in self.results:
            if not r.skipped:
                loads.setdefault(r.worker, set()).add(r.load)
        return {worker: len(ids) for worker, ids in loads.items()}


def _prepare_output_dir(output_dir: str, outputs: set, overwrite: bool) -> None:
    os.makedirs(output_dir, exist_ok=True)
    remove_temporaries(output_dir)
    names = sorted(os.listdir(output_dir))
    folders = [n for n in names if os.path.isdir(os.path.join(output_dir, n))]
    if folders:
        raise ConfigError(f'--output-dir {output_dir}: holds the folder {folders[0]}; '
                          'give a folder of its own to the outputs')
    others = names if overwrite else [n for n in names if n not in outputs]
    if others and not overwrite:
        raise ConfigError(f'--output-dir {output_dir}: holds {len(others)} file(s) that are '
                          f'not outputs of these shards (e.g. {others[0]}); give an empty or '
                          'new folder, or --overwrite to delete them and score every shard')
    for name in others:
        os.remove(os.path.join(output_dir, name))


def plan_shards(pattern: str, output_dir: str, overwrite: bool = False) -> List[Shard]:
    """The shards of a glob, each with its output in ``output_dir``; prepares the folder.

    Parameters
    ----------
    pattern : str
        A glob of input files (``**`` matches folders recursively), or one path.
    output_dir : str
        Folder of the outputs, created if missing. Temporary files left by an
        interrupted batch are removed from it.
    overwrite : bool, default False
        Delete every file in ``output_dir`` first, so that every shard is
        scored again.

    Raises
    ------
    DataError
        If the glob matches no file, or two shards share a stem.
    ConfigError
        If ``output_dir`` holds a folder or, without ``overwrite``, a file
        that is not the output of one of the shards, or if a shard lies in it.
    """
    paths = sorted(os.path.abspath(p) for p in glob.glob(pattern, recursive=True)
                   if os.path.isfile(p))
    if not paths:
        raise DataError(f'--input {pattern}: matches no files')
    output_dir = os.path.abspath(output_dir)
    shards, by_name = [], {}
    for path in paths:
        if os.path.dirname(path) == output_dir:
            raise ConfigError(f'--input {pattern}: matches {path}, inside --output-dir')
        name = os.path.splitext(os.path.basename(path))[0] + OUTPUT_SUFFIX
        if name in by_name:
            raise DataError(f'--input {pattern}: {by_name[name]} and {path} would both be '
                            f'scored to {name}; give shards distinct names')
        by_name[name] = path
        shards.append(Shard(path, os.path.join(output_dir, name)))
    _prepare_output_dir(output_dir, set(by_name), overwrite)
    return shards


def count_lines(path: str) -> int:
    """Lines of a file as :func:`~gluon_sentiment.inference.read_lines` reads them."""
    return sum(1 for _ in read_lines(path))


def is_complete(shard: Shard) -> bool:
    """Whether ``shard``'s output exists with one line per line of the shard."""
    return os.path.isfile(shard.output) and count_lines(shard.output) == count_lines(shard.path)


def score_shard(clf, shard: Shard, options: ScoringOptions) -> int:
    """Score ``shard`` with ``clf`` into its output, atomically; returns the texts scored.

    Parameters
    ----------
    clf : SentimentClassifier or EnsembleClassifier
        The model (see :func:`gluon_sentiment.load_model`).
    shard : Shard
        The input file and the output file.
    options : ScoringOptions
        Chunk size and explanations (the batch size is ``clf``'s).
    """
    top_k = options.explain_top_k
    explainer = (lambda chunk: explain(clf, chunk, top_k)) if top_k else None
    count = 0

    def write(tmp: str) -> None:
        nonlocal count
        with open(tmp, 'w', encoding='utf-8', newline='\n') as f:
            for record in iter_records(clf, read_lines(shard.path), options.chunk_size,
                                       explainer):
                f.write(json.dumps(record, ensure_ascii=False) + '\n')
                count += 1
    atomic_write(shard.output, write)
    return count


class _ModelPlugin(WorkerPlugin):
    """Loads the model once per worker (at registration, or when a worker joins later).

    A model that cannot be loaded (a :class:`GluonSentimentError`) is kept
    as ``error``, for the client to raise as one line (:func:`_load_error`).
    MXNet's cached graphs are not thread-safe, so the tasks of a worker with
    several threads take turns with the model (``lock``).
    """

    def __init__(self, model: str, batch_size: int):
        self.model, self.batch_size = model, batch_size
        self.clf, self.load, self.error, self.lock = None, '', None, None

    def setup(self, worker) -> None:
        self.lock = threading.Lock()
        try:
            self.clf = load_model(self.model)
        except GluonSentimentError as err:
            self.error = err
            return
        self.clf.batch_size = self.batch_size
        self.load = uuid.uuid4().hex
        log.info('%s: loaded %s', worker.address, self.model)

    def teardown(self, worker) -> None:
        self.clf = None


def _load_error(plugin: str, dask_worker=None) -> Optional[GluonSentimentError]:
    """The error of the worker's model load, if any (run on each worker by ``Client.run``)."""
    return dask_worker.plugins[plugin].error


def _score_on_worker(shard: Shard, plugin: str, options: ScoringOptions) -> ShardResult:
    worker = get_worker()
    loaded = worker.plugins[plugin]
    with loaded.lock:
        start = time.perf_counter()
        texts = score_shard(loaded.clf, shard, options)
    return ShardResult(shard.path, texts, time.perf_counter() - start, worker=worker.address,
                       load=loaded.load)


def _score_in_process(pending: List[Shard], model: str,
                      options: ScoringOptions) -> Iterator[ShardResult]:
    clf = load_model(model)
    clf.batch_size = options.batch_size
    for shard in pending:
        start = time.perf_counter()
        texts = score_shard(clf, shard, options)
        yield ShardResult(shard.path, texts, time.perf_counter() - start, load='in-process')


def _score_on_dask(client: Client, pending: List[Shard], model: str,
                   options: ScoringOptions) -> Iterator[ShardResult]:
    name = f'gluon_sentiment.batch_scoring:{uuid.uuid4().hex}'
    client.register_plugin(_ModelPlugin(model, options.batch_size), name=name)
    try:
        for error in client.run(_load_error, name).values():
            if error is not None:
                raise error
        futures = client.map(_score_on_worker, pending, plugin=name, options=options,
                             pure=False)
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.unregister_worker_plugin(name)


def score_shards(shards: List[Shard], model: str, options: ScoringOptions,
                 client: Optional[Client] = None) -> BatchReport:
    """Score every shard whose output is not complete; skip the others.

    Parameters
    ----------
    shards : list of Shard
        From :func:`plan_shards`.
    model : str
        A run, bundle or ensemble folder (see :func:`gluon_sentiment.load_model`),
        loaded once in this process, or once per Dask worker.
    options : ScoringOptions
        Batch size, chunk size and explanations.
    client : distributed.Client, optional
        Score on this Dask cluster, one task per shard; in-process if omitted.

    Returns
    -------
    BatchReport
        One result per shard, in the order of ``shards``.
    """
    start = time.perf_counter()
    model = os.path.abspath(model) if os.path.exists(model) else model
    done = {s.path: ShardResult(s.path, count_lines(s.path), skipped=True)
            for s in shards if is_complete(s)}
    pending = [s for s in shards if s.path not in done]
    log.info('%d shard(s) to score, %d complete already', len(pending), len(done))
    if pending:
        results = (_score_on_dask(client, pending, model, options) if client is not None
                   else _score_in_process(pending, model, options))
        for result in results:
            log.info('%s: %d texts in %.2f s%s', os.path.basename(result.path), result.texts,
                     result.seconds, f' on {result.worker}' if result.worker else '')
            done[result.path] = result
    return BatchReport([done[s.path] for s in shards], time.perf_counter() - start)


@contextlib.contextmanager
def dask_client(address: str, timeout: float = 10.0) -> Iterator[Client]:
    """A client of a new ``local:N`` cluster, or of the scheduler at ``tcp://HOST:PORT``.

    A local cluster has N worker processes of one thread each, and each
    gets ``OMP_NUM_THREADS`` = usable cores // N; it is closed on exit.

    Raises
    ------
    ConfigError
        If ``address`` is neither form, or no scheduler (or no worker)
        answers within ``timeout`` seconds.
    """
    if address.startswith('local:'):
        count = address[len('local:'):]
        if not count.isdigit() or int(count) < 1:
            raise ConfigError(f'--dask {address}: give local:N with N at least 1 workers')
        env = {'OMP_NUM_THREADS': str(max(1, usable_cores() // int(count)))}
        with LocalCluster(n_workers=int(count), threads_per_worker=1, processes=True,
                          dashboard_address=':0', env=env) as cluster, Client(cluster) as client:
            yield client
        return
    if '://' not in address:
        raise ConfigError(f'--dask {address}: give local:N or a scheduler address '
                          'tcp://HOST:PORT')
    try:
        client = Client(address, timeout=timeout)
    except (OSError, ValueError) as err:
        raise ConfigError(f'--dask {address}: no Dask scheduler answered within {timeout:g} s '
                          f'({str(err).splitlines()[0]})') from None
    with client:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise ConfigError(f'--dask {address}: the scheduler has no workers after '
                              f'{timeout:g} s; start some with: dask worker {address}') from None
        yield client


def run_batch(shards: List[Shard], model: str, options: ScoringOptions,
              dask: Optional[str] = None, timeout: float = 10.0) -> BatchReport:
    """:func:`score_shards` in-process, or on the cluster :func:`dask_client` gives for ``dask``."""
    if dask is None:
        return score_shards(shards, model, options)
    with dask_client(dask, timeout) as client:
        return score_shards(shards, model, options, client)
