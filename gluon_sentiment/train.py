"""Command line: train a sentiment classifier and write a run directory.

Example::

    python -m gluon_sentiment.train --data ../shared/data/aclImdb_train.tar.gz \\
        --model multikernel --epochs 3 --output-dir runs/multikernel
    python -m gluon_sentiment.train --resume runs/multikernel   # after Ctrl-C or a crash
    python -m gluon_sentiment.train --preset tutorial-glove --output-dir runs/glove

Every flag comes from a field of :class:`gluon_sentiment.training.TrainConfig`,
which holds the defaults; this module only parses and calls
:func:`gluon_sentiment.training.run_training`. With ``--preset NAME`` the
preset's values replace the defaults of the flags not given
(:meth:`TrainConfig.from_preset <gluon_sentiment.training.TrainConfig.from_preset>`).
"""
import argparse
import dataclasses
import functools
import json
import sys
import typing
from typing import Any, Dict, List, Optional

from .cli import add_common_args, run_cli
from .errors import ConfigError
from .model.registry import list_models
from .training.config import TrainConfig
from .training.crossval import run_cross_validation
from .training.fit import resume_training, run_training

__all__ = ['build_parser', 'config_from_args', 'given_fields', 'main']


def _gpu_list(text: str):
    try:
        return tuple(int(g) for g in text.split(',') if g.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected GPU ids like '0' or '0,1', got {text!r}") from None


def _field_type(field):
    hint = typing.get_type_hints(TrainConfig)[field.name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if typing.get_origin(hint) is typing.Union else hint


def build_parser(defaults: bool = True) -> argparse.ArgumentParser:
    """The ``train`` argument parser, one flag per :class:`TrainConfig` field.

    ``defaults=False`` leaves every field out of the parsed namespace unless
    its flag is given (see :func:`given_fields`).
    """
    parser = argparse.ArgumentParser(
        prog='python -m gluon_sentiment.train', description=__doc__.split('\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    groups = {}
    for field in dataclasses.fields(TrainConfig):
        group_name = field.metadata['group']
        if group_name not in groups:
            groups[group_name] = parser.add_argument_group(group_name)
        group = groups[group_name]
        flag = '--' + field.name.replace('_', '-')
        help_text = field.metadata['help']
        kind = _field_type(field)
        default = field.default if defaults else argparse.SUPPRESS
        if kind is bool and field.default is None:  # a case default: --x and --no-x
            group.add_argument(flag, action=argparse.BooleanOptionalAction, default=default,
                               help=help_text)
        elif kind is bool and field.default:
            group.add_argument('--no-' + field.name.replace('_', '-'), dest=field.name,
                               action='store_false', default=default, help='do not ' + help_text)
        elif kind is bool:
            group.add_argument(flag, action='store_true', default=default, help=help_text)
        elif field.name == 'gpus':
            group.add_argument(flag, type=_gpu_list, default=default, help=help_text)
        elif field.name == 'model':
            group.add_argument(flag, choices=list_models(), default=default, help=help_text)
        else:
            group.add_argument(flag, type=field.metadata.get('type', kind), default=default,
                               help=help_text, choices=field.metadata.get('choices'))
    groups['output'].add_argument(
        '--resume', metavar='RUN_DIR',
        help='continue an interrupted run from its last completed epoch, with the options '
             'saved in RUN_DIR/config.json (give no other training option)')
    add_common_args(parser)
    return parser


def given_fields(argv: List[str]) -> Dict[str, Any]:
    """The :class:`TrainConfig` fields whose flags ``argv`` gives, with their parsed values."""
    args = vars(build_parser(defaults=False).parse_args(argv))
    return {f.name: args[f.name] for f in dataclasses.fields(TrainConfig) if f.name in args}


def config_from_args(args: argparse.Namespace, argv: Optional[List[str]] = None) -> TrainConfig:
    """The :class:`TrainConfig` that parsed arguments describe.

    With ``args.preset``, the preset's values stand in for the flags that
    ``argv`` (the command line parsed into ``args``) does not give; without
    ``argv``, for the fields left at their defaults.
    """
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)}
    if args.preset is None:
        return TrainConfig(**values)
    given = (given_fields(argv) if argv is not None else
             {f.name: values[f.name] for f in dataclasses.fields(TrainConfig)
              if values[f.name] != f.default})
    return TrainConfig.from_preset(args.preset, **given)


def _resume_conflicts(args: argparse.Namespace) -> List[str]:
    """Flags given together with ``--resume`` (they would be ignored)."""
    return ['--' + f.name.replace('_', '-') for f in dataclasses.fields(TrainConfig)
            if getattr(args, f.name) != f.default]


def _main(args: argparse.Namespace, argv: Optional[List[str]] = None) -> int:
    if args.resume is not None:
        conflicts = _resume_conflicts(args)
        if conflicts:
            raise ConfigError(f'--resume takes every option from {args.resume}/config.json; '
                              f'leave out {", ".join(conflicts)}')
        metrics, out = resume_training(args.resume), args.resume
    else:
        config = config_from_args(args, argv)
        if config.cv:
            summary = run_cross_validation(config)
            print(json.dumps({'output_dir': config.output_dir, 'k': summary['k'],
                              'mean_accuracy': summary['mean_accuracy'],
                              'std_accuracy': summary['std_accuracy']}))
            return 0
        metrics, out = run_training(config), config.output_dir
    summary = {key: metrics[key] for key in ('val_accuracy', 'test_accuracy', 'best_epoch')
               if key in metrics}
    print(json.dumps({'output_dir': out, **summary}))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m gluon_sentiment.train``; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    return run_cli(functools.partial(_main, argv=argv), build_parser(), argv)


if __name__ == '__main__':
    sys.exit(main())
