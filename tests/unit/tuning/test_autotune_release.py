"""Autotune releases each trial's memory before the next trial, and keeps one encoding at a time."""
import os
import weakref

from gluon_sentiment.training import Handler
from tiny_families import tiny_ngram
from gluon_sentiment.tuning import AutotuneOptions, autotune
from gluon_sentiment.tuning import study as study_module


#: two tiny n-gram families that encode the reviews differently (24 and 32 tokens)
FAMILIES = (tiny_ngram('short', epochs=1), tiny_ngram('long', epochs=1, recipe_seq_len=32))


class KeepNetworks(Handler):
    """Weak references to every trial's network and training data."""

    def __init__(self):
        self.refs = []

    def train_end(self, run):
        self.refs.append((weakref.ref(run.net), weakref.ref(run.data)))


def test_each_trial_is_released_before_the_next(review_folder, tmp_path, monkeypatch):
    options = AutotuneOptions(data=review_folder, output_dir=str(tmp_path / 'auto'),
                              time_budget=3600.0, full_val_size=0.25, max_epochs=1, max_trials=2,
                              train_overrides={'batch_size': 16})
    kept, calls, real_release = KeepNetworks(), [], study_module.release_memory

    def release():
        trials = os.path.join(options.output_dir, 'trials')
        finished = sorted(t for t in os.listdir(trials)
                          if os.path.isfile(os.path.join(trials, t, 'metrics.json')))
        real_release()
        # once released, no finished trial's network is alive; its data only while the
        # corpus keeps it for a trial with the same encoding
        calls.append((finished, [net() is None for net, _ in kept.refs],
                      [data() is None for _, data in kept.refs]))
    monkeypatch.setattr(study_module, 'release_memory', release)
    report = autotune(options, families=FAMILIES, handlers=[kept])
    assert report['trials'] == {'COMPLETE': 2}
    # before encoding for trial 0; after trial 0; before trial 1's encoding (24 -> 32 tokens:
    # the first encoding is dropped); after trial 1
    assert calls == [([], [], []),
                     (['0000'], [True], [False]),
                     (['0000'], [True], [True]),
                     (['0000', '0001'], [True, True], [True, False])]
