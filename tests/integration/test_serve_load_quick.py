"""The load test of a real server process in its fast version: 4 clients x 50 requests, zero 5xx."""
import json
import os
import subprocess
import sys

from deploy_fixtures import deploy_root, multikernel_bundle, multikernel_run  # noqa: F401

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_mixed_bodies_from_concurrent_clients_get_no_5xx(multikernel_bundle):
    proc = subprocess.run([sys.executable, os.path.join(REPO, 'benchmarks', 'bench_serve_load.py'),
                           '--model', multikernel_bundle, '--clients', '4', '--requests', '200',
                           '--warmup', '10', '--max-seconds', '60'],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=REPO))
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    result = json.loads(proc.stdout.strip().split('\n')[-1])
    assert result['server_errors_5xx'] == 0 and result['unexpected'] == 0
    assert set(result['statuses']) <= {'200', '400', '413', '422'}
    assert result['requests'] == 200 and result['p99_ms'] >= result['p50_ms'] > 0
    by_body = result['by_body']
    assert by_body['oversized'] == {'413': by_body['oversized']['413']}
    assert set(by_body['surrogates']) == {'200'} and set(by_body['bad_json']) == {'400'}
    assert result['rss_before_mb'] > 0
