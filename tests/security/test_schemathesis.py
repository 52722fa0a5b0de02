"""Schemathesis against each service's OpenAPI document, past authentication.

For every operation it generates requests that fit the schema (positive) and requests
that do not (negative), sends them with a district admin's token and with a
community admin's, and checks: no server error, the status code, content type,
headers and body as documented, and invalid input refused with a 4xx. Path ids
are those of a real community built through the APIs, so requests reach the rules
behind the lookups instead of stopping at 404.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import _get_portal
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.auth import Role
from shared.ids import new_id
from tests.security.conftest import SERVICES, System, WithoutLifespan
from tests.security.world import build_community

POSITIVE_CHECKS = [
    not_a_server_error,
    ignored_auth,  # an operation that declares the bearer token refuses a call without one
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
NEGATIVE_CHECKS = [not_a_server_error, negative_data_rejection]
# Examples per operation: (district admin positive, negative; community admin positive).
EXAMPLES = {"district": (8, 6), "community": (4, 0)}
# A live event stream never ends; it has its own tests.
SKIPPED = {"GET /inbox/stream"}
# Path parameter names and the world's ids that fill them.
PATH_IDS = {
    "community_id": "community",
    "street_id": "street",
    "team_id": "team",
    "volunteer_id": "volunteer",
    "activity_id": "activity",
    "signup_id": "signup",
    "record_id": "record",
    "pairing_id": "pairing",
    "request_id": "request",
    "period_id": "period",
    "nomination_id": "nomination",
    "subscription_id": "webhook",
    "entry_id": "inbox",
}


@pytest.fixture(scope="module")
def fuzz_world(system: System) -> dict[str, Any]:
    return build_community(system, "模糊测试社区")


def _run_operation(
    operation: Any,
    mode: GenerationMode,
    examples: int,
    headers: dict[str, str],
    path_parameters: dict[str, str],
    counter: list[int],
    client: Any,
) -> str | None:
    checks = POSITIVE_CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS
    # The token is part of the case, fixed: not a value to mutate or to add afterwards.
    strategy = operation.as_strategy(
        generation_mode=mode, path_parameters=path_parameters, headers=headers
    )

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        counter[0] += 1
        response = case.call(session=client)
        case.validate_response(response, checks=checks)

    try:
        run()
    except Unsatisfiable:
        return None  # nothing to make invalid: no body, no query, the path ids fixed
    except (Exception, BaseExceptionGroup) as exc:  # every failure is reported
        return f"{operation.label} ({mode.value}): {exc}"
    return None


@pytest.mark.timeout(300)
@pytest.mark.parametrize("service", SERVICES)
def test_the_api_keeps_to_its_schema(
    system: System, fuzz_world: dict[str, Any], service: str
) -> None:
    app = system.apps[service]
    # Loaded from the app object, not over ASGI: that would start a second lifespan.
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = WithoutLifespan(app)
    community = fuzz_world["community"]
    callers = {
        "district": system.district,
        "community": system.headers(Role.COMMUNITY_ADMIN, community),
    }
    problems: list[str] = []
    counter = [0]
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in SKIPPED:
            continue
        names = re.findall(r"\{(\w+)\}", operation.path)
        path_parameters = {n: fuzz_world[PATH_IDS[n]] for n in names if n in PATH_IDS}
        for caller, (positive, negative) in EXAMPLES.items():
            for mode, examples in (
                (GenerationMode.POSITIVE, positive),
                (GenerationMode.NEGATIVE, negative),
            ):
                if examples:
                    problem = _run_operation(
                        operation,
                        mode,
                        examples,
                        callers[caller],
                        path_parameters,
                        counter,
                        system.clients[service],
                    )
                    if problem:
                        problems.append(f"[{caller}] {problem}")
    print(f"{service}: {counter[0]} requests in {time.monotonic() - started:.1f}s")
    assert not problems, "\n\n".join(problems)


# -- `schemathesis run`, as integrators run it ---------------------------------------------
# Every check and every phase (examples, coverage, fuzzing, stateful through the links
# schemathesis infers), against each service served on a local port, with a district
# admin's token: what `schemathesis run --checks all` reports must stay at zero. The
# repository's schemathesis.toml names the few rules a JSON Schema cannot state.

ROOT = Path(__file__).resolve().parents[2]
# Bounded so the four runs take a few minutes on two cores; the seed makes a failure
# reproducible (SCHEMATHESIS_SEED and SCHEMATHESIS_EXAMPLES explore further).
CLI_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))
CLI_SEED = os.environ.get("SCHEMATHESIS_SEED", "16")


@contextlib.contextmanager
def _served(app: Any) -> Iterator[str]:
    """`app` (already running) served over HTTP on a free local port, in the apps' loop."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    )
    portal = _get_portal()
    serving = portal.start_task_soon(server.serve, [listener])
    deadline = time.monotonic() + 20
    while not server.started:
        if serving.done() or time.monotonic() > deadline:
            raise AssertionError(f"the server on port {port} did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        serving.result(timeout=20)
        listener.close()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("service", SERVICES)
def test_schemathesis_run_finds_nothing(system: System, service: str, tmp_path: Path) -> None:
    token = system.issuer.issue(new_id(), Role.DISTRICT_ADMIN, None, ttl=timedelta(hours=1))
    with _served(system.apps[service]) as base_url:
        started = time.monotonic()
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "run",
                f"{base_url}/openapi.json",
                "--checks=all",
                "--phases=examples,coverage,fuzzing,stateful",
                f"--max-examples={CLI_EXAMPLES}",
                f"--seed={CLI_SEED}",
                "--workers=1",
                "--request-timeout=10",
                f"--header=Authorization: Bearer {token}",
                f"--report-dir={tmp_path}",
            ],
            cwd=ROOT,  # where schemathesis.toml is
            env={**os.environ, "NO_COLOR": "1"},
            capture_output=True,
            text=True,
            timeout=540,
            check=False,
        )
    output = run.stdout + run.stderr
    phases = [line.strip() for line in output.splitlines() if re.search(r"\(in [\d.]+s\)", line)]
    print(f"{service}: schemathesis run in {time.monotonic() - started:.1f}s", *phases, sep="\n  ")
    failures = output[output.find("= FAILURES =") :] if "= FAILURES =" in output else output
    assert run.returncode == 0, failures[-20000:]
