"""Autotune: an Optuna study over the model families within a time budget.

:func:`autotune` (:mod:`.study`) runs it; :mod:`.space` holds the families,
their measured recipes and the size bound, :mod:`.budget` the clock and the
time estimates, :mod:`.report` the trial table, pictures and the command that
reproduces the best run. Importing this package imports Optuna (the
``autotune`` extra); :mod:`gluon_sentiment.training` does not import it.
"""
from .budget import Budget, TimeModel, format_duration, parse_duration
from .space import FAMILIES, Family, format_size, model_bytes, parse_size
from .study import SELECT_METRICS, AutotuneOptions, TrialHandler, autotune, load_options

__all__ = ['autotune', 'AutotuneOptions', 'TrialHandler', 'load_options', 'SELECT_METRICS',
           'FAMILIES', 'Family', 'model_bytes', 'parse_size', 'format_size', 'Budget',
           'TimeModel', 'parse_duration', 'format_duration']
