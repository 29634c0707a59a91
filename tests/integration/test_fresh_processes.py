"""Things that need a fresh interpreter: hashing, loading a bundle without our classes, a real server."""
import json
import os
import socket
import subprocess
import sys
import textwrap

import httpx
import numpy as np

from conftest import NEUTRAL
from deploy_fixtures import deploy_root, multikernel_bundle, multikernel_run  # noqa: F401
from server_process import serve_process
import gluon_sentiment as gs
from gluon_sentiment.model.ngram import ngram_ids


def test_ngram_hash_is_the_same_in_every_process():
    """No dependence on Python's salted hash(): two interpreters with different seeds agree."""
    code = ('import numpy as np; from gluon_sentiment.model.ngram import ngram_ids; '
            'X = np.arange(2, 62).reshape(3, 20) % 41; '
            'print(ngram_ids(X, 41, 2 ** 20)[0].sum())')
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    outputs = set()
    for seed in ('1', '2'):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=root)
        outputs.add(subprocess.run([sys.executable, '-c', code], env=env, check=True,
                                   capture_output=True, text=True).stdout.strip())
    expected = ngram_ids(np.arange(2, 62).reshape(3, 20) % 41, 41, 2 ** 20)[0].sum()
    assert outputs == {str(expected)}


TEXTS = ['great wonderful excellent', 'awful boring terrible film', 'the plot was a scene',
         '', 'zyzzyva quux', ' '.join(NEUTRAL * 6) + ' loved it',
         'I hated it. The worst! Dull (and long)?']


def test_bundle_loads_without_the_model_classes(multikernel_run, multikernel_bundle, tmp_path):
    clf = gs.load_model(multikernel_run)
    X = clf.encode(TEXTS)
    expected = gs.inference.predict_logits(clf.net, X, clf.ctx)
    np.save(tmp_path / 'ids.npy', X)
    script = textwrap.dedent('''
        import json, os, sys
        import mxnet as mx
        import numpy as np
        from mxnet import gluon
        bundle, ids = sys.argv[1], sys.argv[2]
        manifest = json.load(open(os.path.join(bundle, 'manifest.json')))
        net = gluon.SymbolBlock.imports(os.path.join(bundle, 'model-symbol.json'),
                                        [manifest['input']['name']],
                                        os.path.join(bundle, 'model-0000.params'))
        logits = net(mx.nd.array(np.load(ids))).asnumpy()
        ours = sorted(m for m in sys.modules if m.startswith('gluon_sentiment'))
        print(json.dumps({'logits': logits.tolist(), 'modules': ours}))
    ''')
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    proc = subprocess.run([sys.executable, '-c', script, multikernel_bundle,
                           str(tmp_path / 'ids.npy')], capture_output=True, text=True,
                          timeout=120, env=env, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result['modules'] == []
    np.testing.assert_allclose(np.array(result['logits']), expected, rtol=0, atol=1e-6)


GOOD = {'texts': ['great wonderful excellent', 'awful boring terrible']}


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_real_server_process(multikernel_bundle):
    with serve_process(multikernel_bundle, _free_port()) as url:
        with httpx.Client(base_url=url, timeout=30) as http:
            bad = http.post('/predict', content=b'{"texts": [',
                            headers={'content-type': 'application/json'})
            assert bad.status_code == 400 and 'JSON' in bad.json()['detail']
            good = http.post('/predict', json=GOOD)
            assert good.status_code == 200
            assert [p['label'] for p in good.json()['predictions']] == ['positive', 'negative']
            assert http.get('/health').json()['model'] == 'multikernel'
