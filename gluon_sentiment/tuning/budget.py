"""The time budget of autotune: a clock, and how long a trial will take.

:class:`Budget` reads an injectable clock (a callable returning seconds),
so tests drive it without real timing. :class:`TimeModel` estimates a
trial from the epochs already timed: seconds per epoch per 1,000 training
reviews for each family, and the seconds a trial spends outside its
epochs (encoding, building, the final evaluation and writing). A family
not timed yet gets its documented figure (:attr:`Family.epoch_seconds`)
scaled by how much slower or faster the timed families ran than theirs,
so a loaded machine slows every estimate.
"""
import re
import time
from typing import Callable, Dict, List

from ..errors import ConfigError

__all__ = ['Budget', 'TimeModel', 'parse_duration', 'format_duration']

_DURATION = {'': 1, 's': 1, 'sec': 1, 'm': 60, 'min': 60, 'h': 3600}


def parse_duration(text: str) -> float:
    """Seconds of a duration such as ``10m``, ``90s``, ``1.5h``, ``1h30m`` or ``600``.

    Raises
    ------
    ConfigError
        If ``text`` is not a positive duration.
    """
    parts = re.findall(r'([0-9]*\.?[0-9]+)\s*([a-z]*)', str(text).strip().lower())
    joined = ''.join(f'{n}{u}' for n, u in parts)
    if not parts or joined != re.sub(r'\s+', '', str(text).lower()) or any(
            u not in _DURATION for _, u in parts):
        raise ConfigError(f"--time-budget {text!r}: expected a duration such as 10m, 90s or 1h30m")
    seconds = sum(float(n) * _DURATION[u] for n, u in parts)
    if seconds <= 0:
        raise ConfigError(f'--time-budget {text!r}: must be positive')
    return seconds


def format_duration(seconds: float) -> str:
    """``seconds`` as ``'2 min 5 s'`` or ``'42 s'``."""
    seconds = int(round(seconds))
    return f'{seconds // 60} min {seconds % 60} s' if seconds >= 60 else f'{seconds} s'


class Budget:
    """Seconds left of a budget, read from ``clock``.

    Parameters
    ----------
    seconds : float
        The budget.
    clock : callable, default time.monotonic
        Returns the current time in seconds.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self.started = clock()

    def elapsed(self) -> float:
        """Seconds since the budget started."""
        return self.clock() - self.started

    def remaining(self) -> float:
        """Seconds left (negative once overspent)."""
        return self.seconds - self.elapsed()

    def fits(self, seconds: float) -> bool:
        """Whether ``seconds`` more still end within the budget."""
        return seconds <= self.remaining()


class TimeModel:
    """Estimates of a trial's seconds from the epochs and trials timed so far.

    Parameters
    ----------
    priors : dict
        Documented seconds of one epoch per 1,000 training reviews, by family.
    setup_seconds : float, default 5.0
        Seconds a trial spends outside its epochs before any was timed, plus
        ``setup_per_1000`` per 1,000 reviews.
    """

    def __init__(self, priors: Dict[str, float], setup_seconds: float = 5.0,
                 setup_per_1000: float = 0.4):
        self.priors = dict(priors)
        self.setup = (setup_seconds, setup_per_1000)
        self.epochs: Dict[str, List[float]] = {}
        self.setups: List[float] = []

    def record_epoch(self, family: str, num_train: int, seconds: float) -> None:
        """One epoch (training and validation) of ``family`` on ``num_train`` reviews took ``seconds``."""
        self.epochs.setdefault(family, []).append(seconds / max(num_train, 1) * 1000)

    def record_setup(self, seconds: float) -> None:
        """A trial spent ``seconds`` outside its epochs."""
        self.setups.append(max(seconds, 0.0))

    def _speed(self) -> float:
        """Measured over documented epoch time of the timed families (1 before any)."""
        ratios = [sum(v) / len(v) / self.priors[f] for f, v in self.epochs.items()
                  if f in self.priors]
        return sum(ratios) / len(ratios) if ratios else 1.0

    def epoch_seconds(self, family: str, num_train: int) -> float:
        """Estimated seconds of one epoch of ``family`` on ``num_train`` reviews."""
        timed = self.epochs.get(family)
        per_1000 = (max(timed[-3:]) if timed else self.priors.get(family, 2.0) * self._speed())
        return per_1000 * num_train / 1000

    def setup_seconds(self, num_train: int) -> float:
        """Estimated seconds of a trial outside its epochs."""
        if self.setups:
            return max(self.setups[-3:])
        return (self.setup[0] + self.setup[1] * num_train / 1000) * self._speed()

    def trial_seconds(self, family: str, num_train: int, epochs: int) -> float:
        """Estimated seconds of a trial of ``epochs`` epochs."""
        return self.setup_seconds(num_train) + epochs * self.epoch_seconds(family, num_train)

    def epochs_that_fit(self, family: str, num_train: int, seconds: float) -> int:
        """The most epochs of ``family`` a trial may train to end within ``seconds`` (0: none)."""
        per_epoch = self.epoch_seconds(family, num_train)
        return max(int((seconds - self.setup_seconds(num_train)) // max(per_epoch, 1e-9)), 0)

    def too_small(self, family: str, num_train: int, budget: float) -> ConfigError:
        """The error for a budget that cannot hold one epoch of ``family``."""
        one = self.trial_seconds(family, num_train, 1)
        return ConfigError(
            f'--time-budget {format_duration(budget)}: too small for one trial; one epoch of '
            f'{family} on {num_train} reviews takes about {format_duration(one)} here with '
            f'its setup; give at least --time-budget {int(one // 60) + 1}m')
