"""docker-compose.yml and the services' Dockerfiles, checked without a Docker engine.

The machine running the tests may have no engine, so `docker compose config` and image
builds are out of reach: the compose file is checked against the compose-spec schema and
read as YAML, the Dockerfiles as text.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {"registry": 8001, "activities": 8002, "evaluation": 8003, "notifications": 8004}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), " ".join(arguments.split())))
        pending = ""
    return instructions


def final_stage(path: Path) -> list[tuple[str, str]]:
    """The instructions of the last stage: what the image runs with."""
    instructions = dockerfile_instructions(path)
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def one(stage: list[tuple[str, str]], keyword: str) -> str:
    found = [arguments for kw, arguments in stage if kw == keyword]
    assert len(found) == 1, f"expected one {keyword} in the final stage, found {found}"
    return found[0]


def healthcheck_command(stage: list[tuple[str, str]]) -> list[str]:
    """The exec-form command of the stage's HEALTHCHECK, options stripped."""
    match = re.fullmatch(r"(?:--\S+\s+)*CMD\s+(\[.*\])", one(stage, "HEALTHCHECK"))
    assert match, "HEALTHCHECK should use the exec form: CMD [...]"
    command: list[str] = json.loads(match.group(1))
    return command


def dockerfile_of(compose: dict[str, Any], service: str) -> Path:
    build: dict[str, str] = compose["services"][service]["build"]
    return ROOT / build.get("context", ".") / build["dockerfile"]


def database_of(compose: dict[str, Any], service: str) -> str:
    url: str = compose["services"][service]["environment"]["DATABASE_URL"]
    return urlsplit(url).path.lstrip("/")


def host_ports(spec: str | int | dict[str, Any]) -> tuple[set[int], bool]:
    """The host ports a `ports` entry publishes, and whether it is one fixed port."""
    if isinstance(spec, dict):
        published = str(spec.get("published", ""))
    else:
        parts = str(spec).split("/")[0].split(":")
        # "8080" publishes on a port the engine picks; "[ip:]host:container" names it.
        published = parts[-2] if len(parts) > 1 else ""
    if not published:
        return set(), False
    low, _, high = published.partition("-")
    return set(range(int(low), int(high or low) + 1)), not high


def test_the_file_follows_the_compose_specification() -> None:
    checker = Path(sys.executable).parent / "check-jsonschema"
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
    # The repository root, so the workspace manifests and shared/ are in the context.
    assert Path(ROOT / build["context"]).resolve() == ROOT
    assert build["dockerfile"] == f"services/{name}/Dockerfile"
    assert dockerfile_of(compose, name).is_file()


@pytest.mark.parametrize("name", SERVICES)
def test_each_image_holds_its_own_service_and_no_other(name: str) -> None:
    instructions = dockerfile_instructions(ROOT / f"services/{name}/Dockerfile")
    runs = " ".join(arguments for keyword, arguments in instructions if keyword == "RUN")
    assert f"uv sync --locked --no-dev --no-editable --package linli-{name}" in runs
    copied = [arguments for keyword, arguments in instructions if keyword == "COPY"]
    sources = {
        match.group(1)
        for arguments in copied
        if (match := re.fullmatch(r"services/(\w+)/ services/\1/", arguments))
    }
    assert sources == {name}


@pytest.mark.parametrize("name", SERVICES)
def test_each_image_copies_every_workspace_manifest(name: str) -> None:
    # uv checks the lock against every workspace member, so a member whose pyproject is
    # missing from the image fails `uv sync --locked`.
    copied = {
        source
        for keyword, arguments in dockerfile_instructions(ROOT / f"services/{name}/Dockerfile")
        if keyword == "COPY"
        for source in arguments.split()[:-1]  # the last one is the destination
    }
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    members = {"pyproject.toml", "uv.lock"} | {
        str(path.relative_to(ROOT))
        for pattern in workspace["members"]
        for path in ROOT.glob(f"{pattern}/pyproject.toml")
    }
    assert members <= copied


def test_the_four_dockerfiles_differ_only_in_name_and_port() -> None:
    def normalised(name: str, port: int) -> str:
        text = (ROOT / f"services/{name}/Dockerfile").read_text()
        # The workspace manifest lines name every service; the test above checks them.
        text = re.sub(r"(?m)^COPY (services|tools)/\w+/pyproject\.toml .*\n", "", text)
        return text.replace(name, "<name>").replace(str(port), "<port>")

    versions = {name: normalised(name, port) for name, port in SERVICES.items()}
    assert len(set(versions.values())) == 1, "the Dockerfiles have drifted apart"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_has_a_readiness_health_check(compose: dict[str, Any], name: str) -> None:
    healthcheck = compose["services"][name]["healthcheck"]
    assert not healthcheck.get("disable", False)
    assert {"interval", "timeout", "retries", "start_period"} <= healthcheck.keys()
    test = healthcheck["test"]
    assert test[0] == "CMD"
    assert "/health/ready" in " ".join(test)
    # The same check whether the image runs under compose or on its own.
    assert test[1:] == healthcheck_command(final_stage(dockerfile_of(compose, name)))


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_listens_on_its_own_port(compose: dict[str, Any], name: str) -> None:
    environment = compose["services"][name]["environment"]
    # All interfaces: the published ports and the other containers reach it from outside.
    assert environment["HOST"] == "0.0.0.0"  # noqa: S104
    assert environment["PORT"] == str(SERVICES[name])
    assert one(final_stage(dockerfile_of(compose, name)), "EXPOSE") == str(SERVICES[name])
    containers = {str(spec).split(":")[-1] for spec in compose["services"][name]["ports"]}
    assert containers == {str(SERVICES[name])}


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_has_a_database_url(compose: dict[str, Any], name: str) -> None:
    url = compose["services"][name]["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://")
    assert urlsplit(url).hostname == "postgres"


def test_no_two_services_share_a_database(compose: dict[str, Any]) -> None:
    databases = {name: database_of(compose, name) for name in SERVICES}
    assert len(set(databases.values())) == len(SERVICES), databases


def test_every_service_database_is_created_by_the_init_script(compose: dict[str, Any]) -> None:
    init = (ROOT / "deploy/postgres/init-databases.sql").read_text()
    created = set(re.findall(r'CREATE DATABASE\s+"?(\w+)"?', init, flags=re.IGNORECASE))
    assert {database_of(compose, name) for name in SERVICES} <= created
    mounts = compose["services"]["postgres"]["volumes"]
    assert any(
        str(mount).startswith("./deploy/postgres/init-databases.sql:/docker-entrypoint-initdb.d/")
        for mount in mounts
    )


def test_redis_keeps_its_data_and_never_evicts(compose: dict[str, Any]) -> None:
    command = compose["services"]["redis"]["command"]
    if isinstance(command, str):
        command = shlex.split(command)
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
    for dependency in ("redis", "postgres"):
        assert "healthcheck" in compose["services"][dependency]


@pytest.mark.parametrize("name", SERVICES)
def test_services_read_the_keys_keygen_writes(compose: dict[str, Any], name: str) -> None:
    keygen = compose["services"]["keygen"]
    command = " ".join(keygen["command"])
    assert "python -m shared.auth generate --dir /keys --if-missing" in command
    assert "keys:/keys" in keygen["volumes"]
    service = compose["services"][name]
    assert "keys:/keys:ro" in service["volumes"]
    assert service["environment"]["JWT_PUBLIC_KEY_FILE"] == "/keys/jwt-public.pem"
    if name == "registry":
        assert service["environment"]["JWT_PRIVATE_KEY_FILE"] == "/keys/jwt-private.pem"


def test_no_service_has_a_container_name(compose: dict[str, Any]) -> None:
    # A fixed container name allows one container, so `--scale` could not add a second.
    named = [name for name, service in compose["services"].items() if "container_name" in service]
    assert named == []


def test_no_two_services_publish_the_same_host_port(compose: dict[str, Any]) -> None:
    owner: dict[int, str] = {}
    for name, service in compose["services"].items():
        for spec in service.get("ports", []):
            ports, fixed = host_ports(spec)
            # A scaled service's second replica could not bind a single fixed port.
            assert not fixed, f"{name} publishes the fixed host port {spec}: it cannot scale"
            for port in ports:
                assert port not in owner, f"host port {port}: {owner.get(port)} and {name}"
                owner[port] = name


def test_every_dockerfile_named_in_compose_checks_health_and_runs_its_service(
    compose: dict[str, Any],
) -> None:
    built = {name: s for name, s in compose["services"].items() if "build" in s}
    assert set(SERVICES) <= built.keys()
    for name in built:
        path = dockerfile_of(compose, name)
        service = path.parent.name  # services/<service>/Dockerfile
        stage = final_stage(path)
        assert "/health/ready" in " ".join(healthcheck_command(stage)), path
        assert json.loads(one(stage, "CMD")) == ["python", "-m", service], path


@pytest.mark.parametrize("name", SERVICES)
def test_each_image_runs_as_a_non_root_user(name: str) -> None:
    users = [args for kw, args in final_stage(ROOT / f"services/{name}/Dockerfile") if kw == "USER"]
    assert users, "the image would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "data", ".git", "tests", "bench", ".linli"} <= ignored
