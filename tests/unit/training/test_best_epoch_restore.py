"""Restoring the best epoch's parameters after training, when oneDNN holds weights in its own layout.

With few convolution filters, MXNet's oneDNN backend keeps a weight in a layout of its own
after an inference pass, and a plain ``copyto`` into it fails (``to.IsDefaultData()``). The
fit loop's finish stage gives the parameters fresh arrays first; this run's best epoch is not
its last, so that path is taken.
"""
import json

import numpy as np

from mixed_reviews import write_mixed_reviews
import gluon_sentiment as gs
from gluon_sentiment import train as train_cli


def test_best_epoch_before_the_last_is_restored_with_few_filters(tmp_path):
    data, out = tmp_path / 'reviews.csv', tmp_path / 'run'
    write_mixed_reviews(data)
    code = train_cli.main(['--data', str(data), '--output-dir', str(out), '--epochs', '5',
                           '--seq-len', '20', '--embed-size', '8', '--lr', '0.3', '--quiet',
                           '--model-args', '{"num_filters": 16}', '--no-calibrate'])
    assert code == 0
    metrics = json.loads((out / 'metrics.json').read_text())
    assert metrics['best_epoch'] < len(metrics['history'])  # the restore path ran
    best = gs.load_model(str(out))
    exported = gs.load_model(str(out), params=f'epoch-{metrics["best_epoch"]:04d}.params')
    texts = ['great film', 'awful boring mess', 'a delight']
    np.testing.assert_allclose(best.predict_proba(texts), exported.predict_proba(texts),
                               rtol=1e-6)
