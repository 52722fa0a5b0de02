"""The services' OpenAPI page, `/docs` (Swagger UI), served whole by the service itself:
a government intranet has no internet, so nothing may come from a CDN (issue 18), which
is where FastAPI's own pages take their scripts and styles from.

The files are fastapi-offline's copy of Swagger UI 5 (swagger-ui-bundle carries Swagger
UI 4.15, which refuses OpenAPI 3.1, the version FastAPI writes). Every address in the
page is relative to it, so it works unchanged behind the console's `/api/<service>/`
prefix, which the gateway strips before forwarding: `/api/registry/docs` loads
`/api/registry/openapi.json` and `/api/registry/docs/assets/...`.

Not served:
- `/redoc`: ReDoc 2's bundle always shows Redocly's logo, an image it takes from
  Redocly's CDN (no option turns it off); Swagger UI shows the same document.
- `/docs/oauth2-redirect`: it only serves OAuth2 flows, and the services' documents
  name none (a bearer token is pasted into "Authorize").
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs/assets"
# The page is at /docs: these are relative to the directory it is in (/).
_ASSETS_FROM_PAGE = ASSETS_URL.removeprefix("/")
_OPENAPI_FROM_PAGE = "openapi.json"


def install_api_docs(app: FastAPI) -> None:
    """Serve `/docs` and its files; `app` is made with `docs_url` and `redoc_url` None."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=_OPENAPI_FROM_PAGE,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{_ASSETS_FROM_PAGE}/swagger-ui-bundle.js",
            swagger_css_url=f"{_ASSETS_FROM_PAGE}/swagger-ui.css",
            swagger_favicon_url=f"{_ASSETS_FROM_PAGE}/favicon.png",
            # Swagger UI would otherwise ask a public validator about the document.
            swagger_ui_parameters={"validatorUrl": None},
        )
