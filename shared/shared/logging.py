"""JSON logs with the service name and the correlation id of the work being done."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from shared import context


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.correlation_id = context.correlation_id.get()
        record.causation_id = context.causation_id.get()
        return True


def configure_logging(service: str, *, level: str = "INFO", json: bool = True) -> None:
    """Send every log record to stderr, as JSON lines unless `json` is False."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter(service))
    if json:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s "
                "%(correlation_id)s %(causation_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(service)s %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # FastStream logs every message at INFO; at volume that alone halves throughput.
    logging.getLogger("faststream").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # Driver debug logs carry SQL parameters: personal data must not reach the logs.
    for noisy in ("aiosqlite", "asyncpg", "sqlalchemy.engine", "httpcore", "redis"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
