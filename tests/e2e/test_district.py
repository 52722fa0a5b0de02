"""The district simulator's scenario across the four processes, then every invariant."""

from __future__ import annotations

import pytest

from tests.e2e.scenario import check_everything, play
from tests.e2e.system import System


@pytest.mark.timeout(400)
def test_a_district_half_year_leaves_every_service_consistent(system: System) -> None:
    played = play(system, seed=11)
    outcome = played.outcome
    # The scenario did what it says: each kind of work happened.
    assert outcome.records > 50
    assert outcome.waitlisted >= 1
    assert outcome.check_ins >= 2
    assert outcome.visits >= 2
    assert outcome.reviews >= 1
    assert outcome.nominations == 4
    assert len(outcome.commended) == 2  # one of each community's two nominations approved
    # People moved last: a reset password changed, one came back, one moved house.
    assert (outcome.password_resets, outcome.came_back, outcome.transferred) == (1, 1, 1)
    # Each community's weekly series moved from its second week, called off from its last.
    communities = len(outcome.communities)
    assert (outcome.series_changed, outcome.series_cancelled) == (3 * communities, communities)
    checked = check_everything(system, played)
    assert checked["volunteers' ledgers"] >= 20
    assert checked["hours-confirmed notifications"] >= outcome.check_ins
    assert played.receiver.refused == 0 or played.receiver.deliveries > played.receiver.refused
    played.receiver.close()
