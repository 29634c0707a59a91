"""Trainer states files (``epoch-NNNN.states``) written with one array in memory at a time.

``gluon.Trainer.save_states`` pickles the optimizer's states with
``pickle.dumps``: each state array becomes a copy in MXNet's raw format
(kept afterwards in a buffer of MXNet's thread), a ``bytearray`` copy of
that, a ``bytes`` copy held by the pickle memo and the growing pickle
itself, all at once. For Adam on the n-gram model (two state arrays of
275 MB each) that was 1.9 GB on top of the training, the largest part of
its peak memory. :func:`save_trainer_states` writes a file that
``Trainer.load_states`` reads as before (the same objects, pickle protocol
5) by streaming it to the file: each array's raw bytes are made with one
copy (:func:`ndarray_raw_bytes`, the bytes MXNet's own pickling holds),
written straight to the file and released before the next array; a plain
dense CPU array is not even copied: the pickle asks for its handle as
``bytearray().join([header, values])`` with the values a
``pickle.PickleBuffer`` over the array's own memory, which the pickler
hands to the file as they are (:class:`_RawHandle`), so writing a
checkpoint needs no memory beyond the training's.
:func:`load_trainer_states` reads such a file (and any written by
``save_states``) without first reading the whole file into memory.

Both touch the trainer's updaters as ``save_states``/``load_states`` do
(MXNet has no public hook for it) and fall back to those methods for a
trainer that updates on a kvstore.
"""
import ctypes
import pickle
import struct
from typing import Any, Optional

import mxnet as mx
import numpy as np
from mxnet.base import _LIB, check_call
from mxnet.gluon import Trainer

__all__ = ['ndarray_raw_bytes', 'save_trainer_states', 'load_trainer_states',
           'release_trainer_states']

#: ``NDARRAY_V2_MAGIC`` of MXNet's ``NDArray::Save``, the first 4 bytes of an array's raw bytes.
NDARRAY_V2_MAGIC = 0xF993FAC9
#: mshadow's type flag of each dtype this module writes itself (others go through MXNet).
_TYPE_FLAGS = {np.dtype(np.float32): 0, np.dtype(np.float64): 1, np.dtype(np.float16): 2,
               np.dtype(np.uint8): 3, np.dtype(np.int32): 4, np.dtype(np.int8): 5,
               np.dtype(np.int64): 6}


def _writes_itself(array: mx.nd.NDArray) -> bool:
    """Whether :func:`ndarray_raw_bytes` builds ``array``'s bytes itself (a plain dense CPU array)."""
    return (type(array) is mx.nd.NDArray and array.stype == 'default'  # noqa: E721
            and array.context.device_type == 'cpu' and len(array.shape) > 0
            and array.size > 0 and np.dtype(array.dtype) in _TYPE_FLAGS
            and not mx.util.is_np_shape())


def _raw_header(array: mx.nd.NDArray) -> bytes:
    """The header ``NDArray::Save`` writes before the values of the dense CPU ``array``."""
    shape, context = array.shape, array.context
    return struct.pack(f'<Iii{len(shape)}qiii', NDARRAY_V2_MAGIC, 0, len(shape), *shape,
                       context.device_typeid, context.device_id,
                       _TYPE_FLAGS[np.dtype(array.dtype)])


def ndarray_raw_bytes(array: mx.nd.NDArray) -> bytearray:
    """``array`` in MXNet's raw format, exactly as ``array.__getstate__()['handle']``, copied once.

    The header of ``NDArray::Save`` (magic, storage type, shape, context,
    type flag) is followed by the values, copied from the array straight
    into the returned buffer. Arrays other than plain dense CPU arrays
    (sparse, on a GPU, NumPy-shape semantics) go through MXNet's
    ``MXNDArraySaveRawBytes``.
    """
    if not _writes_itself(array):
        return array.__getstate__()['handle']
    dtype = np.dtype(array.dtype)
    header = _raw_header(array)
    raw = bytearray(len(header) + array.size * dtype.itemsize)
    raw[:len(header)] = header
    values = np.frombuffer(raw, dtype=dtype, offset=len(header))
    check_call(_LIB.MXNDArraySyncCopyToCPU(array.handle, values.ctypes.data_as(ctypes.c_void_p),
                                           ctypes.c_size_t(array.size)))
    del values  # the buffer can be released only without a view on it
    return raw


def _values_view(array: mx.nd.NDArray) -> np.ndarray:
    """The bytes of the dense CPU ``array``'s values, read in place (no copy): uint8, 1-d."""
    array.wait_to_read()
    pointer = ctypes.c_void_p()
    check_call(_LIB.MXNDArrayGetData(array.handle, ctypes.byref(pointer)))
    size = array.size * np.dtype(array.dtype).itemsize
    view = np.ctypeslib.as_array((ctypes.c_ubyte * size).from_address(pointer.value))
    view.flags.writeable = False
    return view


#: What the unpickler calls to rebuild a handle: one buffer of the header and the values.
_JOIN = bytearray().join


class _RawHandle:
    """The ``handle`` of a dense CPU array's pickled state, pickled without copying its values.

    It reduces to ``_JOIN([header, PickleBuffer(values)])``: unpickling
    gives the bytearray of :func:`ndarray_raw_bytes` (what MXNet's
    ``__setstate__`` reads), and the pickler passes the read-only buffer
    over the array's memory straight to the file. The array (``owner``) is
    kept alive until the handle is written.
    """

    def __init__(self, owner: mx.nd.NDArray):
        self.owner = owner
        self.parts = [_raw_header(owner), pickle.PickleBuffer(_values_view(owner))]


class _StreamingPickler(pickle.Pickler):
    """Pickles NDArrays as MXNet does, each raw buffer written and released before the next.

    An array's reduction is MXNet's own (``NDArray``, ``(None,)``,
    ``{'handle': raw bytes}``). The array, its state and its buffer are
    left out of the memo (``fast`` while they are saved; they are never
    shared), so neither this pickler nor an unpickler keeps a buffer once
    its array is done.
    """

    def __init__(self, file):
        super().__init__(file, protocol=5)
        self._raw: Optional[Any] = None

    def reducer_override(self, obj: Any):  # pylint: disable=missing-function-docstring
        if isinstance(obj, mx.nd.NDArray):
            self._release()
            self.fast = True  # nothing of an array stays in either side's memo
            self._raw = _RawHandle(obj) if _writes_itself(obj) else ndarray_raw_bytes(obj)
            return type(obj), (None,), {'handle': self._raw}
        if isinstance(obj, _RawHandle):
            return _JOIN, (obj.parts,)
        if obj is not mx.nd.NDArray and obj is not _JOIN and obj is not getattr:
            self.fast = False  # (the class and the pieces of a handle's reduction keep it)
        return NotImplemented

    def _release(self) -> None:
        if isinstance(self._raw, bytearray):
            self._raw.clear()  # already in the file
        self._raw = None

    def dump(self, obj: Any) -> None:  # pylint: disable=missing-function-docstring
        try:
            super().dump(obj)
        finally:
            self._release()


def save_trainer_states(trainer: Trainer, path: str) -> None:
    """Write ``trainer``'s states to ``path`` as ``trainer.save_states(path)`` does, streamed.

    ``trainer.load_states`` (and :func:`load_trainer_states`) read the
    file back to the same optimizer and states; see the module docstring
    for the memory.
    """
    if not trainer._kv_initialized or trainer._params_to_init or trainer._update_on_kvstore:
        trainer.save_states(path)  # nothing trained yet, or the kvstore keeps the states
        return
    updater = trainer._updaters[0]  # as save_states: every updater holds the same states
    with open(path, 'wb') as f:
        _StreamingPickler(f).dump((updater.states, updater.optimizer))


def load_trainer_states(trainer: Trainer, path: str) -> None:
    """Load the states file ``path`` into ``trainer``, as ``trainer.load_states(path)`` does.

    The file is unpickled from the stream rather than read whole first, so
    only the states themselves (and one array's raw bytes) are in memory.
    A trainer over several devices (an updater each, each with its own
    copy of the states) or updating on a kvstore loads through
    ``trainer.load_states``.
    """
    if not trainer._kv_initialized:
        trainer._init_kvstore()
    if trainer._params_to_init:
        trainer._init_params()
    if trainer._update_on_kvstore or len(trainer._updaters) != 1:
        trainer.load_states(path)
        return
    with open(path, 'rb') as f:
        loaded = pickle.load(f)
    updater = trainer._updaters[0]  # as Updater.set_states
    if isinstance(loaded, tuple) and len(loaded) == 2:
        updater.states, updater.optimizer = loaded
    else:
        updater.states = loaded
    updater.states_synced = dict.fromkeys(updater.states.keys(), False)
    trainer._optimizer = updater.optimizer
    trainer._optimizer.param_dict = dict(enumerate(trainer._params))


def release_trainer_states(trainer: Trainer) -> None:
    """Drop ``trainer``'s optimizer states (Adam's moments: twice the parameters' memory).

    For a run whose last epoch is trained and saved: the states are in its
    checkpoint, and nothing steps again. A later ``step`` would start them
    afresh, as in a new trainer; the update counts and the schedule stay.
    """
    for updater in trainer._updaters:
        updater.states.clear()
        updater.states_synced.clear()
