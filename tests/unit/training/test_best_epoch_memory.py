"""The best epoch comes back from ``best.params``: no copy of the network is held while training.

A single-process run used to keep a copy of every parameter of its best
epoch in memory (for the n-gram model a second 275 MB table) to restore it
at the end; it now reads ``best.params`` back. The network the run finishes
with (test evaluation, calibration, exported graph) must hold exactly the
best epoch's weights, as the copy gave them.
"""

import numpy as np

from mixed_reviews import write_mixed_reviews
from gluon_sentiment.training import TrainConfig, run_training
from gluon_sentiment.training.handlers import Handler


class _Weights(Handler):
    """Every epoch's parameters, the run's copies and the parameters the run finished with."""

    def __init__(self):
        self.epochs, self.copies, self.final = {}, [], None

    def epoch_end(self, run, row):
        self.epochs[row['epoch']] = {n: p.data().asnumpy() for n, p in
                                     run.net.collect_params().items()}
        self.copies.append(run.best_params)
        return False

    def train_end(self, run):
        self.final = {n: p.data().asnumpy() for n, p in run.net.collect_params().items()}


def test_the_run_finishes_with_the_best_epochs_weights_read_back(tmp_path):
    data = tmp_path / 'reviews.csv'
    write_mixed_reviews(data)
    weights = _Weights()
    config = TrainConfig(data=str(data), output_dir=str(tmp_path / 'run'), epochs=5, seq_len=20,
                         embed_size=8, lr=0.3, model_args='{"num_filters": 16}', calibrate=False)
    metrics = run_training(config, handlers=[weights])
    best = metrics['best_epoch']
    assert best < len(metrics['history'])  # the last epoch is not the best: a restore happened
    assert weights.copies == [None] * len(metrics['history'])  # no copy held
    assert weights.final.keys() == weights.epochs[best].keys()
    for name, value in weights.epochs[best].items():
        np.testing.assert_array_equal(weights.final[name], value, err_msg=name)
