"""Which state a service record may go to, and who may move it: no database."""

from __future__ import annotations

import pytest

from activities import messages
from activities.domain.four_eyes import ATTENDANCE, Actor, SecondPersonNeeded
from activities.domain.records import (
    RecordStatus,
    check_confirm,
    check_correct,
    check_void,
    correction_status,
)
from shared.errors import Conflict

ORGANISER = Actor("organiser")
RECORDER = Actor("recorder")
DISTRICT = Actor("district", district_admin=True)
VOLUNTEER_ACCOUNT = "volunteer"
HISTORY = [RecordStatus.SUPERSEDED, RecordStatus.VOIDED]
LIVE = [RecordStatus.PENDING, RecordStatus.CONFIRMED]


def test_a_second_person_confirms_a_pending_record() -> None:
    check_confirm(
        RecordStatus.PENDING,
        ORGANISER,
        recorded_by=RECORDER.account_id,
        volunteer_account=VOLUNTEER_ACCOUNT,
    )


def test_the_organiser_confirms_what_the_attendance_clock_recorded() -> None:
    check_confirm(RecordStatus.PENDING, ORGANISER, recorded_by=ATTENDANCE, volunteer_account=None)


@pytest.mark.parametrize("status", [RecordStatus.CONFIRMED, *HISTORY])
def test_only_a_pending_record_is_confirmed(status: RecordStatus) -> None:
    with pytest.raises(Conflict) as refused:
        check_confirm(status, ORGANISER, recorded_by=RECORDER.account_id, volunteer_account=None)
    assert refused.value.code == messages.ONLY_A_PENDING_RECORD_IS_CONFIRMED.code
    assert refused.value.params == {"status": messages.RECORD_STATUS[status]}


def test_nobody_confirms_their_own_hours() -> None:
    with pytest.raises(SecondPersonNeeded) as refused:
        check_confirm(
            RecordStatus.PENDING,
            Actor(VOLUNTEER_ACCOUNT, district_admin=True),
            recorded_by=RECORDER.account_id,
            volunteer_account=VOLUNTEER_ACCOUNT,
        )
    assert refused.value.message == messages.OWN_HOURS


def test_the_recorder_does_not_confirm_what_they_recorded() -> None:
    with pytest.raises(SecondPersonNeeded) as refused:
        check_confirm(
            RecordStatus.PENDING, RECORDER, recorded_by=RECORDER.account_id, volunteer_account=None
        )
    assert refused.value.message == messages.RECORDER_CONFIRMS


def test_the_state_is_named_before_four_eyes() -> None:
    with pytest.raises(Conflict):
        check_confirm(
            RecordStatus.VOIDED, RECORDER, recorded_by=RECORDER.account_id, volunteer_account=None
        )


@pytest.mark.parametrize("status", LIVE)
def test_a_live_record_is_corrected_or_voided(status: RecordStatus) -> None:
    check_correct(status)
    check_void(status)


@pytest.mark.parametrize("status", HISTORY)
def test_history_is_not_corrected(status: RecordStatus) -> None:
    with pytest.raises(Conflict) as refused:
        check_correct(status)
    assert refused.value.code == messages.RECORD_CANNOT_BE_CORRECTED.code
    assert refused.value.status_code == 409
    assert refused.value.params == {"status": messages.RECORD_STATUS[status]}


@pytest.mark.parametrize("status", HISTORY)
def test_history_is_not_voided(status: RecordStatus) -> None:
    with pytest.raises(Conflict) as refused:
        check_void(status)
    assert refused.value.code == messages.RECORD_CANNOT_BE_VOIDED.code
    assert refused.value.status_code == 409
    assert refused.value.params == {"status": messages.RECORD_STATUS[status]}


def test_a_pending_record_s_correction_is_pending() -> None:
    assert (
        correction_status(RecordStatus.PENDING, DISTRICT, volunteer_account=VOLUNTEER_ACCOUNT)
        == RecordStatus.PENDING
    )


def test_the_district_office_s_correction_of_a_confirmed_record_stays_confirmed() -> None:
    assert (
        correction_status(RecordStatus.CONFIRMED, DISTRICT, volunteer_account=VOLUNTEER_ACCOUNT)
        == RecordStatus.CONFIRMED
    )


def test_an_organiser_s_correction_of_a_confirmed_record_waits_for_a_second_person() -> None:
    # The corrector records the new entry, so four eyes keep them from confirming it.
    assert (
        correction_status(RecordStatus.CONFIRMED, ORGANISER, volunteer_account=VOLUNTEER_ACCOUNT)
        == RecordStatus.PENDING
    )


def test_the_district_office_correcting_its_own_hours_waits_for_a_second_person() -> None:
    own = Actor(VOLUNTEER_ACCOUNT, district_admin=True)
    assert (
        correction_status(RecordStatus.CONFIRMED, own, volunteer_account=VOLUNTEER_ACCOUNT)
        == RecordStatus.PENDING
    )
