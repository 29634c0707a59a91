"""Models: the contract (:mod:`.base`), the blocks (:mod:`.classifier`, :mod:`.encoders`,
:mod:`.recurrent`, :mod:`.ngram`, :mod:`.ngram_table`), the registry (:mod:`.registry`) and the ONNX twin of
the convolutional networks (:mod:`.onnx_twin`).

Every model is a :class:`SentimentNet` subclass that declares what it offers
and registers itself with ``@register_model('name')``. ``get_model(name,
**kwargs)`` is the one place where a model name becomes a class;
``list_models()`` gives the names the command line accepts.
"""
from .base import SentimentNet
from .classifier import ConvNet, DenseNet, MultiKernelConvNet
from .encoders import ConvEncoder, FlattenDenseEncoder, MaxOverTime, MultiKernelConvEncoder
from .ngram import HashedNgramNet, MaskedMeanPool, NgramNet
from .ngram_table import NgramTableNet, fold_ngram
from .onnx_twin import onnx_equivalent
from .recurrent import BiGRU, BiLSTM, BiRNNEncoder, BiRNNNet
from .registry import get_model, list_models, model_class, register_model, unregister_model

__all__ = ['get_model', 'list_models', 'register_model', 'unregister_model', 'model_class',
           'SentimentNet',
           'DenseNet', 'ConvNet', 'MultiKernelConvNet', 'FlattenDenseEncoder', 'ConvEncoder',
           'MultiKernelConvEncoder', 'MaxOverTime', 'BiRNNNet', 'BiLSTM', 'BiGRU', 'BiRNNEncoder',
           'NgramNet', 'HashedNgramNet', 'NgramTableNet', 'fold_ngram', 'MaskedMeanPool',
           'onnx_equivalent']
