"""A clock that moves only when told, and a handler that charges it for every batch (autotune's
budget tests)."""
from gluon_sentiment.training import Handler


class FakeClock:
    """Seconds ``now``; advanced by the tests and by :class:`SlowBatches`."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class SlowBatches(Handler):
    """Every training step costs ``seconds``: an epoch far slower than estimated."""

    def __init__(self, clock, seconds):
        self.clock, self.seconds = clock, seconds

    def batch_end(self, run, epoch, batch):
        self.clock.now += self.seconds
