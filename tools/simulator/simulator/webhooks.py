"""The integration's side of a webhook: a small HTTP receiver that checks signatures.

It does what docs/events.md asks of a receiver: recompute the HMAC over `<t>.<body>`,
compare in constant time, refuse stale timestamps, and treat `Linli-Event-Id` as the
idempotency key (a redelivered event is acknowledged but counted once).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_AGE_SECONDS = 300


def verify(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """Whether `Linli-Signature` is valid for the body under the secret, and fresh."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - stamp) > MAX_AGE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts.get("v1", ""))


class _Server(ThreadingHTTPServer):
    # The notifier sends a batch of deliveries at once; the default backlog of 5
    # connections would refuse most of them.
    request_queue_size = 256
    daemon_threads = True


class Receiver:
    """Listens on a loopback port until closed; counts what it accepted."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.secret = ""
        self.accepted: Counter[str] = Counter()  # event type -> distinct events
        self.deliveries = 0
        self.refused = 0
        self.event_ids: set[str] = set()
        self._lock = threading.Lock()
        self._server = _Server((host, port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/linli-events"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                signature = self.headers.get("Linli-Signature", "")
                with receiver._lock:
                    receiver.deliveries += 1
                    if not receiver.secret or not verify(receiver.secret, signature, body):
                        receiver.refused += 1
                        self.send_response(401)
                        self.end_headers()
                        return
                    event_id = self.headers.get("Linli-Event-Id", "")
                    if event_id not in receiver.event_ids:
                        receiver.event_ids.add(event_id)
                        receiver.accepted[str(json.loads(body).get("type", "?"))] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return None  # the simulator's own progress display is the log

        return Handler
