"""Per-epoch checkpoints of a training run, and resuming from the last one.

After each epoch, :func:`save_epoch` writes, in this order and each file
atomically (:func:`gluon_sentiment.artifacts.store.atomic_write`):

1. ``epoch-NNNN.params``: the parameters;
2. ``epoch-NNNN.states``: the trainer states (Adam's moments, the update
   count, the learning-rate schedule), the file of ``gluon.Trainer.save_states``
   streamed to disk one array at a time
   (:func:`gluon_sentiment.artifacts.states.save_trainer_states`);
3. ``best.params``, when the epoch has the best validation accuracy so far;
4. ``metrics.json``, whose ``checkpoint`` entry names files 1 and 2 (with
   their SHA-256 under ``checksums``, which load and resume verify; the
   top-level ``checksums`` map covers every parameter and state file kept,
   ``best.params`` included);

and then deletes the previous epoch's states, which nothing needs any more
(every epoch's parameters are kept).

``metrics.json`` is the commit point: a crash or ``kill -9`` before step 4
leaves the previous epoch's entry, whose files are untouched, so the run
always resumes from a complete epoch. Random state needs no file: the data
order (:func:`gluon_sentiment.training.engine.epoch_batches`) and MXNet's generator
(``mx.random.seed(seed + epoch)``) are set from the seed and the epoch
number at the start of every epoch, so resuming at epoch ``e`` draws
exactly what an uninterrupted run draws. An epoch cut short by an interrupt
restarts from its beginning.
"""
import glob
import logging
import os
import re
import shutil
from typing import Any, Dict, Optional

from mxnet import gluon

from ..artifacts import rundir
from ..artifacts.checksums import verify_checksum, write_checked
from ..artifacts.params import load_or_explain, save_parameters, summarize_error
from ..artifacts.states import load_trainer_states, save_trainer_states
from ..artifacts.store import (BEST_PARAMS, CONFIG, METRICS, SYMBOL_PREFIX, SYMBOL_SUFFIXES, VOCAB,
                               atomic_write, epoch_params, epoch_states, read_json, write_json)
from ..errors import RunDirError

__all__ = ['save_epoch', 'load_last', 'check_resumable', 'prune_finished']

log = logging.getLogger(__name__)


def save_epoch(run_dir: str, epoch: int, net: gluon.Block, trainer: gluon.Trainer,
               metrics: Dict[str, Any], is_best: bool, save_states: bool = True) -> None:
    """Write the checkpoint of a completed epoch (see the module docstring for the order).

    Parameters
    ----------
    run_dir : str
        The run directory.
    epoch : int
        The epoch just completed; ``metrics['history']`` must end with its row.
    net, trainer
        The model and its trainer.
    metrics : dict
        The run's metrics; its ``checkpoint`` and ``checksums`` entries are
        set here once ``metrics.json`` is committed (a failed write leaves
        them, and the file, at the previous epoch).
    is_best : bool
        Also write ``best.params``.
    save_states : bool, default True
        Write the trainer's states. A distributed trainer cannot save them
        (its optimizer may live on the servers), so distributed runs keep
        parameters only and cannot be resumed.

    Raises
    ------
    StorageError
        If a file cannot be written (disk full, file-size limit, ...); the
        previous epoch's checkpoint is untouched.
    """
    params, states = epoch_params(epoch), epoch_states(epoch)
    sums = dict(metrics.get('checksums') or {})
    sums[params] = write_checked(os.path.join(run_dir, params),
                                 lambda tmp: save_parameters(net, tmp))
    if save_states:
        sums[states] = write_checked(os.path.join(run_dir, states),
                                     lambda tmp: save_trainer_states(trainer, tmp))
    else:
        states = None
    if is_best:  # the same bytes as the epoch's file, without a second copy of the network
        sums[BEST_PARAMS] = write_checked(
            os.path.join(run_dir, BEST_PARAMS),
            lambda tmp: shutil.copyfile(os.path.join(run_dir, params), tmp))
    sums.pop(epoch_states(epoch - 1), None)
    checkpoint = {'epoch': epoch, 'params': params, 'states': states,
                  'checksums': {name: sums[name] for name in (params, states) if name}}
    write_json(os.path.join(run_dir, METRICS), {**metrics, 'checkpoint': checkpoint,
                                                'checksums': sums})
    metrics.update(checkpoint=checkpoint, checksums=sums)  # only once committed
    previous = os.path.join(run_dir, epoch_states(epoch - 1))
    if os.path.exists(previous):  # only the checkpoint's states are ever needed
        os.remove(previous)


def load_last(run_dir: str, net: gluon.Block, trainer: gluon.Trainer,
              ctx) -> Optional[Dict[str, Any]]:
    """Restore the last completed epoch of ``run_dir`` into ``net`` and ``trainer``.

    ``best.params`` is rewritten from the parameters of the best epoch, in
    case a kill fell between writing it and committing ``metrics.json``.

    Returns
    -------
    dict or None
        The run's metrics (history, best epoch, ``checkpoint``), or None if
        no epoch was completed: the run then starts from its beginning.

    Raises
    ------
    RunDirError
        If a checkpoint file named in ``metrics.json`` is missing or does
        not fit the model.
    """
    metrics = _read_metrics(run_dir)
    done = metrics.get('checkpoint') if metrics else None
    if not done:
        return None
    if not done.get('states'):
        raise RunDirError(f'{run_dir}: a distributed run keeps no trainer states and cannot be '
                          'resumed; train it again')
    params = os.path.join(run_dir, done['params'])
    states = os.path.join(run_dir, done['states'])
    sums = done.get('checksums') if isinstance(done.get('checksums'), dict) else {}
    remedy = (f'the checkpoint of epoch {done["epoch"]} is lost: restore the file from a copy '
              'of the run, or train again')
    for path, what in ((params, 'parameters'), (states, 'trainer states')):
        if not os.path.isfile(path):
            raise RunDirError(f'{path}: missing, but {METRICS} names it as the checkpoint '
                              f'of epoch {done["epoch"]}; the run cannot be resumed')
        verify_checksum(path, sums.get(os.path.basename(path)), what, remedy)
    load_or_explain(params, lambda: net.load_parameters(params, ctx=ctx), remedy)
    _load(states, 'trainer states', lambda: load_trainer_states(trainer, states))
    name = epoch_params(metrics['best_epoch'])
    best = os.path.join(run_dir, name)
    all_sums = metrics.get('checksums') if isinstance(metrics.get('checksums'), dict) else {}
    verify_checksum(best, all_sums.get(name) if sums else None, 'parameters',
                    f'the best epoch ({metrics["best_epoch"]}) is lost: train again')
    atomic_write(os.path.join(run_dir, BEST_PARAMS), lambda tmp: shutil.copyfile(best, tmp))
    for path in glob.glob(os.path.join(run_dir, epoch_states(0).replace('0000', '*'))):
        if os.path.basename(path) != done['states']:  # left by a kill after the commit
            os.remove(path)
    metrics['history'] = [row for row in metrics['history'] if row['epoch'] <= done['epoch']]
    metrics['status'] = 'training'
    log.info('resuming %s after epoch %d (best so far: epoch %d, val acc %.4f)', run_dir,
             done['epoch'], metrics['best_epoch'], metrics['val_accuracy'])
    return metrics


_NAME = re.compile(r'^epoch-\d{4,}\.(params|states)$')


def _read_metrics(run_dir: str) -> Optional[Dict[str, Any]]:
    """The run's ``metrics.json``, checked to hold what resuming reads; None if absent."""
    path = os.path.join(run_dir, METRICS)
    if not os.path.exists(path):
        return None
    metrics = read_json(path)
    done = metrics.get('checkpoint') if isinstance(metrics, dict) else None
    if isinstance(metrics, dict) and not done:
        return metrics
    damaged = RunDirError(f'{path}: damaged: its checkpoint record is incomplete; restore it '
                          'from a copy of the run, or train again')
    if not isinstance(done, dict) or not isinstance(done.get('epoch'), int):
        raise damaged
    names = [done.get('params')] + ([done['states']] if done.get('states') is not None else [])
    history = metrics.get('history')
    if (not all(isinstance(n, str) and _NAME.match(n) for n in names)
            or not isinstance(metrics.get('best_epoch'), int)
            or not isinstance(metrics.get('val_accuracy'), (int, float))
            or not isinstance(history, list)
            or not all(isinstance(r, dict) and isinstance(r.get('epoch'), int) for r in history)):
        raise damaged
    return metrics


def _load(path, what, load):
    try:
        load()
    except Exception as err:  # pylint: disable=broad-except  (damaged pickles raise anything)
        raise RunDirError(f'{path}: cannot load these {what} into the model of '
                          f'{CONFIG} (damaged, or of another model: {summarize_error(err)}); '
                          'the run cannot be resumed, train it again') from None


def check_resumable(run_dir: str, model_kwargs: Dict[str, Any], vocab) -> None:
    """Refuse to resume when the run's files disagree with the model about to be trained.

    Parameters
    ----------
    run_dir : str
        The run directory.
    model_kwargs : dict
        Constructor arguments of the model rebuilt from the saved config.
    vocab : gluonnlp.Vocab
        The vocabulary built from the data again.

    Raises
    ------
    RunDirError
        Naming the first token or constructor argument that differs.
    """
    saved = rundir.load_vocab(os.path.join(run_dir, VOCAB))
    if saved.idx_to_token != vocab.idx_to_token:
        first = next((i for i, (a, b) in enumerate(zip(saved.idx_to_token, vocab.idx_to_token))
                      if a != b), min(len(saved), len(vocab)))
        got = lambda v: repr(v.idx_to_token[first]) if first < len(v) else 'nothing'  # noqa: E731
        raise RunDirError(f'{os.path.join(run_dir, VOCAB)}: the data now give a different '
                          f'vocabulary ({len(vocab)} tokens, {got(vocab)} at index {first}; '
                          f'saved: {len(saved)} tokens, {got(saved)}); resume with the same data')
    config_path = os.path.join(run_dir, CONFIG)
    saved_kwargs = read_json(config_path).get('model_kwargs', {})
    changed = sorted(k for k in set(saved_kwargs) | set(model_kwargs)
                     if saved_kwargs.get(k) != model_kwargs.get(k))
    if changed:
        key = changed[0]
        raise RunDirError(f'{config_path}: model_kwargs {key}={saved_kwargs.get(key)!r} disagrees '
                          f'with the options and vocabulary ({key}={model_kwargs.get(key)!r})')


def prune_finished(run_dir: str, epochs: int) -> int:
    """Delete a finished run's per-epoch checkpoints and exported graph.

    What :func:`gluon_sentiment.load_model` needs (config, vocabulary,
    ``best.params``) and the metrics stay. ``epochs`` is the number of
    epochs the run completed. Returns the number of bytes freed.
    """
    names = [epoch_params(e) for e in range(1, epochs + 1)] + [epoch_states(epochs)]
    names += [SYMBOL_PREFIX + suffix for suffix in SYMBOL_SUFFIXES]
    freed = 0
    for path in (os.path.join(run_dir, name) for name in names):
        if os.path.exists(path):
            freed += os.path.getsize(path)
            os.remove(path)
    return freed
