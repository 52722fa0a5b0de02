"""A half-year period's phases and who may review whom, as plain rules over plain data.

    open -> peer review -> nomination -> district review -> published

Colleagues rate each other only during peer review, once per pair, only volunteers of
the period's community who served together in it (same activity or pairing). The
community nominates within its quota in the nomination phase; the district decides
each nomination in district review, and publishes only when none is left undecided.

Each rule answers None when the step is allowed, or the Refusal that says why not;
the service turns a refusal into its HTTP error (a clash 409, an unacceptable
request 422, an unknown volunteer 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Phase(StrEnum):
    """The phases of a half-year period, in order."""

    OPEN = "open"
    PEER_REVIEW = "peer_review"
    NOMINATION = "nomination"
    DISTRICT_REVIEW = "district_review"
    PUBLISHED = "published"


ORDER = tuple(Phase)


@dataclass(frozen=True)
class Refusal:
    """Why a step is not allowed: `conflict` with the state, `unprocessable` as asked,
    or `not_found` (a volunteer of another community is unknown here)."""

    kind: Literal["conflict", "unprocessable", "not_found"]
    message: str


@dataclass(frozen=True)
class Member:
    """A volunteer as the rules see them: who and of which community."""

    id: str
    community_id: str


def advance_refusal(phase: Phase, undecided_nominations: int) -> Refusal | None:
    """Why the period cannot move on from `phase`, if it cannot."""
    if phase is Phase.PUBLISHED:
        return Refusal("conflict", "the period is published and final")
    if phase is Phase.DISTRICT_REVIEW and undecided_nominations:
        return Refusal(
            "conflict", "every nomination needs the district's decision before publishing"
        )
    return None


def next_phase(phase: Phase) -> Phase:
    """The phase after `phase` (which is not the last)."""
    return ORDER[ORDER.index(phase) + 1]


def reviewing_open(phase: Phase, reviewer: Member, period_community: str) -> bool:
    """Whether `reviewer` may submit reviews in the period now."""
    return phase is Phase.PEER_REVIEW and reviewer.community_id == period_community


def review_refusal(
    phase: Phase,
    period_community: str,
    reviewer: Member,
    reviewed: Member | None,
    colleagues: set[str],
    already_reviewed: bool,
) -> Refusal | None:
    """Why `reviewer` may not rate `reviewed` (None: not known here) in the period."""
    if phase is not Phase.PEER_REVIEW:
        return Refusal(
            "conflict", f"reviews are taken during peer review; the period is in {phase.value}"
        )
    if reviewer.community_id != period_community:
        return Refusal("conflict", "only the community's volunteers review in its period")
    if reviewed is not None and reviewed.id == reviewer.id:
        return Refusal("unprocessable", "nobody reviews themself")
    if reviewed is None or reviewed.community_id != period_community:
        # Another community's volunteer answers as an unknown one would.
        return Refusal("not_found", "volunteer not found")
    if reviewed.id not in colleagues:
        return Refusal(
            "unprocessable", "you can review only volunteers you served with in this period"
        )
    if already_reviewed:
        return Refusal("conflict", "you have already reviewed this volunteer in this period")
    return None


def still_to_review(
    reviewer: Member, colleagues: list[Member], reviewed_ids: set[str], period_community: str
) -> list[Member]:
    """The colleagues `reviewer` may still rate: of the period's community, not
    themself, not rated yet (whether reviews are taken now is `reviewing_open`)."""
    return [
        colleague
        for colleague in colleagues
        if colleague.id != reviewer.id
        and colleague.community_id == period_community
        and colleague.id not in reviewed_ids
    ]


def nomination_refusal(
    phase: Phase,
    period_community: str,
    nominee: Member | None,
    nominations_made: int,
    quota: int,
    already_nominated: bool,
) -> Refusal | None:
    """Why the community may not nominate `nominee` (None: not known here)."""
    if phase is not Phase.NOMINATION:
        return Refusal(
            "conflict",
            f"nominations are made in the nomination phase; the period is in {phase.value}",
        )
    if nominee is None or nominee.community_id != period_community:
        # Another community's volunteer answers as an unknown one would.
        return Refusal("not_found", "volunteer not found")
    if nominations_made >= quota:
        return Refusal("conflict", f"the community's quota of {quota} nominations is reached")
    if already_nominated:
        return Refusal("conflict", "this volunteer is already nominated")
    return None


def decision_refusal(phase: Phase, nomination_status: str) -> Refusal | None:
    """Why the district may not decide a nomination now."""
    if phase is not Phase.DISTRICT_REVIEW:
        return Refusal(
            "conflict", f"the district decides in district review; the period is in {phase.value}"
        )
    if nomination_status != "nominated":
        return Refusal("conflict", f"this nomination was already {nomination_status}")
    return None
