"""Why a text got its label: the n-grams or words that moved the positive − negative logit.

With more than two classes the margin explained is that of the predicted
class ``c`` against the others: ``z_c - mean_{j != c} z_j`` (linear in the
logits, so the decomposition below stays exact), and each explanation names
its ``class``.

For :class:`~gluon_sentiment.model.MultiKernelConvNet` (Kim's CNN) the
explanation is exact. At inference (dropout off) the logit margin is

    z_pos - z_neg = sum_f (W[pos, f] - W[neg, f]) * relu(max_t conv_f(t)) + (b_pos - b_neg)

Each filter ``f`` of width ``k`` reads one window: the position ``t`` where
max-over-time pooling found its maximum, i.e. the n-gram ``tokens[t:t+k]``.
The contribution of an n-gram is the sum of ``(W[pos, f] - W[neg, f]) *
relu(...)`` over the filters that selected it; the contributions of all
n-grams plus the bias difference add up to the margin.

For the bag-of-n-gram models (:class:`~gluon_sentiment.model.NgramNet` and
its folded :class:`~gluon_sentiment.model.NgramTableNet`) the explanation is
exact as well: at inference the scores are a weighted mean of one row per
n-gram, so the margin is a sum of one term per word and n-gram of the text
plus the bias difference (:meth:`HashedNgramNet.ngram_terms
<gluon_sentiment.model.ngram.HashedNgramNet.ngram_terms>`).

For the other networks (or any :class:`~gluon_sentiment.model.SentimentNet`
with another encoder) each word gets a gradient × input attribution: the
gradient of the margin with respect to the word's embedding, dotted with the
embedding. It reads only the model contract: :meth:`SentimentNet.embed
<gluon_sentiment.model.SentimentNet.embed>` gives the word vectors and
:meth:`~gluon_sentiment.model.SentimentNet.classify` the scores from them.

::

    from gluon_sentiment.analysis import explain
    explain(clf, ['unintelligent, gross, and vulgar—but I loved it'], top_k=3)
"""
from typing import Any, Dict, List, Optional, Sequence, Union

import mxnet as mx
import numpy as np
from mxnet import autograd

from ..errors import ConfigError
from ..inference.classifier import SentimentClassifier
from ..model.base import SentimentNet
from ..model.encoders import MultiKernelConvEncoder
from ..model.ngram import HashedNgramNet, ngram_spans

__all__ = ['explain', 'explain_max_pool', 'explain_ngrams', 'explain_gradient_input']


def explain(clf: SentimentClassifier, texts: Union[str, Sequence[str]],
            top_k: int = 5) -> List[Dict[str, Any]]:
    """Explain the prediction of ``clf`` for each text.

    Parameters
    ----------
    clf : SentimentClassifier
        A classifier holding a Gluon :class:`~gluon_sentiment.model.SentimentNet`
        (not a ``SymbolBlock``).
    texts : str or sequence of str
        Texts to explain.
    top_k : int, default 5
        N-grams (or words) to return per text, largest absolute score first.

    Returns
    -------
    list of dict
        One per text: ``method`` (``'max-pool n-grams'``, ``'bag of n-grams'``
        or ``'gradient x input'``), ``margin`` (positive − negative logit; with
        K > 2 classes the predicted ``class``'s logit − the mean of the others),
        ``bias`` (the part of the margin no word explains: the output
        bias difference and windows of padding only; 0 for gradient × input)
        and ``top``: a list of ``{'ngram', 'start', 'width',
        'score'}``. ``start`` indexes the tokens the model saw (after
        truncation); ``score`` is signed, positive favouring *positive*.

    Raises
    ------
    ConfigError
        If the network is not a Gluon ``SentimentNet``.
    """
    texts = [texts] if isinstance(texts, str) else list(texts)
    net = clf.net
    if not isinstance(net, SentimentNet):
        raise ConfigError(f'explanations need the Gluon model, not {type(net).__name__}; load '
                          'the run or bundle without symbolic=True')
    if isinstance(net, HashedNgramNet):
        return [explain_ngrams(clf, text, top_k) for text in texts]
    if isinstance(net.features, MultiKernelConvEncoder):
        return [explain_max_pool(clf, text, top_k) for text in texts]
    return [explain_gradient_input(clf, text, top_k) for text in texts]


def _model_tokens(clf: SentimentClassifier, text: str):
    """The tokens the model sees (cut as in training), their ids and the input width."""
    tokens = clf.text_tokens(text)
    X, lengths = clf._encode([text])  # pylint: disable=protected-access
    n = int(lengths[0])
    kept = tokens[:n] if clf.truncate == 'post' else tokens[len(tokens) - n:]
    margin = clf.length_margin
    width = X.shape[1] if margin is None else min(X.shape[1], n + margin)
    return kept, mx.nd.array(X[:, :width], ctx=clf.ctx[0], dtype='float32')


def _top(scores: Dict[tuple, float], tokens: List[str], top_k: int) -> List[Dict[str, Any]]:
    ranked = sorted(scores.items(), key=lambda item: (-abs(item[1]), item[0]))[:top_k]
    return [{'ngram': ' '.join(tokens[start:start + width]), 'start': start, 'width': width,
             'score': float(score)} for (start, width), score in ranked]


def _contrast(num_classes: int, target: int) -> np.ndarray:
    """Coefficients over the logits of the margin explained: positive − negative for two
    classes, else the ``target`` logit minus the mean of the others."""
    if num_classes == 2:
        return np.array([-1.0, 1.0])
    coef = np.full(num_classes, -1.0 / (num_classes - 1))
    coef[target] = 1.0
    return coef


def _target(clf: SentimentClassifier, text: str) -> Optional[int]:
    """The class a text's explanation is about: None (positive − negative) for binary runs,
    else the predicted class."""
    if len(clf.class_names) == 2:
        return None
    return int(clf.predict_proba([text]).argmax(axis=1)[0])


def _with_class(result: Dict[str, Any], clf: SentimentClassifier,
                target: Optional[int]) -> Dict[str, Any]:
    if target is not None:
        result['class'] = clf.class_names[target]
    return result


def _head(net: SentimentNet, target: Optional[int] = None):
    dense = net.output_layer  # dropout before it is off at inference
    weight = dense.weight.data().asnumpy()
    bias = dense.bias.data().asnumpy()
    if target is None:  # binary, exactly as always
        return weight[1] - weight[0], float(bias[1] - bias[0])
    coef = _contrast(len(bias), target)
    return coef @ weight, float(coef @ bias)


def explain_max_pool(clf: SentimentClassifier, text: str, top_k: int = 5) -> Dict[str, Any]:
    """The n-grams max-over-time pooling selected in a multi-kernel CNN, by contribution.

    See :func:`explain` for the result; here the scores of *all* selected
    n-grams plus ``bias`` equal ``margin`` exactly (up to float rounding).
    Windows that run past the end of the text are cut to its words (so
    ``width`` may be less than the filter width), and windows with the same
    words add up.
    """
    net = clf.net
    target = _target(clf, text)
    tokens, x = _model_tokens(clf, text)
    w_diff, b_diff = _head(net, target)
    with autograd.predict_mode():
        embedded = net.embedding(x)
        if net.embedding_static is not None:  # Kim's static channel: the filters read both
            embedded = mx.nd.concat(embedded, net.embedding_static(x), dim=2)
        embedded = embedded.transpose((0, 2, 1))  # NTC -> NCT
        features = net.features
        pooled, chosen, widths = [], [], []
        for conv_block in features.convolutions:
            conv = conv_block(embedded)[0].asnumpy()  # (filters, positions)
            chosen.append(conv.argmax(axis=1))
            pooled.append(conv.max(axis=1))
            widths.append(np.full(conv.shape[0], conv_block.weight.shape[2]))
        activated = mx.nd.Activation(mx.nd.array(np.concatenate(pooled)),
                                     act_type=features.activation_name).asnumpy()
    contribution = w_diff * activated
    scores: Dict[tuple, float] = {}
    rest = b_diff  # the output bias and windows of padding only: no word of the text
    for start, width, value in zip(np.concatenate(chosen), np.concatenate(widths), contribution):
        if start >= len(tokens):
            rest += float(value)
            continue
        key = (int(start), min(int(width), len(tokens) - int(start)))  # cut at the text's end
        scores[key] = scores.get(key, 0.0) + float(value)
    return _with_class({'method': 'max-pool n-grams', 'margin': float(contribution.sum() + b_diff),
                        'bias': rest, 'top': _top(scores, tokens, top_k)}, clf, target)


def explain_ngrams(clf: SentimentClassifier, text: str, top_k: int = 5) -> Dict[str, Any]:
    """The words and n-grams of a bag-of-n-grams model, by their term of the margin.

    See :func:`explain` for the result. Each word and n-gram of the text (as
    the model saw it, truncated) has one term; the terms of all of them plus
    ``bias`` (the output bias difference) equal ``margin`` exactly (up to
    float rounding). An n-gram that occurs twice is listed at each place.
    """
    net = clf.net
    target = _target(clf, text)
    tokens, x = _model_tokens(clf, text)
    with autograd.predict_mode():
        terms, bias = net.ngram_terms(x)
    coef = _contrast(len(bias), 1 if target is None else target)
    contribution = terms[0].astype(np.float64) @ coef
    starts, widths = ngram_spans(x.shape[1], net.ngram_orders)
    inside = starts + widths <= len(tokens)  # the rest reach into the padding: masked, 0
    scores = {(int(start), int(width)): float(value) for start, width, value
              in zip(starts[inside], widths[inside], contribution[inside])}
    rest = float(coef @ bias.astype(np.float64))
    return _with_class({'method': 'bag of n-grams', 'margin': float(contribution.sum()) + rest,
                        'bias': rest, 'top': _top(scores, tokens, top_k)}, clf, target)


def explain_gradient_input(clf: SentimentClassifier, text: str, top_k: int = 5) -> Dict[str, Any]:
    """Gradient × input attribution of each word to the positive − negative logit.

    See :func:`explain` for the result; each entry is one word (``width`` 1).
    Padding positions are left out.
    """
    net = clf.net
    target = _target(clf, text)
    tokens, x = _model_tokens(clf, text)
    with autograd.predict_mode():
        embedded = net.embed(x)
    embedded.attach_grad()
    with autograd.record(train_mode=False):
        logits = net.classify(mx.nd, embedded, x)
        if target is None:
            margin = logits[:, 1] - logits[:, 0]
        else:
            coef = _contrast(len(clf.class_names), target)
            margin = mx.nd.dot(logits, mx.nd.array(coef, ctx=logits.context))
    margin.backward()
    attribution = (embedded.grad * embedded).sum(axis=2)[0].asnumpy()
    scores = {(i, 1): float(attribution[i]) for i in range(len(tokens))}
    return _with_class({'method': 'gradient x input', 'margin': float(margin.asscalar()),
                        'bias': 0.0, 'top': _top(scores, tokens, top_k)}, clf, target)
