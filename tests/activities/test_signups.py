"""Sign-up: capacity under concurrency, the waitlist, offers and their lapse."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import col, select, update

from activities.models import SignUp, SignUpStatus
from shared.auth import Role
from tests.activities.conftest import Activities


async def test_fifty_concurrent_sign_ups_for_ten_places_on_postgres(pg_service: Activities) -> None:
    service = pg_service
    volunteers = await service.volunteers("c1", 50)
    activity = await service.activity("c1", capacity=10)
    url = f"/activities/{activity['id']}/sign-ups"
    responses = await asyncio.gather(
        *(service.client.post(url, headers=service.as_volunteer(v)) for v in volunteers)
    )
    assert all(r.status_code == 201 for r in responses), [
        r.text for r in responses if r.status_code != 201
    ]
    statuses = [r.json()["status"] for r in responses]
    assert statuses.count("confirmed") == 10
    assert statuses.count("waitlisted") == 40
    positions = sorted(
        r.json()["waitlist_position"] for r in responses if r.json()["status"] == "waitlisted"
    )
    assert positions == list(range(1, 41))
    assert len(await service.events("signed_up")) == 10
    assert len(await service.events("waitlisted")) == 40


async def test_a_freed_place_is_offered_to_the_next_who_confirms_in_time(
    service: Activities,
) -> None:
    volunteers = await service.volunteers("c1", 3)
    activity = await service.activity("c1", capacity=1)
    url = f"/activities/{activity['id']}/sign-ups"
    first, second, third = [
        (await service.client.post(url, headers=service.as_volunteer(v))).json() for v in volunteers
    ]
    assert (first["status"], second["status"], third["status"]) == (
        "confirmed",
        "waitlisted",
        "waitlisted",
    )

    cancelled = await service.client.post(
        f"{url}/{first['id']}/cancel", headers=service.as_volunteer(volunteers[0])
    )
    assert cancelled.status_code == 204
    [offer] = await service.events("place_offered")
    assert offer["subject"] == activity["id"]
    # Only the offered volunteer may take it, and only they see their sign-up.
    not_theirs = await service.client.post(
        f"{url}/{third['id']}/confirm", headers=service.as_volunteer(volunteers[2])
    )
    assert not_theirs.status_code == 409
    confirmed = await service.client.post(
        f"{url}/{second['id']}/confirm", headers=service.as_volunteer(volunteers[1])
    )
    assert confirmed.json()["status"] == "confirmed"
    assert len(await service.events("promoted")) == 1


async def test_a_lapsed_offer_passes_the_place_on(service: Activities) -> None:
    volunteers = await service.volunteers("c1", 3)
    activity = await service.activity("c1", capacity=1)
    url = f"/activities/{activity['id']}/sign-ups"
    signups = [
        (await service.client.post(url, headers=service.as_volunteer(v))).json() for v in volunteers
    ]
    await service.client.post(
        f"{url}/{signups[0]['id']}/cancel", headers=service.as_volunteer(volunteers[0])
    )
    db = service.app.state.runtime.db
    async with db.session() as session:  # the offer's window passes
        from shared.clock import now

        await session.exec(
            update(SignUp)
            .where(col(SignUp.id) == signups[1]["id"])
            .values(offered_until=now() - timedelta(minutes=1))
        )
        await session.commit()
    from activities.signups import lapse_offers

    async with db.session() as session:
        assert await lapse_offers(session, timedelta(minutes=120)) == 1
    async with db.session() as session:
        rows = {s.id: s.status for s in (await session.exec(select(SignUp))).all()}
    assert rows[signups[1]["id"]] == SignUpStatus.CANCELLED
    assert rows[signups[2]["id"]] == SignUpStatus.OFFERED
    late = await service.client.post(
        f"{url}/{signups[1]['id']}/confirm", headers=service.as_volunteer(volunteers[1])
    )
    assert late.status_code == 409


async def test_sign_up_rules_refuse_with_a_reason(service: Activities) -> None:
    [own] = await service.volunteers("c1", 1, prefix="own")
    [stranger] = await service.volunteers("c2", 1, prefix="far")
    activity = await service.activity("c1", capacity=5)
    url = f"/activities/{activity['id']}/sign-ups"
    assert (await service.client.post(url, headers=service.as_volunteer(own))).status_code == 201
    again = await service.client.post(url, headers=service.as_volunteer(own))
    assert again.status_code == 409
    assert again.json() == {"code": "already_signed_up", "detail": "您已经报过名了（已确认名额）"}
    # Another community's community-wide activity is not even visible.
    assert (
        await service.client.post(url, headers=service.as_volunteer(stranger))
    ).status_code == 404
    district = await service.activity("c1", capacity=5, scope="district")
    ok = await service.client.post(
        f"/activities/{district['id']}/sign-ups", headers=service.as_volunteer(stranger)
    )
    assert ok.status_code == 201
    past_deadline = await service.activity("c1", capacity=5, starts_in=timedelta(minutes=-5))
    late = await service.client.post(
        f"/activities/{past_deadline['id']}/sign-ups", headers=service.as_volunteer(own)
    )
    assert late.status_code == 409
    assert late.json() == {
        "code": "sign_up_deadline_passed",
        "detail": "报名已截止，可以看看其他活动",
    }


async def test_a_scanned_card_of_another_community_counts_only_with_a_place(
    service: Activities,
) -> None:
    [stranger] = await service.volunteers("c2", 1, prefix="scan-far")
    leader = service.headers(Role.TEAM_LEADER, "c1")
    local = await service.activity("c1", capacity=5, starts_in=timedelta(minutes=30))
    scan = {"volunteer_number": stranger.volunteer_number}
    refused = await service.client.post(
        f"/activities/{local['id']}/check-in", json=scan, headers=leader
    )
    unknown = await service.client.post(
        f"/activities/{local['id']}/check-in",
        json={"volunteer_number": "99999999999999"},
        headers=leader,
    )
    # Another community's card answers exactly as a number that names nobody.
    assert refused.status_code == unknown.status_code == 404
    assert refused.json() == unknown.json()

    # A district-wide activity's place is theirs, and their card checks them in.
    district = await service.activity(
        "c1", capacity=5, scope="district", starts_in=timedelta(minutes=30)
    )
    url = f"/activities/{district['id']}"
    placed = await service.client.post(f"{url}/sign-ups", headers=service.as_volunteer(stranger))
    assert placed.status_code == 201, placed.text
    scanned = await service.client.post(f"{url}/check-in", json=scan, headers=leader)
    assert scanned.status_code == 200, scanned.text
