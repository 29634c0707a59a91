"""Our best configuration against scikit-learn n-gram baselines, on the same split, in one run.

    python benchmarks/bench_accuracy.py --data ../shared/data/aclImdb_train.tar.gz

Splits the labelled reviews once (stratified, ``--test-fraction`` held out,
seed 42), trains on the rest:

* a TF-IDF word 1-2-gram logistic regression (scikit-learn),
* a naive-Bayes weighted binary 1-3-gram logistic regression (NBSVM-style,
  scikit-learn),
* ``gluon_sentiment.training.recipes.train_best`` (``examples/train_best.py``), which
  keeps its own 5% validation slice of the training part,

and scores all three on the held-out part. Baselines use the package's
tokenizer and fixed, untuned settings. The last line is one JSON object.
``--quick`` is a smoke version on 2,000 reviews with one epoch per member.
"""
import argparse
import json
import logging
import os
import sys
import tempfile
import time

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from gluon_sentiment.training.recipes import train_best
from gluon_sentiment.data.formats import load_dataset
from gluon_sentiment.data.split import balanced_subset
from gluon_sentiment.data.text import tokenize


def _write_jsonl(path, texts, labels):
    with open(path, 'w', encoding='utf-8') as f:
        for text, label in zip(texts, labels):
            f.write(json.dumps({'text': text, 'label': int(label)}) + '\n')


def tfidf_lr(train_texts, y_train, test_texts):
    """TF-IDF of word 1-2-grams, logistic regression; test predictions."""
    vectorizer = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None,
                                 ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    model = LogisticRegression(C=10, max_iter=1000, solver='liblinear')
    model.fit(vectorizer.fit_transform(train_texts), y_train)
    return model.predict(vectorizer.transform(test_texts))


def nb_lr(train_texts, y_train, test_texts, alpha=1.0):
    """Binary word 1-3-grams scaled by naive-Bayes log-count ratios, logistic regression."""
    vectorizer = CountVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None,
                                 ngram_range=(1, 3), min_df=2, binary=True)
    X = vectorizer.fit_transform(train_texts).tocsr()
    p = alpha + np.asarray(X[y_train == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(X[y_train == 0].sum(axis=0)).ravel()
    ratio = sparse.diags(np.log((p / p.sum()) / (q / q.sum())))
    model = LogisticRegression(C=1.0, max_iter=1000, solver='liblinear')
    model.fit(X @ ratio, y_train)
    return model.predict(vectorizer.transform(test_texts) @ ratio)


def _timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', required=True, help='labelled reviews (e.g. the IMDB archive)')
    parser.add_argument('--test-fraction', type=float, default=0.2,
                        help='stratified held-out fraction scored by every model')
    parser.add_argument('--out', default=None, help='work folder (default: a temporary one)')
    parser.add_argument('--quick', action='store_true', help='smoke run: 2,000 reviews, 1 epoch')
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(message)s', datefmt='%H:%M:%S')

    reviews = load_dataset(args.data)
    if args.quick:
        reviews = reviews.subset(balanced_subset(reviews.labels, 2000, 0))
    train_idx, test_idx = train_test_split(np.arange(len(reviews.labels)),
                                           test_size=args.test_fraction, random_state=42,
                                           stratify=reviews.labels)
    texts = reviews.texts
    train_texts, test_texts = [texts[i] for i in train_idx], [texts[i] for i in test_idx]
    y_train, y_test = reviews.labels[train_idx], reviews.labels[test_idx]
    print(f'{len(train_idx)} training reviews, {len(test_idx)} held out')

    results = {'train_reviews': len(train_idx), 'test_reviews': len(test_idx)}
    for name, fn in (('tfidf_lr', tfidf_lr), ('nb_lr', nb_lr)):
        predicted, seconds = _timed(fn, train_texts, y_train, test_texts)
        results[f'baseline_{name}_accuracy'] = float((predicted == y_test).mean())
        results[f'baseline_{name}_seconds'] = seconds
        print(f'baseline {name}: accuracy {results[f"baseline_{name}_accuracy"]:.4f} '
              f'({seconds:.1f} s)')

    with tempfile.TemporaryDirectory() as tmp:
        work = args.out or tmp
        os.makedirs(work, exist_ok=True)
        _write_jsonl(os.path.join(work, 'train.jsonl'), train_texts, y_train)
        _write_jsonl(os.path.join(work, 'test.jsonl'), test_texts, y_test)
        overrides = {'epochs': 1} if args.quick else {}
        start = time.perf_counter()
        report = train_best(os.path.join(work, 'train.jsonl'), os.path.join(work, 'best'),
                            os.path.join(work, 'test.jsonl'), overwrite=True, **overrides)
        seconds = time.perf_counter() - start
    results['best_accuracy'] = report['test_accuracy']
    results['best_val_accuracy'] = report['val_accuracy']
    results['best_seconds'] = seconds
    for member in report['members']:
        results[f'member_{member["model"]}_accuracy'] = member['test_accuracy']
    strongest = max(results['baseline_tfidf_lr_accuracy'], results['baseline_nb_lr_accuracy'])
    results['best_minus_strongest_baseline'] = results['best_accuracy'] - strongest
    print(f'best configuration: accuracy {results["best_accuracy"]:.4f} ({seconds:.0f} s)')
    print(json.dumps(results))
    return 0


if __name__ == '__main__':
    sys.exit(main())
