"""A calendar publisher for the tests: a real HTTP server on 127.0.0.1 in a thread, serving each path
as set in ``routes`` — a calendar with its ETag and Last-Modified (answering conditional requests with
304, as Google Agenda, Nextcloud or a web server do), or a misbehaving answer."""

import contextlib
import hashlib
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .conftest import free_port

LAST_MODIFIED = "Tue, 01 Dec 2026 10:00:00 GMT"


@dataclass
class Route:
    """What a path answers: ``body`` with ``status`` and ``content_type``; ``validators`` sends ETag
    and Last-Modified; ``delay`` seconds before answering; ``location`` redirects; ``headers`` more;
    ``size`` streams that many bytes without Content-Length."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/calendar; charset=utf-8"
    validators: bool = True
    delay: float = 0
    location: str | None = None
    headers: dict | None = None
    size: int = 0


class CalendarServer:
    def __init__(self):
        self.port = free_port()
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[str, int]] = []  # (path, status) of each request
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # a body without length ends when the connection closes

            def do_GET(self):
                route = server.routes.get(self.path)
                if route is None:
                    return self._answer(404, b"", "text/plain")
                time.sleep(route.delay)
                etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
                if route.validators and self.headers.get("If-None-Match") == etag:
                    return self._answer(304, b"", None, {"ETag": etag})
                headers = dict(route.headers or {})
                if route.location:
                    headers["Location"] = route.location
                if route.validators:
                    headers.update({"ETag": etag, "Last-Modified": LAST_MODIFIED})
                if route.size:
                    return self._stream(route, headers)
                self._answer(route.status, route.body, route.content_type, headers)

            def _answer(self, status, body, content_type, headers=None):
                server.hits.append((self.path, status))
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the reader gave up waiting
                    self.wfile.write(body)

            def _stream(self, route, headers):
                server.hits.append((self.path, route.status))
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.end_headers()
                chunk = b"BEGIN:VCALENDAR\r\n" + b"X" * (1024 * 1024)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # stopped at its limit
                    for _ in range(route.size // len(chunk) + 1):
                        self.wfile.write(chunk)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes | str = b"", **route) -> str:
        """Serve ``body`` (or the ``Route`` values) at ``path``; its URL."""
        self.routes[path] = Route(body=body.encode() if isinstance(body, str) else body, **route)
        return self.url(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
