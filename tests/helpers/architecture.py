"""Architecture figures of a package, measured from its source with :mod:`ast`.

Used by ``tests/unit/test_architecture.py``; also a script::

    python tests/helpers/architecture.py gluon_sentiment

prints every figure as JSON. Nothing here imports the package, except
:func:`backend_after_importing_all`, which does so in a fresh interpreter.
"""
import ast
import json
import os
import subprocess
import sys
from collections import defaultdict
from typing import Dict, Iterator, List, NamedTuple, Set

__all__ = ['Function', 'package_modules', 'import_graph', 'import_cycles',
           'imports_inside_functions', 'functions', 'top_level_modules', 'module_lines',
           'backend_after_importing_all', 'report']


class Function(NamedTuple):
    """A function or method: qualified name, lines without its docstring, parameters."""

    name: str
    lines: int
    params: int


def package_modules(root: str) -> Dict[str, str]:
    """Dotted module name -> file path for every ``.py`` file under the package folder ``root``."""
    base = os.path.dirname(os.path.abspath(root))
    modules = {}
    for dirpath, _, files in os.walk(os.path.abspath(root)):
        for name in sorted(files):
            if name.endswith('.py'):
                path = os.path.join(dirpath, name)
                dotted = os.path.relpath(path, base)[:-3].replace(os.sep, '.')
                modules[dotted[:-len('.__init__')] if dotted.endswith('.__init__') else dotted] = path
    return modules


def _parse(path: str) -> ast.Module:
    with open(path, encoding='utf-8') as f:
        return ast.parse(f.read(), path)


def _targets(node: ast.AST, module: str, is_package: bool, modules: Dict[str, str]) -> List[str]:
    """The package's modules that the import statement ``node`` of ``module`` imports."""
    package = module.split('.')[0]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            parts = module.split('.') if is_package else module.split('.')[:-1]
            parts = parts[:len(parts) - (node.level - 1)]
            base = '.'.join(parts + ([node.module] if node.module else []))
        elif node.module and node.module.split('.')[0] == package:
            base = node.module
        else:
            return []
        found = [f'{base}.{alias.name}' if f'{base}.{alias.name}' in modules else base
                 for alias in node.names]
    elif isinstance(node, ast.Import):
        found = [alias.name for alias in node.names if alias.name.split('.')[0] == package]
    else:
        return []
    return [name for name in found if name in modules]


def import_graph(modules: Dict[str, str]) -> Dict[str, Set[str]]:
    """Module -> modules it imports at module level.

    Importing ``a.b.c`` runs ``a.b``'s ``__init__`` first, so it counts as
    importing ``a.b`` too (except for a module's own parent packages).
    """
    graph = defaultdict(set)
    for module, path in modules.items():
        own = {'.'.join(module.split('.')[:k]) for k in range(1, module.count('.') + 2)}
        for node in _parse(path).body:
            for target in _targets(node, module, path.endswith('__init__.py'), modules):
                graph[module].add(target)
                parts = target.split('.')
                for k in range(2, len(parts)):
                    parent = '.'.join(parts[:k])
                    if parent not in own and parent in modules:
                        graph[module].add(parent)
    return dict(graph)


def import_cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def imports_inside_functions(modules: Dict[str, str]) -> List[str]:
    """``module:line`` of every import of the package's own modules inside a function."""
    found = []
    for module, path in modules.items():
        is_package = path.endswith('__init__.py')
        for node in ast.walk(_parse(path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for sub in ast.walk(node):
                    if sub is not node and _targets(sub, module, is_package, modules):
                        found.append(f'{module}:{sub.lineno}')
    return sorted(set(found))


def _docstring_lines(node: ast.AST) -> int:
    body = node.body
    if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        return body[0].end_lineno - body[0].lineno + 1
    return 0


def _params(args: ast.arguments) -> int:
    """Parameters of a signature, ``self``/``cls`` not counted, ``*args``/``**kwargs`` one each."""
    count = (len(args.posonlyargs) + len(args.args) + len(args.kwonlyargs) + bool(args.vararg)
             + bool(args.kwarg))
    first = (args.posonlyargs + args.args)[:1]
    return count - bool(first and first[0].arg in ('self', 'cls'))


def functions(modules: Dict[str, str]) -> Iterator[Function]:
    """Every function and method, named ``module.Class.method`` (nested: ``outer.inner``)."""
    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                yield from visit(child, f'{prefix}.{child.name}')
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f'{prefix}.{child.name}'
                yield Function(name, child.end_lineno - child.lineno + 1 - _docstring_lines(child),
                               _params(child.args))
                yield from visit(child, name)
            else:
                yield from visit(child, prefix)
    for module, path in modules.items():
        yield from visit(_parse(path), module)


def top_level_modules(root: str) -> List[str]:
    """Names of the modules directly in the package folder ``root`` (not its subpackages)."""
    return sorted(name[:-3] for name in os.listdir(root) if name.endswith('.py'))


def module_lines(path: str) -> int:
    """Lines of the file ``path``."""
    with open(path, encoding='utf-8') as f:
        return sum(1 for _ in f)


_IMPORT_ALL = '''
import importlib, pkgutil, sys
import matplotlib
matplotlib.use(sys.argv[2])
package = importlib.import_module(sys.argv[1])
for info in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):
    importlib.import_module(info.name)
print(matplotlib.get_backend())
'''


def backend_after_importing_all(package: str, backend: str = 'svg', cwd: str = None) -> str:
    """matplotlib's backend after ``matplotlib.use(backend)`` and importing every module of ``package``.

    Runs in a fresh interpreter, so nothing imported before counts.
    """
    proc = subprocess.run([sys.executable, '-c', _IMPORT_ALL, package, backend], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, 'MPLBACKEND': backend})
    if proc.returncode:
        raise RuntimeError(f'importing every module of {package} failed:\n{proc.stderr}')
    return proc.stdout.strip().splitlines()[-1]


def report(root: str, max_lines: int = 60, max_params: int = 8) -> Dict[str, object]:
    """Every figure for the package folder ``root``, as a JSON-ready dict."""
    modules = package_modules(root)
    measured = list(functions(modules))
    return {
        'modules': len(modules),
        'import_cycles': import_cycles(import_graph(modules)),
        'imports_inside_functions': imports_inside_functions(modules),
        'functions_over_%d_lines' % max_lines: sorted(
            ((f.name, f.lines) for f in measured if f.lines > max_lines), key=lambda x: -x[1]),
        'functions_over_%d_params' % max_params: sorted(
            (f.name, f.params) for f in measured if f.params > max_params),
        'top_level_modules': top_level_modules(root),
        'module_lines': {name: module_lines(os.path.join(root, f'{name}.py'))
                         for name in top_level_modules(root)},
    }


if __name__ == '__main__':
    print(json.dumps(report(sys.argv[1] if len(sys.argv) > 1 else 'gluon_sentiment'), indent=1))
