"""Prediction throughput of an n-gram run as trained, folded into its score table, and compressed.

    python benchmarks/bench_fold.py --model runs/fast --data held_out.jsonl \\
        [--compressed runs/fast-15mb runs/fast-5mb] [--rounds 3]

Loads the run twice, as trained (``load_model(run, fold=False)``, the
NgramNet) and folded (``load_model(run)``, the default: the NgramTableNet of
the same scores), and each ``--compressed`` folder; then, in ``--rounds``
interleaved rounds, times the prediction path of ``predict`` (tokenize,
encode, batch by length, forward, records: ``iter_records``) over the texts
of ``--data``. The first round of each model is *cold*, as one ``predict``
command is: every new batch width builds its graph; later rounds reuse them
(a server). Rates are by wall clock and by the process's CPU time (less
sensitive to other work on the machine), with the load average. The last
line is JSON: the rates, the ratios folded / as trained, held-out accuracy,
and the largest difference of the folded probabilities from the trained ones.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _timed(clf, texts, iter_records, Throughput):
    stats = Throughput()
    cpu = time.process_time()
    count = sum(1 for _ in iter_records(clf, texts, stats=stats))
    cpu = time.process_time() - cpu
    return count / stats.seconds, count / cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', required=True, help='an n-gram run directory')
    parser.add_argument('--data', required=True, help='labelled held-out texts')
    parser.add_argument('--compressed', nargs='*', default=[], help='compressed folders')
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, ROOT)
    import gluon_sentiment as gs
    from gluon_sentiment.data.formats import load_dataset
    from gluon_sentiment.inference.records import Throughput, iter_records

    reviews = load_dataset(args.data)
    texts = list(reviews.texts)
    models = {'trained': gs.load_model(args.model, fold=False), 'folded': gs.load_model(args.model)}
    models.update({os.path.basename(os.path.normpath(p)): gs.load_model(p) for p in args.compressed})
    rates = {name: {'cold_wall': None, 'cold_cpu': None, 'warm_wall': 0.0, 'warm_cpu': 0.0}
             for name in models}
    for round_ in range(args.rounds):
        for name, clf in models.items():
            wall, cpu = _timed(clf, texts, iter_records, Throughput)
            if round_ == 0:
                rates[name].update(cold_wall=wall, cold_cpu=cpu)
            else:
                rates[name].update(warm_wall=max(wall, rates[name]['warm_wall']),
                                   warm_cpu=max(cpu, rates[name]['warm_cpu']))
            print(f'round {round_ + 1} {name}: {wall:.0f} texts/s wall, {cpu:.0f} per CPU-second '
                  f'(load average {os.getloadavg()[0]:.1f})', flush=True)
    probs = {name: clf.predict_proba(texts) for name, clf in models.items()}
    result = {name: {**{k: round(v) for k, v in r.items() if v},
                     'heldout_accuracy': float((probs[name].argmax(1) == reviews.labels).mean())}
              for name, r in rates.items()}
    for key in ('cold_wall', 'cold_cpu', 'warm_wall', 'warm_cpu'):
        if rates['trained'][key]:
            result[f'ratio_folded_vs_trained_{key}'] = round(rates['folded'][key]
                                                            / rates['trained'][key], 2)
    result['max_abs_prob_diff_folded'] = float(np.abs(probs['folded'] - probs['trained']).max())
    result.update(texts=len(texts), load_average=os.getloadavg()[0], cpus=os.cpu_count(),
                  omp_threads=os.environ.get('OMP_NUM_THREADS'))
    print(json.dumps(result))


if __name__ == '__main__':
    main()
