"""A partner's HTTP endpoint for the tests: a real server on 127.0.0.1 in a thread, that can be down."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .conftest import free_port


class Receiver:
    """Records what it receives; ``answer`` is the status it gives; ``stop()`` and ``start()``
    take it down and up again on the same port. ``delivered`` holds the bodies of valid requests
    (signature checked with ``secret``), once per ``Idempotency-Key``, as a careful partner would."""

    def __init__(self, secret: str):
        self.secret = secret
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/rtes"
        self.answer = 200
        self.requests: list[dict] = []
        self.delivered: dict[str, dict] = {}
        self.server = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(receiver.secret.encode(), raw, hashlib.sha256).hexdigest()
                valid = hmac.compare_digest(self.headers.get("X-RTES-Signature", ""), expected)
                key = self.headers.get("Idempotency-Key")
                receiver.requests.append({"key": key, "valid": valid, "body": json.loads(raw)})
                status = receiver.answer if valid else 401
                if status < 300:
                    receiver.delivered.setdefault(key, json.loads(raw))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"erreur": "code de session inconnu"}' if status >= 400 else b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
