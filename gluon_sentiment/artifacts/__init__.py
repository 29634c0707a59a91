"""Artifacts on disk: file names and atomic writes (:mod:`.store`), run directories
(:mod:`.rundir`) and bundles (:mod:`.bundle`).

The lowest layer of the package: it imports nothing of the package but
:mod:`gluon_sentiment.errors` and :mod:`gluon_sentiment._version`.
"""
from .bundle import is_bundle, load_params_into, load_symbol_block, read_manifest
from .rundir import (check_compatible, describe, export_symbol, is_run_dir, load_vocab,
                     prepare_run_dir, read_config, save_params, save_vocab)
from .store import atomic_folder, atomic_write, read_json, temporaries, write_json

__all__ = ['is_bundle', 'read_manifest', 'load_symbol_block', 'load_params_into', 'is_run_dir',
           'read_config', 'check_compatible', 'prepare_run_dir', 'save_vocab', 'load_vocab',
           'save_params', 'export_symbol', 'describe', 'atomic_write', 'atomic_folder',
           'write_json', 'read_json', 'temporaries']
