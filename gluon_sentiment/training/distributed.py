"""Data-parallel training over many processes with MXNet's parameter-server kvstore.

A job is one scheduler, one or more servers and ``num_workers`` workers
(see :mod:`gluon_sentiment.launch`). Every worker reads the whole data set,
so all of them agree on the split and the vocabulary, and computes the same
global batches (:func:`gluon_sentiment.training.engine.epoch_batches` is a pure
function of seed and epoch); worker ``rank`` trains on positions ``rank,
rank + num_workers, ...`` of every batch. Every worker therefore takes the
same number of steps, and the W shards of an epoch are disjoint and cover
the training split.

With ``dist_sync`` the gradients of a step are summed on the servers and
pulled back by every worker, which then runs the optimizer itself
(``update_on_kvstore=False``) on the same sum: the workers stay
bit-identical, and ``trainer.step(len(global_batch))`` makes the update
exactly that of one process training on the whole batch. Metrics are summed
through the kvstore too (:meth:`Worker.allreduce`).
"""
import ctypes
import gc
import logging
import os
from dataclasses import dataclass

import mxnet as mx
import numpy as np
from mxnet.base import _LIB, check_call

from ..errors import ConfigError
from .config import KVSTORES

__all__ = ['LAUNCH_VARS', 'Worker', 'check_launch_env', 'create_worker']

log = logging.getLogger(__name__)

#: Variables ps-lite needs in every process of a distributed job.
LAUNCH_VARS = ('DMLC_ROLE', 'DMLC_PS_ROOT_URI', 'DMLC_PS_ROOT_PORT', 'DMLC_NUM_SERVER',
               'DMLC_NUM_WORKER')

#: kvstore key of the metric sums; the Trainer uses keys 0 .. number of parameters - 1.
_METRIC_KEY = 999_999
_METRIC_SLOTS = 8


def check_launch_env(kvstore: str) -> None:
    """Raise a :class:`ConfigError` saying how to launch if ``DMLC_*`` variables are missing.

    Without them ``mx.kv.create('dist_sync')`` would wait for a scheduler
    that never comes.
    """
    missing = [name for name in LAUNCH_VARS if not os.environ.get(name)]
    if missing:
        raise ConfigError(
            f'--kvstore {kvstore} needs a scheduler and servers, found through the '
            f'{", ".join(missing)} environment variable(s); start the job with '
            f'python -m gluon_sentiment.launch -n 2 -s 1 -- ... --kvstore {kvstore} '
            '(or set the DMLC_* variables on each host, see the README)')
    if os.environ['DMLC_ROLE'] != 'worker':
        raise ConfigError(f'DMLC_ROLE={os.environ["DMLC_ROLE"]}: training runs only as a '
                          'worker; start schedulers and servers with python -c "import mxnet"')


@dataclass
class Worker:
    """This process's place in the job: rank, number of workers and the kvstore.

    A single process is ``Worker(0, 1, kvstore)`` with ``kvstore`` a name
    (``'device'``, ``'local'``) that ``gluon.Trainer`` turns into a store.
    """
    rank: int
    num_workers: int
    kvstore: object  # str for single-process stores, mx.kv.KVStore for dist_*

    @property
    def distributed(self) -> bool:
        """Whether this process is part of a multi-process job."""
        return not isinstance(self.kvstore, str)

    @property
    def sync(self) -> bool:
        """Whether all workers apply the same update each step (``dist_sync``)."""
        return not self.distributed or 'async' not in self.kvstore.type

    @property
    def is_writer(self) -> bool:
        """Whether this process writes the run directory (rank 0)."""
        return self.rank == 0

    def shard(self, indices: np.ndarray) -> np.ndarray:
        """This worker's part of ``indices``: positions ``rank``, ``rank + W``, ..."""
        return indices[self.rank::self.num_workers]

    def start(self, trainer: mx.gluon.Trainer) -> None:
        """Give every worker rank 0's initial weights now, before the first step.

        ``gluon.Trainer`` initializes its kvstore keys lazily, inside the
        first ``step``: it broadcasts each weight (rank 0 pushes, every
        worker pulls it) and at once pushes that step's gradient under the
        same key. On CPU, MXNet's dist kvstore sends a gradient from the
        gradient array itself (``comm_buf = merged`` in ``PushPullImpl``),
        so nothing orders that push after the pull of the weight just
        before it. When both workers' gradients reach the server first, the
        server's value under the key is already their sum (with
        ``update_on_kvstore=False`` the servers store the summed gradient),
        and a late pull hands that sum to one worker as its initial weight:
        the workers then differ in that array for good.

        Here the keys are initialized and the pulled weights waited for,
        so every later push comes after them. Call it after the trainer is
        built and any checkpoint loaded, before training; every worker must
        call it (``init`` is a barrier). It does nothing in a single process
        and when the servers run the optimizer (``dist_async``): there the
        servers store weights, so a late pull still gets a weight, and the
        optimizer must reach the servers at the first step, which sets its
        ``rescale_grad``.
        """
        # pylint: disable=protected-access
        if not self.distributed or trainer._kvstore_params['update_on_kvstore'] is not False:
            return
        if not trainer._kv_initialized:
            trainer._init_kvstore()
        if trainer._params_to_init:
            trainer._init_params()
        if trainer._params_to_init:  # deferred: no shape yet, so nothing was broadcast
            raise RuntimeError('the network must be initialized (run one forward) before '
                               'Worker.start: '
                               + ', '.join(p.name for p in trainer._params_to_init))
        for param in trainer._params:
            for array in param.list_data():
                array.wait_to_read()

    def finish(self, trainer, params) -> None:
        """Leave the job cleanly at the end of training, while every worker is still here.

        Drops every reference to the kvstore (the trainer's, the parameters'
        link to the trainer, this worker's), so that MXNet frees it now: its
        destructor waits at the exit barrier and stops ps-lite. Left to the
        interpreter's exit, the store could outlive MXNet's engine and abort
        the process ("terminate called without an active exception").
        """
        if not self.distributed:
            return
        for param in params.values():
            param._trainer = None  # pylint: disable=protected-access
        trainer._kvstore = None  # pylint: disable=protected-access
        self.kvstore = None
        gc.collect()

    def leave_without_goodbye(self) -> None:
        """Let this process exit without waiting at the kvstore's exit barrier.

        After an error, the other workers will never reach that barrier;
        without this a failed worker would hang instead of exiting (and the
        launcher would never learn that it failed).
        """
        if self.distributed and self.kvstore is not None:
            check_call(_LIB.MXKVStoreSetBarrierBeforeExit(self.kvstore.handle, ctypes.c_int(0)))

    def allreduce(self, values: np.ndarray) -> np.ndarray:
        """Sum ``values`` (at most 8 numbers) over the workers, through the kvstore.

        Every worker must call it the same number of times (it is a
        collective step). Only for ``dist_sync``; a single process gets its
        values back.
        """
        values = np.asarray(values, dtype=np.float64)
        if not self.distributed:
            return values
        if not self.sync:
            raise RuntimeError('allreduce needs dist_sync: dist_async servers apply the '
                               'optimizer to every push')
        padded = np.zeros(_METRIC_SLOTS, dtype=np.float64)
        padded[:len(values)] = values
        out = mx.nd.zeros(_METRIC_SLOTS, dtype='float64')
        self.kvstore.pushpull(_METRIC_KEY, mx.nd.array(padded, dtype='float64'), out=out)
        return out.asnumpy()[:len(values)]


def create_worker(kvstore: str = 'device') -> Worker:
    """The :class:`Worker` of this process for ``--kvstore kvstore``.

    For ``dist_*`` this creates MXNet's distributed kvstore (and so joins
    the job) and prepares the key that :meth:`Worker.allreduce` uses.

    Raises
    ------
    ConfigError
        For an unknown store, or ``dist_*`` outside a launched job.
    """
    if kvstore not in KVSTORES:
        raise ConfigError(f'--kvstore {kvstore}: choose one of {", ".join(KVSTORES)}')
    if not kvstore.startswith('dist'):
        return Worker(0, 1, kvstore)
    check_launch_env(kvstore)
    kv = mx.kv.create(kvstore)
    worker = Worker(kv.rank, kv.num_workers, kv)
    if worker.sync:
        kv.init(_METRIC_KEY, mx.nd.zeros(_METRIC_SLOTS, dtype='float64'))
    log.info('worker %d of %d joined the %s job (%s servers)', kv.rank, kv.num_workers, kvstore,
             os.environ.get('DMLC_NUM_SERVER'))
    return worker
