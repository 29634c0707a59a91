"""The one command: ``gluon-sentiment`` / ``python -m gluon_sentiment`` lists and dispatches."""
import ast
import os
import subprocess
import sys

from deploy_fixtures import deploy_root, multikernel_run  # noqa: F401
import gluon_sentiment
from gluon_sentiment import __main__ as entry
from gluon_sentiment import predict as predict_cli

PACKAGE_DIR = os.path.dirname(os.path.abspath(gluon_sentiment.__file__))
REPO = os.path.dirname(PACKAGE_DIR)


def _command_modules():
    """Top-level modules of the package that define build_parser() and main()."""
    found = set()
    for name in os.listdir(PACKAGE_DIR):
        if name.endswith('.py') and name != '__main__.py':
            with open(os.path.join(PACKAGE_DIR, name), encoding='utf-8') as f:
                defined = {node.name for node in ast.parse(f.read()).body
                           if isinstance(node, ast.FunctionDef)}
            if {'build_parser', 'main'} <= defined:
                found.add(name[:-3])
    return found


def test_every_command_module_is_registered():
    assert set(entry.COMMANDS) == _command_modules()


def test_help_lists_each_command_on_one_line(capsys):
    assert entry.main(['--help']) == 0
    out = capsys.readouterr().out
    for name in entry.COMMANDS:
        line = next(line for line in out.splitlines() if line.startswith(f'  {name} '))
        assert entry.summary(name) in line and entry.summary(name)
    assert 'classify texts with a trained run' in entry.summary('predict')


def test_no_command_lists_them_and_fails(capsys):
    assert entry.main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == '' and 'commands:' in captured.err


def test_unknown_command_is_a_one_line_error(capsys):
    assert entry.main(['pridict', '--model', 'x']) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown command 'pridict'") and err.count('\n') == 1
    assert all(name in err for name in entry.COMMANDS)


def test_dispatch_calls_the_command_main(multikernel_run, capsys):
    argv = ['--model', multikernel_run, '--quiet', '--format', 'jsonl', 'great wonderful']
    assert predict_cli.main(argv) == 0
    direct = capsys.readouterr().out
    assert entry.main(['predict'] + argv) == 0
    assert capsys.readouterr().out == direct and '"label": "positive"' in direct


def test_serve_restarts_with_its_threads(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(entry, 'restart_with_threads', lambda *a: calls.append(a))
    args = ['--model', 'some/run', '--threads', '3', '--port', '70000']
    assert entry.main(['serve'] + args) == 2  # no restart was made: serve's own check runs
    assert calls == [('gluon_sentiment.serve', args, 3)]
    assert 'not a port number' in capsys.readouterr().err


def test_python_dash_m_package(tmp_path):
    env = {**os.environ, 'PYTHONPATH': REPO}
    run = subprocess.run([sys.executable, '-m', 'gluon_sentiment', '--help'], env=env,
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0 and 'predict' in run.stdout, run.stderr
    run = subprocess.run([sys.executable, '-m', 'gluon_sentiment', 'serve', '--threads', '1',
                          '--model', 'x', '--port', '-1'], env=env, capture_output=True,
                         text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 2 and run.stderr.strip() == 'error: --port -1: not a port number'


def test_version(capsys):
    assert entry.main(['--version']) == 0
    assert capsys.readouterr().out.strip() == f'gluon-sentiment {gluon_sentiment.__version__}'
