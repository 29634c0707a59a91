"""The primitive caches are bounded on import unless the user bounded them."""
import json
import os
import subprocess
import sys

from gluon_sentiment.threads import CACHE_BOUNDS, bound_caches

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_bounds_are_set_where_unset_and_the_users_kept(monkeypatch):
    first, second, third = CACHE_BOUNDS
    monkeypatch.delenv(first, raising=False)
    monkeypatch.setenv(second, '7')
    monkeypatch.delenv(third, raising=False)
    assert bound_caches() == {first: CACHE_BOUNDS[first], second: '7', third: CACHE_BOUNDS[third]}
    assert os.environ[first] == CACHE_BOUNDS[first] and os.environ[second] == '7'


def test_importing_the_package_bounds_the_caches_before_mxnet_runs():
    env = {k: v for k, v in os.environ.items() if k not in CACHE_BOUNDS}
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    code = ('import json, os, gluon_sentiment; '
            f'print(json.dumps({{k: os.environ.get(k) for k in {sorted(CACHE_BOUNDS)}}}))')
    out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == CACHE_BOUNDS
