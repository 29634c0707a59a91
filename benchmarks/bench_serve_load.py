"""A busy server: concurrent clients, mixed valid and invalid bodies, zero 5xx, RSS growth.

Starts ``python -m gluon_sentiment.serve`` on a free port of 127.0.0.1 (with
``--model``, or a small model trained here on synthetic reviews in seconds),
then ``--clients`` threads send ``--requests`` requests in all over
keep-alive ``http.client`` connections, cycling through valid bodies and
hostile ones: bad JSON, wrong types, too many texts, a body over
``--max-body-bytes``, lone surrogates, empty texts, long texts, explanations.
It stops by itself after ``--max-seconds`` whatever is left, and always
stops the server. Reported: the status counts (any 5xx, a status outside
200/400/401/413/422 or a dropped connection fails the run with exit status 1), p50/p99
latency, and the server's resident memory (``VmRSS`` of ``/proc/PID/status``)
after a warm-up and after the load. The last line is JSON::

    python benchmarks/bench_serve_load.py --clients 16 --requests 4000
"""
import argparse
import collections
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPECTED = {200, 400, 401, 413, 422}
MAX_TEXTS, MAX_CHARS, MAX_BODY = 32, 20000, 65536


def _bodies():
    """(name, body bytes) requests cycle through: valid and hostile ones."""
    many = json.dumps({'texts': ['good'] * (MAX_TEXTS + 1)})
    return [
        ('valid', json.dumps({'texts': ['a wonderful, moving film']})),
        ('valid_batch', json.dumps({'texts': ['dull', 'great acting', 'awful plot'] * 4})),
        ('explain', json.dumps({'texts': ['superb and moving'], 'explain': True, 'top_k': 3})),
        ('bad_json', '{"texts": ['),
        ('wrong_type', '{"texts": [1, {"a": 2}]}'),
        ('too_many', many),
        ('oversized', json.dumps({'texts': ['x' * 100] * (MAX_BODY // 100 + 10)})),
        ('surrogates', '{"texts": ["lone \\ud800 surrogate \\udfff"]}'),
        ('empty_list', '{"texts": []}'),
        ('empty_text', '{"texts": ["", " ", "\\u0000"]}'),
        ('long_text', json.dumps({'texts': ['great film ' * (MAX_CHARS // 11)]})),
        ('too_long', json.dumps({'texts': ['x' * (MAX_CHARS + 1)]})),
        ('unicode', json.dumps({'texts': ['שלום 😀 e\u0301 Фильм 电影']}, ensure_ascii=False)),
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _rss_kb(pid: int) -> int:
    with open(f'/proc/{pid}/status', encoding='ascii') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def _train_small(folder: str) -> str:
    """A multikernel run trained for one epoch on synthetic reviews."""
    import numpy as np  # pylint: disable=import-outside-toplevel
    from gluon_sentiment import train  # pylint: disable=import-outside-toplevel
    rng = np.random.RandomState(0)
    words = {'pos': ['great', 'wonderful', 'superb', 'moving'],
             'neg': ['awful', 'dull', 'boring', 'terrible']}
    data = os.path.join(folder, 'reviews')
    for label, vocab in words.items():
        os.makedirs(os.path.join(data, label))
        for i in range(60):
            text = ' '.join(rng.choice(vocab + ['film', 'plot', 'the'], 12))
            with open(os.path.join(data, label, f'{i}_1.txt'), 'w', encoding='utf-8') as f:
                f.write(text)
    out = os.path.join(folder, 'run')
    status = train.main(['--data', data, '--output-dir', out, '--model', 'multikernel',
                         '--epochs', '1', '--seq-len', '40', '--embed-size', '16',
                         '--batch-size', '16', '--quiet'])
    if status:
        sys.exit(f'training the small model failed with status {status}')
    return out


def _start(model: str, port: int, timeout: float) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=ROOT)
    server = subprocess.Popen(
        [sys.executable, '-m', 'gluon_sentiment.serve', '--model', model, '--host', '127.0.0.1',
         '--port', str(port), '--max-texts', str(MAX_TEXTS), '--max-chars', str(MAX_CHARS),
         '--max-body-bytes', str(MAX_BODY), '--quiet'], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f'the server exited with status {server.returncode}')
        try:
            conn = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
            conn.request('GET', '/health')
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.kill()
    sys.exit(f'the server did not answer /health within {timeout} s')


class _Client(threading.Thread):
    """Sends its share of requests over one keep-alive connection (reopened when closed)."""

    def __init__(self, port: int, indices, deadline: float):
        super().__init__(daemon=True)
        self.port, self.indices, self.deadline = port, indices, deadline
        self.results = []  # (body name, status or 'dropped', seconds)

    def run(self):
        bodies, conn = _bodies(), None
        for i in self.indices:
            if time.monotonic() > self.deadline:
                break
            name, body = bodies[i % len(bodies)]
            conn = conn or http.client.HTTPConnection('127.0.0.1', self.port, timeout=30)
            start = time.perf_counter()
            try:
                conn.request('POST', '/predict', body=body.encode('utf-8', 'surrogatepass'),
                             headers={'content-type': 'application/json'})
                answer = conn.getresponse()
                answer.read()
                status = answer.status
                if answer.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                status, conn = 'dropped', None
            self.results.append((name, status, time.perf_counter() - start))
        if conn is not None:
            conn.close()


def _load(port: int, clients: int, requests: int, seconds: float):
    deadline = time.monotonic() + seconds
    threads = [_Client(port, range(c, requests, clients), deadline) for c in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    return [r for t in threads for r in t.results], time.perf_counter() - start


def _summary(results, wall: float) -> dict:
    latencies = sorted(r[2] * 1000 for r in results)
    statuses = collections.Counter(str(r[1]) for r in results)
    by_body = collections.defaultdict(collections.Counter)
    for name, status, _ in results:
        by_body[name][str(status)] += 1

    def pct(q):
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2) \
            if latencies else None
    return {'requests': len(results), 'seconds': round(wall, 2),
            'requests_per_s': round(len(results) / wall, 1) if wall else None,
            'statuses': dict(statuses), 'by_body': {k: dict(v) for k, v in by_body.items()},
            'server_errors_5xx': sum(n for s, n in statuses.items() if s.startswith('5')),
            'unexpected': sum(n for s, n in statuses.items() if s not in map(str, EXPECTED)),
            'p50_ms': pct(0.50), 'p99_ms': pct(0.99), 'max_ms': pct(1.0)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', help='run directory or bundle (default: train a small one)')
    parser.add_argument('--clients', type=int, default=16, help='concurrent clients (1-64)')
    parser.add_argument('--requests', type=int, default=4000, help='requests in all (<= 100000)')
    parser.add_argument('--warmup', type=int, default=50, help='requests before the RSS baseline')
    parser.add_argument('--max-seconds', type=float, default=60.0, help='stop after this long')
    parser.add_argument('--startup-timeout', type=float, default=120.0)
    args = parser.parse_args(argv)
    clients, requests = min(max(args.clients, 1), 64), min(max(args.requests, 1), 100000)
    sys.path.insert(0, ROOT)
    with tempfile.TemporaryDirectory() as folder:
        model = args.model or _train_small(folder)
        port = _free_port()
        server = _start(model, port, args.startup_timeout)
        try:
            _load(port, min(clients, 4), max(args.warmup, 1), args.max_seconds)
            rss_before = _rss_kb(server.pid)
            results, wall = _load(port, clients, requests, args.max_seconds)
            rss_after = _rss_kb(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    summary = _summary(results, wall)
    summary.update(clients=clients, rss_before_mb=round(rss_before / 1024, 1),
                   rss_after_mb=round(rss_after / 1024, 1),
                   rss_growth_mb=round((rss_after - rss_before) / 1024, 1),
                   cpus=os.cpu_count(), load_average=round(os.getloadavg()[0], 2))
    for name, counts in sorted(summary['by_body'].items()):
        print(f'{name:12s} {counts}', file=sys.stderr)
    print(json.dumps(summary))
    return 1 if summary['server_errors_5xx'] or summary['unexpected'] else 0


if __name__ == '__main__':
    sys.exit(main())
