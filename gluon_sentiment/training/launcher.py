"""Launching a data-parallel job on this machine: scheduler, servers and workers over 127.0.0.1.

``python -m gluon_sentiment.launch`` is the command line.

MXNet's distributed kvstore (ps-lite) finds its peers through ``DMLC_*``
environment variables. This launcher sets them for every role it starts:
``DMLC_PS_ROOT_URI`` and ``DMLC_PS_ROOT_PORT`` (the scheduler's address, a
free port), ``DMLC_NUM_SERVER``, ``DMLC_NUM_WORKER``, ``DMLC_ROLE`` and
``DMLC_NODE_HOST``. The scheduler and each server are plain
``python -c "import mxnet"`` processes: importing MXNet with
``DMLC_ROLE=scheduler`` or ``server`` runs the kvstore server and exits when
the workers are done. Each role runs in a process group of its own, so the
launcher can stop a role together with anything it started.

Every wait is bounded. The launcher polls its children; as soon as a worker
fails, or a scheduler or server dies while workers still run, it stops
everything and exits non-zero with a message naming the failed role.
``--timeout`` bounds the whole job, and the roles get ``--grace`` seconds to
stop on their own before they are killed.
"""
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from ..errors import ConfigError
from ..threads import thread_env, usable_cores

__all__ = ['Role', 'free_port', 'role_env', 'launch']

log = logging.getLogger(__name__)

#: The command that runs a scheduler or a server: importing MXNet starts it.
SERVER_COMMAND = ('-c', 'import mxnet')

#: Seconds between two checks of the job's processes.
POLL_SECONDS = 0.1


@dataclass
class Role:
    """One started process of the job."""
    name: str
    process: subprocess.Popen

    @property
    def returncode(self) -> Optional[int]:
        """Exit status, None while running."""
        return self.process.poll()


def free_port(host: str = '127.0.0.1') -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def role_env(role: str, num_workers: int, num_servers: int, host: str, port: int,
             threads: int = 1, base: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment of one role: ``base`` (default ``os.environ``) plus the ``DMLC_*`` variables.

    ``OMP_NUM_THREADS`` is set to ``threads`` (the scheduler and servers
    only add up arrays: give them 1).
    """
    env = thread_env(threads, base)
    env.update(DMLC_ROLE=role, DMLC_PS_ROOT_URI=host, DMLC_PS_ROOT_PORT=str(port),
               DMLC_NUM_WORKER=str(num_workers), DMLC_NUM_SERVER=str(num_servers),
               DMLC_NODE_HOST=host)
    return env


def _start(name: str, command: Sequence[str], env: Dict[str, str]) -> Role:
    log.debug('starting %s: %s', name, ' '.join(command))
    # start_new_session: a process group per role, so stopping it reaches its children too
    return Role(name, subprocess.Popen(list(command), env=env, start_new_session=True))


def _signal_group(role: Role, sig: int) -> None:
    try:
        os.killpg(role.process.pid, sig)
    except ProcessLookupError:  # already gone
        pass


def _stop(roles: Sequence[Role], grace: float) -> None:
    """SIGTERM every role's group, wait up to ``grace`` seconds, then SIGKILL what is left."""
    for role in roles:
        _signal_group(role, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for role in roles:
        try:
            role.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for role in roles:
        _signal_group(role, signal.SIGKILL)  # the group may hold children of a finished leader
        try:
            role.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            log.error('%s (pid %d) did not stop after SIGKILL', role.name, role.process.pid)


def _wait_all(roles: Sequence[Role], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while any(role.returncode is None for role in roles):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def launch(worker_command: Sequence[str], num_workers: int, num_servers: int = 1,
           host: str = '127.0.0.1', port: Optional[int] = None,
           threads_per_worker: Optional[int] = None, timeout: float = 86400.0,
           grace: float = 10.0) -> int:
    """Run a scheduler, ``num_servers`` servers and ``num_workers`` copies of ``worker_command``.

    Parameters
    ----------
    worker_command : sequence of str
        The program each worker runs, e.g.
        ``[sys.executable, '-m', 'gluon_sentiment.train', ...]``.
    num_workers, num_servers : int
        Processes of each role (``DMLC_NUM_WORKER``, ``DMLC_NUM_SERVER``).
    host : str
        Address of the scheduler and of every role (all on this machine).
    port : int, optional
        Scheduler port (default: a free one).
    threads_per_worker : int, optional
        ``OMP_NUM_THREADS`` of each worker (default: the usable cores
        divided among the workers, at least 1).
    timeout : float
        Seconds the whole job may take before it is stopped as failed.
    grace : float
        Seconds the roles get to exit after the workers finish (or after
        SIGTERM) before they are killed.

    Returns
    -------
    int
        0 if every worker exited with status 0, else 1. Nothing it started
        is left running when it returns. The children are checked every
        :data:`POLL_SECONDS`.

    Raises
    ------
    ConfigError
        For fewer than one worker or server.
    """
    if num_workers < 1 or num_servers < 1:
        raise ConfigError(f'-n/--num-workers and -s/--num-servers must be at least 1, '
                          f'got {num_workers} and {num_servers}')
    port = port or free_port(host)
    python = [sys.executable, *SERVER_COMMAND]
    threads = threads_per_worker or max(1, usable_cores() // num_workers)
    env = {role: role_env(role, num_workers, num_servers, host, port,
                          threads if role == 'worker' else 1)
           for role in ('scheduler', 'server', 'worker')}
    roles: List[Role] = []
    start = time.monotonic()
    log.info('launching 1 scheduler (%s:%d), %d server(s), %d worker(s)', host, port,
             num_servers, num_workers)
    try:
        roles.append(_start('scheduler', python, env['scheduler']))
        roles += [_start(f'server {i}', python, env['server']) for i in range(num_servers)]
        workers = [_start(f'worker process {i}', worker_command, env['worker'])
                   for i in range(num_workers)]
        roles += workers
        helpers = roles[:1 + num_servers]
        if not _supervise(workers, helpers, start, timeout, grace):
            return 1
        if not _wait_all(helpers, grace):
            log.warning('scheduler or servers still running %.0f s after the workers finished; '
                        'stopping them', grace)
        log.info('all %d workers finished in %.1f s', num_workers, time.monotonic() - start)
        return 0
    finally:
        _stop(roles, grace)


def _supervise(workers: Sequence[Role], helpers: Sequence[Role], start: float, timeout: float,
               grace: float) -> bool:
    """Wait until every worker exited 0 (True), or a role failed or time ran out (False).

    ``timeout`` counts from ``start`` (``time.monotonic()``).
    """
    finishing = None
    while True:
        codes = [w.returncode for w in workers]
        failed = [w for w in workers if w.returncode not in (None, 0)]
        if failed:
            log.error('%s (pid %d) exited with status %d; stopping the job', failed[0].name,
                      failed[0].process.pid, failed[0].returncode)
            return False
        if all(code == 0 for code in codes):
            return True
        dead = [h for h in helpers if h.returncode not in (None, 0)]
        if dead:
            log.error('%s (pid %d) exited with status %d while workers were running; '
                      'stopping the job', dead[0].name, dead[0].process.pid,
                      dead[0].returncode)
            return False
        # a scheduler or server exits 0 once every worker has said goodbye
        done = [h for h in helpers if h.returncode == 0]
        if done:
            finishing = finishing or time.monotonic()
            if time.monotonic() - finishing > grace:
                log.error('%s finished but workers still run %.0f s later; stopping the job',
                          done[0].name, grace)
                return False
        if time.monotonic() - start > timeout:
            log.error('the job ran past --timeout %.0f s; stopping it', timeout)
            return False
        time.sleep(POLL_SECONDS)
