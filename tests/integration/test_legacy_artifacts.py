"""Artifacts written by the code before the restructure into layers still load and predict.

``tests/fixtures/legacy/`` holds a multikernel run, its bundle (with ONNX) and
an ensemble of it with an ngram run, all written by commit 5f6fcf2, and
``expected.json``: the probabilities that code predicted for ten texts. They
were made by ``tests/helpers/make_legacy_fixtures.py`` (its docstring has the
exact commands); rerun it against an older checkout to refresh them.
"""
import json
import os

import numpy as np
import pytest

import gluon_sentiment as gs
from deploy_fixtures import deploy_root, multikernel_bundle, multikernel_run  # noqa: F401

LEGACY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'fixtures',
                      'legacy')


def _json(*parts):
    with open(os.path.join(*parts), encoding='utf-8') as f:
        return json.load(f)


EXPECTED = _json(LEGACY, 'expected.json')


def _keys(record):
    """Every key path of a JSON object (``a``, ``a.b``), lists looked into at their first item."""
    keys = set()
    for key, value in record.items():
        keys.add(key)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            value = value[0]
        if isinstance(value, dict):
            keys |= {f'{key}.{sub}' for sub in _keys(value)}
    return keys


@pytest.mark.parametrize('name, symbolic', [('run-multikernel', False), ('bundle', False),
                                            ('bundle', True), ('ensemble', False)])
def test_legacy_artifact_predicts_what_it_did(name, symbolic):
    clf = gs.load_model(os.path.join(LEGACY, name), symbolic=symbolic)
    np.testing.assert_allclose(clf.predict_proba(EXPECTED['texts']), EXPECTED['proba'][name],
                               rtol=1e-6)


def test_run_and_bundle_files_keep_their_keys(multikernel_run, multikernel_bundle):
    for legacy, today in (('run-multikernel', multikernel_run), ('bundle', multikernel_bundle)):
        for name in ('config.json', 'metrics.json', 'manifest.json'):
            if os.path.exists(os.path.join(LEGACY, legacy, name)):
                # today's files may add keys (checksums), never drop or rename one
                assert _keys(_json(today, name)) >= _keys(_json(LEGACY, legacy, name)), name
    ensemble = _json(LEGACY, 'ensemble', 'ensemble.json')
    assert ensemble['members'] == ['members/00-multikernel', 'members/01-ngram']
