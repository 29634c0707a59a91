"""autotune on three classes: --select-metric macro_f1 averages the F1 of every class."""
import csv
import random

from sklearn.metrics import f1_score

import gluon_sentiment as gs
from conftest import NEGATIVE, NEUTRAL, POSITIVE
from gluon_sentiment.data.pipeline import read_splits
from tiny_families import tiny_ngram
from gluon_sentiment.tuning import AutotuneOptions, autotune

MIDDLE = ['okay', 'average', 'mediocre', 'fine', 'passable', 'moderate']


TINY = (tiny_ngram('tiny', seq_lens=(32,), recipe_seq_len=32, rows=(80, 101)),)


def _write_three_classes(path, n_per_class=60, seed=0):
    rng = random.Random(seed)
    with open(path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.writer(f)
        writer.writerow(['text', 'label'])
        for name, words in zip(('bad', 'meh', 'good'), (NEGATIVE, MIDDLE, POSITIVE)):
            for _ in range(n_per_class):
                tokens = [rng.choice(NEUTRAL) for _ in range(rng.randint(8, 20))]
                # a weak signal: macro-F1 over three classes differs from one over two
                tokens.insert(rng.randrange(len(tokens)), rng.choice(words))
                writer.writerow([' '.join(tokens), name])
    return str(path)


def test_macro_f1_covers_every_class(tmp_path):
    data = _write_three_classes(tmp_path / 'three.csv')
    options = AutotuneOptions(data=data, output_dir=str(tmp_path / 'auto'), test_data=data,
                              labels='bad,meh,good', select_metric='macro_f1',
                              time_budget=3600.0, full_val_size=0.3, max_epochs=2, max_trials=1,
                              train_overrides={'batch_size': 16})
    report = autotune(options, families=TINY)
    clf = gs.load_model(options.output_dir)
    config = options.base_config()
    _, reviews, index, _ = read_splits(config, config.seed)
    val = index['val']
    predicted = clf.predict([reviews.texts[i] for i in val])
    expected = f1_score(reviews.labels[val], predicted, average='macro', labels=[0, 1, 2],
                        zero_division=0)
    assert abs(report['value'] - expected) < 1e-9
    test_predicted = clf.predict(list(reviews.texts))
    assert abs(report['test_macro_f1'] - f1_score(reviews.labels, test_predicted, average='macro',
                                                  labels=[0, 1, 2], zero_division=0)) < 1e-9
