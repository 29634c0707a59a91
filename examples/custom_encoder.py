"""Research use: subclass a model, swap its encoder, train it with the package's engine.

    python examples/custom_encoder.py --data ../shared/data/aclImdb_train.tar.gz

Builds a Kim CNN whose encoder also averages the word vectors (a bag of
embeddings beside the convolutions), trains it for two epochs with the same
engine functions the train command uses, and reports validation accuracy.

The model is a :class:`~gluon_sentiment.model.SentimentNet` subclass: it sets
``features`` and declares what it offers (here ``length_margin = None``:
the mean reads every position, padding included, so inputs keep a fixed
length and the constructor takes ``seq_len``). ``@register_model`` makes it
``--model convmean`` for a train command run in a process that imports this
module, and lets :func:`gluon_sentiment.load_model` rebuild its runs.
"""
import argparse
import logging

import mxnet as mx
from mxnet import gluon
from mxnet.gluon.contrib.nn import HybridConcurrent

from gluon_sentiment.training.config import TrainConfig
from gluon_sentiment.training.engine import epoch_batches, evaluate, train_epoch
from gluon_sentiment.data.pipeline import prepare_data
from gluon_sentiment.model import MultiKernelConvEncoder, SentimentNet, register_model


class MeanOfEmbeddings(gluon.HybridBlock):
    """Average of the word vectors over time: ``(N, T, E) -> (N, E)``."""

    def hybrid_forward(self, F, x):
        return F.mean(x, axis=1)


@register_model('convmean')
class ConvPlusMeanNet(SentimentNet):
    """Kim's CNN whose features also include the mean word vector."""

    length_margin = None  # the mean sees padding: keep fixed-length inputs

    def __init__(self, vocab_size, seq_len=300, embed_size=50, dropout=0.5, **kwargs):
        super().__init__(vocab_size, embed_size, dropout=dropout, **kwargs)
        self._seq_len = seq_len
        with self.name_scope():
            self.features = HybridConcurrent(axis=1)
            self.features.add(MultiKernelConvEncoder(), MeanOfEmbeddings())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', required=True)
    parser.add_argument('--max-examples', type=int, default=6000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(message)s')

    config = TrainConfig(data=args.data, max_examples=args.max_examples, seq_len=300)
    data = prepare_data(config)
    ctx = [mx.cpu()]
    net = ConvPlusMeanNet(len(data.vocab), seq_len=config.seq_len)
    net.initialize(mx.init.Xavier(), ctx=ctx)
    net.hybridize(static_alloc=True)
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 1e-3})
    X, y, lengths = data.splits['train']
    for epoch in range(1, 3):
        stats = train_epoch(net, trainer, gluon.loss.SoftmaxCrossEntropyLoss(), X, y,
                            epoch_batches(lengths, 64, seed=0, epoch=epoch), ctx)
        X_val, y_val, _ = data.splits['val']
        val = evaluate(net, X_val, y_val, ctx)
        print(f"epoch {epoch}: train acc {stats['accuracy']:.3f}, val acc {val['accuracy']:.3f}")


if __name__ == '__main__':
    main()
