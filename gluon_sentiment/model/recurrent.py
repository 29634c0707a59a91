"""Bidirectional recurrent classifiers (LSTM, GRU), masked by each text's valid length.

Padding never enters a recurrent state or the pooling: the forward
direction reads each text left to right and is read out only at the text's
own positions; the backward direction reads the text reversed *within its
valid length* (``SequenceReverse``), so it starts from the last real word,
not from the padding. Pooling (max and mean over time) is masked the same
way. Appending padding to an input therefore leaves the output unchanged,
which also lets the engine cut padding off each batch (bucketing).
"""
from mxnet.gluon import HybridBlock, rnn

from .base import SentimentNet
from .registry import register_model

__all__ = ['BiRNNEncoder', 'BiRNNNet', 'BiLSTM', 'BiGRU']

#: A large negative value that loses every max against a real feature.
_MASKED = -1e4


class BiRNNEncoder(HybridBlock):
    """Stacked bidirectional RNN with masked max- and mean-pooling over time.

    Parameters
    ----------
    mode : {'lstm', 'gru'}
        Cell type.
    hidden_size : int, default 128
        Units per direction and layer.
    num_layers : int, default 1
        Stacked bidirectional layers; each layer reads both directions'
        outputs of the layer below.
    dropout : float, default 0.0
        Dropout between stacked layers.

    Inputs: embedded tokens ``(batch, seq_len, embed_size)`` and valid
    lengths ``(batch,)`` (at least 1). Output: ``(batch, 4 * hidden_size)``,
    the masked max over time then the masked mean over time of the
    concatenated forward and backward outputs.
    """

    def __init__(self, mode: str = 'lstm', hidden_size: int = 128, num_layers: int = 1,
                 dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        cells = {'lstm': rnn.LSTM, 'gru': rnn.GRU}
        if mode not in cells:
            raise ValueError(f"mode must be 'lstm' or 'gru', got {mode!r}")
        self._mode = mode
        self._hidden_size = hidden_size
        self._num_layers = num_layers
        self.output_size = 4 * hidden_size
        with self.name_scope():
            self.forward_rnns, self.backward_rnns = [], []
            for i in range(num_layers):
                fwd = cells[mode](hidden_size, layout='TNC', prefix=f'l{i}_fwd_')
                bwd = cells[mode](hidden_size, layout='TNC', prefix=f'l{i}_bwd_')
                self.register_child(fwd, f'l{i}_fwd')
                self.register_child(bwd, f'l{i}_bwd')
                self.forward_rnns.append(fwd)
                self.backward_rnns.append(bwd)
        self._dropout = dropout

    def hybrid_forward(self, F, x, lengths):  # pylint: disable=arguments-differ
        x = F.transpose(x, axes=(1, 0, 2))  # NTC -> TNC
        for i, (fwd, bwd) in enumerate(zip(self.forward_rnns, self.backward_rnns)):
            if i and self._dropout:
                x = F.Dropout(x, p=self._dropout)
            ahead = fwd(x)
            reverse = F.SequenceReverse(x, lengths, use_sequence_length=True)
            behind = F.SequenceReverse(bwd(reverse), lengths, use_sequence_length=True)
            x = F.concat(ahead, behind, dim=2)
        top = F.SequenceMask(x, lengths, use_sequence_length=True, value=_MASKED).max(axis=0)
        total = F.SequenceMask(x, lengths, use_sequence_length=True, value=0).sum(axis=0)
        mean = F.broadcast_div(total, lengths.reshape((-1, 1)))
        return F.concat(top, mean, dim=1)


class BiRNNNet(SentimentNet):
    """Embedding -> bidirectional RNN (masked) -> max and mean pooling -> dense.

    The cell type is the class attribute ``mode`` (``'lstm'`` or
    ``'gru'``); :class:`BiLSTM` and :class:`BiGRU` set it.

    Parameters
    ----------
    vocab_size : int
        Rows of the embedding, including ``<unk>`` and ``<pad>``.
    embed_size : int, default 50
        Width of the embedding.
    hidden_size : int, default 128
        Units per direction.
    num_layers : int, default 1
        Stacked bidirectional layers.
    dropout : float, default 0.3
        Dropout on the pooled features, before the output layer.
    num_classes : int, default 2
        Output classes (passed to :class:`SentimentNet`, as are ``embed_dropout``
        and ``padding_index``).
    padding_index : int, default 1
        Index of ``<pad>`` in the vocabulary (see
        :mod:`gluon_sentiment.data.vocab`); positions holding it after the
        text are padding. Valid lengths are counted from it.
    """

    #: padding may be cut anywhere after the text: one column is kept for empty texts
    #: the encoder reads the embedding its own way: no dropout on the embedded tokens
    supports_embed_dropout = False
    length_margin = 1
    #: cell type of the recurrent layers
    mode = 'lstm'

    def __init__(self, vocab_size: int, embed_size: int = 50,
                 hidden_size: int = 128, num_layers: int = 1, dropout: float = 0.3, **kwargs):
        super().__init__(vocab_size, embed_size, dropout=dropout, **kwargs)
        with self.name_scope():
            self.features = BiRNNEncoder(self.mode, hidden_size, num_layers,
                                         dropout if num_layers > 1 else 0.0)

    def classify(self, F, embedded, inputs):
        """Scores from the word vectors, the valid lengths counted in ``inputs``."""
        lengths = F.maximum(F.sum(inputs != self._padding_index, axis=1), 1)
        return self.output(self.features(embedded, lengths))


@register_model('bilstm')
class BiLSTM(BiRNNNet):
    """:class:`BiRNNNet` with LSTM cells, registered as ``bilstm``."""

    mode = 'lstm'


@register_model('bigru')
class BiGRU(BiRNNNet):
    """:class:`BiRNNNet` with GRU cells, registered as ``bigru``."""

    mode = 'gru'
