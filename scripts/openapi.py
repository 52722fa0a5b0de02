"""Write each service's OpenAPI document to web/src/api/openapi/<service>.json.

The web console's typed clients are generated from these files (`npm run
generate:api` in web/), so they are committed; tests/web/test_openapi_documents.py
fails when one differs from what its service serves. Each app is built in process with
its default settings and asked for `/openapi.json` over ASGI: no server, no lifespan
(so neither Redis nor a database is touched).

    python scripts/openapi.py           # write the four documents
    python scripts/openapi.py --check   # exit 1 naming the documents that are stale
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "web" / "src" / "api" / "openapi"
SERVICES = ("registry", "activities", "evaluation", "notifications")
REGENERATE = "run `make openapi`, then `npm run generate:api` in web/"


def served_document(service: str) -> dict[str, Any]:
    """The OpenAPI document the service's app answers at /openapi.json."""
    app: FastAPI = importlib.import_module(f"{service}.app").create_app()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # no line per request
    # In a thread of its own: the caller may be running an event loop already.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _get_document(app)).result()


async def _get_document(app: FastAPI) -> dict[str, Any]:
    # httpx's ASGI transport sends no lifespan events: Redis and the database stay untouched.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        response = await client.get(app.openapi_url or "/openapi.json")
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def document_text(document: dict[str, Any]) -> str:
    """The committed form: sorted keys, indent 2, UTF-8 as is, a newline at the end."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def path_of(service: str) -> Path:
    return OUTPUT / f"{service}.json"


def stale_documents() -> list[str]:
    """The services whose committed document differs from what they serve."""
    return [
        service
        for service in SERVICES
        if not path_of(service).is_file()
        or path_of(service).read_text(encoding="utf-8") != document_text(served_document(service))
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale documents")
    arguments = parser.parse_args(argv)
    if arguments.check:
        stale = stale_documents()
        for service in stale:
            print(f"{path_of(service).relative_to(ROOT)} is stale: {REGENERATE}")
        return 1 if stale else 0
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        path_of(service).write_text(document_text(served_document(service)), encoding="utf-8")
        print(f"wrote {path_of(service).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
