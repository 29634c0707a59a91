"""Resume equivalence on real data: interrupt a training run with SIGINT, resume it, compare.

Trains the same configuration twice from the command line: once without a
break, once stopped by SIGINT in the middle of epoch ``--stop-epoch`` and
then continued with ``--resume``. Prints the largest absolute difference
of the final parameters and of the metrics between the two runs as JSON.

::

    python benchmarks/resume_equivalence.py --data ../shared/data/aclImdb_train.tar.gz \\
        --max-examples 4000 --epochs 3 --out /tmp/resume_check
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import mxnet as mx
import numpy as np


def _train(argv):
    return [sys.executable, '-m', 'gluon_sentiment.train', '--quiet'] + argv


def _max_abs_diff(path_a, path_b):
    a, b = mx.nd.load(path_a), mx.nd.load(path_b)
    return max(float(np.abs(a[k].asnumpy() - b[k].asnumpy()).max()) for k in a)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', required=True)
    parser.add_argument('--max-examples', default='4000')
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--stop-epoch', type=int, default=2,
                        help='send SIGINT once this epoch has started')
    parser.add_argument('--out', required=True, help='scratch folder (emptied)')
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    common = ['--data', args.data, '--max-examples', args.max_examples,
              '--epochs', str(args.epochs)]
    whole, broken = os.path.join(args.out, 'whole'), os.path.join(args.out, 'broken')
    subprocess.run(_train(common + ['--output-dir', whole]), check=True)

    proc = subprocess.Popen(_train(common + ['--output-dir', broken]))
    metrics = os.path.join(broken, 'metrics.json')
    while proc.poll() is None:  # wait until epoch stop-epoch - 1 is committed, then a bit more
        time.sleep(0.5)
        done = len(json.load(open(metrics))['history']) if os.path.exists(metrics) else 0
        if done >= args.stop_epoch - 1:
            time.sleep(2.0)
            proc.send_signal(signal.SIGINT)
            break
    status = proc.wait()
    interrupted = json.load(open(metrics))
    subprocess.run(_train(['--resume', broken]), check=True)

    print(json.dumps({'interrupt_exit_status': status,
                      'epochs_done_when_interrupted': len(interrupted['history']),
                      **compare(whole, broken, args.epochs)}, indent=2))


def compare(whole, broken, epochs):
    """Largest differences between the finished runs in folders ``whole`` and ``broken``."""
    a = json.load(open(os.path.join(whole, 'metrics.json')))
    b = json.load(open(os.path.join(broken, 'metrics.json')))
    last = f'epoch-{epochs:04d}.params'
    return {
        'max_abs_diff_final_params': _max_abs_diff(os.path.join(whole, last),
                                                   os.path.join(broken, last)),
        'max_abs_diff_best_params': _max_abs_diff(os.path.join(whole, 'best.params'),
                                                  os.path.join(broken, 'best.params')),
        'max_abs_diff_metrics': max(abs(a[k] - b[k]) for k in
                                    ('test_accuracy', 'test_loss', 'val_accuracy', 'val_loss')),
        'max_abs_diff_train_loss': max(abs(ra['train_loss'] - rb['train_loss'])
                                       for ra, rb in zip(a['history'], b['history'])),
        'test_accuracy': b['test_accuracy'],
    }

if __name__ == '__main__':
    main()
