"""Four eyes: hours count once a second person has confirmed them.

Two rules, checked on every path that makes a record confirmed (`/records/{id}/confirm`,
a pairing visit's confirmation, a correction of a confirmed record):

- nobody confirms their own hours: the account linked to the record's volunteer never
  confirms it, whatever its role. A team leader is a volunteer with a leader's account,
  so this is the rule that stops the classic padding route, a leader confirming the
  leader's own hours;
- whoever recorded hours does not confirm them, unless a district admin: the district
  office is the last instance, and a record it enters is its own check.

A record from check-out is recorded by the attendance clock (`ATTENDANCE`), not by a
person: the times are the server's, so the organiser who ran the check-in may confirm
it; only the volunteer themself may not.
"""

from __future__ import annotations

from dataclasses import dataclass

from activities import messages
from activities.domain.refusals import Refused

# `recorded_by` of a record made at check-out: the clock measured it, nobody typed it.
ATTENDANCE = "attendance"


@dataclass(frozen=True)
class Actor:
    """Who confirms (or corrects): their account, and whether it is the district office's."""

    account_id: str
    district_admin: bool = False


class SecondPersonNeeded(Refused):
    """A confirmation four eyes refuse; the message names the rule and who may confirm."""


def check_confirmer(confirmer: Actor, *, recorded_by: str, volunteer_account: str | None) -> None:
    """Raise SecondPersonNeeded unless `confirmer` may confirm a record of a volunteer
    whose account is `volunteer_account` (None: no account), recorded by `recorded_by`."""
    if volunteer_account is not None and confirmer.account_id == volunteer_account:
        raise SecondPersonNeeded(messages.OWN_HOURS)
    if confirmer.account_id == recorded_by and not confirmer.district_admin:
        raise SecondPersonNeeded(messages.RECORDER_CONFIRMS)


def may_confirm(confirmer: Actor, *, recorded_by: str, volunteer_account: str | None) -> bool:
    """Whether `check_confirmer` lets `confirmer` confirm the record."""
    try:
        check_confirmer(confirmer, recorded_by=recorded_by, volunteer_account=volunteer_account)
    except SecondPersonNeeded:
        return False
    return True
