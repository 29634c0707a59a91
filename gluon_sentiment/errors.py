"""Exceptions for mistakes a user can fix.

Every error raised for bad input derives from :class:`GluonSentimentError`.
The command-line entry points print its message on one line, without a
traceback; anything else is a bug and keeps its traceback.
"""

__all__ = ['GluonSentimentError', 'DataError', 'RunDirError', 'ConfigError']


class GluonSentimentError(Exception):
    """Base class of errors caused by input the user can correct."""


class DataError(GluonSentimentError):
    """A data path is missing, unreadable, empty or not in a known layout."""


class RunDirError(GluonSentimentError):
    """A run directory is missing, incomplete or holds a different run."""


class ConfigError(GluonSentimentError):
    """Options contradict each other or name something that does not exist."""
