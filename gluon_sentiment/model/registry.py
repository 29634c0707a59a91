"""The model registry: the one place where a model name becomes a class.

``get_model(name, **kwargs)`` is the one place where a model name becomes a
class; ``list_models()`` gives the names the command line accepts.
"""
import inspect
from typing import Callable, Dict, List, Type

from mxnet.gluon import HybridBlock

from ..errors import ConfigError
from .classifier import ConvNet, DenseNet, MultiKernelConvNet
from .ngram import NgramNet
from .recurrent import BiGRU, BiLSTM

__all__ = ['get_model', 'list_models', 'register_model', 'model_class']

_MODELS: Dict[str, Type[HybridBlock]] = {
    'dense': DenseNet,
    'conv': ConvNet,
    'multikernel': MultiKernelConvNet,
    'bilstm': BiLSTM,
    'bigru': BiGRU,
    'ngram': NgramNet,
}


def register_model(name: str) -> Callable[[Type[HybridBlock]], Type[HybridBlock]]:
    """Class decorator adding a model to the registry under ``name``.

    The class must take ``vocab_size`` as its first argument.
    """
    def wrap(cls):
        _MODELS[name] = cls
        return cls
    return wrap


def list_models() -> List[str]:
    """Names accepted by :func:`get_model` and ``--model``."""
    return sorted(_MODELS)


def model_class(name: str) -> Type[HybridBlock]:
    """The class registered under ``name``.

    Raises
    ------
    ConfigError
        For an unknown name; the message lists the valid ones.
    """
    try:
        return _MODELS[name]
    except KeyError:
        raise ConfigError(f'unknown model {name!r}; choose one of {", ".join(list_models())}') from None


def get_model(name: str, **kwargs) -> HybridBlock:
    """Build the model registered under ``name``.

    Parameters
    ----------
    name : str
        One of :func:`list_models`.
    **kwargs
        Constructor arguments (``vocab_size`` is required). Arguments the
        constructor does not take are rejected, except ``seq_len``, which
        only fixed-length models take and the others ignore.
    """
    cls = model_class(name)
    accepted = inspect.signature(cls.__init__).parameters
    if 'seq_len' not in accepted:
        kwargs.pop('seq_len', None)
    unknown = [key for key in kwargs if key not in accepted and key not in ('prefix', 'params')]
    if unknown:
        raise ConfigError(f'model {name!r} takes no argument {", ".join(unknown)}')
    return cls(**kwargs)
