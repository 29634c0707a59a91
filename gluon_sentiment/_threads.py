"""Pick a sensible OpenMP thread count before MXNet is imported.

MXNet reads ``OMP_NUM_THREADS`` once, when its library loads. On small
machines its own default oversubscribes the cores: on a 2-core machine CNN
training ran more than twice as fast with ``OMP_NUM_THREADS=2``. This module
sets the variable to the number of cores this process may use, but only when
the user has not set it and MXNet has not been imported yet.
"""
import os
import sys

__all__ = ['configure_threads', 'usable_cores']


def usable_cores() -> int:
    """Number of CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def configure_threads() -> int:
    """Set ``OMP_NUM_THREADS`` to the usable core count unless already decided.

    Returns
    -------
    int
        The thread count in effect (0 if MXNet was already imported and the
        variable is unset, so nothing can be said).
    """
    if 'OMP_NUM_THREADS' in os.environ:
        return int(os.environ['OMP_NUM_THREADS'] or 0)
    if 'mxnet' in sys.modules:
        return 0
    cores = usable_cores()
    os.environ['OMP_NUM_THREADS'] = str(cores)
    return cores
