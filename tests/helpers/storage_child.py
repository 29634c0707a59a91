"""Run a gluon_sentiment command under a real file-size limit (RLIMIT_FSIZE).

Used by ``tests/integration/test_storage_faults.py``::

    python tests/helpers/storage_child.py LIMIT EPOCH COMMAND ARGS...

SIGXFSZ is ignored, so a write past the limit fails with EFBIG (or MXNet's
``FileStream.Write incomplete``) instead of killing the process. The limit
of LIMIT bytes per file is set at once when EPOCH is 0, else at the start of
training epoch EPOCH (so the epochs before it are saved whole). The exit
status is the command's.
"""
import importlib
import resource
import signal
import sys


def _limit(size):
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))


def main(argv):
    size, epoch, command = int(argv[0]), int(argv[1]), argv[2]
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    if epoch:
        from gluon_sentiment.training import fit, handlers

        class LimitAt(handlers.Handler):
            def epoch_begin(self, run, number):
                if number == epoch:
                    _limit(size)
        defaults = fit.default_handlers
        fit.default_handlers = lambda: [*defaults(), LimitAt()]
    else:
        _limit(size)
    module = importlib.import_module(f'gluon_sentiment.{command}')
    return module.main(argv[3:])


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
