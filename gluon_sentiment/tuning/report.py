"""What an autotune folder records about its study: the trial table, pictures, the best command.

The pictures are Optuna's matplotlib visualizations. They draw through
pyplot, so each figure is saved through its own axes' ``figure`` and then
closed; matplotlib's backend is never set here.
"""
import csv
import dataclasses
import io
import logging
import os
import shlex
import warnings
from typing import Any, Dict, List

import optuna

from ..artifacts.store import HISTORY_PLOT, IMPORTANCE_PLOT, atomic_write
from ..training.config import TrainConfig

__all__ = ['trial_rows', 'write_trials_csv', 'plot_study', 'train_command']

log = logging.getLogger(__name__)

_FIRST = ['number', 'state', 'value', 'seconds', 'epochs_run', 'stopped_by', 'size_bytes']


def trial_rows(study: optuna.Study) -> List[Dict[str, Any]]:
    """One dict per trial: number, state, value, seconds, then its parameters and attributes."""
    rows = []
    for trial in study.get_trials(deepcopy=False):
        seconds = ((trial.datetime_complete - trial.datetime_start).total_seconds()
                   if trial.datetime_complete and trial.datetime_start else None)
        row = {'number': trial.number, 'state': trial.state.name, 'value': trial.value,
               'seconds': trial.user_attrs.get('seconds', seconds)}
        row.update({f'params_{k}': v for k, v in trial.params.items()})
        row.update({k: v for k, v in trial.user_attrs.items() if k != 'seconds'})
        rows.append(row)
    return rows


def write_trials_csv(study: optuna.Study, path: str) -> int:
    """Write every trial of ``study`` as one CSV row, atomically; returns the number of rows."""
    rows = trial_rows(study)
    names = [n for n in _FIRST if any(n in r for r in rows)]
    names += sorted({k for r in rows for k in r} - set(names))
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=names, lineterminator='\n')
    writer.writeheader()
    writer.writerows(rows)

    def write(tmp):
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(text.getvalue())
    atomic_write(path, write)
    return len(rows)


def _save_axes(ax, path: str) -> None:
    """Save the figure of Optuna's returned axes as PNG, atomically, and close it."""
    import matplotlib.pyplot as plt  # only once a picture is drawn: importing pyplot is slow
    fig = ax.figure
    try:
        fig.set_size_inches(8, 5)
        fig.tight_layout()
        atomic_write(path, lambda tmp: fig.savefig(tmp, format='png', dpi=100))
    finally:
        plt.close(fig)


def plot_study(study: optuna.Study, folder: str) -> List[str]:
    """Draw the optimization history and, with 2 completed trials or more, the importances.

    Returns the file names written into ``folder``.
    """
    from optuna.visualization import matplotlib as ovm
    done = [t for t in study.get_trials(deepcopy=False) if t.state.name == 'COMPLETE']
    written = []
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # Optuna's matplotlib module is "experimental"
        if done:
            _save_axes(ovm.plot_optimization_history(study), os.path.join(folder, HISTORY_PLOT))
            written.append(HISTORY_PLOT)
        if len(done) >= 2:
            try:
                _save_axes(ovm.plot_param_importances(study),
                           os.path.join(folder, IMPORTANCE_PLOT))
                written.append(IMPORTANCE_PLOT)
            except (ValueError, RuntimeError) as err:  # e.g. no parameter varied
                log.warning('no parameter-importance picture: %s', err)
    return written


def train_command(config: Dict[str, Any], output_dir: str) -> str:
    """The ``python -m gluon_sentiment.train`` line that trains the run ``config`` describes.

    Only fields that differ from :class:`TrainConfig`'s defaults are given.
    """
    words = ['python', '-m', 'gluon_sentiment.train']
    for field in dataclasses.fields(TrainConfig):
        if field.name in ('output_dir', 'overwrite') or field.name not in config:
            continue
        value, flag = config[field.name], '--' + field.name.replace('_', '-')
        if field.name == 'gpus':
            value = tuple(value)
            if value != field.default:
                words += [flag, ','.join(str(g) for g in value)]
        elif value == field.default:
            continue
        elif isinstance(value, bool):
            words.append(flag if value else '--no-' + field.name.replace('_', '-'))
        else:
            words += [flag, str(value)]
    words += ['--output-dir', output_dir]
    return ' '.join(shlex.quote(w) for w in words)
