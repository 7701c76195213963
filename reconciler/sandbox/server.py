"""The HTTPS server: cheroot (threaded, TLS, keep-alive, chunked request bodies) around the sandbox's WSGI app.

One addition to plain WSGI: an application may ask for the connection to be dropped instead of answered (fault
injection: "the connection died before/after the change committed") by setting `environ[DROP_CONNECTION]`;
the gateway then closes the socket without writing a byte of the response.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cheroot import server as cheroot_server
from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from reconciler.sandbox.assumptions import assumed

DROP_CONNECTION = "sandbox.drop_connection"
LOG = logging.getLogger("reconciler.sandbox.server")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


class _DroppingGateway(wsgi.Gateway_10):
    """The WSGI 1.0 gateway, plus: when the app set DROP_CONNECTION, close the socket and send nothing."""

    def respond(self) -> None:
        response = self.req.server.wsgi_app(self.env, self.start_response)
        try:
            if self.env.get(DROP_CONNECTION):
                self._drop()
                return
            for chunk in filter(None, response):
                if not isinstance(chunk, bytes):
                    raise ValueError("WSGI applications must yield bytes")
                self.write(chunk)
        finally:
            if not self.env.get(DROP_CONNECTION):
                self.req.ensure_headers_sent()
            if hasattr(response, "close"):
                response.close()

    def _drop(self) -> None:
        self.req.ready = False  # cheroot then sends no headers
        self.req.close_connection = True  # and closes the connection after this request
        with contextlib.suppress(OSError):
            self.req.conn.socket.shutdown(socket.SHUT_RDWR)


_ABSOLUTE_FORM = re.compile(rb"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")
_REPEATED_SLASHES = re.compile(rb"/{2,}")


def origin_form(target: bytes) -> bytes:
    """The request target as a path: absolute-form (`https://host/p`, which RFC 7230 5.3.2 says a server MUST
    accept) loses its scheme and authority, and repeated slashes fold (the sf CLI sends `//services/...` when its
    stored instance URL ends with a slash). The query string is left as it is."""
    path, mark, query = target.partition(b"?")
    path = _ABSOLUTE_FORM.sub(b"", path) or b"/"
    return _REPEATED_SLASHES.sub(b"/", path) + mark + query


class _RequestLineRewriter:
    """Wraps the connection's rfile while cheroot reads the request line, handing it the origin-form target
    (and noting the target's length as sent)."""

    def __init__(self, rfile: Any) -> None:
        self._rfile = rfile
        self.target_length = 0

    def readline(self, *args: Any) -> bytes:
        line = self._rfile.readline(*args)
        parts = line.split(b" ")
        if len(parts) == 3 and parts[2].startswith(b"HTTP/"):
            self.target_length = len(parts[1])
            parts[1] = origin_form(parts[1])
            return b" ".join(parts)
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rfile, name)


# scale.md §1: at most 16,384 bytes of URI and headers together: 414 for a longer URI, else 431 for the sum
MAX_URI_AND_HEADERS = 16_384
_SIZE_COUNTING = assumed("uri-header-counting")


def too_large_page(status: str) -> bytes:
    """The HTML error page Salesforce's front servers answer for a request head that is too large (scale.md §1)."""
    code, _, reason = status.partition(" ")
    return f"<h1>Bad Message {code}</h1><pre>reason: {reason}</pre>".encode("ascii")


class _LenientRequest(cheroot_server.HTTPRequest):
    """cheroot's request, reading absolute-form targets and `//` paths the way Salesforce's servers do, and
    refusing request heads beyond Salesforce's size limit."""

    def read_request_line(self) -> bool:
        rfile = self.rfile
        rewriter = _RequestLineRewriter(rfile)
        self.rfile = rewriter
        try:
            read = bool(super().read_request_line())
        finally:
            self.rfile = rfile
        if read and rewriter.target_length > MAX_URI_AND_HEADERS:
            self._refuse("414 URI Too Long")
            return False
        self._target_length = rewriter.target_length
        return read

    def read_request_headers(self) -> bool:
        if not super().read_request_headers():
            return False
        header_bytes = sum(len(name) + len(value) + 4 for name, value in self.inheaders.items())  # "n: v\r\n"
        if self._target_length + header_bytes > MAX_URI_AND_HEADERS:
            self._refuse("431 Request Header Fields Too Large")
            return False
        return True

    def _refuse(self, status: str) -> None:
        """Answer with the error page and close the connection (the request's body, if any, is never read)."""
        body = too_large_page(status)
        head = (f"{self.server.protocol} {status}\r\nContent-Type: text/html;charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode("ascii")
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.conn.wfile.write(head + body)


class _Connection(cheroot_server.HTTPConnection):
    RequestHandlerClass = _LenientRequest


class _Server(wsgi.Server):
    ConnectionClass = _Connection

    def error_log(self, msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
        LOG.log(level, "%s", msg, exc_info=traceback)


class HttpsServer:
    """A cheroot WSGI server on `host:port` (0: a free port) speaking TLS with the given certificate."""

    def __init__(
        self,
        app: WsgiApp,
        *,
        cert_file: Path,
        key_file: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 16,
    ) -> None:
        self._server = _Server(
            (host, port), app, numthreads=threads, server_name="guestlist-sandbox", timeout=30, shutdown_timeout=2
        )
        self._server.gateway = _DroppingGateway
        self._server.expiration_interval = 0.1  # the select loop's tick: bounds how long stop() waits
        self._server.ssl_adapter = BuiltinSSLAdapter(str(cert_file), str(key_file))
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.bind_addr[1])

    @property
    def host(self) -> str:
        return str(self._server.bind_addr[0])

    def start(self) -> None:
        """Bind and listen (so the port is known and connections queue), then serve in a background thread."""
        self._server.prepare()
        self._thread = threading.Thread(target=self._server.serve, name=f"sandbox-https-{self.port}", daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        """Bind, listen and serve in the calling thread until stop() is called from elsewhere."""
        self._server.prepare()
        self._server.serve()

    def stop(self) -> None:
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
