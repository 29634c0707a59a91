"""The ONNX twin of a model refuses encoders it does not know."""
import pytest

from gluon_sentiment.errors import ExportError


def test_onnx_equivalent_rejects_unknown_encoders():
    from mxnet.gluon import nn
    from gluon_sentiment.model.onnx_twin import onnx_equivalent
    from gluon_sentiment.model import SentimentNet

    class MeanNet(SentimentNet):
        def __init__(self, vocab_size, **kwargs):
            super().__init__(vocab_size, 4, **kwargs)
            with self.name_scope():
                self.features = nn.GlobalAvgPool1D(layout='NWC')

    with pytest.raises(ExportError, match='GlobalAvgPool1D'):
        onnx_equivalent(MeanNet(10))
