"""Exceptions for mistakes a user can fix.

Every error raised for bad input derives from :class:`GluonSentimentError`.
The command-line entry points print its message on one line, without a
traceback; anything else is a bug and keeps its traceback.
"""
from typing import Optional

__all__ = ['GluonSentimentError', 'DataError', 'RunDirError', 'ConfigError', 'ExportError',
           'StorageError', 'TrainingStopped', 'TrainingInterrupted', 'TrainingDiverged']


class GluonSentimentError(Exception):
    """Base class of errors caused by input the user can correct.

    ``exit_status`` is the status the command-line entry points exit with.
    """
    exit_status = 2


class DataError(GluonSentimentError):
    """A data path is missing, unreadable, empty or not in a known layout."""


class RunDirError(GluonSentimentError):
    """A run directory is missing, incomplete or holds a different run."""


class ConfigError(GluonSentimentError):
    """Options contradict each other or name something that does not exist."""


class ExportError(GluonSentimentError):
    """The model cannot be exported in the requested format."""


class StorageError(GluonSentimentError):
    """A file could not be written: disk full, file-size limit, no permission, no folder.

    Parameters
    ----------
    message : str
        One line naming the path and the cause.
    path : str
        The file or folder that could not be written.
    errno : int, optional
        The operating system's error number, when one is known.
    """

    def __init__(self, message: str, path: str, errno: Optional[int] = None):
        super().__init__(message)
        self.path = path
        self.errno = errno


class TrainingStopped(GluonSentimentError):
    """Training stopped before its last epoch; the run directory keeps what was done."""


class TrainingInterrupted(TrainingStopped):
    """Training was stopped by SIGINT or SIGTERM after a resumable checkpoint.

    Parameters
    ----------
    message : str
        What happened and how to resume.
    signum : int
        The signal; the exit status is ``128 + signum``, as for a process
        killed by it (130 for Ctrl-C).
    """

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.exit_status = 128 + signum


class TrainingDiverged(TrainingStopped):
    """The loss became NaN or infinite; the last good checkpoint is kept."""
