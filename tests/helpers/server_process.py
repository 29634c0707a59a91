"""A real ``python -m gluon_sentiment.serve`` process on 127.0.0.1, for the tests that need one."""
import contextlib
import os
import subprocess
import sys
import time

import httpx

import gluon_sentiment as gs


@contextlib.contextmanager
def serve_process(model, port, *args, env=None, wait=90.0):
    """Start ``serve --model MODEL --port PORT ARGS`` and yield its URL once ``/health`` answers.

    ``env`` adds variables to the child's environment (which imports this
    checkout of the package). The process is stopped (SIGTERM, then SIGKILL)
    on exit; a server that dies or does not answer within ``wait`` seconds
    fails the test with its standard error.
    """
    root = os.path.dirname(os.path.dirname(os.path.abspath(gs.__file__)))
    child_env = dict(os.environ, PYTHONPATH=root, **(env or {}))
    server = subprocess.Popen([sys.executable, '-m', 'gluon_sentiment.serve', '--model', model,
                               '--port', str(port), '--quiet', *args],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=child_env)
    url = f'http://127.0.0.1:{port}'
    try:
        deadline = time.monotonic() + wait
        while True:
            assert server.poll() is None, server.stderr.read().decode()
            try:
                if httpx.get(f'{url}/health', timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f'server did not answer /health in {wait:.0f} s'
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=20)
