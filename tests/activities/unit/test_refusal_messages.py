"""A rule's refusal carries its message and the figures it names, so that the API can say
it in the caller's language; its `str()` stays the English text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from activities import messages
from activities.domain.check_outs import real_presence
from activities.domain.four_eyes import Actor, SecondPersonNeeded, check_confirmer
from activities.domain.plausibility import Implausible, Interval, check_record
from shared.messages import Language

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_the_daily_cap_s_refusal_names_the_day_and_the_hours() -> None:
    morning = Interval(NOW - timedelta(hours=10), NOW - timedelta(hours=4))  # 6 h, local day 1st
    later = Interval(NOW - timedelta(hours=3), NOW)  # 3 h more, the same local day
    with pytest.raises(Implausible) as refused:
        check_record(later, [morning], daily_cap_hours=8, zone=ZONE, now=NOW, backfill_days=90)
    assert refused.value.message is messages.PASSES_DAILY_CAP
    assert refused.value.params == {"day": "2026-12-01", "already": "6", "more": "3", "cap": "8"}
    assert str(refused.value) == (
        "2026-12-01: 6 h already recorded; 3 h more would pass the daily cap of 8 h"
    )
    assert refused.value.message.render(Language.ZH, refused.value.params) == (
        "2026-12-01 已登记 6 小时，再加 3 小时将超过每日上限 8 小时"
    )


def test_four_eyes_say_which_of_their_two_rules_refused() -> None:
    with pytest.raises(SecondPersonNeeded) as own:
        check_confirmer(Actor("leader"), recorded_by="worker", volunteer_account="leader")
    assert own.value.message is messages.OWN_HOURS
    with pytest.raises(SecondPersonNeeded) as recorder:
        check_confirmer(Actor("worker"), recorded_by="worker", volunteer_account="leader")
    assert recorder.value.message is messages.RECORDER_CONFIRMS


def test_a_real_check_out_before_the_arrival_names_the_arrival() -> None:
    arrived = NOW - timedelta(hours=2)
    activity = Interval(arrived, NOW)
    with pytest.raises(Implausible) as refused:
        real_presence(arrived, arrived, activity, now=NOW, clock_skew=timedelta(minutes=5))
    assert refused.value.message is messages.CHECK_OUT_BEFORE_CHECK_IN
    assert refused.value.params == {"arrived": arrived.isoformat()}
