"""Batch scoring on a 2-worker Dask LocalCluster of processes: every row once, one model
load per worker, labels as one-process predict, resuming, and the command's --dask."""
import os

import pytest
from distributed import Client, LocalCluster

from deploy_fixtures import deploy_root, multikernel_run  # noqa: F401
from shard_fixtures import assert_same_records, read_outputs, shards  # noqa: F401
import gluon_sentiment as gs
from gluon_sentiment import predict as predict_cli
from gluon_sentiment.deploy.batch_scoring import ScoringOptions, plan_shards, score_shards
from gluon_sentiment.inference.records import predict_records


@pytest.fixture(scope='module')
def client():
    """Two worker processes of one thread each (as ``--dask local:2`` starts)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=':0',
                      env={'OMP_NUM_THREADS': '1'}) as cluster, Client(cluster) as client:
        yield client


def test_every_row_once_and_one_load_per_worker(client, multikernel_run, shards, tmp_path):
    pattern, lines = shards
    out = str(tmp_path / 'out')
    report = score_shards(plan_shards(pattern, out), multikernel_run, ScoringOptions(), client)
    outputs = read_outputs(out)
    assert sorted(outputs) == sorted(lines)  # one file per shard, nothing else
    assert report.texts == sum(len(texts) for texts in lines.values())
    clf = gs.load_model(multikernel_run)
    for stem, texts in lines.items():
        assert_same_records(outputs[stem], predict_records(clf, texts))
    workers = set(client.scheduler_info()['workers'])
    loads = report.loads()
    assert set(loads) <= workers and set(loads.values()) == {1}, loads


def test_resume_on_the_cluster(client, multikernel_run, shards, tmp_path):
    pattern, _ = shards
    out = str(tmp_path / 'out')
    score_shards(plan_shards(pattern, out), multikernel_run, ScoringOptions(), client)
    first = read_outputs(out)
    with open(os.path.join(out, 'part-4.jsonl'), 'a', encoding='utf-8') as f:
        f.write('{"text": "half a rec')  # not the line count of its shard
    report = score_shards(plan_shards(pattern, out), multikernel_run, ScoringOptions(), client)
    assert [os.path.basename(r.path) for r in report.results if not r.skipped] == ['part-4.txt']
    assert read_outputs(out) == first


def test_predict_on_a_scheduler_address(client, multikernel_run, shards, tmp_path, capsys):
    pattern, lines = shards
    out = str(tmp_path / 'out')
    assert predict_cli.main(['--model', multikernel_run, '--input', pattern, '--output-dir', out,
                             '--dask', client.scheduler.address, '--explain', '--top-k', '2',
                             '--quiet']) == 0
    outputs = read_outputs(out)
    assert {stem: [r['text'] for r in records] for stem, records in outputs.items()} == lines
    assert all(len(r['explanation']['top']) <= 2 for records in outputs.values()
               for r in records)


def test_predict_dask_local(multikernel_run, shards, tmp_path):
    pattern, lines = shards
    out = str(tmp_path / 'out')
    assert predict_cli.main(['--model', multikernel_run, '--input', pattern, '--output-dir', out,
                             '--dask', 'local:2', '--quiet']) == 0
    assert sorted(read_outputs(out)) == sorted(lines)
