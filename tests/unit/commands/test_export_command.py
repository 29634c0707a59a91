"""The export command and its refusals."""
import json

from deploy_fixtures import deploy_root, multikernel_run  # noqa: F401
from gluon_sentiment import export as export_cli


def test_export_cli(multikernel_run, tmp_path, capsys):
    out = tmp_path / 'b'
    assert export_cli.main(['--model', multikernel_run, '--out', str(out), '--quiet']) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary['model'] == 'multikernel' and 'model.onnx' not in summary['files']
    assert summary['size_bytes'] < 5e6
    # exporting again over a bundle replaces it
    assert export_cli.main(['--model', multikernel_run, '--out', str(out), '--quiet']) == 0


def test_export_refuses_other_files_and_bad_runs(multikernel_run, tmp_path, capsys):
    busy = tmp_path / 'busy'
    busy.mkdir()
    (busy / 'notes.txt').write_text('mine')
    assert export_cli.main(['--model', multikernel_run, '--out', str(busy), '--quiet']) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: --out') and '--overwrite' in err and 'Traceback' not in err
    assert (busy / 'notes.txt').read_text() == 'mine'
    assert export_cli.main(['--model', str(tmp_path / 'nope'), '--out', str(tmp_path / 'b'),
                            '--quiet']) == 2
    assert 'no such run directory' in capsys.readouterr().err
