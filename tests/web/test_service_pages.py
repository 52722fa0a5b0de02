"""The services' own pages (/docs, /asyncapi) on an intranet with no internet: they must
load nothing from outside the deployment, as the console does (issue 18).

Swagger UI is served from each service's own files (shared/api_docs.py; no ReDoc, whose
bundle takes a logo from a CDN); the AsyncAPI page is HTML built on the server, without a script (shared/asyncapi_page.py).
Each page is opened in a browser that aborts every request outside 127.0.0.1, directly
on the service and through the console's gateway (`/api/<service>/`, the prefix
stripped: the pages' addresses are relative, so they must still find their files).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.system import SERVICES
from tests.web.conftest import Console, Visit, browsing

pytestmark = pytest.mark.timeout(300)

PAGES = ("docs", "asyncapi")


@pytest.fixture
def unchecked_visit(browser: Any, console: Console, screenshots: Path) -> Iterator[Visit]:
    # The test checks what came from outside itself, first, so its failure says why.
    with browsing(browser, console, screenshots, checked_after=False) as current:
        yield current


def check_page_rendered(visit: Visit, page: str) -> None:
    """What each page shows once its own files loaded and ran (the context is zh-CN)."""
    if page == "docs":
        expect(visit.page.locator(".swagger-ui .info .title")).to_be_visible()
        # The document itself arrived: its operations are listed.
        expect(visit.page.locator(".swagger-ui .opblock").first).to_be_visible()
    else:
        expect(visit.page.get_by_text("registry.events").first).to_be_visible()
        expect(visit.page.get_by_role("heading", name="流", exact=True)).to_be_visible()


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("service", SERVICES)
def test_a_services_page_renders_with_nothing_from_outside(
    unchecked_visit: Visit, service: str, page: str
) -> None:
    visit = unchecked_visit
    visit.page.goto(f"{visit.console.system.urls[service]}/{page}", wait_until="load")
    # What it tried to fetch from elsewhere first: the reason, said at once; and again
    # once rendered (Swagger UI fetches the document, ReDoc its logo, after the load).
    visit.check_nothing_came_from_outside()
    check_page_rendered(visit, page)
    visit.check_nothing_came_from_outside()
    visit.shoot(f"{service}-{page}")


@pytest.mark.parametrize("page", PAGES)
def test_a_services_page_renders_through_the_console(unchecked_visit: Visit, page: str) -> None:
    visit = unchecked_visit
    loaded: list[str] = []
    visit.page.on("requestfinished", lambda request: loaded.append(request.url))
    visit.page.goto(visit.console.api("registry", f"/{page}"), wait_until="load")
    visit.check_nothing_came_from_outside()
    check_page_rendered(visit, page)
    visit.check_nothing_came_from_outside()
    # Everything it loaded came through the service's prefix: none of it is the console's.
    assert loaded, "the page loaded nothing"
    stray = [url for url in loaded if not url.startswith(visit.console.api("registry", "/"))]
    assert stray == [], stray
    if page == "asyncapi":
        # A schema a payload names is folded below; following its link unfolds it.
        link = visit.page.locator(".schema-links a").first
        target = visit.page.locator(f'[id="{(link.get_attribute("href") or "#")[1:]}"]')
        expect(target).to_be_hidden()
        link.click()
        expect(target).to_be_visible()
        expect(target).to_contain_text('"properties"')


@pytest.mark.parametrize("service", SERVICES)
def test_the_asyncapi_page_shows_the_document_in_english_without_a_script(
    console: Console, service: str
) -> None:
    base = console.system.urls[service]
    with httpx.Client(timeout=20) as http:
        document = http.get(f"{base}/asyncapi.json").json()
        answer = http.get(f"{base}/asyncapi", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert answer.status_code == 200
    assert answer.headers["content-language"] == "en"
    page = answer.text
    assert '<html lang="en">' in page
    assert "<h2>Streams</h2>" in page
    assert "<script" not in page.lower()
    # Every address in it is the page's own: relative, or a place on the page.
    addresses = re.findall(r'(?:href|src)="([^"]*)"', page)
    assert addresses
    assert [a for a in addresses if not (a.startswith("#") or a == "asyncapi.json")] == []
    # What the document holds is on the page: each stream, and each schema as JSON.
    for channel in document["channels"].values():
        assert f"<h3><code>{escape(channel['address'])}</code></h3>" in page
    for name, schema in document["components"]["schemas"].items():
        pretty = escape(json.dumps(schema, ensure_ascii=False, indent=2))
        assert re.search(
            f'<pre( id="schema-{re.escape(escape(name))}")?>{re.escape(pretty)}</pre>', page
        ), name


@pytest.mark.parametrize("service", SERVICES)
def test_no_page_of_a_service_names_a_file_elsewhere(console: Console, service: str) -> None:
    """FastAPI's own /docs and /redoc take their files from CDNs: both stay replaced."""
    base = console.system.urls[service]
    with httpx.Client(timeout=20) as http:
        docs = http.get(f"{base}/docs")
        redoc = http.get(f"{base}/redoc")
    assert docs.status_code == 200
    assert re.findall(r'(?:href|src|url:) *=? *["\']([^"\']*)["\']', docs.text) == [
        "docs/assets/swagger-ui.css",
        "docs/assets/favicon.png",
        "docs/assets/swagger-ui-bundle.js",
        "openapi.json",
    ]
    # ReDoc's bundle takes a logo from its maker's CDN (shared/api_docs.py): not served.
    assert redoc.status_code == 404
