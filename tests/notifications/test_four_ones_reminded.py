"""A party member's four-ones reminder over the real path: evaluation stages the event,
its relay puts it on Redis, notifications puts it in the member's inbox and on their
channels, the open items named in the reader's language."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from evaluation import reminders
from shared.contracts.activities import ServiceConfirmed
from shared.contracts.registry import VolunteerRegistered
from tests.evaluation.conftest import running, settle
from tests.notifications.conftest import Inbox, Notifications, subject_of


@pytest.fixture
def overrides(tmp_path: Path, smtp: tuple[Inbox, int]) -> dict[str, Any]:
    return {
        "channel_interval_seconds": 0.1,
        "smtp_port": smtp[1],
        "sms_outbox_file": tmp_path / "sms.jsonl",
    }


def party_member(volunteer: str) -> VolunteerRegistered:
    return VolunteerRegistered(
        volunteer_id=volunteer,
        volunteer_number=f"N-{volunteer}",
        community_id="c1",
        service_area_codes=["community_work"],
        party_member=True,
        category="retired_cadre",
        account_id=f"acct-{volunteer}",
        registered_on=date(2026, 1, 5),
    )


async def test_the_reminder_names_the_open_items_in_each_members_language(
    service: Notifications,
    smtp: tuple[Inbox, int],
    tmp_path: Path,
    redis_url: str,
    redis: Redis,
    namespace: str,
) -> None:
    mail, _ = smtp
    chinese, english = service.person("acct-lao-wang"), service.person("acct-lao-li")
    for headers, chosen in (
        (
            chinese,
            {
                "language": "zh",
                "email": "wang@example.org",
                "phone": "13800000001",
                "channels": ["email", "sms"],
            },
        ),
        (english, {"language": "en", "email": "li@example.org", "channels": ["email"]}),
    ):
        saved = await service.client.put("/me/preferences", json=chosen, headers=headers)
        assert saved.status_code == 200, saved.text

    async with running(
        f"sqlite+aiosqlite:///{tmp_path / 'evaluation.db'}", redis_url, redis, namespace
    ) as evaluation:
        await service.publish(party_member("lao-wang"), party_member("lao-li"))
        await service.publish(
            ServiceConfirmed(
                record_id="r1",
                volunteer_id="lao-wang",
                community_id="c1",
                started_at=datetime(2026, 12, 3, 2, tzinfo=UTC),
                hours=2.0,
                tags=["good_deed", "conversation"],
                confirmed_by="admin",
            ),
            ServiceConfirmed(
                record_id="r2",
                volunteer_id="lao-li",
                community_id="c1",
                started_at=datetime(2026, 12, 4, 2, tzinfo=UTC),
                hours=2.0,
                tags=["public_welfare"],
                confirmed_by="admin",
            ),
        )
        await settle(evaluation)
        db = evaluation.app.state.runtime.db
        assert await reminders.remind(db, "2026-12", date(2026, 12, 31)) == 2

        async def inbox_of(headers: dict[str, str]) -> list[dict[str, Any]]:
            for _ in range(200):
                items = (await service.client.get("/inbox", headers=headers)).json()["items"]
                if any(i["event_type"].endswith("four_ones_reminder_due.v1") for i in items):
                    return [
                        i for i in items if i["event_type"].endswith("four_ones_reminder_due.v1")
                    ]
                await asyncio.sleep(0.05)
            raise AssertionError("the reminder never reached the inbox")

        [wang] = await inbox_of(chinese)
        [li] = await inbox_of(english)

    assert (wang["title"], wang["body"]) == (
        "“四个一”提醒",
        "本月（2026-12）的“四个一”还差：参加一次公益活动、为居民解决一个问题。"
        "请在 2026-12-31 前完成。",
    )
    assert (li["title"], li["body"]) == (
        "Four ones reminder",
        "Still open in your four ones for 2026-12: one good deed; one conversation with "
        "residents; one resident problem solved. Please complete them by 2026-12-31.",
    )
    assert wang["action"] is None

    # The channels each chose, in their language.
    for _ in range(100):
        reminded = [
            m for m in mail.messages if "四个一" in subject_of(m) or "Four" in subject_of(m)
        ]
        if len(reminded) >= 2:
            break
        await asyncio.sleep(0.1)
    assert sorted((m["To"], subject_of(m)) for m in reminded) == [
        ("li@example.org", "Four ones reminder"),
        ("wang@example.org", "“四个一”提醒"),
    ]
    sms = tmp_path / "sms.jsonl"
    reminder_texts: list[dict[str, Any]] = []
    for _ in range(100):
        texts = [json.loads(line) for line in sms.read_text().splitlines()] if sms.exists() else []
        reminder_texts = [t for t in texts if "四个一" in t["text"]]
        if reminder_texts:
            break
        await asyncio.sleep(0.1)
    assert [t["to"] for t in reminder_texts] == ["13800000001"]
    assert "为居民解决一个问题" in reminder_texts[0]["text"]
