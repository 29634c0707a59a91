"""autotune: the best model for the user's data within a time budget, searched with Optuna.

:func:`autotune` runs an Optuna study (seeded TPE sampler, median pruner)
over :data:`~.space.FAMILIES`. Every trial is a training run with
``--protocol full``: it trains on all of ``--data`` but one stratified
validation slice, the same slice for every trial, and is scored on that
slice (never on a test split). The trial's run is therefore already the
final model: the best trial's files are copied to the top of the output
folder, which loads with :func:`gluon_sentiment.load_model` like a run;
no retraining is needed, so the whole budget goes to the search.

The budget: a trial starts only when its first epoch fits (estimated by
:class:`~.budget.TimeModel`; a drawn trial that does not fit is recorded as
not started and another is drawn, up to :data:`MAX_DRAWS` at a time), trains
at most the epochs that fit, and the loop stops when no family's trial fits
any more; a running trial stops at
the end of an epoch when the next one would overrun. Optuna's pruner reads
each epoch's validation metric through :class:`TrialHandler` and stops
trials that fall behind the median of the earlier ones at the same epoch.
With ``--max-size``, the published model is the best trial's compressed to
that size (:func:`gluon_sentiment.deploy.compress.compress_model`, checked
on the same validation slice) when it is larger; the budget keeps time for
it. Ctrl-C stops the running trial after its batch; the folder keeps the best
run so far and ``--resume`` continues the study (Optuna's RDB storage, on
SQLite in the folder unless ``--storage`` names another database).
"""
import dataclasses
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Sequence

import mxnet as mx
import optuna
from optuna.trial import TrialState
from sklearn.metrics import f1_score

from ..artifacts.store import (AUTOTUNE, AUTOTUNE_FORMAT, BEST_COMMAND, BEST_PARAMS,
                               COMPACT_PARAMS, COMPRESSION, CONFIG, METRICS, STUDY_DB, TRIALS,
                               TRIALS_CSV, VOCAB, atomic_write, read_json, write_json)
from ..data.config import PROTOCOLS
from ..data.formats import load_dataset
from ..data.pipeline import Dataset, encode_splits, read_splits
from ..deploy.compress import compress_model
from ..errors import (ConfigError, GluonSentimentError, RunDirError, TrainingInterrupted,
                       TrainingStopped)
from ..inference.batches import predict_logits
from ..inference.loading import load_model
from ..training.checkpoint import prune_finished
from ..training.config import TrainConfig
from ..training.fit import run_training
from ..training.handlers import Handler, TrainingRun
from ..training.release import release_memory
from .budget import Budget, TimeModel, format_duration
from .report import train_command, write_trials_csv
from .space import (FAMILIES, Family, check_fits, is_imbalanced, recipe_params,
                    suggest_fields)

__all__ = ['SELECT_METRICS', 'STUDY_NAME', 'MAX_DRAWS', 'AutotuneOptions', 'TrialHandler',
           'BudgetSpent', 'autotune', 'load_options', 'model_files_bytes', 'best_trial']

log = logging.getLogger(__name__)

#: values of ``--select-metric``: validation accuracy, or the mean F1 of the classes
SELECT_METRICS = ('accuracy', 'macro_f1')
#: seconds kept in the budget (at most a quarter of it) to compress the best model to
#: ``--max-size``: the 2^22-row n-gram model took 16 s to compress and check on 2 quiet
#: cores, 70 s at load average 8
COMPRESS_RESERVE = 60.0
#: the Optuna study's name in its storage
STUDY_NAME = 'gluon_sentiment-autotune'
#: trials drawn in a row whose first epoch does not fit the time left before the study stops
MAX_DRAWS = 8
#: files a loadable run needs (parameters as trained, or compact), and what the output folder
#: copies from the best trial
_RUN_FILES = (CONFIG, VOCAB, BEST_PARAMS, COMPACT_PARAMS)
_COPIED = _RUN_FILES + (METRICS, 'learning_curves.png')


@dataclass
class AutotuneOptions:
    """What ``autotune`` searches on and how long; saved in ``autotune.json``.

    ``time_budget`` is in seconds, ``max_size`` in bytes (None: unbounded).
    ``train_overrides`` are TrainConfig fields applied to every trial (e.g.
    ``batch_size``); ``max_trials`` caps the trials of this invocation.
    """
    data: str
    output_dir: str
    time_budget: float = 600.0
    select_metric: str = 'accuracy'
    max_size: Optional[int] = None
    test_data: Optional[str] = None
    seed: int = 0
    n_jobs: int = 1
    storage: Optional[str] = None
    overwrite: bool = False
    protocol: str = 'full'
    full_val_size: float = 0.05
    max_examples: Optional[int] = None
    format: Optional[str] = None
    labels: Optional[str] = None
    text_column: str = 'text'
    label_column: str = 'label'
    max_trials: Optional[int] = None
    max_epochs: int = 8
    train_overrides: Dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        """Reject options no study can use, with a one-line message naming the flag."""
        if self.select_metric not in SELECT_METRICS:
            raise ConfigError(f'--select-metric {self.select_metric!r}: unknown; choose one of '
                              f'{", ".join(SELECT_METRICS)}')
        if self.protocol not in PROTOCOLS:
            raise ConfigError(f'--protocol {self.protocol!r}: choose one of {", ".join(PROTOCOLS)}')
        if not self.time_budget > 0:
            raise ConfigError(f'--time-budget must be positive, got {self.time_budget}')
        for name in ('n_jobs', 'max_epochs'):
            if getattr(self, name) < 1:
                raise ConfigError(f'--{name.replace("_", "-")} must be at least 1, '
                                  f'got {getattr(self, name)}')
        self.base_config().validate()

    def base_config(self) -> TrainConfig:
        """The TrainConfig every trial starts from (data, split, seed, overrides)."""
        return TrainConfig(data=self.data, format=self.format, labels=self.labels,
                           text_column=self.text_column, label_column=self.label_column,
                           max_examples=self.max_examples, protocol=self.protocol,
                           full_val_size=self.full_val_size, seed=self.seed,
                           output_dir=self.output_dir, **self.train_overrides)

    def storage_url(self) -> str:
        """``storage``, or SQLite in the output folder."""
        return self.storage or f'sqlite:///{os.path.abspath(self.output_dir)}/{STUDY_DB}'


def load_options(folder: str, **changes) -> AutotuneOptions:
    """The options saved in ``folder/autotune.json``, with ``changes`` (for ``--resume``).

    Raises
    ------
    RunDirError
        If ``folder`` is not an autotune output.
    """
    path = os.path.join(folder, AUTOTUNE)
    if not os.path.isfile(path):
        raise RunDirError(f'--resume {folder}: not an autotune folder (no {AUTOTUNE})')
    saved = read_json(path)['options']
    names = {f.name for f in dataclasses.fields(AutotuneOptions)}
    values = {**{k: v for k, v in saved.items() if k in names}, **changes}
    return AutotuneOptions(**{**values, 'output_dir': folder, 'overwrite': False})


def model_files_bytes(run_dir: str) -> int:
    """Bytes of the files ``load_model`` reads from ``run_dir``."""
    return sum(os.path.getsize(os.path.join(run_dir, name)) for name in _RUN_FILES
               if os.path.exists(os.path.join(run_dir, name)))


def _val_macro_f1(run: TrainingRun) -> float:
    X, y, lengths = run.data.splits['val']
    logits = predict_logits(run.net, X, run.ctx, lengths=None if run.margin is None else lengths,
                            margin=run.margin or 0)
    return float(f1_score(y, logits.argmax(axis=1), average='macro',
                          labels=list(range(logits.shape[1])), zero_division=0))


class BudgetSpent(TrainingStopped):
    """The budget ran out within a trial's epoch; the trial is dropped."""


class TrialHandler(Handler):
    """Feed each epoch's validation metric to Optuna and keep the budget.

    At the end of an epoch it reports the metric to ``trial``; training
    stops after the epoch (``stopped_by`` ``'pruner'``) when Optuna's
    pruner says so, or (``'budget'``) when another epoch of the time just
    taken would overrun ``budget`` less ``reserve``; within an epoch, a
    spent budget (less ``keep``, the seconds kept for compressing the
    winner) ends the trial (:class:`BudgetSpent`, the trial fails).
    Epoch times go to ``times``. After the run, ``value`` is the metric of its best epoch.
    """

    def __init__(self, trial: optuna.Trial, family: str, budget: Budget, times: TimeModel,
                 metric: str = 'accuracy', reserve: float = 0.0, keep: float = 0.0):
        self.trial, self.family, self.budget, self.times = trial, family, budget, times
        self.metric, self.reserve, self.keep = metric, reserve, keep
        self.stopped_by: Optional[str] = None
        self.value: Optional[float] = None
        self.epochs_run, self.epoch_seconds = 0, 0.0
        self._tick = 0.0

    def _metric(self, run: TrainingRun, accuracy: float) -> float:
        return accuracy if self.metric == 'accuracy' else _val_macro_f1(run)

    def epoch_begin(self, run: TrainingRun, epoch: int) -> None:
        """Start the epoch's clock."""
        self._tick = self.budget.clock()

    def epoch_end(self, run: TrainingRun, row: Dict[str, float]) -> bool:
        """Report the epoch; True (stop) if pruned or the next epoch would not fit."""
        seconds = self.budget.clock() - self._tick
        self.epochs_run, self.epoch_seconds = row['epoch'], self.epoch_seconds + seconds
        self.times.record_epoch(self.family, len(run.data.splits['train'][1]), seconds)
        self.trial.report(self._metric(run, row['val_accuracy']), row['epoch'])
        if self.trial.should_prune():
            self.stopped_by = 'pruner'
            return True
        if row['epoch'] < run.config.epochs and not self.budget.fits(seconds + self.reserve):
            self.stopped_by = 'budget'
            return True
        return False

    def batch_end(self, run: TrainingRun, epoch: int, batch: int) -> None:
        """Stop the trial within its epoch once the budget is spent (an epoch took longer than
        estimated, e.g. a family's first)."""
        if self.budget.remaining() < self.keep:
            self.stopped_by = 'budget'
            raise BudgetSpent(f'the time budget ran out in epoch {epoch} of this trial')

    def train_end(self, run: TrainingRun) -> None:
        """The metric of the best epoch, now back in the network."""
        self.value = self._metric(run, run.metrics['val_accuracy'])


class _Corpus:
    """The reviews and their split, read once; the last trial's encoding, kept for the next trial
    with the same options (one encoding at a time)."""

    def __init__(self, config: TrainConfig):
        self.source, reviews, index, _ = read_splits(config, config.seed)
        self.index = {k: v for k, v in index.items() if k != 'test'}  # never a test split
        self.texts, self.labels = list(reviews.texts), reviews.labels
        self.class_names = tuple(reviews.class_names)
        #: whether class weights are searched (the training split's classes, see is_imbalanced)
        self.imbalanced = is_imbalanced(self.labels[self.index['train']])
        self._cached = (None, None)

    @property
    def num_train(self) -> int:
        """Training reviews of every trial."""
        return len(self.index['train'])

    def dataset(self, config: TrainConfig) -> Dataset:
        """The splits encoded with ``config``'s vocabulary size, length and truncation."""
        key = (config.vocab_size, config.seq_len, config.truncate)
        if self._cached[0] != key:
            self._cached = (None, None)  # the last trial's encoding goes before the next is made
            release_memory()
            self._cached = (key, encode_splits(self.texts, self.labels, self.index, config,
                                               self.source, self.class_names))
        return self._cached[1]


class _Tuner:
    """The ask-train-tell loop of one process."""

    def __init__(self, options: AutotuneOptions, families: Sequence[Family], study: optuna.Study,
                 budget: Budget, corpus: _Corpus, handlers: Sequence[Handler] = ()):
        self.options, self.families, self.study, self.budget = options, families, study, budget
        self.corpus, self.handlers = corpus, list(handlers)
        self.times = TimeModel({f.name: f.epoch_seconds for f in families})
        #: seconds kept at the end to compress the winner to --max-size
        self.keep = min(COMPRESS_RESERVE, 0.25 * options.time_budget) if options.max_size else 0.0
        self.reserve = min(30.0, 0.05 * options.time_budget) + self.keep
        self.base = options.base_config()
        self.trained = 0
        self.published: Optional[int] = None

    def cheapest(self):
        """(seconds, family) of the cheapest one-epoch trial."""
        n = self.corpus.num_train
        return min((self.times.trial_seconds(f.name, n, 1), f.name) for f in self.families)

    def step(self) -> bool:
        """Run the next trial; False when none fits the budget any more."""
        seconds, _ = self.cheapest()
        if not self.budget.fits(seconds + self.reserve):
            log.info('stopping: %s left, the cheapest trial needs about %s',
                     format_duration(max(self.budget.remaining(), 0)), format_duration(seconds))
            return False
        for _ in range(MAX_DRAWS):
            trial = self.study.ask()
            family, fields = suggest_fields(trial, self.families, self.options.max_size,
                                            self.options.max_epochs, self.corpus.imbalanced)
            fit = self.times.epochs_that_fit(family.name, self.corpus.num_train,
                                             self.budget.remaining() - self.reserve)
            if fit >= 1:
                break
            # a cheaper family may still fit: the next draw tries again
            trial.set_user_attr('stopped_by', 'budget: not started')
            self.study.tell(trial, state=TrialState.FAIL)
        else:
            log.info('stopping: none of %d trials drawn fits the %s left', MAX_DRAWS,
                     format_duration(max(self.budget.remaining(), 0)))
            return False
        if fit < fields['epochs']:
            trial.set_user_attr('epochs_drawn', fields['epochs'])
            fields['epochs'] = fit
        self._train(trial, family, fields)
        release_memory()  # the trial's network, trainer and caches, before the next trial
        self.trained += 1
        return True

    def _train(self, trial: optuna.Trial, family: Family, fields: Dict[str, Any]) -> None:
        out = os.path.join(self.options.output_dir, TRIALS, f'{trial.number:04d}')
        config = dataclasses.replace(self.base, **fields, output_dir=out, overwrite=True)
        handler = TrialHandler(trial, family.name, self.budget, self.times,
                               self.options.select_metric, self.reserve, self.keep)
        tick = self.budget.clock()
        log.info('trial %d: %s', trial.number, train_command(config.to_dict(), out))
        try:
            metrics = run_training(config, data=self.corpus.dataset(config),
                                   handlers=[handler, *self.handlers])
        except (TrainingInterrupted, KeyboardInterrupt):
            trial.set_user_attr('stopped_by', 'interrupt')
            self.study.tell(trial, state=TrialState.FAIL)
            raise
        except (GluonSentimentError, mx.MXNetError) as err:  # this trial's options cannot train
            log.warning('trial %d failed: %s', trial.number, err)
            trial.set_user_attr('error', str(err))
            trial.set_user_attr('stopped_by', handler.stopped_by or 'error')
            self.study.tell(trial, state=TrialState.FAIL)
            return
        except BaseException:
            self.study.tell(trial, state=TrialState.FAIL)
            raise
        seconds = self.budget.clock() - tick
        self.times.record_setup(seconds - handler.epoch_seconds)
        prune_finished(out, len(metrics['history']))
        self._tell(trial, handler, metrics, seconds, out)

    def _tell(self, trial: optuna.Trial, handler: TrialHandler, metrics: Dict[str, Any],
              seconds: float, out: str) -> None:
        attrs = {'seconds': round(seconds, 2), 'epochs_run': handler.epochs_run,
                 'best_epoch': metrics['best_epoch'], 'val_accuracy': metrics['val_accuracy'],
                 'size_bytes': model_files_bytes(out), 'stopped_by': handler.stopped_by or '',
                 'run_dir': os.path.relpath(out, self.options.output_dir),
                 'process': os.getpid()}  # which of the --n-jobs processes (or machines) ran it
        for key, value in attrs.items():
            trial.set_user_attr(key, value)
        if handler.stopped_by == 'pruner':
            self.study.tell(trial, state=TrialState.PRUNED)
        else:
            self.study.tell(trial, handler.value)
        log.info('trial %d: %s %s %.4f in %s (%d epochs%s)', trial.number,
                 'pruned,' if handler.stopped_by == 'pruner' else 'val',
                 self.options.select_metric, handler.value or 0.0, format_duration(seconds),
                 handler.epochs_run, f', stopped by {handler.stopped_by}' if handler.stopped_by
                 else '')
        best = best_trial(self.study, self.options)
        if best is None or best.number != trial.number:
            _remove(os.path.join(out, BEST_PARAMS))  # only the best trials keep their weights


def _remove(path: str) -> None:
    if os.path.exists(path):
        os.remove(path)


def best_trial(study: optuna.Study, options: AutotuneOptions) -> Optional[optuna.trial.FrozenTrial]:
    """The completed trial of highest value whose model is on disk (the search space keeps
    ``max_size``: every trial's model compresses to it)."""
    best = None
    for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        run_dir = os.path.join(options.output_dir, trial.user_attrs.get('run_dir', ''))
        if trial.value is None or not os.path.isfile(os.path.join(run_dir, BEST_PARAMS)):
            continue
        if best is None or trial.value > best.value:
            best = trial
    return best


def _copy_files(source: str, folder: str, names) -> None:
    """Copy the files ``names`` of ``source`` into ``folder``, each atomically."""
    for name in names:
        atomic_write(os.path.join(folder, name),
                     lambda tmp, name=name: shutil.copyfile(os.path.join(source, name), tmp))


def _publish(tuner: _Tuner) -> Optional[optuna.trial.FrozenTrial]:
    """Copy the best trial's run files to the top of the folder (when it changed)."""
    best = best_trial(tuner.study, tuner.options)
    folder = tuner.options.output_dir
    if best is not None and best.number != tuner.published:
        source = os.path.join(folder, best.user_attrs['run_dir'])
        for name in (COMPACT_PARAMS, COMPRESSION):  # an earlier winner's compression
            _remove(os.path.join(folder, name))
        _copy_files(source, folder, [n for n in _COPIED if os.path.exists(os.path.join(source, n))])
        config = read_json(os.path.join(source, CONFIG))
        if best.user_attrs.get('stopped_by') == 'budget' and config['lr_schedule'] == 'constant':
            config['epochs'] = best.user_attrs['epochs_run']  # what the budget let it train
        command = train_command(config, os.path.join(folder, 'retrained'))

        def write(tmp):
            with open(tmp, 'w', encoding='utf-8') as f:
                f.write(command + '\n')
        atomic_write(os.path.join(folder, BEST_COMMAND), write)
        tuner.published = best.number
    return best


def _prepare_folder(options: AutotuneOptions, resume: bool) -> None:
    folder = options.output_dir
    if resume:
        return
    if os.path.isdir(folder) and os.listdir(folder):
        if not options.overwrite:
            raise RunDirError(f'--output-dir {folder}: not empty; choose a new folder, pass '
                              f'--overwrite to replace it, or --resume {folder} to continue it')
        if not os.path.isfile(os.path.join(folder, AUTOTUNE)):
            raise RunDirError(f'--output-dir {folder}: holds files that are not an autotune '
                              'output; refusing to replace them')
        shutil.rmtree(folder)
    os.makedirs(os.path.join(folder, TRIALS), exist_ok=True)


def _open_study(options: AutotuneOptions, families: Sequence[Family], pruner,
                imbalanced: bool = False) -> optuna.Study:
    """Create or load the study; a new one gets the recipes as its first trials."""
    url = options.storage_url()
    storage = (optuna.storages.RDBStorage(url, engine_kwargs={'connect_args': {'timeout': 60}})
               if url.startswith('sqlite') else url)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(storage=storage, study_name=STUDY_NAME, direction='maximize',
                                pruner=pruner or optuna.pruners.MedianPruner(n_startup_trials=1),
                                load_if_exists=True)
    existing = study.get_trials(deepcopy=False)
    study.sampler = optuna.samplers.TPESampler(seed=options.seed + len(existing),
                                               n_startup_trials=len(families) + 1)
    for key in ('select_metric', 'max_size'):
        saved = study.user_attrs.get(key, getattr(options, key))
        if existing and saved != getattr(options, key):
            raise ConfigError(f'the study in {url} was run with {key.replace("_", "-")} {saved}; '
                              f'resume it with the same, or start a new --output-dir')
        study.set_user_attr(key, getattr(options, key))
    if not existing:
        for family in families:
            params = recipe_params(family, options.max_size, options.max_epochs, imbalanced)
            if params is not None:
                study.enqueue_trial(params, user_attrs={'recipe': family.name})
    return study


def _check_first_trial(options: AutotuneOptions, families: Sequence[Family], corpus: _Corpus,
                       budget: Budget) -> None:
    """A budget that cannot hold one trial of a new study is an error saying how long one takes."""
    times = TimeModel({f.name: f.epoch_seconds for f in families})
    n = corpus.num_train
    seconds, name = min((times.trial_seconds(f.name, n, 1), f.name) for f in families)
    if not budget.fits(seconds + min(30.0, 0.05 * options.time_budget)):
        raise times.too_small(name, n, options.time_budget)


def _test_scores(options: AutotuneOptions) -> Dict[str, Any]:
    """Accuracy and macro F1 (over all K classes) of the model on ``--test-data``, computed once.

    Without ``--labels``, a test set of a K > 2 class model is read by the model's class names,
    so that its label indices are the model's."""
    classifier = load_model(options.output_dir)
    k = len(classifier.class_names)
    labels = options.labels or (','.join(classifier.class_names) if k != 2 else None)
    reviews = load_dataset(options.test_data, options.format, labels,
                           options.text_column, options.label_column)
    predicted = classifier.predict(list(reviews.texts))
    return {'test_accuracy': float((predicted == reviews.labels).mean()),
            'test_macro_f1': float(f1_score(reviews.labels, predicted, average='macro',
                                            labels=list(range(k)), zero_division=0)),
            'test_size': int(len(reviews.labels))}


def _finish(tuner: _Tuner, status: str) -> Dict[str, Any]:
    """Publish the best trial, write the trial table, pictures and ``autotune.json``."""
    from .report import plot_study
    options, folder = tuner.options, tuner.options.output_dir
    best = _publish(tuner)
    compression = _fit_size(tuner, best) if best is not None else None
    write_trials_csv(tuner.study, os.path.join(folder, TRIALS_CSV))
    pictures = plot_study(tuner.study, folder)
    states: Dict[str, int] = {}
    for trial in tuner.study.get_trials(deepcopy=False):
        states[trial.state.name] = states.get(trial.state.name, 0) + 1
    report = {'format': AUTOTUNE_FORMAT, 'options': dataclasses.asdict(options),
              'storage': options.storage_url(), 'study_name': STUDY_NAME, 'status': status,
              'trials': states, 'pictures': pictures, 'seconds': round(tuner.budget.elapsed(), 1),
              'select_metric': options.select_metric, 'best_trial': None}
    if best is not None:
        report.update(best_trial=best.number, value=best.value, params=best.params,
                      val_accuracy=best.user_attrs.get('val_accuracy'),
                      size_bytes=model_files_bytes(folder), compression=compression,
                      family=best.params.get('family'))
        if options.test_data and status == 'done':
            report.update(_test_scores(options))
    write_json(os.path.join(folder, AUTOTUNE), report)
    return report


def _fit_size(tuner: _Tuner, best: optuna.trial.FrozenTrial) -> Optional[Dict[str, Any]]:
    """Compress the published model to ``--max-size`` when it is larger; the compression's
    figures (None when it fits as trained)."""
    limit, folder = tuner.options.max_size, tuner.options.output_dir
    if not limit or model_files_bytes(folder) <= limit:
        return None
    staged = os.path.join(folder, 'compressed')
    try:
        report = compress_model(os.path.join(folder, best.user_attrs['run_dir']), staged, limit,
                                data=tuner.options.data, overwrite=True)
    except ConfigError as err:
        raise ConfigError(f'{err}; the trained models are in {folder}/{TRIALS}') from None
    _copy_files(staged, folder, (CONFIG, METRICS, COMPACT_PARAMS, COMPRESSION))
    _remove(os.path.join(folder, BEST_PARAMS))  # the compact parameters replace it
    shutil.rmtree(staged)
    validation = report['validation']
    return {'size_bytes': model_files_bytes(folder), 'source_bytes': report['source_bytes'],
            'seconds': report['seconds'],
            **{f'val_accuracy_{when}': (validation.get(when) or {}).get('accuracy')
               for when in ('before', 'after')}}


def _worker(options: AutotuneOptions, families: Sequence[Family], deadline: float) -> None:
    """Another process of ``--n-jobs``: the same loop on the same study, until ``deadline``."""
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(message)s')
    budget = Budget(deadline - time.time())
    corpus = _Corpus(options.base_config())
    tuner = _Tuner(options, families, _open_study(options, families, None, corpus.imbalanced),
                   budget, corpus)
    try:
        while tuner.step():
            pass
    except (TrainingInterrupted, KeyboardInterrupt):
        pass


def _start_workers(options: AutotuneOptions, families: Sequence[Family], budget: Budget):
    import multiprocessing
    context = multiprocessing.get_context('spawn')
    deadline = time.time() + budget.remaining()
    workers = [context.Process(target=_worker, args=(options, families, deadline))
               for _ in range(options.n_jobs - 1)]
    for worker in workers:
        worker.start()
    return workers


def autotune(options: AutotuneOptions, families: Sequence[Family] = FAMILIES,
             clock: Callable[[], float] = time.monotonic, handlers: Sequence[Handler] = (),
             pruner: Optional[optuna.pruners.BasePruner] = None,
             resume: bool = False) -> Dict[str, Any]:
    """Search ``families`` for the best model on ``options.data`` within ``options.time_budget``.

    Parameters
    ----------
    options : AutotuneOptions
        Data, budget, metric, size bound, output folder.
    families : sequence of Family
        The search space (default: README's measured recipes, tried first).
    clock : callable, default time.monotonic
        Seconds now; tests pass a fake one to check the budget logic.
    handlers : sequence of Handler
        More handlers for every trial's fit loop.
    pruner : optuna.pruners.BasePruner, optional
        Default: ``MedianPruner(n_startup_trials=1)``.
    resume : bool
        Continue the study in ``options.output_dir`` (see :func:`load_options`).

    Returns
    -------
    dict
        What ``autotune.json`` holds: the best trial, its value and
        parameters, trial counts by state, seconds, test scores.

    Raises
    ------
    ConfigError
        A budget too small for one trial (saying how long one takes), an
        unknown metric, or a ``max_size`` no model fits.
    TrainingInterrupted
        On Ctrl-C, after the best run so far was published.
    """
    options.validate()
    budget = Budget(options.time_budget, clock)
    check_fits(families, options.max_size)
    corpus = _Corpus(options.base_config())
    if not resume:
        _check_first_trial(options, families, corpus, budget)
    _prepare_folder(options, resume)
    study = _open_study(options, families, pruner, corpus.imbalanced)
    tuner = _Tuner(options, families, study, budget, corpus, handlers)
    write_json(os.path.join(options.output_dir, AUTOTUNE),
               {'format': AUTOTUNE_FORMAT, 'options': dataclasses.asdict(options),
                'storage': options.storage_url(), 'status': 'running'})
    workers = _start_workers(options, families, budget) if options.n_jobs > 1 else []
    status, stop = 'done', None
    try:
        while (options.max_trials is None or tuner.trained < options.max_trials) and tuner.step():
            _publish(tuner)
            write_trials_csv(study, os.path.join(options.output_dir, TRIALS_CSV))
    except (TrainingInterrupted, KeyboardInterrupt) as err:
        status, stop = 'interrupted', err
    finally:
        for worker in workers:
            worker.join()
    report = _finish(tuner, status)
    if stop is not None:
        raise TrainingInterrupted(
            f'interrupted; {options.output_dir} keeps the best run so far (trial '
            f'{report["best_trial"]}); continue with --resume {options.output_dir}',
            getattr(stop, 'exit_status', 130) - 128)
    if report['best_trial'] is None:
        raise TrainingStopped(f'no trial finished within --time-budget '
                              f'{format_duration(options.time_budget)}; {options.output_dir} keeps '
                              f'the study: --resume {options.output_dir} with a larger budget')
    log.info('best: trial %s, val %s %.4f%s; %s', report['best_trial'], options.select_metric,
             report.get('value') or 0.0, f', test accuracy {report["test_accuracy"]:.4f}'
             if 'test_accuracy' in report else '', format_duration(report['seconds']))
    return report
