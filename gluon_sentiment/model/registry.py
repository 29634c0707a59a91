"""The model registry: the one place where a model name becomes a class.

As in fairseq, a model registers itself with ``@register_model('name')`` on
its class; every built-in model does, and a user's model does the same.
Registering a name twice, or a class that is not a
:class:`~gluon_sentiment.model.SentimentNet`, or one whose declarations
contradict its constructor, is an error when the decorator runs (at import).
``get_model(name, **kwargs)`` builds a registered model; ``list_models()``
gives the names the command line accepts.
"""
import inspect
from typing import Any, Callable, Dict, List, Type, TypeVar

from ..errors import ConfigError
from .base import SentimentNet

__all__ = ['get_model', 'list_models', 'register_model', 'unregister_model', 'model_class',
           'constructor_args']

_MODELS: Dict[str, Type[SentimentNet]] = {}

#: arguments of every HybridBlock constructor, not hyperparameters
_BLOCK_ARGS = ('prefix', 'params')

Net = TypeVar('Net', bound=Type[SentimentNet])


def _constructor_args(cls: Type[SentimentNet]) -> List[str]:
    """The named arguments of ``cls``'s constructor and of those it passes ``**kwargs`` to.

    A subclass takes its own hyperparameters and hands the rest
    (``num_classes``, ``embed_dropout``, ...) to :class:`SentimentNet`
    through ``**kwargs``; the chain stops at a constructor without
    ``**kwargs`` or at ``SentimentNet``.
    """
    names: List[str] = []
    for klass in cls.__mro__:
        if '__init__' not in vars(klass):
            continue
        params = inspect.signature(klass.__init__).parameters.values()
        names += [p.name for p in params if p.name != 'self' and p.name not in names
                  and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if klass is SentimentNet or not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return names


def _check_declaration(name: str, cls: type) -> None:
    """Raise ``TypeError`` if ``cls`` cannot be registered as ``name``."""
    if name in _MODELS:
        raise TypeError(f'register_model({name!r}): the name is taken by '
                        f'{_MODELS[name].__name__}')
    if not (isinstance(cls, type) and issubclass(cls, SentimentNet)):
        raise TypeError(f'register_model({name!r}): {cls!r} is not a SentimentNet subclass')
    args = _constructor_args(cls)
    if cls.length_margin is None and 'seq_len' not in args:
        raise TypeError(f'register_model({name!r}): {cls.__name__} declares fixed-length inputs '
                        '(length_margin = None), so its constructor must take seq_len')
    if cls.supports_multichannel and 'multichannel' not in args:
        raise TypeError(f'register_model({name!r}): {cls.__name__} declares '
                        'supports_multichannel, so its constructor must take multichannel')


def register_model(name: str) -> Callable[[Net], Net]:
    """Class decorator adding a :class:`SentimentNet` subclass to the registry under ``name``.

    ::

        @register_model('mean')
        class MeanNet(SentimentNet):
            ...

    The class's constructor takes ``vocab_size`` first; a fixed-length
    model (``length_margin = None``) also takes ``seq_len``.

    Raises
    ------
    TypeError
        If ``name`` is registered already, the class is not a
        ``SentimentNet`` subclass, or its declarations contradict its
        constructor.
    """
    def wrap(cls):
        _check_declaration(name, cls)
        _MODELS[name] = cls
        return cls
    return wrap


def unregister_model(name: str) -> None:
    """Remove ``name`` from the registry (for tests that register a model of their own).

    Raises
    ------
    ConfigError
        For a name that is not registered.
    """
    model_class(name)
    del _MODELS[name]


def list_models() -> List[str]:
    """Names accepted by :func:`get_model` and ``--model``."""
    return sorted(_MODELS)


def model_class(name: str) -> Type[SentimentNet]:
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


def constructor_args(name: str) -> List[str]:
    """The named constructor arguments of the model registered under ``name`` (its chain's)."""
    return _constructor_args(model_class(name))


def _declared_kwargs(cls: Type[SentimentNet], kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """``kwargs`` less the contract arguments ``cls`` does not declare.

    ``seq_len`` goes only to fixed-length models (every run's ``config.json``
    saves it); ``multichannel=False`` only to models that support it.
    """
    kwargs = dict(kwargs)
    if cls.length_margin is not None:
        kwargs.pop('seq_len', None)
    if not cls.supports_multichannel and kwargs.get('multichannel') is False:
        del kwargs['multichannel']
    return kwargs


def get_model(name: str, **kwargs) -> SentimentNet:
    """Build the model registered under ``name``.

    Parameters
    ----------
    name : str
        One of :func:`list_models`.
    **kwargs
        Constructor arguments (``vocab_size`` is required). ``seq_len`` is
        passed only to fixed-length models (``length_margin = None``) and
        dropped for the others; any other argument the constructor does not
        name is rejected.

    Raises
    ------
    ConfigError
        For an unknown name or argument.
    """
    cls = model_class(name)
    kwargs = _declared_kwargs(cls, kwargs)
    accepted = set(_constructor_args(cls)) | set(_BLOCK_ARGS)
    if not cls.supports_embed_dropout:
        accepted.discard('embed_dropout')
    unknown = [key for key in kwargs if key not in accepted]
    if unknown:
        raise ConfigError(f'model {name!r} takes no argument {", ".join(unknown)}')
    return cls(**kwargs)
