"""The server's trust boundary: body size and bearer token, checked before any parsing.

:class:`RequestGuard` wraps an ASGI application (the FastAPI app of
:func:`gluon_sentiment.deploy.create_app`):

* a request whose body is longer than ``max_body_bytes`` gets 413 with a
  ``detail``. The declared ``Content-Length`` is checked first, then the
  bytes actually received, so a body that lies about its length or comes
  in chunks without one is cut off at the cap too; the application sees a
  body only once it is complete and within the cap.
* with a ``token``, every request but ``GET /health`` and ``GET /`` (the
  browser page, which holds no data and asks its user for the token) must carry
  ``Authorization: Bearer <token>``, compared in constant time
  (:func:`hmac.compare_digest`); any other gets 401 with a ``detail``.

:func:`safe_json_response` is the JSON response of every endpoint: a lone
surrogate that reaches a response is written as U+FFFD, never as a 500.
"""
import functools
import hmac
import json
from typing import Any, Awaitable, Callable, Dict, Optional

from ..data.text import replace_surrogates

__all__ = ['RequestGuard', 'safe_json_response', 'MAX_BODY_BYTES', 'OPEN_PATHS', 'json_body']

#: default cap of a request body, in bytes
MAX_BODY_BYTES = 1 << 20

#: paths a GET needs no token for: the health check and the browser page
OPEN_PATHS = ('/health', '/')


def json_body(content: Any) -> bytes:
    """``content`` as compact UTF-8 JSON; lone surrogates become U+FFFD.

    Parameters
    ----------
    content : any JSON-ready value

    Returns
    -------
    bytes
        Valid UTF-8, whatever strings ``content`` holds.
    """
    text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(',', ':'))
    return replace_surrogates(text)[0].encode('utf-8')


@functools.lru_cache(maxsize=None)
def safe_json_response():
    """The JSON response class of every endpoint (FastAPI is imported only when asked).

    Returns
    -------
    type
        A :class:`fastapi.responses.JSONResponse` whose body is
        :func:`json_body` of its content.
    """
    from fastapi.responses import JSONResponse  # pylint: disable=import-outside-toplevel

    class _SafeJSONResponse(JSONResponse):
        """A JSON response whose body is valid UTF-8 whatever its strings hold."""

        def render(self, content: Any) -> bytes:
            return json_body(content)

    return _SafeJSONResponse


Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]


class RequestGuard:
    """ASGI middleware capping request bodies and, optionally, requiring a bearer token.

    Parameters
    ----------
    app : ASGI application
        What is served behind the guard.
    max_body_bytes : int
        Longest request body accepted, in bytes; a longer one gets 413.
    token : str, optional
        When given, the bearer token every request but a ``GET`` of
        :data:`OPEN_PATHS` must carry (401 otherwise).
    """

    def __init__(self, app, max_body_bytes: int = MAX_BODY_BYTES, token: Optional[str] = None):
        if max_body_bytes < 1:
            raise ValueError(f'max_body_bytes must be at least 1, got {max_body_bytes}')
        if token is not None and not token:
            raise ValueError('the bearer token must not be empty')
        self.app = app
        self.max_body_bytes = max_body_bytes
        self._token = None if token is None else token.encode('utf-8')

    async def __call__(self, scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        if self._token is not None and not self._open(scope) and not self._authorized(scope):
            await _reject(send, 401, 'missing or wrong bearer token; send the header '
                          '"Authorization: Bearer <token>"', [(b'www-authenticate', b'Bearer')])
            return
        declared = _header(scope, b'content-length')
        if declared is not None:
            if not declared.strip().isdigit():
                await _reject(send, 400, f'Content-Length {declared[:40]!r} is not a number')
                return
            if int(declared) > self.max_body_bytes:
                await _reject(send, 413, self._too_long(f'{int(declared)} bytes'))
                return
        body = await self._read_body(receive)
        if body is None:
            await _reject(send, 413, self._too_long('more bytes'))
            return
        await self.app(scope, _replay(body, receive), send)

    @staticmethod
    def _open(scope) -> bool:
        return scope['method'] in ('GET', 'HEAD') and scope['path'] in OPEN_PATHS

    def _authorized(self, scope) -> bool:
        scheme, _, credentials = (_header(scope, b'authorization') or b'').partition(b' ')
        # compare_digest on the value even for a wrong scheme, so timing tells nothing
        same = hmac.compare_digest(credentials.strip(), self._token)
        return same and scheme.lower() == b'bearer'

    def _too_long(self, size: str) -> str:
        return (f'the request body has {size}; at most {self.max_body_bytes} bytes are '
                'allowed (--max-body-bytes), send fewer or shorter texts per request')

    async def _read_body(self, receive: Receive) -> Optional[bytes]:
        """The whole body, or None as soon as it passes the cap."""
        chunks, total, more = [], 0, True
        while more:
            message = await receive()
            if message['type'] == 'http.disconnect':
                break
            chunk = message.get('body', b'')
            total += len(chunk)
            if total > self.max_body_bytes:
                return None
            chunks.append(chunk)
            more = message.get('more_body', False)
        return b''.join(chunks)


def _header(scope, name: bytes) -> Optional[bytes]:
    for key, value in scope.get('headers', ()):
        if key.lower() == name:
            return value
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` giving ``body`` in one message, then what the client sends."""
    sent = False

    async def replay() -> Dict[str, Any]:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {'type': 'http.request', 'body': body, 'more_body': False}
    return replay


async def _reject(send: Send, status: int, detail: str, headers=()) -> None:
    body = json_body({'detail': detail})
    await send({'type': 'http.response.start', 'status': status,
                'headers': [(b'content-type', b'application/json'),
                            (b'content-length', str(len(body)).encode()), *headers]})
    await send({'type': 'http.response.body', 'body': body})
