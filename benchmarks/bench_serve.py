"""Served latency of one short text: p50 and p99 over a bounded number of requests.

Starts ``python -m gluon_sentiment.serve`` on a free port of 127.0.0.1, sends
``--requests`` sequential ``POST /predict`` requests with one short text over
one keep-alive connection, and prints the latency percentiles next to the
model's own time for the same text in process (so the HTTP overhead is the
difference). The server is always stopped at the end.

    python benchmarks/bench_serve.py --model bundles/multikernel --requests 2000

Targets (issue 7): p50 < 10 ms, p99 < 50 ms.
"""
import argparse
import os
import socket
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT = 'the movie was awesome. Loved it'


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _percentiles(seconds):
    ms = np.asarray(seconds) * 1000
    return np.percentile(ms, 50), np.percentile(ms, 99), ms.max()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', required=True, help='run directory or bundle')
    parser.add_argument('--requests', type=int, default=1000, help='timed requests (at most 100000)')
    parser.add_argument('--warmup', type=int, default=50, help='untimed requests first')
    parser.add_argument('--startup-timeout', type=float, default=120.0)
    parser.add_argument('--threads', type=int, default=1,
                        help="OpenMP threads, of the server and of the in-process model")
    args = parser.parse_args()
    requests = min(max(args.requests, 1), 100000)
    os.environ['OMP_NUM_THREADS'] = str(args.threads)  # before MXNet loads, here and in the server

    import httpx
    sys.path.insert(0, ROOT)
    import gluon_sentiment as gs

    clf = gs.load_model(args.model)
    for _ in range(args.warmup):
        clf.predict_proba([TEXT])
    direct = []
    for _ in range(requests):
        start = time.perf_counter()
        clf.predict_proba([TEXT])
        direct.append(time.perf_counter() - start)

    port = _free_port()
    env = dict(os.environ, PYTHONPATH=ROOT)
    server = subprocess.Popen([sys.executable, '-m', 'gluon_sentiment.serve', '--model',
                               args.model, '--port', str(port), '--threads', str(args.threads),
                               '--quiet'], env=env)
    served = []
    try:
        url = f'http://127.0.0.1:{port}'
        deadline = time.monotonic() + args.startup_timeout
        with httpx.Client(base_url=url, timeout=30) as http:
            while True:
                if server.poll() is not None:
                    sys.exit(f'server exited with status {server.returncode}')
                try:
                    if http.get('/health').status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    sys.exit(f'server did not answer within {args.startup_timeout} s')
                time.sleep(0.2)
            body = {'texts': [TEXT]}
            for _ in range(args.warmup):
                http.post('/predict', json=body).raise_for_status()
            for _ in range(requests):
                start = time.perf_counter()
                http.post('/predict', json=body).raise_for_status()
                served.append(time.perf_counter() - start)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    load = os.getloadavg()[0] if hasattr(os, 'getloadavg') else float('nan')
    print(f'{requests} requests of one short text ({TEXT!r}); {args.threads} OpenMP thread(s); '
          f'load average {load:.1f} on {os.cpu_count()} CPUs')
    for name, times in (('served (HTTP, 127.0.0.1)', served), ('in process (predict_proba)', direct)):
        p50, p99, worst = _percentiles(times)
        print(f'{name:28s} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   max {worst:7.2f} ms')
    print(f'served / in process, p50: {_percentiles(served)[0] / _percentiles(direct)[0]:.2f}x')


if __name__ == '__main__':
    main()
