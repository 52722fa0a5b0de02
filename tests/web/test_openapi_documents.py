"""The OpenAPI documents the console's typed clients are generated from are current.

web/src/api/openapi/<service>.json is committed (the generated TypeScript clients are
made from it); a change to a service's API that is not carried into the console fails
here rather than as a wrong request in a browser.
"""

from __future__ import annotations

import json

import pytest

from scripts.openapi import REGENERATE, SERVICES, document_text, path_of, served_document


@pytest.mark.parametrize("service", SERVICES)
def test_the_committed_document_is_what_the_service_serves(service: str) -> None:
    committed = path_of(service)
    assert committed.is_file(), f"{committed} is missing: {REGENERATE}"
    served = document_text(served_document(service)).splitlines()
    written = committed.read_text(encoding="utf-8").splitlines()
    # The first line that differs, not pytest's diff of two 200 kB documents.
    first = next(
        (i for i, (a, b) in enumerate(zip(written, served, strict=False)) if a != b),
        min(len(written), len(served)),
    )
    same = written == served
    assert same, (
        f"{committed.name} differs from what {service} serves at /openapi.json "
        f"(from line {first + 1}: {served[first : first + 1]}): {REGENERATE}"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_a_document_is_written_in_its_stable_form(service: str) -> None:
    # Sorted keys and a final newline: regenerating an unchanged API changes no byte.
    text = path_of(service).read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert text == document_text(json.loads(text))
