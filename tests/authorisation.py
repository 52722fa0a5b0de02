"""The authorisation matrix harness shared by the services' tests.

Every endpoint is called by every role, in the caller's own community and in another
one. In another community everything answers 404 (its data, even its existence,
stays hidden); in the caller's own community a role that may not act gets 403 (or 404
where it cannot even see the resource); a caller without a token gets 401.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from shared.auth import Role

DA, CA, TL, VO, RE = (
    Role.DISTRICT_ADMIN,
    Role.COMMUNITY_ADMIN,
    Role.TEAM_LEADER,
    Role.VOLUNTEER,
    Role.RESIDENT,
)
COMMUNITY_ROLES = (CA, TL, VO, RE)
EVERYONE = (DA, CA, TL, VO, RE)


@dataclass(frozen=True)
class Endpoint:
    """One endpoint, who may use it, and who cannot even see what it is about."""

    method: str
    path: str  # placeholders filled from the world's ids, e.g. {community}
    allowed: tuple[Role, ...]
    hidden_from: tuple[Role, ...] = ()
    body: Callable[[int], dict[str, Any]] | None = None
    files: Callable[[], dict[str, Any]] | None = None

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


Headers = Callable[[Role, str | None, str], dict[str, str]]


async def check_matrix(
    client: httpx.AsyncClient,
    headers: Headers,
    endpoint: Endpoint,
    own: dict[str, str],
    other: dict[str, str],
) -> list[str]:
    """Call `endpoint` as every role in both communities; the problems found."""

    async def call(ids: dict[str, str], auth: dict[str, str], n: int) -> int:
        kwargs: dict[str, Any] = {"headers": auth}
        if endpoint.body is not None:
            kwargs["json"] = endpoint.body(n)
        if endpoint.files is not None:
            kwargs["files"] = endpoint.files()
        response = await client.request(endpoint.method, endpoint.path.format(**ids), **kwargs)
        return response.status_code

    problems = []
    n = 0
    for role in EVERYONE:
        auth = headers(role, None if role is DA else own["community"], f"someone-{role}")
        for where, ids in (("own", own), ("other", other)):
            n += 1
            status = await call(ids, auth, n)
            if role is DA or (where == "own" and role in endpoint.allowed):
                # Allowed: the request reaches the rule (a lifecycle step may answer 409).
                if status in (401, 403, 404) or status >= 500:
                    problems.append(f"{role} in {where} community got {status}, expected access")
            elif where == "other":
                if status != 404:
                    problems.append(f"{role} in another community got {status}, expected 404")
            else:
                expected = 404 if role in endpoint.hidden_from else 403
                if status != expected:
                    problems.append(f"{role} got {status}, expected {expected}")
    anonymous = await call(own, {}, 0)
    if anonymous != 401:
        problems.append(f"anonymous got {anonymous}, expected 401")
    return problems
