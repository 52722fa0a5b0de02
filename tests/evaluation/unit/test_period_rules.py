"""A period's phases, peer review, nomination and decision, as plain rules."""

from __future__ import annotations

import pytest

from evaluation import messages
from evaluation.domain.periods import (
    ORDER,
    Member,
    Phase,
    Refusal,
    advance_refusal,
    decision_refusal,
    next_phase,
    nomination_refusal,
    review_refusal,
    reviewing_open,
    still_to_review,
)
from shared.messages import VOLUNTEER_NOT_FOUND, Language

ME = Member("a", "c1")
COLLEAGUE = Member("b", "c1")
STRANGER = Member("x", "c2")


def test_the_phases_run_in_their_order_and_stop_at_published() -> None:
    assert list(ORDER) == [
        Phase.OPEN,
        Phase.PEER_REVIEW,
        Phase.NOMINATION,
        Phase.DISTRICT_REVIEW,
        Phase.PUBLISHED,
    ]
    assert [next_phase(p) for p in ORDER[:-1]] == list(ORDER[1:])
    assert advance_refusal(Phase.PUBLISHED, 0) == Refusal("conflict", messages.PERIOD_PUBLISHED)


def test_publishing_waits_for_every_decision() -> None:
    assert advance_refusal(Phase.DISTRICT_REVIEW, 1) == Refusal(
        "conflict", messages.NOMINATIONS_UNDECIDED
    )
    assert advance_refusal(Phase.DISTRICT_REVIEW, 0) is None
    # Undecided nominations hold back only the publishing step.
    assert advance_refusal(Phase.NOMINATION, 3) is None


def review(phase: Phase = Phase.PEER_REVIEW, **changes: object) -> Refusal | None:
    arguments: dict[str, object] = {
        "phase": phase,
        "period_community": "c1",
        "reviewer": ME,
        "reviewed": COLLEAGUE,
        "colleagues": {"b"},
        "already_reviewed": False,
    }
    return review_refusal(**{**arguments, **changes})


def test_a_colleague_is_reviewed_once_during_peer_review() -> None:
    assert review() is None
    assert review(already_reviewed=True) == Refusal("conflict", messages.REVIEW_ALREADY_GIVEN)


@pytest.mark.parametrize("phase", [p for p in Phase if p is not Phase.PEER_REVIEW])
def test_no_review_outside_peer_review(phase: Phase) -> None:
    refusal = review(phase)
    assert refusal is not None
    assert refusal.kind == "conflict"
    assert refusal.message is messages.REVIEW_NOT_OPEN
    # The phase is named in the reader's language.
    text = refusal.message.render(Language.EN, refusal.params)
    assert text.endswith(f"the period is in {phase.value}")
    chinese = refusal.message.render(Language.ZH, refusal.params)
    assert messages.PHASE_NAMES[phase.value].zh in chinese


def test_who_may_not_be_reviewed_and_why() -> None:
    assert review(reviewed=ME) == Refusal("unprocessable", messages.REVIEW_OF_ONESELF)
    assert review(reviewed=None) == Refusal("not_found", VOLUNTEER_NOT_FOUND)
    # Another community's volunteer is as unknown as one who does not exist.
    assert review(reviewed=STRANGER, colleagues={"x"}) == review(reviewed=None)
    assert review(colleagues=set()) == Refusal("unprocessable", messages.REVIEW_NOT_A_COLLEAGUE)
    assert review(reviewer=STRANGER) == Refusal("conflict", messages.REVIEWER_OF_ANOTHER_COMMUNITY)


def test_the_sheet_lists_colleagues_not_yet_reviewed_of_the_community() -> None:
    c = Member("c", "c1")
    moved_away = Member("d", "c2")
    assert still_to_review(ME, [COLLEAGUE, c, moved_away, ME], {"b"}, "c1") == [c]
    assert reviewing_open(Phase.PEER_REVIEW, ME, "c1")
    assert not reviewing_open(Phase.NOMINATION, ME, "c1")
    assert not reviewing_open(Phase.PEER_REVIEW, STRANGER, "c1")


def test_nominations_within_the_quota_once_each_in_the_nomination_phase() -> None:
    assert nomination_refusal(Phase.NOMINATION, "c1", COLLEAGUE, 1, 2, False) is None
    assert nomination_refusal(Phase.NOMINATION, "c1", COLLEAGUE, 2, 2, False) == Refusal(
        "conflict", messages.NOMINATION_QUOTA_REACHED, {"quota": 2}
    )
    assert nomination_refusal(Phase.NOMINATION, "c1", COLLEAGUE, 0, 2, True) == Refusal(
        "conflict", messages.ALREADY_NOMINATED
    )
    assert nomination_refusal(Phase.NOMINATION, "c1", STRANGER, 0, 2, False) == Refusal(
        "not_found", VOLUNTEER_NOT_FOUND
    )
    early = nomination_refusal(Phase.PEER_REVIEW, "c1", COLLEAGUE, 0, 2, False)
    assert early == Refusal(
        "conflict", messages.NOMINATION_NOT_OPEN, {"phase": messages.PHASE_NAMES["peer_review"]}
    )
    assert early.message.render(Language.EN, early.params) == (
        "nominations are made in the nomination phase; the period is in peer_review"
    )
    assert early.message.render(Language.ZH, early.params) == (
        "推荐只在“社区推荐”阶段进行，本周期目前处于“同行互评”阶段"
    )


def test_the_district_decides_each_nomination_once_in_district_review() -> None:
    assert decision_refusal(Phase.DISTRICT_REVIEW, "nominated") is None
    decided = decision_refusal(Phase.DISTRICT_REVIEW, "approved")
    assert decided == Refusal(
        "conflict",
        messages.NOMINATION_ALREADY_DECIDED,
        {"status": messages.NOMINATION_STATUS_NAMES["approved"]},
    )
    assert decided.message.render(Language.EN, decided.params) == (
        "this nomination was already approved"
    )
    assert decided.message.render(Language.ZH, decided.params) == "这项推荐已批准，不能再次审定"
    assert decision_refusal(Phase.NOMINATION, "nominated") == Refusal(
        "conflict", messages.DECISION_NOT_OPEN, {"phase": messages.PHASE_NAMES["nomination"]}
    )
