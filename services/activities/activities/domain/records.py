"""Which state a service record may go to, and who may move it there.

The ledger is append-only: a record is never edited. It is recorded pending; a second
person confirms it (four eyes, `domain/four_eyes.py`) and its hours count; a live record
(pending or confirmed) is corrected by a new entry that supersedes it, or voided with a
reason. Superseded and voided records are history: nothing moves them again.

    pending ──confirm──▶ confirmed
    pending|confirmed ──correct──▶ superseded (+ the corrected entry)
    pending|confirmed ──void──▶ voided

A confirmed record's correction stays confirmed only when four eyes would let the
corrector confirm what they recorded themself (a district admin, not about their own
hours); otherwise it is pending again until a second person confirms it.
"""

from __future__ import annotations

from enum import StrEnum

from activities import messages
from activities.domain.four_eyes import Actor, check_confirmer, may_confirm
from shared.errors import Conflict


class RecordStatus(StrEnum):
    """A service record's state; corrections and voids are new entries, never edits."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    SUPERSEDED = "superseded"  # replaced by a correction
    VOIDED = "voided"


# The records whose hours are (or may come to be) counted: the ones a rule still moves.
LIVE = (RecordStatus.PENDING, RecordStatus.CONFIRMED)


def check_confirm(
    status: RecordStatus, confirmer: Actor, *, recorded_by: str, volunteer_account: str | None
) -> None:
    """Raise unless `confirmer` may confirm a record in `status`: Conflict unless it is
    pending, SecondPersonNeeded when four eyes refuse them."""
    if status != RecordStatus.PENDING:
        raise Conflict(
            messages.ONLY_A_PENDING_RECORD_IS_CONFIRMED, status=messages.RECORD_STATUS[status]
        )
    check_confirmer(confirmer, recorded_by=recorded_by, volunteer_account=volunteer_account)


def check_correct(status: RecordStatus) -> None:
    """Raise Conflict unless a record in `status` may be corrected (a live one)."""
    if status not in LIVE:
        raise Conflict(messages.RECORD_CANNOT_BE_CORRECTED, status=messages.RECORD_STATUS[status])


def check_void(status: RecordStatus) -> None:
    """Raise Conflict unless a record in `status` may be voided (a live one)."""
    if status not in LIVE:
        raise Conflict(messages.RECORD_CANNOT_BE_VOIDED, status=messages.RECORD_STATUS[status])


def correction_status(
    status: RecordStatus, corrector: Actor, *, volunteer_account: str | None
) -> RecordStatus:
    """The state of the entry correcting a live record in `status`: confirmed when it was
    and four eyes let the corrector confirm their own entry, else pending."""
    stays_confirmed = status == RecordStatus.CONFIRMED and may_confirm(
        corrector, recorded_by=corrector.account_id, volunteer_account=volunteer_account
    )
    return RecordStatus.CONFIRMED if stays_confirmed else RecordStatus.PENDING
