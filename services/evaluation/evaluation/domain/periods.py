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

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from evaluation import messages
from shared.messages import VOLUNTEER_NOT_FOUND, Message


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
    or `not_found` (a volunteer of another community is unknown here); `message` says it,
    its `params` filled in."""

    kind: Literal["conflict", "unprocessable", "not_found"]
    message: Message
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Member:
    """A volunteer as the rules see them: who and of which community."""

    id: str
    community_id: str


def dates_refusal(starts_on: date, ends_on: date) -> Refusal | None:
    """Why a period cannot run from `starts_on` to `ends_on`, if it cannot: it ends
    after it starts."""
    if ends_on <= starts_on:
        return Refusal("unprocessable", messages.PERIOD_ENDS_BEFORE_START)
    return None


def advance_refusal(phase: Phase, undecided_nominations: int) -> Refusal | None:
    """Why the period cannot move on from `phase`, if it cannot."""
    if phase is Phase.PUBLISHED:
        return Refusal("conflict", messages.PERIOD_PUBLISHED)
    if phase is Phase.DISTRICT_REVIEW and undecided_nominations:
        return Refusal("conflict", messages.NOMINATIONS_UNDECIDED)
    return None


def _named(phase: Phase) -> Message:
    # The phase as a person reads it, in the language of the answer.
    return messages.PHASE_NAMES[phase.value]


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
        return Refusal("conflict", messages.REVIEW_NOT_OPEN, {"phase": _named(phase)})
    if reviewer.community_id != period_community:
        return Refusal("conflict", messages.REVIEWER_OF_ANOTHER_COMMUNITY)
    if reviewed is not None and reviewed.id == reviewer.id:
        return Refusal("unprocessable", messages.REVIEW_OF_ONESELF)
    if reviewed is None or reviewed.community_id != period_community:
        # Another community's volunteer answers as an unknown one would.
        return Refusal("not_found", VOLUNTEER_NOT_FOUND)
    if reviewed.id not in colleagues:
        return Refusal("unprocessable", messages.REVIEW_NOT_A_COLLEAGUE)
    if already_reviewed:
        return Refusal("conflict", messages.REVIEW_ALREADY_GIVEN)
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
        return Refusal("conflict", messages.NOMINATION_NOT_OPEN, {"phase": _named(phase)})
    if nominee is None or nominee.community_id != period_community:
        # Another community's volunteer answers as an unknown one would.
        return Refusal("not_found", VOLUNTEER_NOT_FOUND)
    if nominations_made >= quota:
        return Refusal("conflict", messages.NOMINATION_QUOTA_REACHED, {"quota": quota})
    if already_nominated:
        return Refusal("conflict", messages.ALREADY_NOMINATED)
    return None


def decision_refusal(phase: Phase, nomination_status: str) -> Refusal | None:
    """Why the district may not decide a nomination now."""
    if phase is not Phase.DISTRICT_REVIEW:
        return Refusal("conflict", messages.DECISION_NOT_OPEN, {"phase": _named(phase)})
    if nomination_status != "nominated":
        status = messages.NOMINATION_STATUS_NAMES[nomination_status]
        return Refusal("conflict", messages.NOMINATION_ALREADY_DECIDED, {"status": status})
    return None
