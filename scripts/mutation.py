"""Mutation testing of the rule modules with mutmut, one group at a time (`make mutation`).

mutmut 3 names a mutant after its file's path, and that name must be the module's import
path (`evaluation.domain.stars`). In this uv workspace the packages sit one level down
(`services/evaluation/evaluation`, `shared/shared`), so each group of `[tool.mutmut]`'s
`groups` in the root pyproject.toml runs in a staging directory, `.mutation/<group>/`,
that links the packages (and `tests/`) at its top and holds a pyproject.toml made of the
root's pytest settings, the shared `[tool.mutmut]` keys and the group's own: the files to
mutate and the tests that judge them. mutmut copies it all into `mutants/` there and
never touches the working tree.

Usage: python scripts/mutation.py [GROUP ...] [--max-children N]
Prints each module's score and the surviving mutants; exits 1 below the goal.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
import time
import tomllib
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STAGING = ROOT / ".mutation"
# The import name of each workspace package, and where it lives.
PACKAGES = {
    "registry": "services/registry/registry",
    "activities": "services/activities/activities",
    "evaluation": "services/evaluation/evaluation",
    "notifications": "services/notifications/notifications",
    "shared": "shared/shared",
}
GROUP_KEYS = {"name", "mutate", "tests"}
GOAL = 90.0


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def _table(name: str, values: dict[str, Any]) -> str:
    lines = [f"[{name}]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def stage(group: dict[str, Any], config: dict[str, Any]) -> Path:
    """Lay out `.mutation/<group>/` and return it; an earlier run's results are kept."""
    directory: Path = STAGING / str(group["name"])
    directory.mkdir(parents=True, exist_ok=True)
    packages = sorted({pattern.split("/", 1)[0] for pattern in group["mutate"]})
    for name in [*packages, "tests"]:
        link = directory / name
        if not link.is_symlink():
            link.symlink_to(ROOT / PACKAGES.get(name, name))
    mutmut = {key: value for key, value in config["tool"]["mutmut"].items() if key != "groups"}
    mutmut |= {
        "source_paths": packages,
        "only_mutate": group["mutate"],
        "pytest_add_cli_args_test_selection": group["tests"],
    }
    (directory / "pyproject.toml").write_text(
        "# Written by scripts/mutation.py from the root pyproject.toml; do not edit.\n"
        + _table("tool.mutmut", mutmut)
        + _table("tool.pytest.ini_options", config["tool"]["pytest"]["ini_options"])
    )
    return directory


def results(directory: Path, group: dict[str, Any]) -> dict[str, Counter[str]]:
    """Each mutated module's mutants by status (killed, survived, ...), from mutmut's files."""
    from mutmut.stats import status_by_exit_code

    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for meta in sorted((directory / "mutants").rglob("*.py.meta")):
        source = meta.relative_to(directory / "mutants").as_posix().removesuffix(".meta")
        if not any(fnmatch.fnmatch(source, pattern) for pattern in group["mutate"]):
            continue
        for exit_code in json.loads(meta.read_text())["exit_code_by_key"].values():
            by_module[source][status_by_exit_code[exit_code]] += 1
    return by_module


def survivors(directory: Path) -> list[str]:
    """The mutants no test killed, as `name: status` (a timeout counts as killed)."""
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = (line.strip() for line in listing.stdout.splitlines())
    return [line for line in lines if line and not line.endswith(": timeout")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", help="groups to run (default: all, in order)")
    parser.add_argument("--max-children", type=int, default=1)
    arguments = parser.parse_args()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    groups = config["tool"]["mutmut"]["groups"]
    chosen = [g for g in groups if not arguments.groups or g["name"] in arguments.groups]
    if unknown := set(arguments.groups) - {g["name"] for g in groups}:
        parser.error(f"no such group: {', '.join(sorted(unknown))}")
    total: Counter[str] = Counter()
    for group in chosen:
        if extra := set(group) - GROUP_KEYS:
            parser.error(f"group {group['name']}: unknown keys {sorted(extra)}")
        directory = stage(group, config)
        print(f"== {group['name']}: mutating {', '.join(group['mutate'])}", flush=True)
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(arguments.max_children)],
            cwd=directory,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            check=False,
        )
        if run.returncode != 0:
            print(f"mutmut failed in {directory} (exit {run.returncode})", file=sys.stderr)
            return run.returncode
        print(f"== {group['name']}: {time.monotonic() - started:.0f} s")
        for module, counts in results(directory, group).items():
            total += counts
            print(f"   {module}: {_score(counts)}")
        for name in survivors(directory):
            print(f"   not killed: {name}")
    print(f"== total: {_score(total)}")
    killed = total["killed"] + total["timeout"]
    tested = sum(total.values()) - total["skipped"]
    return 0 if tested and 100 * killed / tested >= GOAL else 1


def _score(counts: Counter[str]) -> str:
    killed = counts["killed"] + counts["timeout"]
    tested = sum(counts.values()) - counts["skipped"]
    rest = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()) if n)
    return f"{100 * killed / max(tested, 1):.1f}% killed ({killed} of {tested}: {rest})"


if __name__ == "__main__":
    sys.exit(main())
