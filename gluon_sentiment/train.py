"""Command line: train a sentiment classifier and write a run directory.

Example::

    python -m gluon_sentiment.train --data ../shared/data/aclImdb_train.tar.gz \\
        --model multikernel --epochs 3 --output-dir runs/multikernel
    python -m gluon_sentiment.train --resume runs/multikernel   # after Ctrl-C or a crash

Every flag comes from a field of :class:`gluon_sentiment.training.TrainConfig`,
which holds the defaults; this module only parses and calls
:func:`gluon_sentiment.training.run_training`.
"""
import argparse
import dataclasses
import json
import sys
import typing
from typing import List, Optional

from .cli import add_common_args, run_cli
from .errors import ConfigError
from .model.registry import list_models
from .training.config import TrainConfig
from .training.crossval import run_cross_validation
from .training.fit import resume_training, run_training

__all__ = ['build_parser', 'config_from_args', 'main']


def _gpu_list(text: str):
    try:
        return tuple(int(g) for g in text.split(',') if g.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected GPU ids like '0' or '0,1', got {text!r}") from None


def _field_type(field):
    hint = typing.get_type_hints(TrainConfig)[field.name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if typing.get_origin(hint) is typing.Union else hint


def build_parser() -> argparse.ArgumentParser:
    """The ``train`` argument parser, one flag per :class:`TrainConfig` field."""
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
        if kind is bool and field.default:
            group.add_argument('--no-' + field.name.replace('_', '-'), dest=field.name,
                               action='store_false', help='do not ' + help_text)
        elif kind is bool:
            group.add_argument(flag, action='store_true', help=help_text)
        elif field.name == 'gpus':
            group.add_argument(flag, type=_gpu_list, default=field.default, help=help_text)
        elif field.name == 'model':
            group.add_argument(flag, choices=list_models(), default=field.default, help=help_text)
        else:
            group.add_argument(flag, type=kind, default=field.default, help=help_text,
                               choices=field.metadata.get('choices'))
    groups['output'].add_argument(
        '--resume', metavar='RUN_DIR',
        help='continue an interrupted run from its last completed epoch, with the options '
             'saved in RUN_DIR/config.json (give no other training option)')
    add_common_args(parser)
    return parser


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The :class:`TrainConfig` that parsed arguments describe."""
    return TrainConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)})


def _resume_conflicts(args: argparse.Namespace) -> List[str]:
    """Flags given together with ``--resume`` (they would be ignored)."""
    return ['--' + f.name.replace('_', '-') for f in dataclasses.fields(TrainConfig)
            if getattr(args, f.name) != f.default]


def _main(args: argparse.Namespace) -> int:
    if args.resume is not None:
        conflicts = _resume_conflicts(args)
        if conflicts:
            raise ConfigError(f'--resume takes every option from {args.resume}/config.json; '
                              f'leave out {", ".join(conflicts)}')
        metrics, out = resume_training(args.resume), args.resume
    else:
        config = config_from_args(args)
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
    return run_cli(_main, build_parser(), argv)


if __name__ == '__main__':
    sys.exit(main())
