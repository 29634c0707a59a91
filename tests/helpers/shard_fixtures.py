"""Input shards for the batch-scoring tests, and reading their outputs back.

Import the fixture with ``from shard_fixtures import shards``.
"""
import json
import os

import numpy as np
import pytest

from conftest import synthetic_reviews

#: odd lines every shard holds too: an empty text, non-ASCII, a line separator inside a text
ODD = ['', 'naïve — “quoted” ☺', 'a line\u2028separator inside', 'great\twonderful']


@pytest.fixture
def shards(tmp_path):
    """Five shard files of synthetic reviews in ``tmp_path/in``; returns (glob, {stem: lines})."""
    texts, _ = synthetic_reviews(15, seed=3)
    folder = tmp_path / 'in'
    folder.mkdir()
    lines = {}
    for i in range(5):
        stem = f'part-{i}'
        lines[stem] = texts[i::5] + ODD[:i]
        with open(folder / f'{stem}.txt', 'w', encoding='utf-8', newline='\n') as f:
            f.write(''.join(line + '\n' for line in lines[stem]))
    return str(folder / '*.txt'), lines


def read_outputs(out_dir):
    """{stem: records} of every file in ``out_dir`` (all must be ``.jsonl``)."""
    outputs = {}
    for name in sorted(os.listdir(out_dir)):
        assert name.endswith('.jsonl'), name
        with open(os.path.join(out_dir, name), encoding='utf-8') as f:
            outputs[name[:-len('.jsonl')]] = [json.loads(line) for line in f]
    return outputs


def assert_same_records(got, expected):
    """Same texts and labels; probabilities equal up to float noise of other batchings."""
    assert [(r['text'], r['label']) for r in got] == [(r['text'], r['label']) for r in expected]
    probs = [[[r['probabilities'][k] for k in ('negative', 'positive')] for r in records]
             for records in (got, expected)]
    np.testing.assert_allclose(probs[0], probs[1], rtol=0, atol=1e-6)
