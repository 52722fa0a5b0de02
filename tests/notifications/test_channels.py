"""E-mail over a real local SMTP server, SMS through the file provider, quiet hours."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from notifications.channels import quiet_until
from notifications.models import Preference
from shared.contracts.activities import ServiceConfirmed
from shared.contracts.registry import VolunteerRegistered
from tests.notifications.conftest import Inbox, Notifications, subject_of


@pytest.fixture
def overrides(tmp_path: Path, smtp: tuple[Inbox, int]) -> dict[str, Any]:
    return {
        "channel_interval_seconds": 0.1,
        "smtp_port": smtp[1],
        "sms_outbox_file": tmp_path / "sms.jsonl",
    }


def registered(volunteer: str, account: str) -> VolunteerRegistered:
    return VolunteerRegistered(
        volunteer_id=volunteer,
        volunteer_number=f"N{volunteer}",
        community_id="c1",
        service_area_codes=[],
        party_member=False,
        category="resident",
        account_id=account,
        registered_on=date(2026, 1, 1),
    )


async def test_email_and_sms_arrive_in_each_persons_language_once(
    service: Notifications, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, _ = smtp
    chinese, english = service.person("acct-zh"), service.person("acct-en")
    ok = await service.client.put(
        "/me/preferences",
        json={
            "language": "zh",
            "email": "zh@example.org",
            "phone": "13800000000",
            "channels": ["email", "sms"],
        },
        headers=chinese,
    )
    assert ok.status_code == 200, ok.text
    await service.client.put(
        "/me/preferences",
        json={"language": "en", "email": "en@example.org", "channels": ["email"]},
        headers=english,
    )
    bad = await service.client.put("/me/preferences", json={"channels": ["sms"]}, headers=english)
    assert bad.status_code == 422

    events = await service.publish(registered("v1", "acct-zh"), registered("v2", "acct-en"))
    await service.redis.xadd(service.namespace + "registry.events", events[0].to_fields())  # type: ignore[arg-type]
    await service.publish(
        ServiceConfirmed(
            record_id="r",
            volunteer_id="v2",
            community_id="c1",
            started_at=datetime.now(UTC),
            hours=3.0,
            confirmed_by="x",
        )
    )
    await service.settle()
    for _ in range(100):
        if len(inbox.messages) >= 3:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # nothing more should come
    by_recipient: dict[str, list[str]] = {}
    for message in inbox.messages:
        by_recipient.setdefault(message["To"], []).append(subject_of(message))
    assert sorted(by_recipient["zh@example.org"]) == [
        "志愿者注册成功"
    ]  # the duplicate event sent nothing
    assert sorted(by_recipient["en@example.org"]) == ["Hours confirmed", "Registration approved"]
    texts = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert [t["to"] for t in texts] == ["13800000000"]
    assert "志愿者注册成功" in texts[0]["text"]


def test_quiet_hours_hold_messages_until_they_end() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    night = Preference(account_id="a", quiet_from_hour=22, quiet_to_hour=7)
    late = datetime(2026, 3, 1, 23, 30, tzinfo=zone)
    assert quiet_until(night, late, zone) == datetime(2026, 3, 2, 7, tzinfo=zone)
    early = datetime(2026, 3, 2, 6, 0, tzinfo=zone)
    assert quiet_until(night, early, zone) == datetime(2026, 3, 2, 7, tzinfo=zone)
    assert quiet_until(night, datetime(2026, 3, 2, 12, tzinfo=zone), zone) is None
    assert quiet_until(Preference(account_id="b"), late, zone) is None


class BrokenMailer:
    """An SMTP server that is down."""

    def __init__(self) -> None:
        self.attempts = 0

    async def send(self, to: str, subject: str, text: str) -> None:
        self.attempts += 1
        raise ConnectionRefusedError("smtp down")


async def test_a_failing_channel_retries_with_backoff_and_never_blocks_the_other(
    tmp_path: Path,
) -> None:
    from datetime import timedelta

    from notifications.channels import FileSmsProvider, send_due
    from notifications.models import ChannelDelivery, service_registry
    from shared.db import Database
    from shared.events.tables import kit_metadata

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'n.db'}")
    async with db.engine.begin() as connection:
        await connection.run_sync(kit_metadata.create_all)
        await connection.run_sync(service_registry.metadata.create_all)
    now = datetime.now(UTC)
    async with db.session() as session:
        session.add(Preference(account_id="a"))
        for channel, address in (("email", "a@example.org"), ("sms", "13900000000")):
            session.add(
                ChannelDelivery(
                    id=f"d-{channel}",
                    entry_id="e",
                    account_id="a",
                    channel=channel,
                    address=address,
                    subject="标题",
                    text="正文",
                    status="pending",
                    next_attempt_at=now,
                )
            )
        await session.commit()
    mailer = BrokenMailer()
    sent = await send_due(
        db, mailer, FileSmsProvider(tmp_path / "sms.jsonl"), ZoneInfo("Asia/Shanghai")
    )  # type: ignore[arg-type]
    assert sent == 1
    assert mailer.attempts == 1
    assert (tmp_path / "sms.jsonl").read_text().count("13900000000") == 1
    async with db.session() as session:
        email = await session.get(ChannelDelivery, "d-email")
        assert email is not None
        assert email.status == "pending"
        assert email.last_error == "ConnectionRefusedError: smtp down"
        retry_at = (
            email.next_attempt_at
            if email.next_attempt_at.tzinfo
            else email.next_attempt_at.replace(tzinfo=UTC)
        )
        assert retry_at - now >= timedelta(seconds=1)
    # Not due yet: nothing is tried again straight away.
    assert (
        await send_due(
            db, mailer, FileSmsProvider(tmp_path / "sms.jsonl"), ZoneInfo("Asia/Shanghai")
        )
        == 0
    )  # type: ignore[arg-type]
    assert mailer.attempts == 1
    await db.dispose()
