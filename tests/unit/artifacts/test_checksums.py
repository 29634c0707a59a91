"""Checksums of parameter files: recorded when written, checked on load; damage named as such."""
import hashlib
import json
import logging
import os
import shutil

import pytest

import gluon_sentiment as gs
from deploy_fixtures import deploy_root, multikernel_bundle, multikernel_run  # noqa: F401
from gluon_sentiment import predict as predict_cli
from gluon_sentiment.artifacts.checksums import sha256_file
from gluon_sentiment.errors import RunDirError

LEGACY = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      'fixtures', 'legacy')


def _copy(source, tmp_path, name='copy'):
    target = tmp_path / name
    shutil.copytree(source, target)
    return target


def _flip(path, at=-100):
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def test_run_records_the_sha256_of_every_kept_file(multikernel_run):  # noqa: F811
    metrics = json.load(open(os.path.join(multikernel_run, 'metrics.json')))
    sums = metrics['checksums']
    assert sums['best.params'] == sha256_file(os.path.join(multikernel_run, 'best.params'))
    done = metrics['checkpoint']
    assert set(done['checksums']) == {done['params'], done['states']}
    for name, digest in sums.items():
        with open(os.path.join(multikernel_run, name), 'rb') as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, name
    assert [n for n in sums if n.endswith('.states')] == [done['states']]


def test_bundle_manifest_records_every_file(multikernel_bundle):  # noqa: F811
    manifest = json.load(open(os.path.join(multikernel_bundle, 'manifest.json')))
    assert set(manifest['checksums']) == set(manifest['files'].values())
    for name, digest in manifest['checksums'].items():
        assert sha256_file(os.path.join(multikernel_bundle, name)) == digest


def test_truncated_best_params_is_named_damaged_in_one_line(multikernel_run, tmp_path,  # noqa: F811
                                                            capsys):
    run = _copy(multikernel_run, tmp_path)
    best = run / 'best.params'
    best.write_bytes(best.read_bytes()[:1000])
    assert predict_cli.main(['--model', str(run), 'great film']) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f'error: {best}: cannot load these parameters: the file is damaged (its '
                   'SHA-256 differs from the one recorded when it was written); restore it from '
                   'a copy of the run, or retrain')


@pytest.mark.parametrize('content, message', [
    (b'', 'empty'), (None, 'damaged: not a complete MXNet parameter file'),
    (b'{"a json": "file"}', 'damaged: not a complete MXNet parameter file')])
def test_damaged_params_without_checksums_are_named_damaged(multikernel_run, tmp_path,  # noqa: F811
                                                            content, message):
    run = _copy(multikernel_run, tmp_path)
    metrics = json.load(open(run / 'metrics.json'))
    del metrics['checksums']  # as a run written before checksums
    (run / 'metrics.json').write_text(json.dumps(metrics))
    best = run / 'best.params'
    best.write_bytes(best.read_bytes()[:500] if content is None else content)
    with pytest.raises(RunDirError) as err:
        gs.load_model(str(run))
    assert str(err.value).startswith(f'{best}: {message}')
    assert 'Traceback' not in str(err.value) and '\n' not in str(err.value)


def test_flipped_byte_in_a_bundle_is_named_damaged(multikernel_bundle, tmp_path):  # noqa: F811
    bundle = _copy(multikernel_bundle, tmp_path)
    _flip(bundle / 'model-0000.params')
    for symbolic in (False, True):
        with pytest.raises(RunDirError, match='model-0000.params: cannot load these files: the '
                                              'file is damaged.*re-export the bundle'):
            gs.load_model(str(bundle), symbolic=symbolic)
    bundle = _copy(multikernel_bundle, tmp_path, 'onnx')
    _flip(bundle / 'model.onnx', 50)
    with pytest.raises(RunDirError, match='model.onnx: cannot load these files: the file is dam'):
        gs.load_model(str(bundle))


@pytest.mark.parametrize('name, message', [
    ('../outside.params', 'not a file inside the bundle'),
    ('/etc/passwd', 'not a file inside the bundle'),
    ('absent.params', 'which the bundle does not hold')])
def test_manifest_naming_files_it_does_not_hold_is_refused(multikernel_bundle, tmp_path,  # noqa: F811
                                                           name, message):
    bundle = _copy(multikernel_bundle, tmp_path)
    (tmp_path / 'outside.params').write_bytes(b'x')
    manifest = json.load(open(bundle / 'manifest.json'))
    manifest['files']['extra'] = name
    (bundle / 'manifest.json').write_text(json.dumps(manifest))
    with pytest.raises(RunDirError, match=message):
        gs.load_model(str(bundle))


def test_resume_refuses_a_damaged_checkpoint_naming_it(multikernel_run, tmp_path, capsys):  # noqa: F811
    from gluon_sentiment import train as train_cli
    run = _copy(multikernel_run, tmp_path)
    done = json.load(open(run / 'metrics.json'))['checkpoint']
    _flip(run / done['params'])
    assert train_cli.main(['--resume', str(run), '--quiet']) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f'error: {run / done["params"]}: cannot load these parameters: the '
                          'file is damaged')
    assert f'the checkpoint of epoch {done["epoch"]} is lost' in err


@pytest.mark.parametrize('name', ['run-multikernel', 'bundle'])
def test_legacy_artifacts_without_checksums_load_with_a_warning(name, caplog):
    with caplog.at_level(logging.WARNING):
        clf = gs.load_model(os.path.join(LEGACY, name))
    assert clf.predict_proba(['great']).shape == (1, 2)
    assert 'no checksum recorded (written by an older gluon_sentiment)' in caplog.text
