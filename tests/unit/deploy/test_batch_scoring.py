"""Batch scoring in-process: shards to OUT/<stem>.jsonl, the output folder's rules, resuming."""
import os
import time

import pytest

from deploy_fixtures import deploy_root, multikernel_run  # noqa: F401
from shard_fixtures import assert_same_records, read_outputs, shards  # noqa: F401
import gluon_sentiment as gs
from gluon_sentiment import predict as predict_cli
from gluon_sentiment.deploy.batch_scoring import (ScoringOptions, is_complete, plan_shards,
                                                  score_shards)
from gluon_sentiment.errors import ConfigError, DataError
from gluon_sentiment.inference.records import predict_records


def test_each_shard_scored_to_its_jsonl(multikernel_run, shards, tmp_path):
    pattern, lines = shards
    out = tmp_path / 'out'
    report = score_shards(plan_shards(pattern, str(out)), multikernel_run, ScoringOptions(7, 3))
    outputs = read_outputs(out)
    assert sorted(outputs) == sorted(lines) and report.skipped == 0
    assert report.texts == sum(len(texts) for texts in lines.values())
    clf = gs.load_model(multikernel_run)
    for stem, texts in lines.items():
        assert_same_records(outputs[stem], predict_records(clf, texts))  # as predict prints
    assert report.loads() == {'': 1}


def test_resume_skips_complete_shards_and_redoes_partial_ones(multikernel_run, shards, tmp_path):
    pattern, lines = shards
    out = str(tmp_path / 'out')
    score_shards(plan_shards(pattern, out), multikernel_run, ScoringOptions())
    first = read_outputs(out)
    partial = os.path.join(out, 'part-1.jsonl')
    with open(partial, 'r+', encoding='utf-8') as f:
        f.truncate(len(f.readline()))  # one complete line of several
    os.remove(os.path.join(out, 'part-3.jsonl'))
    with open(os.path.join(out, '.part-2.jsonl.tmp999'), 'w') as f:
        f.write('{"text": ')  # a write interrupted by a kill
    complete = os.path.join(out, 'part-0.jsonl')
    stamp = time.time() - 100
    os.utime(complete, (stamp, stamp))
    report = score_shards(plan_shards(pattern, out), multikernel_run, ScoringOptions())
    redone = {os.path.basename(r.path) for r in report.results if not r.skipped}
    assert redone == {'part-1.txt', 'part-3.txt'} and report.skipped == 3
    assert read_outputs(out) == first and os.path.getmtime(complete) == stamp


def test_an_output_of_a_grown_shard_is_not_complete(shards, tmp_path):
    pattern, _ = shards
    [shard] = [s for s in plan_shards(pattern, str(tmp_path / 'out')) if 'part-2' in s.path]
    with open(shard.output, 'w', encoding='utf-8') as f:
        f.write('{}\n' * len(open(shard.path, encoding='utf-8').readlines()))
    assert is_complete(shard)
    with open(shard.path, 'a', encoding='utf-8') as f:
        f.write('one more review\n')
    assert not is_complete(shard)


def test_output_dir_rules(shards, tmp_path):
    pattern, _ = shards
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'notes.txt').write_text('mine')
    with pytest.raises(ConfigError, match='not outputs of these shards .*notes.txt'):
        plan_shards(pattern, str(out))
    (out / 'part-0.jsonl').write_text('{}\n')
    plan_shards(pattern, str(out), overwrite=True)
    assert os.listdir(out) == []  # --overwrite: every shard is scored again
    (out / 'sub').mkdir()
    with pytest.raises(ConfigError, match='holds the folder sub'):
        plan_shards(pattern, str(out), overwrite=True)


def test_input_errors(shards, tmp_path):
    pattern, _ = shards
    with pytest.raises(DataError, match='matches no files'):
        plan_shards(str(tmp_path / 'none' / '*.txt'), str(tmp_path / 'out'))
    other = tmp_path / 'other'
    other.mkdir()
    (other / 'part-0.txt').write_text('x\n')
    with pytest.raises(DataError, match='both be scored to part-0.jsonl'):
        plan_shards(str(tmp_path / '*' / '*.txt'), str(tmp_path / 'out'))
    with pytest.raises(ConfigError, match='inside --output-dir'):
        plan_shards(pattern, os.path.dirname(pattern))


def test_predict_output_dir_in_process(multikernel_run, shards, tmp_path, capsys):
    pattern, lines = shards
    out = str(tmp_path / 'out')
    argv = ['--model', multikernel_run, '--input', pattern, '--output-dir', out, '--quiet',
            '--verbose']
    assert predict_cli.main(argv) == 0
    total = sum(len(texts) for texts in lines.values())
    assert f'scored {total} texts of 5 files' in capsys.readouterr().err
    assert {stem: [r['text'] for r in records] for stem, records in read_outputs(out).items()} \
        == lines
    assert predict_cli.main(argv) == 0
    err = capsys.readouterr().err
    assert 'scored 0 texts of 0 files' in err and '(5 complete files skipped)' in err


@pytest.mark.parametrize('extra, message', [
    (['--dask', 'local:2'], '--dask and --overwrite need --output-dir'),
    (['--output-dir', 'OUT', '--input', '-'], 'give --input GLOB, not texts or -'),
    (['--output-dir', 'OUT', '--dask', 'local:0'], 'give local:N with N at least 1'),
    (['--output-dir', 'OUT', '--dask', 'somehost:8786'], 'give local:N or a scheduler address'),
    (['--output-dir', 'OUT', '--dask', 'tcp://127.0.0.1:9', '--dask-timeout', '1'],
     'no Dask scheduler answered within 1 s'),
])
def test_predict_dask_errors(multikernel_run, shards, tmp_path, capsys, extra, message):
    pattern, _ = shards
    extra = [str(tmp_path / arg) if arg == 'OUT' else arg for arg in extra]
    start = time.perf_counter()
    assert predict_cli.main(['--model', multikernel_run, '--input', pattern, '--quiet']
                            + extra) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: ') and message in err and err.count('\n') == 1, err
    assert time.perf_counter() - start < 15
