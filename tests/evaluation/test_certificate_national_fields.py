"""The certificate carries the national fields (志愿服务记录证明): identity with the ID
only masked, hours by area, the district's issuer and seal, days of the district's zone."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import httpx
from PIL import Image
from pypdf import PdfReader

from evaluation.models import Certificate, KnownVolunteer
from shared.auth import Role
from shared.contracts.activities import ServiceConfirmed
from shared.contracts.registry import VolunteerErased, VolunteerRegistered
from tests.evaluation.conftest import Evaluation, settle

FULL_ID = "110105198001010014"
MASKED_ID = "110***********0014"


def registered() -> VolunteerRegistered:
    return VolunteerRegistered(
        volunteer_id="v1",
        volunteer_number="110105260000042",
        community_id="c1",
        service_area_codes=["elderly_care"],
        party_member=False,
        category="resident",
        account_id="acct-v1",
        registered_on=date(2026, 1, 5),
        display_name="王小红",
        national_id_masked=MASKED_ID,
    )


def served(record: str, started_at: datetime, hours: float, area: str) -> ServiceConfirmed:
    return ServiceConfirmed(
        record_id=record,
        volunteer_id="v1",
        community_id="c1",
        service_area_code=area,
        started_at=started_at,
        hours=hours,
        confirmed_by="admin",
    )


def image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200), (220, 0, 0)).save(buffer, kind)
    return buffer.getvalue()


async def test_the_district_sets_the_issuer_and_seal_and_certificates_print_them(
    evaluation_db: Evaluation,
) -> None:
    service = evaluation_db
    district = service.headers(Role.DISTRICT_ADMIN, None)
    community_admin = service.headers(Role.COMMUNITY_ADMIN, "c1")
    volunteer = service.volunteer("v1", "c1")
    client = service.client

    default = await client.get("/configuration/certificate-issuer", headers=community_admin)
    assert default.status_code == 200
    assert default.json()["organisation"] == "示范区志愿服务指导中心"
    assert default.json()["seal"] is None
    assert (
        await client.get("/configuration/certificate-issuer", headers=volunteer)
    ).status_code == 403
    issuer = {
        "organisation": "朝阳区志愿服务指导中心",
        "person_in_charge": "李建国",
        "handler": "张敏",
        "contact_phone": "010-65001234",
    }
    assert (
        await client.put("/configuration/certificate-issuer", json=issuer, headers=community_admin)
    ).status_code == 403
    changed = await client.put("/configuration/certificate-issuer", json=issuer, headers=district)
    assert changed.status_code == 200, changed.text
    assert {k: changed.json()[k] for k in issuer} == issuer
    assert changed.json()["changed_by"] == "admin"

    assert (
        await client.get("/configuration/certificate-seal", headers=community_admin)
    ).status_code == 404

    # The seal: only a PNG or JPEG that is what it says, within the size limit.
    async def seal(
        content: bytes, media_type: str, headers: dict[str, str] = district
    ) -> httpx.Response:
        return await client.put(
            "/configuration/certificate-seal",
            content=content,
            headers={**headers, "Content-Type": media_type},
        )

    assert (await seal(b"not an image", "image/png")).status_code == 422
    assert (await seal(image("PNG"), "image/jpeg")).status_code == 422
    assert (await seal(image("PNG"), "image/gif")).status_code == 422
    assert (await seal(b"\x89PNG" + b"0" * 600_000, "image/png")).status_code == 413
    assert (await seal(image("PNG"), "image/png", community_admin)).status_code == 403
    uploaded = await seal(image("PNG"), "image/png")
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["seal"]["media_type"] == "image/png"
    assert (uploaded.json()["seal"]["width"], uploaded.json()["seal"]["height"]) == (200, 200)
    assert uploaded.json()["organisation"] == issuer["organisation"]
    shown = await client.get("/configuration/certificate-seal", headers=community_admin)
    assert shown.status_code == 200
    assert shown.headers["content-type"] == "image/png"
    assert shown.content == image("PNG")
    assert (
        await client.get("/configuration/certificate-seal", headers=volunteer)
    ).status_code == 403

    # Days are the district's (Asia/Shanghai): 07:00 on 1 March there is 28 February in
    # UTC, and 00:30 on 16 March there is still the 15th in UTC.
    await service.publish("registry.events", [registered()])
    await service.publish(
        "activities.events",
        [
            served("r1", datetime(2026, 2, 28, 23, tzinfo=UTC), 2.0, "elderly_care"),
            served("r2", datetime(2026, 3, 10, 2, tzinfo=UTC), 3.5, "legal_aid"),
            served("r3", datetime(2026, 3, 12, 2, tzinfo=UTC), 1.25, "elderly_care"),
            served("r4", datetime(2026, 3, 15, 16, 30, tzinfo=UTC), 4.0, "elderly_care"),
        ],
    )
    await settle(service)
    issued = await client.post(
        "/volunteers/v1/certificates",
        json={"date_from": "2026-03-01", "date_to": "2026-03-15"},
        headers=volunteer,
    )
    assert issued.status_code == 201, issued.text
    certificate = issued.json()
    assert certificate["hours"] == 6.75
    assert certificate["hours_by_area"] == {"为老服务": 3.25, "法律援助": 3.5}
    assert (certificate["id_type"], certificate["national_id_masked"]) == ("居民身份证", MASKED_ID)
    assert certificate["issuer"] == issuer["organisation"]
    assert (
        certificate["person_in_charge"],
        certificate["handler"],
        certificate["contact_phone"],
    ) == ("李建国", "张敏", "010-65001234")
    assert certificate["seal_id"] == uploaded.json()["seal"]["id"]
    assert certificate["time_zone"] == "Asia/Shanghai"

    # A later issuer is not printed on the certificate already issued.
    await client.put(
        "/configuration/certificate-issuer",
        json={**issuer, "person_in_charge": "王新"},
        headers=district,
    )
    pdf = await client.get(f"/certificates/{certificate['number']}.pdf", headers=volunteer)
    assert pdf.status_code == 200
    page = PdfReader(io.BytesIO(pdf.content)).pages[0]
    text = page.extract_text()
    for visible in (
        "志愿服务记录证明",
        f"证明编号：{certificate['number']}",
        "姓名：王小红",
        "证件类型：居民身份证",
        f"证件号码：{MASKED_ID}",
        "志愿者编号：110105260000042",
        "2026年3月1日 至 2026年3月15日",
        "累计 6.75 小时",
        "为老服务",
        "3.25",
        "法律援助",
        "3.5",
        "出具单位：朝阳区志愿服务指导中心",
        "负责人：李建国",
        "经办人：张敏",
        "联系电话：010-65001234",
        "出具日期：",
    ):
        assert visible in text, visible
    assert "王新" not in text
    assert FULL_ID not in text
    assert FULL_ID.encode() not in pdf.content
    assert len(page.images) == 2  # the QR code and the seal

    verified = await client.get(
        f"/verify/certificates/{certificate['number']}",
        params={"code": certificate["verification_code"]},
    )
    assert verified.json()["valid"] is True
    assert {
        key: verified.json()[key]
        for key in ("national_id_masked", "hours_by_area", "person_in_charge", "handler")
    } == {
        "national_id_masked": MASKED_ID,
        "hours_by_area": {"为老服务": 3.25, "法律援助": 3.5},
        "person_in_charge": "李建国",
        "handler": "张敏",
    }

    # Erasure forgets the masked number with the name; the issued certificate keeps it.
    await service.publish(
        "registry.events", [VolunteerErased(volunteer_id="v1", community_id="c1")]
    )
    await settle(service)
    async with service.app.state.runtime.db.session() as session:
        known = await session.get(KnownVolunteer, "v1")
        kept = await session.get(Certificate, certificate["number"])
    assert known is not None
    assert known.status == "erased"
    assert known.national_id_masked is None
    assert kept is not None
    assert kept.national_id_masked == MASKED_ID
