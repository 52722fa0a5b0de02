"""Certificates of service: the fields DOMAIN.md names, verification, forgery, erasure."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

from pypdf import PdfReader

from shared import clock
from shared.auth import Role
from shared.contracts.activities import ServiceConfirmed
from shared.contracts.registry import VolunteerErased, VolunteerRegistered
from tests.evaluation.conftest import Evaluation, settle


def registered(volunteer: str) -> VolunteerRegistered:
    return VolunteerRegistered(
        volunteer_id=volunteer,
        volunteer_number="110105260000042",
        community_id="c1",
        service_area_codes=["elderly_care"],
        party_member=True,
        category="resident",
        account_id=f"acct-{volunteer}",
        registered_on=date(2026, 1, 5),
        display_name="王小红",
    )


def served(record: str, day: int, hours: float, area: str) -> ServiceConfirmed:
    return ServiceConfirmed(
        record_id=record,
        volunteer_id="v1",
        community_id="c1",
        service_area_code=area,
        started_at=datetime(2026, 3, day, 9, tzinfo=UTC),
        hours=hours,
        confirmed_by="admin",
    )


def pdf_text(pdf: bytes) -> str:
    """The text of the first page."""
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


async def test_a_certificate_has_its_fields_and_verifies_and_a_forged_one_does_not(
    evaluation: Evaluation,
) -> None:
    await evaluation.publish("registry.events", [registered("v1")])
    await evaluation.publish(
        "activities.events",
        [
            served("r1", 3, 2.0, "elderly_care"),
            served("r2", 10, 3.5, "legal_aid"),
            served("r3", 28, 1.0, "elderly_care"),
        ],
    )
    await settle(evaluation)
    mine = evaluation.volunteer("v1", "c1")
    # The day of issue is the district's (Beijing's), not this machine's.
    zone = evaluation.app.state.settings.zone
    before = clock.now().astimezone(zone).date()
    issued = await evaluation.client.post(
        "/volunteers/v1/certificates",
        json={"date_from": "2026-03-01", "date_to": "2026-03-15"},
        headers=mine,
    )
    assert issued.status_code == 201, issued.text
    certificate = issued.json()
    issued_on = date.fromisoformat(certificate["issued_on"])
    assert issued_on in (before, clock.now().astimezone(zone).date())
    assert certificate["name"] == "王小红"
    assert certificate["volunteer_number"] == "110105260000042"
    assert certificate["hours"] == 5.5  # r3 falls after the range
    assert certificate["service_content"] == "为老服务 2 小时、法律援助 3.5 小时"
    assert certificate["issuer"] == "示范区志愿服务指导中心"
    assert re.fullmatch(r"ZM\d{4}\d{7}", certificate["number"])

    pdf = await evaluation.client.get(f"/certificates/{certificate['number']}.pdf", headers=mine)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    page = pdf_text(pdf.content)
    for visible in (
        "志愿服务记录证明",
        certificate["number"],
        "王小红",
        "110105260000042",
        "2026年3月1日 至 2026年3月15日",
        "累计 5.5 小时",
        "为老服务",
        "法律援助",
        "出具单位：示范区志愿服务指导中心",
        f"出具日期：{issued_on.year}年{issued_on.month}月{issued_on.day}日",
        certificate["verification_code"],
    ):
        assert visible in page, visible
    assert b"STSong-Light" in pdf.content  # the Chinese text is set in the CID font

    number, code = certificate["number"], certificate["verification_code"]
    verified = (
        await evaluation.client.get(f"/verify/certificates/{number}", params={"code": code})
    ).json()
    assert verified["valid"] is True
    assert (verified["name"], verified["hours"], verified["issued_on"]) == (
        "王小红",
        5.5,
        issued_on.isoformat(),
    )
    assert "volunteer_id" not in verified
    assert "verification_code" not in verified
    wrong_code = (
        await evaluation.client.get(f"/verify/certificates/{number}", params={"code": "DEADBEEF"})
    ).json()
    assert wrong_code == {
        "valid": False,
        "number": number,
        "name": None,
        "volunteer_number": None,
        "hours": None,
        "date_from": None,
        "date_to": None,
        "service_content": None,
        "issuer": None,
        "issued_on": None,
        "id_type": None,
        "national_id_masked": None,
        "hours_by_area": None,
        "person_in_charge": None,
        "handler": None,
        "contact_phone": None,
    }
    forged_number = "ZM20269999999"
    forged = (
        await evaluation.client.get(f"/verify/certificates/{forged_number}", params={"code": code})
    ).json()
    assert forged["valid"] is False
    assert forged["name"] is None

    # Another volunteer, or another community's admin, cannot read or request it.
    other = evaluation.volunteer("v2", "c1")
    assert (
        await evaluation.client.get(f"/certificates/{number}.pdf", headers=other)
    ).status_code == 404
    assert (
        await evaluation.client.post(
            "/volunteers/v1/certificates",
            json={"date_from": "2026-03-01", "date_to": "2026-03-31"},
            headers=evaluation.headers(Role.COMMUNITY_ADMIN, "c2"),
        )
    ).status_code == 404
    empty = await evaluation.client.post(
        "/volunteers/v1/certificates",
        json={"date_from": "2025-01-01", "date_to": "2025-01-31"},
        headers=mine,
    )
    assert empty.status_code == 409
    backwards = await evaluation.client.post(
        "/volunteers/v1/certificates",
        json={"date_from": "2026-03-31", "date_to": "2026-03-01"},
        headers=mine,
    )
    assert backwards.status_code == 422

    # After erasure no new certificate can name the volunteer; issued ones still verify.
    await evaluation.publish(
        "registry.events", [VolunteerErased(volunteer_id="v1", community_id="c1")]
    )
    await settle(evaluation)
    refused = await evaluation.client.post(
        "/volunteers/v1/certificates",
        json={"date_from": "2026-03-01", "date_to": "2026-03-31"},
        headers=evaluation.headers(Role.COMMUNITY_ADMIN, "c1"),
    )
    assert refused.status_code == 409
    assert (
        await evaluation.client.get(f"/verify/certificates/{number}", params={"code": code})
    ).json()["valid"] is True
