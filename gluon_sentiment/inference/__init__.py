"""Inference: the classifier, ensembles, loading any artifact (run, bundle, ensemble),
forward passes over batches, and prediction records."""
from .batches import predict_logits, softmax
from .classifier import LABELS, SentimentClassifier
from .ensemble import EnsembleClassifier, create_ensemble, is_ensemble, write_ensemble
from .loading import load_ensemble, load_model
from .pretrained import DEFAULT_MODEL, is_pretrained, list_pretrained, resolve_model
from .records import Explainer, Throughput, iter_records, predict_records, read_lines

__all__ = ['LABELS', 'SentimentClassifier', 'EnsembleClassifier', 'load_model', 'load_ensemble',
           'create_ensemble', 'write_ensemble', 'is_ensemble', 'predict_logits', 'softmax',
           'Explainer', 'Throughput', 'predict_records', 'iter_records', 'read_lines',
           'DEFAULT_MODEL', 'list_pretrained', 'resolve_model', 'is_pretrained']
