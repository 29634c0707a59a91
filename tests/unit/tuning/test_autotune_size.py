"""autotune --max-size: the winner is compressed to the size when it is larger, and loads."""
import json
import os

import pytest

import gluon_sentiment as gs
from fake_clock import FakeClock, SlowBatches
from tiny_families import tiny_ngram
from gluon_sentiment.errors import TrainingStopped
from gluon_sentiment.tuning import AutotuneOptions, autotune, model_bytes


#: one n-gram family whose trained model (2^15 hash rows x 9 floats, about 1.2 MB) is larger
#: than the bound, and whose compressed one is not
BIG = (tiny_ngram('big', seq_lens=(24,), rows=(60, 2 ** 15)),)
LIMIT = 300_000


def test_max_size_publishes_the_best_trial_compressed(review_folder, tmp_path):
    assert model_bytes(BIG[0].fields_for(60, 2 ** 15, {'seq_len': 24})) > LIMIT
    options = AutotuneOptions(data=review_folder, output_dir=str(tmp_path / 'auto'),
                              time_budget=3600.0, full_val_size=0.25, max_epochs=2, max_trials=1,
                              max_size=LIMIT, train_overrides={'batch_size': 16})
    report = autotune(options, families=BIG)
    folder = options.output_dir
    files = set(os.listdir(folder))
    assert {'params.npz', 'compression.json'} <= files and 'best.params' not in files
    assert report['size_bytes'] <= LIMIT < report['compression']['source_bytes']
    compression = report['compression']
    assert 0 <= compression['val_accuracy_after'] <= 1
    assert compression['val_accuracy_before'] == report['val_accuracy']
    # the trial's own run keeps the parameters as trained; the command retrains it
    assert os.path.isfile(os.path.join(folder, 'trials', '0000', 'best.params'))
    assert json.load(open(os.path.join(folder, 'config.json')))['model'] == 'ngram-table'
    clf = gs.load_model(folder)
    probs = clf.predict_proba(['a wonderful film', 'an awful film'])
    assert probs.shape == (2, 2)
    assert gs.load_model(os.path.join(folder, 'trials', '0000')).predict(
        ['a wonderful film', 'an awful film']).shape == (2,)


def test_max_size_keeps_time_to_compress_within_an_epoch(review_folder, tmp_path):
    clock = FakeClock()
    options = AutotuneOptions(data=review_folder, output_dir=str(tmp_path / 'auto'),
                              time_budget=100.0, full_val_size=0.25, max_epochs=2,
                              max_size=LIMIT, train_overrides={'batch_size': 16})
    with pytest.raises(TrainingStopped, match='no trial finished'):
        autotune(options, families=BIG, clock=clock, handlers=[SlowBatches(clock, 30.0)])
    # a quarter of the budget is kept for compressing: the trial stops in its first epoch
    # once more than 75 s are spent, before the budget (without --max-size: after it)
    assert 75.0 < clock.now < 100.0
