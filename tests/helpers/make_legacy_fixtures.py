"""Write the artifacts of tests/fixtures/legacy/ with an older checkout of gluon_sentiment.

The fixtures are a tiny training run (``multikernel``), its exported bundle
and an ensemble of it with a tiny ``ngram`` run (kept only inside the
ensemble), plus ``expected.json``: the
probabilities the old code predicts for :data:`TEXTS` with each of the three.
``tests/integration/test_legacy_artifacts.py`` loads them with today's code
and asserts the same probabilities.

They were made from commit 5f6fcf2 (the code before the restructure into
layers) with::

    git worktree add /tmp/legacy 5f6fcf2
    PYTHONPATH=/tmp/legacy python tests/helpers/make_legacy_fixtures.py tests/fixtures/legacy

The script only uses the commands (``train``, ``export``, ``ensemble``) and
``gluon_sentiment.load_model``, so it runs against any checkout that has them.
What ``load_model`` does not read (per-epoch checkpoints, training states,
learning curves, the run's exported symbol) is deleted to keep the files small.
"""
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

import gluon_sentiment as gs

POSITIVE = ['great', 'wonderful', 'excellent', 'loved', 'brilliant', 'superb']
NEGATIVE = ['awful', 'boring', 'terrible', 'hated', 'dull', 'worst']
NEUTRAL = ['the', 'movie', 'film', 'plot', 'actor', 'scene', 'was', 'and', 'a', 'it']
TEXTS = ['great wonderful excellent', 'awful boring terrible film', 'the plot was a scene',
         'I loved it', 'hated it, the worst film', 'brilliant superb', 'dull', '',
         'words the vocabulary never saw', 'a great plot but a dull and boring actor']
COMMON = ['--seq-len', '24', '--vocab-size', '200', '--embed-size', '8', '--batch-size', '16',
          '--epochs', '1', '--seed', '0', '--quiet']
RUNS = {'multikernel': ['--model', 'multikernel'],
        'ngram': ['--model', 'ngram', '--model-args', '{"num_buckets": 512}']}
KEEP = {'config.json', 'vocab.json', 'metrics.json', 'best.params'}


def write_reviews(root, n_per_class=60, seed=0):
    """Write synthetic IMDB-layout reviews (ROOT/pos, ROOT/neg) and return ROOT."""
    rng = random.Random(seed)
    for label, words in (('pos', POSITIVE), ('neg', NEGATIVE)):
        os.makedirs(os.path.join(root, label))
        for i in range(n_per_class):
            tokens = [rng.choice(NEUTRAL) for _ in range(rng.randint(8, 20))]
            for _ in range(3):
                tokens.insert(rng.randrange(len(tokens)), rng.choice(words))
            with open(os.path.join(root, label, f'{i}_{8 if label == "pos" else 2}.txt'), 'w',
                      encoding='utf-8') as f:
                f.write(' '.join(tokens))
    return root


def strip_run(run):
    """Delete what ``load_model`` does not read from the run directory ``run``."""
    for path in glob.glob(os.path.join(run, '*')):
        if os.path.basename(path) not in KEEP:
            (shutil.rmtree if os.path.isdir(path) else os.remove)(path)


def command(name, *argv):
    """Run ``python -m gluon_sentiment.NAME ARGV`` in a fresh process (the one on PYTHONPATH)."""
    subprocess.run([sys.executable, '-m', f'gluon_sentiment.{name}', *argv], check=True)


def main(out):
    """Write the runs, the bundle, the ensemble and expected.json into ``out``."""
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    with tempfile.TemporaryDirectory() as tmp:
        data = write_reviews(os.path.join(tmp, 'reviews'))
        for name, args in RUNS.items():
            command('train', '--data', data, '--output-dir', os.path.join(out, f'run-{name}'),
                    *COMMON, *args)
    run, run2 = (os.path.join(out, f'run-{name}') for name in RUNS)
    command('export', '--model', run, '--out', os.path.join(out, 'bundle'), '--onnx', '--quiet')
    for path in (run, run2):
        strip_run(path)
    command('ensemble', '--models', run, run2, '--out', os.path.join(out, 'ensemble'), '--quiet')
    shutil.rmtree(run2)  # the ensemble holds its own copy
    expected = {'version': gs.__version__, 'texts': TEXTS, 'proba': {}}
    for name in ('run-multikernel', 'bundle', 'ensemble'):
        expected['proba'][name] = gs.load_model(os.path.join(out, name)).predict_proba(
            TEXTS).tolist()
    with open(os.path.join(out, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)


if __name__ == '__main__':
    main(sys.argv[1])
