"""Stop training cleanly on Ctrl-C (SIGINT) or SIGTERM.

Inside :func:`stop_on_signals`, the first SIGINT or SIGTERM only raises a
flag; the training loop calls :meth:`StopFlag.check` after each batch, so
the batch in progress finishes and the run can save its state before it
stops. A second signal of the same kind stops at once (the default
handlers are back in place after the first).
"""
import contextlib
import logging
import signal
import threading
from typing import Iterator, Optional

__all__ = ['StopRequested', 'StopFlag', 'stop_on_signals']

log = logging.getLogger(__name__)

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequested(Exception):
    """Raised by :meth:`StopFlag.check` once a stop signal has arrived.

    Attributes
    ----------
    signum : int
        The signal received.
    """

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopFlag:
    """Remembers the first stop signal; :meth:`check` raises once one arrived."""

    def __init__(self):
        self.signum: Optional[int] = None
        self._previous = {}

    def check(self, *_args) -> None:
        """Raise :class:`StopRequested` if a stop signal arrived.

        Accepts and ignores any arguments, so it can serve as a per-batch
        callback (see :class:`gluon_sentiment.training.handlers.StopOnSignal`).
        """
        if self.signum is not None:
            raise StopRequested(self.signum)

    def _handle(self, signum, _frame):
        self.signum = signum
        for sig, handler in self._previous.items():  # a second signal acts at once
            signal.signal(sig, handler)
        log.warning('%s received: stopping after this batch (send it again to stop at once)',
                    signal.Signals(signum).name)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[StopFlag]:
    """Catch SIGINT and SIGTERM in the block, recording them in the yielded flag.

    Outside the main thread signals cannot be caught; the flag then never
    rises and the signals keep their usual effect.
    """
    flag = StopFlag()
    if threading.current_thread() is threading.main_thread():
        for sig in _SIGNALS:
            # pylint: disable-next=protected-access
            flag._previous[sig] = signal.signal(sig, flag._handle)
    try:
        yield flag
    finally:
        for sig, handler in flag._previous.items():  # pylint: disable=protected-access
            signal.signal(sig, handler)
