"""Four rating classes from the IMDB training reviews: our models against TF-IDF logistic regression.

    python benchmarks/bench_multiclass.py --data ../shared/data/aclImdb_train.tar.gz

Reads the reviews with ``--target rating --rating-bins 1-2,3-4,7-8,9-10``
(classes terrible, bad, good, excellent), holds out a stratified
``--test-fraction`` (seed 42), writes both parts as CSV files with ``text``
and ``label`` columns, and on the same split:

* fits scikit-learn's TF-IDF word 1-2-gram multinomial logistic regression
  (the package's tokenizer, fixed settings);
* trains README's n-gram recipe (``train --data TRAIN.csv --labels ...
  --protocol full --model ngram --vocab-size 100000 --seq-len 1000 --epochs 5
  --lr 5e-3``) and the default multi-kernel network (``--protocol full``,
  other flags default), each scored with ``evaluate --data TEST.csv``;
  ``--models multikernel-glove`` adds the multi-kernel network on two
  channels of GloVe vectors (``--preset glove-multichannel``).

The last line is one JSON object: accuracy and macro-F1 of each, seconds.
``--quick`` is a smoke version on 2,000 reviews with one epoch.
"""
import argparse
import csv
import json
import logging
import os
import sys
import tempfile
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from gluon_sentiment.analysis.evaluation import evaluate_run
from gluon_sentiment.data.formats import load_dataset
from gluon_sentiment.data.split import balanced_subset
from gluon_sentiment.data.text import tokenize
from gluon_sentiment.training import TrainConfig, run_training
from gluon_sentiment.training.presets import PRESETS

__all__ = ['main', 'tfidf_lr']

CLASSES = ('terrible', 'bad', 'good', 'excellent')
BINS = '1-2,3-4,7-8,9-10'
RECIPES = {
    'ngram': dict(model='ngram', vocab_size=100000, seq_len=1000, epochs=5, lr=5e-3),
    'multikernel': dict(model='multikernel'),
    # --preset glove-multichannel (README's first GloVe command; needs the GloVe vectors)
    'multikernel-glove': PRESETS['glove-multichannel'][1],
}


def tfidf_lr(train_texts, y_train, test_texts):
    """TF-IDF of word 1-2-grams, multinomial logistic regression; test predictions."""
    vectorizer = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None,
                                 ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    model = LogisticRegression(C=10, max_iter=1000)  # lbfgs: multinomial for K > 2
    model.fit(vectorizer.fit_transform(train_texts), y_train)
    return model.predict(vectorizer.transform(test_texts))


def _write_csv(path, texts, labels):
    with open(path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.writer(f)
        writer.writerow(['text', 'label'])
        writer.writerows((text, CLASSES[label]) for text, label in zip(texts, labels))


def _scores(y_true, y_pred):
    return {'accuracy': float(accuracy_score(y_true, y_pred)),
            'macro_f1': float(f1_score(y_true, y_pred, average='macro'))}


def main() -> None:
    """Parse the arguments, run the three side by side and print their scores."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', required=True, help='IMDB archive or folder (file names carry '
                                                      'ratings)')
    parser.add_argument('--test-fraction', type=float, default=0.2)
    parser.add_argument('--models', default='ngram,multikernel',
                        help='comma-separated: which of ngram, multikernel, multikernel-glove '
                             'to train')
    parser.add_argument('--workdir', default=None, help='where CSVs and runs go (default: temp)')
    parser.add_argument('--quick', action='store_true', help='2,000 reviews, one epoch')
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format='%(asctime)s %(name)s: %(message)s')
    reviews = load_dataset(args.data, target='rating', rating_bins=BINS, labels=CLASSES)
    if args.quick:
        reviews = reviews.subset(balanced_subset(reviews.labels, 2000, 0))
    train_idx, test_idx = train_test_split(np.arange(len(reviews)), test_size=args.test_fraction,
                                           random_state=42, stratify=reviews.labels)
    work = args.workdir or tempfile.mkdtemp(prefix='bench_multiclass_')
    os.makedirs(work, exist_ok=True)
    train_csv, test_csv = os.path.join(work, 'train.csv'), os.path.join(work, 'test.csv')
    for path, idx in ((train_csv, train_idx), (test_csv, test_idx)):
        _write_csv(path, [reviews.texts[i] for i in idx], reviews.labels[idx])
    y_test = reviews.labels[test_idx]
    result = {'data': args.data, 'classes': list(CLASSES), 'bins': BINS,
              'sizes': {'train': len(train_idx), 'test': len(test_idx)},
              'class_counts_test': np.bincount(y_test).tolist()}
    start = time.time()
    pred = tfidf_lr([reviews.texts[i] for i in train_idx], reviews.labels[train_idx],
                    [reviews.texts[i] for i in test_idx])
    result['tfidf_lr'] = {**_scores(y_test, pred), 'seconds': time.time() - start}
    for name in args.models.split(','):
        options = dict(RECIPES[name], epochs=1) if args.quick else RECIPES[name]
        start = time.time()
        out = os.path.join(work, name)
        run_training(TrainConfig(data=train_csv, labels=','.join(CLASSES), protocol='full',
                                 output_dir=out, overwrite=True, **options))
        metrics = evaluate_run(out, test_csv, os.path.join(work, f'eval-{name}'),
                               labels=','.join(CLASSES))['metrics']
        result[name] = {'accuracy': metrics['accuracy'], 'macro_f1': metrics['macro_f1'],
                        'ece': metrics['ece'], 'seconds': time.time() - start}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
