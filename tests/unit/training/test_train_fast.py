"""train_fast: the fast configuration's recipe trains one loadable n-gram run."""
import json
import os

import numpy as np

import gluon_sentiment as gs
from gluon_sentiment.training.recipes import FAST_NGRAM, train_fast

SMALL = dict(seq_len=40, embed_size=8, epochs=2, lr=0.05, batch_size=16, full_val_size=0.1,
             model_args='{"num_buckets": 211}')


def test_train_fast_trains_the_fast_ngram_and_times_it(review_folder, tmp_path):
    out = str(tmp_path / 'fast')
    report = train_fast(review_folder, out, test_data=review_folder, **SMALL)
    assert report['seconds'] > 0 and len(report['history']) == 2
    config = json.load(open(os.path.join(out, 'config.json')))
    assert config['model'] == FAST_NGRAM['model'] == 'ngram'
    assert config['vocab_size'] == FAST_NGRAM['vocab_size']  # the recipe's fields, not the defaults
    assert config['optimizer'] == FAST_NGRAM['optimizer'] == 'adagrad'
    clf = gs.load_model(out)
    texts = ['the plot was great', 'awful']
    assert clf.predict(texts).shape == (2,)
    assert 'epoch-0001.params' not in os.listdir(out)  # pruned like train_best's members
    assert np.isfinite(report['test_accuracy'])

