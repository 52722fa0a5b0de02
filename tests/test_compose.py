"""docker-compose.yml, checked without a Docker engine."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("registry", "activities", "evaluation", "notifications")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def test_the_file_follows_the_compose_specification() -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_builds_from_its_own_dockerfile(compose: dict[str, Any], name: str) -> None:
    build = compose["services"][name]["build"]
    assert build["dockerfile"] == f"services/{name}/Dockerfile"
    dockerfile = (ROOT / build["context"] / build["dockerfile"]).read_text()
    assert "HEALTHCHECK" in dockerfile
    assert f'CMD ["python", "-m", "{name}"]' in dockerfile
    assert f"--package linli-{name}" in dockerfile


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_has_a_readiness_health_check(compose: dict[str, Any], name: str) -> None:
    check = " ".join(compose["services"][name]["healthcheck"]["test"])
    assert "/health/ready" in check


def test_no_two_services_share_a_database_and_each_database_is_created(
    compose: dict[str, Any],
) -> None:
    databases = {
        name: make_url(compose["services"][name]["environment"]["DATABASE_URL"]).database
        for name in SERVICES
    }
    assert len(set(databases.values())) == len(SERVICES), databases
    init = (ROOT / "deploy/postgres/init-databases.sql").read_text()
    created = set(re.findall(r"CREATE DATABASE (\w+);", init))
    assert set(databases.values()) <= created
    for name in SERVICES:
        assert databases[name] == name


def test_redis_keeps_its_data_and_never_evicts(compose: dict[str, Any]) -> None:
    command = compose["services"]["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"


@pytest.mark.parametrize("name", SERVICES)
def test_services_start_after_redis_and_postgres_are_healthy(
    compose: dict[str, Any], name: str
) -> None:
    depends = compose["services"][name]["depends_on"]
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["keygen"]["condition"] == "service_completed_successfully"


def test_services_can_be_scaled(compose: dict[str, Any]) -> None:
    published: list[tuple[int, int]] = []
    for name in SERVICES:
        service = compose["services"][name]
        assert "container_name" not in service, f"{name} has a fixed container name"
        for port in service.get("ports", []):
            host = str(port).rsplit(":", 1)[0]
            low, _, high = host.partition("-")
            assert high, f"{name} publishes one fixed host port: a second replica cannot start"
            published.append((int(low), int(high)))
    published.sort()
    for (_, high), (next_low, _) in itertools.pairwise(published):
        assert high < next_low, f"host port ranges overlap: {published}"
