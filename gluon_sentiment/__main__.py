"""The ``gluon-sentiment`` command: one entry point for every command of the package.

::

    gluon-sentiment                      # lists the commands (as --help does)
    gluon-sentiment predict --model runs/multikernel "the movie was awesome. Loved it"
    python -m gluon_sentiment train --data aclImdb --output-dir runs/multikernel

``gluon-sentiment CMD ARGS...`` (also ``python -m gluon_sentiment CMD
ARGS...``) calls ``main(ARGS)`` of the command module ``gluon_sentiment.CMD``,
exactly as ``python -m gluon_sentiment.CMD ARGS...`` does; :data:`COMMANDS`
is the one place a command name becomes a module. Each command's line in
the listing is the first sentence of its module's docstring, read without
importing it.
"""
import ast
import importlib
import importlib.util
import sys
from typing import List, Optional

from ._version import __version__
from .threads import restart_with_threads

__all__ = ['COMMANDS', 'PROG', 'summary', 'usage', 'main']

#: the command modules, in the order a user meets them
COMMANDS = ('train', 'autotune', 'evaluate', 'predict', 'serve', 'export', 'compress', 'ensemble',
            'visualize', 'launch')
#: the console script's name (setup.cfg ``[options.entry_points]``)
PROG = 'gluon-sentiment'
_PREFIX = 'Command line: '


def summary(command: str) -> str:
    """The first sentence of ``command``'s module docstring, without ``Command line:``."""
    spec = importlib.util.find_spec(f'{__package__}.{command}')
    with open(spec.origin, encoding='utf-8') as f:
        doc = ast.get_docstring(ast.parse(f.read())) or ''
    line = ' '.join(doc.split('\n\n')[0].split())
    return line[len(_PREFIX):] if line.startswith(_PREFIX) else line


def usage() -> str:
    """The listing ``gluon-sentiment --help`` prints: usage and one line per command."""
    width = max(len(name) for name in COMMANDS)
    lines = [f'usage: {PROG} COMMAND [ARGS...]', '',
             f'Sentiment classification of text with Apache MXNet Gluon ({__version__}).', '',
             'commands:']
    lines += [f'  {name:<{width}}  {summary(name)}' for name in COMMANDS]
    lines += ['', f"'{PROG} COMMAND --help' shows a command's options; "
              f"'python -m {__package__}.COMMAND ARGS...' runs the same command."]
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``gluon-sentiment`` and ``python -m gluon_sentiment``; the exit status.

    Parameters
    ----------
    argv : list of str, optional
        ``COMMAND ARGS...`` (default ``sys.argv[1:]``). No command lists the
        commands on standard error and gives 2; ``--help`` (``-h``) lists
        them on standard output and gives 0; ``--version`` prints the
        version; an unknown command is a one-line error (status 2).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(usage(), file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    if argv[0] == '--version':
        print(f'{PROG} {__version__}')
        return 0
    command, args = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"error: unknown command '{command}'; the commands are: {', '.join(COMMANDS)} "
              f"(see {PROG} --help)", file=sys.stderr)
        return 2
    module = importlib.import_module(f'{__package__}.{command}')
    if command == 'serve':
        # as `python -m gluon_sentiment.serve` does: MXNet has read OMP_NUM_THREADS already,
        # so a --threads of another count re-executes the command in a fresh process
        threads = module.build_parser().parse_known_args(args)[0].threads
        restart_with_threads(module.__name__, args, threads)
    return module.main(args)


if __name__ == '__main__':
    sys.exit(main())
