"""gluon_sentiment: sentiment classification of text on Apache MXNet Gluon.

Quick start::

    import gluon_sentiment as gs
    clf = gs.load_model('imdb')              # the model shipped with the package
    clf.predict_proba(['the movie was awesome. Loved it'])
    clf = gs.load_model('runs/multikernel')  # a run of your own

The layers, lowest first (each imports only those below it):
:mod:`.artifacts` (files on disk), :mod:`.data`, :mod:`.model`,
:mod:`.embeddings`, :mod:`.inference`, :mod:`.analysis`, :mod:`.training`,
:mod:`.deploy`; the command modules (``python -m gluon_sentiment.train`` ...)
sit on top.
"""
from .threads import bound_caches, configure_threads

configure_threads()  # must run before mxnet is imported anywhere below
bound_caches()  # before any MXNet operator runs

from ._version import __version__  # noqa: E402
from .embeddings import attach_pretrained, load_token_embedding  # noqa: E402
from .errors import ConfigError, DataError, ExportError, GluonSentimentError, RunDirError  # noqa: E402
from .inference import EnsembleClassifier, SentimentClassifier, list_pretrained, load_model  # noqa: E402
from .model import get_model, list_models, register_model  # noqa: E402
from .training import TrainConfig, run_training, train_classifier  # noqa: E402

__all__ = ['__version__', 'get_model', 'list_models', 'register_model', 'load_model', 'list_pretrained',
           'SentimentClassifier', 'EnsembleClassifier', 'TrainConfig', 'run_training', 'train_classifier',
           'load_token_embedding', 'attach_pretrained', 'GluonSentimentError', 'DataError',
           'RunDirError', 'ConfigError', 'ExportError']
