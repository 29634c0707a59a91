"""gluon_sentiment: sentiment classification of text on Apache MXNet Gluon.

Quick start::

    import gluon_sentiment as gs
    clf = gs.load_model('runs/multikernel')
    clf.predict_proba(['the movie was awesome. Loved it'])
"""
from ._threads import configure_threads

configure_threads()  # must run before mxnet is imported anywhere below

__version__ = '0.1.0'

from .errors import ConfigError, DataError, GluonSentimentError, RunDirError  # noqa: E402
from .model import get_model, list_models  # noqa: E402
from .predictor import SentimentClassifier, load_model  # noqa: E402
from .pretrained import attach_pretrained, load_token_embedding  # noqa: E402

__all__ = ['__version__', 'get_model', 'list_models', 'load_model', 'SentimentClassifier',
           'load_token_embedding', 'attach_pretrained',
           'GluonSentimentError', 'DataError', 'RunDirError', 'ConfigError']
