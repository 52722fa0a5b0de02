"""One origin for the console in the embedded default (`make run`): http://127.0.0.1:8000.

It serves the built console (web/dist) and forwards `/api/<service>/...` to each service
with the prefix removed (`/api/registry/auth/login` -> registry `/auth/login`), as nginx
does in docker-compose and Kubernetes (deploy/nginx/linli.conf): the browser talks to one
origin, so no CORS, and the services stay unchanged behind it. It lives in scripts/ beside
run.py because it is part of the embedded default only: no image ships it and no service
imports it.

    python scripts/gateway.py --port 8000 --dist web/dist \\
        --upstream registry=http://127.0.0.1:8001 --upstream activities=http://127.0.0.1:8002

The forwarding streams both ways (uploads, exports, the notifications event stream) and
keeps the method, headers, query, body and status. X-Forwarded-For is set to the client's
address, replacing any the client sent: the gateway is the edge, and the services
(uvicorn with proxy_headers, trusting 127.0.0.1) read it as the caller's address, for
example to slow down password guessing from one address.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from shared.messages import ROUTE_NOT_FOUND, Message, negotiate

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("linli.gateway")

SERVICE_UNREACHABLE = Message(
    "service_unreachable",
    "{service} 服务暂时无法连接，请稍后再试",
    "the {service} service cannot be reached; try again in a moment",
)
SERVICE_BAD_ANSWER = Message(
    "service_bad_answer",
    "{service} 服务的应答中断，请稍后再试",
    "the {service} service broke off its answer; try again in a moment",
)
CONSOLE_NOT_BUILT = Message(
    "console_not_built",
    "控制台尚未构建：请运行 make run（或在 web/ 中运行 npm run build）",
    "the console is not built: run `make run` (or `npm run build` in web/)",
)

# Connection-level headers belong to one hop only (RFC 9110, 7.6.1); Host is the upstream's.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
    }
)

# Vite names the files under assets/ by their content's hash: a changed file is a new
# name, so a year's caching is safe. index.html names the current ones: never cached
# without asking again.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Element Plus sets inline styles (positions of popovers, table widths).
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
}


def refusal(request: Request, status: int, message: Message, **params: str) -> JSONResponse:
    """The gateway's own refusal, shaped as the services' are: {code, detail}."""
    language = negotiate(request.headers.get("accept-language"))
    return JSONResponse(
        {"code": message.code, "detail": message.render(language, params)},
        status_code=status,
        headers={"Content-Language": language.value},
    )


def forwarded_headers(request: Request) -> list[tuple[bytes, bytes]]:
    headers = [
        (name, value)
        for name, value in request.headers.raw
        if name.decode("latin-1").lower() not in HOP_BY_HOP
    ]
    client = request.client.host if request.client else "unknown"
    headers.append((b"x-forwarded-for", client.encode("latin-1")))
    headers.append((b"x-forwarded-proto", request.url.scheme.encode("latin-1")))
    if host := request.headers.get("host"):
        headers.append((b"x-forwarded-host", host.encode("latin-1")))
    return headers


def create_app(dist: Path, upstreams: dict[str, str]) -> Starlette:
    """The gateway: `upstreams` maps a service's name to its base URL."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # No read timeout: an export or the notifications event stream may take long;
        # connecting to a service that is down fails fast instead.
        timeout = httpx.Timeout(None, connect=5.0)
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            app.state.client = client
            yield

    async def forward(request: Request) -> Response:
        service = request.path_params["service"]
        base = upstreams.get(service)
        if base is None:
            return refusal(request, 404, ROUTE_NOT_FOUND)
        client: httpx.AsyncClient = request.app.state.client
        # A request without a body is sent without one (not as an empty chunked body).
        has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
        # The path as the client sent it, percent-encoding and all (%2F stays %2F).
        raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
        rest = raw_path[len(f"/api/{service}") :].decode("ascii", "replace") or "/"
        upstream = client.build_request(
            request.method,
            httpx.URL(base + rest, query=request.url.query.encode()),
            headers=forwarded_headers(request),
            content=request.stream() if has_body else None,
        )
        try:
            answer = await client.send(upstream, stream=True)
        except httpx.ConnectError:
            log.warning("gateway: %s at %s does not answer", service, base)
            return refusal(request, 503, SERVICE_UNREACHABLE, service=service)
        except httpx.TransportError as error:
            log.warning("gateway: %s at %s failed: %r", service, base, error)
            return refusal(request, 502, SERVICE_BAD_ANSWER, service=service)
        headers = [
            (name, value)
            for name, value in answer.headers.raw
            if name.decode("latin-1").lower() not in HOP_BY_HOP
        ]
        response = StreamingResponse(
            answer.aiter_raw(),  # as sent: a compressed body stays compressed
            status_code=answer.status_code,
            background=BackgroundTask(answer.aclose),
        )
        # Replace the headers Starlette set by default with the service's own, repeats kept.
        response.raw_headers = headers
        return response

    def console(request: Request) -> Response:
        # Plain def: Starlette runs it in a thread, so file lookups never block the loop.
        root = dist.resolve()
        index = root / "index.html"
        if not index.is_file():
            return refusal(request, 503, CONSOLE_NOT_BUILT)
        wanted = (root / request.path_params["path"]).resolve()
        inside = wanted.is_relative_to(root)
        if inside and wanted.is_file():
            hashed = wanted.is_relative_to(root / "assets")
            return FileResponse(
                wanted,
                headers={**SECURITY_HEADERS, "Cache-Control": IMMUTABLE if hashed else REVALIDATE},
            )
        if request.path_params["path"].startswith("assets/"):
            # A missing chunk must not be answered with HTML the browser runs as script.
            return refusal(request, 404, ROUTE_NOT_FOUND)
        # Any other path is a route of the single-page app: its router decides.
        return FileResponse(index, headers={**SECURITY_HEADERS, "Cache-Control": REVALIDATE})

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return Starlette(
        routes=[
            Route("/api/{service}", forward, methods=methods),
            Route("/api/{service}/{path:path}", forward, methods=methods),
            Route("/{path:path}", console, methods=["GET", "HEAD"]),
        ],
        lifespan=lifespan,
    )


def _upstream(text: str) -> tuple[str, str]:
    name, separator, url = text.partition("=")
    if not separator or not name or not url.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected <service>=<http://host:port>, got {text!r}")
    return name, url.rstrip("/")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve web/dist and forward /api/<service>/")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--dist", type=Path, default=ROOT / "web" / "dist")
    parser.add_argument("--upstream", type=_upstream, action="append", default=[])
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    app = create_app(arguments.dist, dict(arguments.upstream))
    uvicorn.run(
        app,
        host=arguments.host,
        port=arguments.port,
        log_level="warning",
        # The gateway is the edge: it never trusts a forwarded address from its caller.
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
