"""The package's architecture targets hold: no import cycles, short functions, few parameters.

Measured from the source by ``tests/helpers/architecture.py`` (run it as a
script for the figures). The targets: no import cycle between the package's
modules (importing ``a.b.c`` also imports ``a.b``); no function longer than
60 lines without its docstring; none with more than 8 parameters, except
the constructors listed in :data:`CONSTRUCTORS` with a reason; at most 5
imports of the package's own modules inside functions; at most 2 modules
directly in ``gluon_sentiment/`` besides ``__init__``, ``__main__``,
``errors``, ``_version`` and the command modules; each command module at
most 150 lines; the layer packages (:data:`LAYERS`, lowest first) import at
module level only lower layers and the base modules (:data:`BASE`), never a
command; and importing every module leaves matplotlib's backend as the
caller set it.
"""
import os

import pytest

from architecture import (backend_after_importing_all, functions, import_cycles, import_graph,
                          imports_inside_functions, module_lines, package_modules,
                          top_level_modules)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = 'gluon_sentiment'
ROOT = os.path.join(REPO, PACKAGE)
COMMANDS = {'train', 'predict', 'evaluate', 'visualize', 'export', 'serve', 'ensemble', 'launch',
            'compress', 'autotune'}
ALWAYS_ALLOWED = {'__init__', '__main__', 'errors', '_version'} | COMMANDS
MAX_LINES, MAX_PARAMS, MAX_INNER_IMPORTS, MAX_EXTRA_TOP, MAX_COMMAND_LINES = 60, 8, 5, 2, 150

# Constructors allowed more than MAX_PARAMS parameters, each with its reason. Only ``__init__``
# of a dataclass or a block may be listed (a dataclass's generated __init__ is never measured).
CONSTRUCTORS = {}

# Cases over the limits while their fix is in flight on another branch; none today. An entry
# is removed when its fix merges (test_known_cases_are_still_over fails for a stale entry).
KNOWN_OVER = {'lines': set(), 'params': set()}

#: the layer packages, lowest first: each may import only those before it (README's Layout)
LAYERS = ('artifacts', 'data', 'model', 'embeddings', 'inference', 'analysis', 'training',
          'deploy', 'tuning')
#: modules outside the layers that any layer may import
BASE = {PACKAGE, f'{PACKAGE}.errors', f'{PACKAGE}._version', f'{PACKAGE}.threads'}

MODULES = package_modules(ROOT)
FUNCTIONS = list(functions(MODULES))


def _over_lines():
    return {f.name: f.lines for f in FUNCTIONS if f.lines > MAX_LINES}


def _over_params():
    return {f.name: f.params for f in FUNCTIONS if f.params > MAX_PARAMS}


def test_no_import_cycles():
    assert import_cycles(import_graph(MODULES)) == []


def _layer(module):
    parts = module.split('.')
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_layers_import_only_lower_layers_and_base_modules():
    wrong = []
    for module, targets in import_graph(MODULES).items():
        if _layer(module) is None:
            continue
        for target in targets:
            rank = _layer(target)
            if (rank is None and target not in BASE) or (rank is not None and rank > _layer(module)):
                wrong.append(f'{module} -> {target}')
    assert sorted(wrong) == []


def test_no_long_functions():
    over = {name: n for name, n in _over_lines().items() if name not in KNOWN_OVER['lines']}
    assert over == {}, f'functions over {MAX_LINES} lines (docstring excluded)'


def test_no_functions_with_many_parameters():
    for name in CONSTRUCTORS:
        assert name.endswith('.__init__'), f'{name}: only constructors may be listed'
    over = {name: n for name, n in _over_params().items()
            if name not in CONSTRUCTORS and name not in KNOWN_OVER['params']}
    assert over == {}, f'functions over {MAX_PARAMS} parameters (self not counted)'


def test_known_cases_are_still_over():
    """An entry of KNOWN_OVER whose function is within the limits (or gone) is to be removed."""
    assert KNOWN_OVER['lines'] - set(_over_lines()) == set()
    assert KNOWN_OVER['params'] - set(_over_params()) == set()


def test_few_imports_inside_functions():
    inner = imports_inside_functions(MODULES)
    assert len(inner) <= MAX_INNER_IMPORTS, inner


def test_few_modules_at_the_top_level():
    extra = [name for name in top_level_modules(ROOT) if name not in ALWAYS_ALLOWED]
    assert len(extra) <= MAX_EXTRA_TOP, extra


@pytest.mark.parametrize('command', sorted(c for c in COMMANDS
                                           if os.path.isfile(os.path.join(ROOT, f'{c}.py'))))
def test_command_modules_are_thin(command):
    assert module_lines(os.path.join(ROOT, f'{command}.py')) <= MAX_COMMAND_LINES


def test_importing_every_module_keeps_the_matplotlib_backend():
    assert backend_after_importing_all(PACKAGE, 'svg', cwd=REPO) == 'svg'
