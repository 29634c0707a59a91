"""Our models against fastText and scikit-learn on one split, in one run: accuracy, time, speed.

    python benchmarks/bench_peers.py --data ../shared/data/aclImdb_train.tar.gz [--best]

Splits the labelled reviews once (stratified, ``--test-fraction`` held out,
seed 42, the split of the former ``bench_accuracy.py``), trains every
contender on the rest and scores it on the held-out part:

* **fastText** (``fasttext-wheel``, ``benchmarks/requirements.txt``): the
  issue's setting (word bigrams, lr 0.1, 10 epochs, 2 threads) and the best
  of a small grid (``--fasttext-grid``: lr 0.1 / 0.5 x word n-grams 2 / 3 x
  5 / 10 epochs, dim 100, chosen on a 10% validation slice of the training
  part, never on the held-out reviews);
* **scikit-learn NB-LR**: binary word 1-3-grams (``CountVectorizer(binary=True,
  ngram_range=(1, 3), min_df=2)``) scaled by their naive-Bayes log-count
  ratios (NBSVM, Wang & Manning 2012), then liblinear logistic regression;
* **lexicons** (``vaderSentiment``, ``textblob``): VADER's compound score and
  TextBlob's polarity, positive when above 0; nothing to train, so only
  accuracy and prediction rate;
* **ours**: each configuration of :data:`OURS` through
  ``gluon_sentiment.training.run_training`` with ``--protocol full`` (its
  own 5% validation slice of the training part picks the best epoch), and
  with ``--best`` the best configuration
  (``gluon_sentiment.training.recipes.train_best``, minutes); with
  ``--pretrained`` the model shipped in the package (``load_model('imdb')``,
  no training). It was trained by ``examples/train_pretrained.py`` on the
  training part of this very split (same seed and fraction), so the held-out
  reviews are new to it; on any other split its figure would be meaningless,
  and the script refuses it. ``--compress 20MB`` also compresses the best
  configuration to that size (``gluon_sentiment.deploy.compress``) and scores
  the compressed ensemble on the same reviews (``best_compressed_*``: size,
  accuracy, points lost).

Every contender reads the same raw texts and uses the package's tokenizer
(fastText gets the tokens joined by spaces). *Training time* is wall time
from raw texts to a trained model: tokenizing, counting and encoding
included (ours also validate every epoch and evaluate and export at the
end). *Prediction* is raw texts to labels, tokenizing included, model
already loaded: fastText's ``predict`` on the list, scikit-learn's
``transform`` + ``predict``, our ``load_model(run).predict``.

For each of our models and each peer the JSON holds
``ratio_<ours>_vs_<peer>``: our time to reach the peer's held-out accuracy
over the peer's training time. Our time to reach it is the wall time at the
end of the first epoch whose weights score at least the peer's accuracy on
the held-out reviews (a handler evaluates them after every epoch; that
evaluation is not counted); ``null`` when no epoch reaches it.

It absorbs ``bench_accuracy.py`` (the same split and NB-LR; the TF-IDF
baseline, always below NB-LR, is left out), which stays only as long as
README's table cites it. ``--quick`` is a smoke run on
2,000 reviews with one epoch per model. The last line is one JSON object.
"""
import argparse
import json
import logging
import os
import platform
import resource
import sys
import tempfile
import time

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from gluon_sentiment.data.formats import load_dataset
from gluon_sentiment.data.split import balanced_subset, holdout_indices
from gluon_sentiment.data.text import tokenize
from gluon_sentiment.inference.batches import predict_logits
from gluon_sentiment.inference.loading import load_model
from gluon_sentiment.training.config import TrainConfig
from gluon_sentiment.training.fit import run_training
from gluon_sentiment.training.handlers import Handler
from gluon_sentiment.training.recipes import FAST_NGRAM, train_best

#: Our configurations: name -> TrainConfig fields (``--protocol full`` added).
OURS = {
    # README's n-gram recipe
    'ngram_readme': dict(model='ngram', vocab_size=100000, seq_len=1000, epochs=5, lr=5e-3),
    # gluon_sentiment.training.recipes.FAST_NGRAM (examples/train_fast.py)
    'ngram_fast': FAST_NGRAM,
    'multikernel': dict(model='multikernel'),
}
FASTTEXT_BASE = dict(lr=0.1, wordNgrams=2, epoch=10)
FASTTEXT_GRID = [dict(lr=lr, wordNgrams=n, epoch=e) for lr in (0.1, 0.5) for n in (2, 3)
                 for e in (5, 10)]


def _write_jsonl(path, texts, labels):
    with open(path, 'w', encoding='utf-8') as f:
        for text, label in zip(texts, labels):
            f.write(json.dumps({'text': text, 'label': int(label)}) + '\n')


def _rate(fn, texts):
    start = time.perf_counter()
    predicted = np.asarray(fn(texts))
    return predicted, len(texts) / (time.perf_counter() - start)


def _fasttext_lines(texts):
    return [' '.join(tokenize(text)) for text in texts]


def fasttext_train(train_texts, y_train, work, threads=2, **params):
    """A fastText supervised model of the texts (our tokens joined by spaces), its seconds."""
    import fasttext  # benchmark-only dependency
    start = time.perf_counter()
    path = os.path.join(work, 'fasttext.train')
    with open(path, 'w', encoding='utf-8') as f:
        for line, label in zip(_fasttext_lines(train_texts), y_train):
            f.write(f'__label__{int(label)} {line}\n')
    model = fasttext.train_supervised(path, thread=threads, verbose=0, seed=0, **params)
    return model, time.perf_counter() - start


def fasttext_predict(model, texts):
    """Labels of raw texts (tokenizing included)."""
    labels, _ = model.predict(_fasttext_lines(texts))
    return [int(label[0][len('__label__'):]) for label in labels]


def fasttext_grid(train_texts, y_train, work):
    """The grid setting with the best accuracy on a 10% validation slice of the training part."""
    fit, val = train_test_split(np.arange(len(y_train)), test_size=0.1, random_state=0,
                                stratify=y_train)
    scores = []
    for params in FASTTEXT_GRID:
        model, _ = fasttext_train([train_texts[i] for i in fit], y_train[fit], work, **params)
        accuracy = float((np.array(fasttext_predict(model, [train_texts[i] for i in val]))
                          == y_train[val]).mean())
        scores.append(accuracy)
        print(f'fastText {params}: validation {accuracy:.4f}')
    return FASTTEXT_GRID[int(np.argmax(scores))]


class NbLr:
    """Binary word 1-3-grams scaled by naive-Bayes log-count ratios, logistic regression."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha
        self.vectorizer = CountVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None,
                                          ngram_range=(1, 3), min_df=2, binary=True)
        self.model = LogisticRegression(C=1.0, max_iter=1000, solver='liblinear')
        self.ratio = None

    def fit(self, texts, y):
        X = self.vectorizer.fit_transform(texts).tocsr()
        p = self.alpha + np.asarray(X[y == 1].sum(axis=0)).ravel()
        q = self.alpha + np.asarray(X[y == 0].sum(axis=0)).ravel()
        self.ratio = sparse.diags(np.log((p / p.sum()) / (q / q.sum())))
        self.model.fit(X @ self.ratio, y)
        return self

    def predict(self, texts):
        return self.model.predict(self.vectorizer.transform(texts) @ self.ratio)


class HeldOutCurve(Handler):
    """After each epoch: the wall time since ``start`` and the held-out (``test``) accuracy.

    The run encodes the held-out reviews with its own vocabulary
    (``--test-data``); the seconds spent evaluating them are not counted.
    """

    def __init__(self, start):
        self.start, self.points, self.excluded = start, [], 0.0

    def epoch_end(self, run, row):
        tick = time.perf_counter()
        X, y, lengths = run.data.splits['test']
        margin = run.net.length_margin
        logits = predict_logits(run.net, X, run.ctx, 1024, None if margin is None else lengths,
                                margin or 0)
        self.points.append((tick - self.start - self.excluded,
                            float((logits.argmax(axis=1) == y).mean())))
        self.excluded += time.perf_counter() - tick
        return False


def time_to_reach(points, accuracy):
    """Seconds at the first point at or above ``accuracy``; None if none reaches it."""
    return next((seconds for seconds, acc in points if acc >= accuracy), None)


def train_ours(name, fields, files, test, work, quick):
    """Train one of our configurations; its result row and its held-out curve."""
    fields = {**fields, **({'epochs': 1, 'max_examples': None} if quick else {})}
    config = TrainConfig(data=files[0], test_data=files[1], protocol='full',
                         output_dir=os.path.join(work, name), overwrite=True, **fields)
    curve = HeldOutCurve(time.perf_counter())
    metrics = run_training(config, handlers=[curve])
    seconds = time.perf_counter() - curve.start - curve.excluded
    clf = load_model(config.output_dir)
    clf.predict(test[0][:64])  # warm: the first call plans the graph
    predicted, rate = _rate(clf.predict, test[0])
    epochs = [row['epoch_seconds'] for row in metrics['history']]
    return {'accuracy': float((predicted == test[1]).mean()), 'train_seconds': seconds,
            'epoch_seconds': float(np.median(epochs)), 'epochs': len(epochs),
            'predict_per_sec': rate}, curve.points


def peers(train, test, work, grid):
    """fastText (issue setting, best of grid) and NB-LR rows: accuracy, seconds, prediction rate."""
    rows = {}
    try:
        import fasttext  # noqa: F401  benchmark-only dependency
        settings = {'fasttext': FASTTEXT_BASE}
    except ImportError:
        print('fastText left out: pip install -r benchmarks/requirements.txt')
        settings, grid = {}, False
    if grid:
        settings['fasttext_tuned'] = fasttext_grid(train[0], train[1], work)
    for name, params in settings.items():
        model, seconds = fasttext_train(train[0], train[1], work, **params)
        predicted, rate = _rate(lambda t: fasttext_predict(model, t), test[0])
        rows[name] = {'accuracy': float((predicted == test[1]).mean()), 'train_seconds': seconds,
                      'epoch_seconds': seconds / params['epoch'], 'predict_per_sec': rate,
                      'params': params}
    start = time.perf_counter()
    nblr = NbLr().fit(train[0], train[1])
    seconds = time.perf_counter() - start
    predicted, rate = _rate(nblr.predict, test[0])
    rows['nb_lr'] = {'accuracy': float((predicted == test[1]).mean()), 'train_seconds': seconds,
                     'predict_per_sec': rate}
    return rows


def lexicons(test):
    """VADER and TextBlob rows (positive when the score is above 0): accuracy, prediction rate."""
    from textblob import TextBlob  # benchmark-only dependencies
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    vader = SentimentIntensityAnalyzer()
    scorers = {'vader': lambda texts: [int(vader.polarity_scores(t)['compound'] > 0) for t in texts],
               'textblob': lambda texts: [int(TextBlob(t).sentiment.polarity > 0) for t in texts]}
    rows = {}
    for name, score in scorers.items():
        predicted, rate = _rate(score, test[0])
        rows[name] = {'accuracy': float((predicted == test[1]).mean()), 'predict_per_sec': rate}
    return rows


def shipped(name, test, test_fraction, quick):
    """The row of the pretrained model ``name``, if it was trained on this split's training part."""
    from gluon_sentiment.artifacts.store import read_json
    from gluon_sentiment.inference.pretrained import pretrained_path
    split = read_json(os.path.join(pretrained_path(name), 'metrics.json')).get('split', {})
    expected = {'seed': 42, 'test_fraction': test_fraction, 'test_reviews': len(test[1])}
    if quick or any(split.get(key) != value for key, value in expected.items()):
        raise SystemExit(f'--pretrained {name}: trained on another split ({split}, this one: '
                         f'{expected}); its held-out accuracy here would be meaningless')
    clf = load_model(name)
    clf.predict(test[0][:64])
    predicted, rate = _rate(clf.predict, test[0])
    return {'accuracy': float((predicted == test[1]).mean()), 'predict_per_sec': rate}


def _split(path, test_fraction, quick):
    reviews = load_dataset(path)
    if quick and len(reviews) > 2000:
        reviews = reviews.subset(balanced_subset(reviews.labels, 2000, 0))
    split = holdout_indices(reviews.labels, test_fraction)
    train_idx, test_idx = split['train'], split['test']
    texts = reviews.texts
    return (([texts[i] for i in train_idx], reviews.labels[train_idx]),
            ([texts[i] for i in test_idx], reviews.labels[test_idx]))


def _report(rows, curves):
    results = {}
    for name, row in rows.items():
        for key, value in row.items():
            results[f'{name}_{key}'] = value
        train = f'{row["train_seconds"]:7.1f} s' if 'train_seconds' in row else '      - '
        print(f'{name:16s} accuracy {row["accuracy"]:.4f}  train {train}  '
              f'predict {row["predict_per_sec"]:9.0f} /s')
    for ours, points in curves.items():
        for peer in ('fasttext', 'fasttext_tuned', 'nb_lr'):
            if peer not in rows:
                continue
            reach = time_to_reach(points, rows[peer]['accuracy'])
            ratio = None if reach is None else reach / rows[peer]['train_seconds']
            results[f'ratio_{ours}_vs_{peer}'] = ratio
            print(f'{ours} to {peer} accuracy {rows[peer]["accuracy"]:.4f}: '
                  + ('not reached' if ratio is None else f'{reach:.1f} s, {ratio:.2f}x its time'))
        if 'fasttext' in rows and 'epoch_seconds' in rows[ours]:
            results[f'epoch_ratio_{ours}_vs_fasttext'] = (rows[ours]['epoch_seconds']
                                                          / rows['fasttext']['epoch_seconds'])
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', required=True, help='labelled reviews (e.g. the IMDB archive)')
    parser.add_argument('--test-fraction', type=float, default=0.2,
                        help='stratified held-out fraction scored by every contender')
    parser.add_argument('--only', default=None,
                        help=f'comma-separated subset of ours to train ({", ".join(OURS)})')
    parser.add_argument('--best', action='store_true',
                        help='also train the best configuration (train_best; minutes)')
    parser.add_argument('--compress', metavar='SIZE', default=None,
                        help='also compress the best configuration to SIZE (e.g. 20MB; implies '
                             '--best) and score the compressed model on the same reviews')
    parser.add_argument('--fasttext-grid', action='store_true',
                        help='also tune fastText on a validation slice (a minute or two)')
    parser.add_argument('--no-peers', action='store_true', help='train only ours')
    parser.add_argument('--pretrained', nargs='?', const='imdb', default=None,
                        help='also score the model shipped in the package (trained on this '
                             "split's training part by examples/train_pretrained.py)")
    parser.add_argument('--quick', action='store_true', help='smoke run: 2,000 reviews, 1 epoch')
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format='%(asctime)s %(message)s', datefmt='%H:%M:%S')
    train, test = _split(args.data, args.test_fraction, args.quick)
    print(f'{len(train[1])} training reviews, {len(test[1])} held out')
    ours = OURS if args.only is None else {name: OURS[name] for name in args.only.split(',') if name}
    with tempfile.TemporaryDirectory() as work:
        files = (os.path.join(work, 'train.jsonl'), os.path.join(work, 'test.jsonl'))
        _write_jsonl(files[0], *train)
        _write_jsonl(files[1], *test)
        rows = {} if args.no_peers else {**peers(train, test, work, args.fasttext_grid),
                                         **lexicons(test)}
        if args.pretrained:
            rows['pretrained'] = shipped(args.pretrained, test, args.test_fraction, args.quick)
        curves = {}
        for name, fields in ours.items():
            rows[name], curves[name] = train_ours(name, fields, files, test, work, args.quick)
        if args.best or args.compress:
            rows['best'], curves['best'] = _train_best(files, test, work, args.quick)
        if args.compress:
            rows['best_compressed'] = _compress_best(work, test, args.compress, rows['best'])
    results = {'train_reviews': len(train[1]), 'test_reviews': len(test[1]), 'quick': args.quick,
               'cpu': platform.processor() or platform.machine(), 'load_average': os.getloadavg()[0],
               'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               **_report(rows, curves)}
    print(json.dumps(results))
    return 0


def _train_best(files, test, work, quick):
    start = time.perf_counter()
    report = train_best(files[0], os.path.join(work, 'best'), files[1], overwrite=True,
                        **({'epochs': 1} if quick else {}))
    seconds = time.perf_counter() - start
    clf = load_model(os.path.join(work, 'best'))
    predicted, rate = _rate(clf.predict, test[0])
    accuracy = float((predicted == test[1]).mean())
    assert abs(accuracy - report['test_accuracy']) < 1e-9
    return ({'accuracy': accuracy, 'train_seconds': seconds, 'predict_per_sec': rate},
            [(seconds, accuracy)])


def _compress_best(work, test, size, best):
    """The best configuration compressed to ``size``: its row, with the bytes and points lost."""
    from gluon_sentiment.deploy.compress import compress_model, folder_bytes
    out = os.path.join(work, 'best-compressed')
    compress_model(os.path.join(work, 'best'), out, size)
    clf = load_model(out)
    predicted, rate = _rate(clf.predict, test[0])
    accuracy = float((predicted == test[1]).mean())
    return {'accuracy': accuracy, 'predict_per_sec': rate, 'size_mb': folder_bytes(out) / 1e6,
            'size_before_mb': folder_bytes(os.path.join(work, 'best')) / 1e6,
            'loss_points': 100 * (best['accuracy'] - accuracy)}


if __name__ == '__main__':
    sys.exit(main())
