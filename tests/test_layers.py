"""One layer owns the commit: routes parse, call the service module and shape the answer.

The service modules beside `api/` (e.g. `registry/accounts.py`, `activities/signups.py`)
load, call the rule, stage events and commit; a route module that commits would split a
unit of work between two layers (issue 17, "How the code should grow").
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROUTE_MODULES = sorted(ROOT.glob("services/*/*/api/*.py"))


def commits_in(source: str) -> list[int]:
    """The lines of every `<anything>.commit(...)` call in a module's source."""
    return sorted(
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    )


def test_the_route_modules_are_found() -> None:
    services = {path.relative_to(ROOT).parts[1] for path in ROUTE_MODULES}
    assert services == {"registry", "activities", "evaluation", "notifications"}


def test_a_commit_is_seen_however_it_is_written() -> None:
    source = (
        "async def route(session, db):\n"
        "    await session.commit()\n"
        "    async with db.session() as other:\n"
        "        await other.commit()\n"
        "    request.state.session.commit()\n"
    )
    assert commits_in(source) == [2, 4, 5]
    assert commits_in("async def route(session):\n    await service.save(session)\n") == []


@pytest.mark.parametrize(
    "path", ROUTE_MODULES, ids=[str(p.relative_to(ROOT)) for p in ROUTE_MODULES]
)
def test_no_route_module_commits(path: Path) -> None:
    lines = commits_in(path.read_text(encoding="utf-8"))
    assert lines == [], (
        f"{path.relative_to(ROOT)} commits at line(s) {lines}: move the work into the "
        "service module beside api/"
    )
