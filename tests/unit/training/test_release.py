"""release_memory: garbage cycles holding MXNet arrays are freed, the C heap trimmed."""
import ctypes
import gc
import weakref

import mxnet as mx
import pytest

from gluon_sentiment.training.release import malloc_trim, release_memory


class _Node:
    """An object in a reference cycle, holding an array."""

    def __init__(self):
        self.array = mx.nd.ones((256, 256))
        self.self_ref = self


def test_release_memory_frees_cycles_the_collector_has_not_reached():
    was_enabled = gc.isenabled()
    gc.disable()  # only release_memory may run the collector
    try:
        node = _Node()
        alive = weakref.ref(node)
        del node
        assert alive() is not None  # a cycle: reference counting alone keeps it
        release_memory()
        assert alive() is None
    finally:
        if was_enabled:
            gc.enable()


def test_malloc_trim_reports_whether_the_c_library_has_it():
    try:
        has_trim = hasattr(ctypes.CDLL(None), 'malloc_trim')
    except OSError:
        pytest.skip('no C library symbols to look up')
    assert malloc_trim() is has_trim
