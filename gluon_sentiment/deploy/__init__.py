"""Deployment: bundle writing (:mod:`.bundle`), ONNX export (:mod:`.onnx`) and the HTTP
server (:mod:`.server`) behind its guard (:mod:`.guard`)."""
from .bundle import TOKENIZER, export_bundle
from .onnx import TOLERANCE, export_onnx
from .guard import MAX_BODY_BYTES, RequestGuard
from .server import MAX_CHARS, MAX_TEXTS, create_app

__all__ = ['export_bundle', 'export_onnx', 'create_app', 'TOKENIZER', 'TOLERANCE', 'MAX_TEXTS',
           'MAX_CHARS', 'MAX_BODY_BYTES', 'RequestGuard']
