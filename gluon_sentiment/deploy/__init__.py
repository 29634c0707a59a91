"""Deployment: bundle writing (:mod:`.bundle`), ONNX export (:mod:`.onnx`), the HTTP
server (:mod:`.server`) behind its guard (:mod:`.guard`), and batch scoring of files,
in-process or on Dask (:mod:`.batch_scoring`, imported on its own so that the others do
not load Dask)."""
from .bundle import TOKENIZER, export_bundle
from .onnx import TOLERANCE, export_onnx
from .guard import MAX_BODY_BYTES, RequestGuard
from .server import MAX_CHARS, MAX_TEXTS, create_app

__all__ = ['export_bundle', 'export_onnx', 'create_app', 'TOKENIZER', 'TOLERANCE', 'MAX_TEXTS',
           'MAX_CHARS', 'MAX_BODY_BYTES', 'RequestGuard']
