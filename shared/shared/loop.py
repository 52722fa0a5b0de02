"""The event loop of the platform's own processes, the same as the services' under uvicorn.

uvicorn runs every service on uvloop where it is installed, so the consumers, the relay
and the HTTP handlers all live on it. Command-line tools (a rebuild) and the benchmarks'
processes use it too: a benchmark of a consumer on asyncio's own loop measures a
configuration no service runs in, and a slower one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` to completion on uvloop, or on asyncio's loop where uvloop is missing
    (it is not built for Windows)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Linux always has it
        return asyncio.run(main)
    return uvloop.run(main)
