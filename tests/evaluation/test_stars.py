"""The star distribution a district office charts."""

from __future__ import annotations

from shared.auth import Role
from tests.evaluation.conftest import Evaluation, registered, served, settle


async def test_the_star_distribution_counts_every_registered_volunteer(
    evaluation_db: Evaluation,
) -> None:
    evaluation = evaluation_db
    await evaluation.publish(
        "registry.events",
        [registered(v, "c1") for v in ("v1", "v2", "v3")] + [registered("w1", "c2")],
    )
    await evaluation.publish(
        "activities.events", [served("v1", "c1", "a", 120), served("v2", "c1", "a", 3)]
    )
    await settle(evaluation)
    answer = await evaluation.client.get(
        "/communities/c1/stars", headers=evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    )
    assert answer.status_code == 200
    counts = {row["level"]: row["volunteers"] for row in answer.json()}
    # v3 has no hours yet and still belongs on the chart; c2's volunteer does not.
    assert counts == {0: 2, 1: 1, 2: 0, 3: 0, 4: 0, 5: 0}
