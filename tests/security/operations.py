"""How to call every operation of the four services, for the authorisation matrix.

Each documented operation (`METHOD /path` as in its service's OpenAPI document) has a
`Call`: the path with the world's ids as placeholders (`{community}`, `{volunteer}`, ...),
and its query and body. `foreign` names the placeholders that the request carries as
references to other records (in the body, the query, or the inner id of a nested path):
the matrix's last column fills exactly those from another community, the rest from the
caller's own, and expects the answer an unknown id gets.

Operations that change a record for good (withdraw, erase, publish) work on records the
world keeps for them (`{spare}`, `{draft}`, `{applicant}`), so that the other cells still
find the shared records as they were.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.registry.conftest import application, national_id
from tests.registry.test_roster import as_csv, roster_rows

Body = dict[str, Any] | Callable[[dict[str, Any], int], dict[str, Any]]

_serials = itertools.count(7000)
NOW = datetime.now(UTC)


@dataclass(frozen=True)
class Call:
    """One operation's request, with placeholders for the world's ids."""

    path: str
    body: Body | None = None
    query: dict[str, str] = field(default_factory=dict)
    files: Callable[[], dict[str, Any]] | None = None
    foreign: tuple[str, ...] = ()
    stream: bool = False  # answers with an endless event stream: only its status is read
    # Run before each cell: puts back what an allowed cell ended, or makes a fresh
    # record for the cell (the ids it returns fill the request).
    prepare: Callable[[Any, dict[str, Any]], dict[str, str] | None] | None = None


def _when(days: int, hours: float = 1) -> dict[str, str]:
    start = (NOW + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return {
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=hours)).isoformat(),
    }


def _activity(_ids: dict[str, Any], n: int) -> dict[str, Any]:
    start = NOW + timedelta(days=10 + n)
    return {
        "title": f"活动{n}",
        "kind": "patrol",
        "service_area_code": "community_work",
        "place": "东门",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "capacity": 5,
    }


def _record(ids: dict[str, Any], n: int) -> dict[str, Any]:
    # For the activity's past window: a record inside it is accepted.
    return {
        "volunteer_id": ids["volunteer"],
        "activity_id": ids["past_activity"],
        "kind": "good_deed",
        "started_at": ids["past_activity_starts"],
        "ended_at": ids["past_activity_ends"],
    }


def _visit(ids: dict[str, Any], n: int) -> dict[str, Any]:
    return {"volunteer_id": ids["volunteer"], **_when(-(1 + n % 20), 0.5)}


def _application(ids: dict[str, Any], n: int) -> dict[str, Any]:
    serial = next(_serials)
    return {
        **application(serial),
        "community_id": ids["community"],
        "username": f"matrix{serial}",
        "password": "a long passphrase",
    }


def _roster() -> dict[str, Any]:
    # A person of the matrix's own: other tests of the same registry import roster_rows.
    serial = next(_serials)
    [row] = roster_rows(1)
    row[2], row[3] = f"137{serial:08d}", national_id(serial)
    return {"file": ("roster.csv", as_csv([row]), "text/csv")}


def _period(_ids: dict[str, Any], n: int) -> dict[str, Any]:
    year = 2030 + n
    return {
        "label": f"{year}H1",
        "starts_on": f"{year}-01-01",
        "ends_on": f"{year}-06-30",
        "quota": 2,
    }


def _spare_in_team(system: Any, ids: dict[str, Any]) -> dict[str, str] | None:
    """Puts the spare volunteer (back) in the team, for the cell that takes them out."""
    response = system.clients["registry"].post(
        f"/teams/{ids['team']}/members",
        json={"volunteer_id": ids["spare"]},
        headers=system.district,
    )
    # 404 when the cell names another community's volunteer: then there is nothing to put back.
    assert response.status_code in (204, 404, 409), response.text
    return None


def _fresh_account(system: Any, ids: dict[str, Any]) -> dict[str, str] | None:
    """A fresh resident account of the community the cell names, for the cell to change;
    nothing when the cell asks for an unknown account."""
    if ids["managed"] == "01HZZZZZZZZZZZZZZZZZZZZZZZ":
        return None
    serial = next(_serials)
    response = system.clients["registry"].post(
        "/accounts",
        json={
            "username": f"managed{serial}",
            "password": "a long passphrase",
            "role": "resident",
            "community_id": ids["community"],
        },
        headers=system.district,
    )
    assert response.status_code == 201, response.text
    return {"managed": response.json()["id"], "managed_username": f"managed{serial}"}


def _seal_uploaded(system: Any, _ids: dict[str, Any]) -> dict[str, str] | None:
    """The district's seal, uploaded for the cells that read it."""
    import io

    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (120, 120), (200, 0, 0)).save(image, "PNG")
    response = system.clients["evaluation"].put(
        "/configuration/certificate-seal",
        data=image.getvalue(),
        headers={**system.district, "Content-Type": "image/png"},
    )
    assert response.status_code == 200, response.text
    return None


def _open_request(system: Any, ids: dict[str, Any]) -> dict[str, str]:
    """A fresh open request of the community the cell names, for the cell to resolve."""
    from shared.auth import Role

    resident = system.headers(Role.RESIDENT, ids["community"])
    response = system.clients["activities"].post(
        f"/communities/{ids['community']}/requests",
        json={"category": "telecom", "description": "电话线路故障"},
        headers=resident,
    )
    assert response.status_code == 201, response.text
    return {"request": response.json()["id"]}


def _fresh_series(system: Any, ids: dict[str, Any]) -> dict[str, str] | None:
    """A fresh weekly series of the community the cell names, for the cell to change;
    nothing when the cell asks for an unknown series."""
    if ids["series"] == "01HZZZZZZZZZZZZZZZZZZZZZZZ":
        return None
    body = {**_activity(ids, 20), "repeat_weekly": 2}
    response = system.clients["activities"].post(
        f"/communities/{ids['community']}/activities",
        params={"publish": True},
        json=body,
        headers=system.district,
    )
    assert response.status_code == 201, response.text
    return {"series": response.json()[0]["series_id"]}


# Keyed as the OpenAPI documents name them.
CALLS: dict[str, Call] = {
    # -- every service --------------------------------------------------------------
    "GET /health/live": Call("/health/live"),
    "GET /health/ready": Call("/health/ready"),
    "GET /asyncapi.json": Call("/asyncapi.json"),
    "GET /communities": Call("/communities"),
    "GET /communities/{community_id}": Call("/communities/{community}"),
    "GET /audit": Call("/audit", query={"community_id": "{community}"}, foreign=("community",)),
    # -- registry ---------------------------------------------------------------------
    "POST /auth/login": Call(
        "/auth/login",
        body=lambda ids, n: {"username": ids["username"], "password": ids["password"]},
    ),
    "POST /auth/refresh": Call(
        "/auth/refresh", body=lambda ids, n: {"refresh_token": ids["fresh_refresh_token"]()}
    ),
    "POST /auth/logout": Call(
        "/auth/logout", body=lambda ids, n: {"refresh_token": ids["fresh_refresh_token"]()}
    ),
    "GET /auth/public-key": Call("/auth/public-key"),
    "GET /.well-known/jwks.json": Call("/.well-known/jwks.json"),
    "POST /accounts": Call(
        "/accounts",
        body=lambda ids, n: {
            "username": f"worker{next(_serials)}",
            "password": "a long passphrase",
            "role": "team_leader",
            "community_id": ids["community"],
        },
        foreign=("community",),
    ),
    "GET /me": Call("/me"),
    # Chinese, the default: the volunteer's later answers read as before.
    "PUT /me/language": Call("/me/language", body={"language": "zh"}),
    "GET /accounts": Call(
        "/accounts", query={"community_id": "{community}"}, foreign=("community",)
    ),
    "GET /accounts/{account_id}": Call("/accounts/{managed}"),
    "PATCH /accounts/{account_id}": Call(
        "/accounts/{managed}", body={"role": "volunteer"}, prepare=_fresh_account
    ),
    "POST /accounts/{account_id}/disable": Call(
        "/accounts/{managed}/disable", prepare=_fresh_account
    ),
    "POST /accounts/{account_id}/enable": Call(
        "/accounts/{managed}/enable", prepare=_fresh_account
    ),
    "POST /accounts/{account_id}/password-reset": Call(
        "/accounts/{managed}/password-reset", prepare=_fresh_account
    ),
    "POST /auth/password": Call(
        "/auth/password",
        body=lambda ids, n: {
            "username": ids["managed_username"],
            "current_password": "a long passphrase",
            "new_password": "another long passphrase",
        },
        prepare=_fresh_account,
    ),
    "GET /streets": Call("/streets"),
    "POST /streets": Call("/streets", body=lambda ids, n: {"name": f"新街道{next(_serials)}"}),
    "POST /communities": Call(
        "/communities",
        body=lambda ids, n: {"name": f"新社区{next(_serials)}", "street_id": ids["street"]},
    ),
    "PATCH /communities/{community_id}": Call(
        "/communities/{community}", body=lambda ids, n: {"name": f"{ids['community_name']}"}
    ),
    "POST /communities/{community_id}/member-units": Call(
        "/communities/{community}/member-units", body=lambda ids, n: {"name": f"共建单位{n}"}
    ),
    "GET /communities/{community_id}/member-units": Call("/communities/{community}/member-units"),
    "POST /communities/{community_id}/service-areas": Call(
        "/communities/{community}/service-areas",
        body=lambda ids, n: {
            "code": f"area_{next(_serials)}",
            "name_zh": "新领域",
            "name_en": "New",
        },
    ),
    "GET /communities/{community_id}/service-areas": Call("/communities/{community}/service-areas"),
    "POST /communities/{community_id}/teams": Call(
        "/communities/{community}/teams",
        body=lambda ids, n: {
            "name": f"新队{next(_serials)}",
            "service_area_code": "community_work",
            "leader_volunteer_id": ids["volunteer"],
        },
        foreign=("volunteer",),
    ),
    "GET /communities/{community_id}/teams": Call("/communities/{community}/teams"),
    "GET /teams/{team_id}": Call("/teams/{team}"),
    "PUT /teams/{team_id}/leader": Call(
        "/teams/{team}/leader", body={"volunteer_id": "{volunteer}"}, foreign=("volunteer",)
    ),
    "POST /teams/{team_id}/members": Call(
        "/teams/{team}/members", body={"volunteer_id": "{spare}"}, foreign=("spare",)
    ),
    "DELETE /teams/{team_id}/members/{volunteer_id}": Call(
        "/teams/{team}/members/{spare}", foreign=("spare",), prepare=_spare_in_team
    ),
    "POST /communities/{community_id}/volunteers": Call(
        "/communities/{community}/volunteers",
        body=lambda ids, n: {**application(next(_serials)), "member_unit_id": ids["member_unit"]},
        foreign=("member_unit",),
    ),
    "POST /applications": Call(
        "/applications",
        body=lambda ids, n: {**_application(ids, n), "member_unit_id": ids["member_unit"]},
        foreign=("member_unit",),
    ),
    "GET /volunteers": Call(
        "/volunteers",
        query={"community_id": "{community}", "team_id": "{team}"},
        foreign=("community", "team"),
    ),
    "GET /queues/applications-to-approve": Call(
        "/queues/applications-to-approve",
        query={"community_id": "{community}"},
        foreign=("community",),
    ),
    "GET /me/volunteer": Call("/me/volunteer"),
    "PATCH /me/volunteer": Call("/me/volunteer", body={"skills": "修理", "availability": "周末"}),
    "GET /volunteers/{volunteer_id}": Call("/volunteers/{volunteer}"),
    "PATCH /volunteers/{volunteer_id}": Call(
        "/volunteers/{volunteer}",
        body={"skills": "修理", "member_unit_id": "{member_unit}"},
        foreign=("member_unit",),
    ),
    "POST /volunteers/{volunteer_id}/approve": Call("/volunteers/{applicant}/approve"),
    "POST /volunteers/{volunteer_id}/reject": Call(
        "/volunteers/{rejectable}/reject", body={"reason": "资料不全"}
    ),
    "POST /volunteers/{volunteer_id}/suspend": Call(
        "/volunteers/{spare}/suspend", body={"reason": "暂停服务"}
    ),
    "POST /volunteers/{volunteer_id}/reinstate": Call("/volunteers/{spare}/reinstate"),
    "POST /volunteers/{volunteer_id}/withdraw": Call(
        "/volunteers/{leaver}/withdraw", body={"reason": "本人申请"}
    ),
    # The spare is registered (or suspended): taking them back, or moving them to the
    # community they are in, is a 409 the rules give; the other cells are refused first.
    "POST /volunteers/{volunteer_id}/come-back": Call("/volunteers/{spare}/come-back"),
    "POST /volunteers/{volunteer_id}/transfer": Call(
        "/volunteers/{spare}/transfer", body={"community_id": "{community}"}
    ),
    "DELETE /volunteers/{volunteer_id}/personal-data": Call("/volunteers/{leaver}/personal-data"),
    "GET /volunteers/{volunteer_id}/card.pdf": Call("/volunteers/{volunteer}/card.pdf"),
    "GET /verify/{volunteer_number}": Call("/verify/{volunteer_number}"),
    "POST /communities/{community_id}/roster": Call(
        "/communities/{community}/roster", files=_roster
    ),
    "GET /communities/{community_id}/roster.{file_format}": Call(
        "/communities/{community}/roster.csv"
    ),
    # -- activities -------------------------------------------------------------------
    "POST /communities/{community_id}/activities": Call(
        "/communities/{community}/activities",
        body=lambda ids, n: {**_activity(ids, n), "scope": "team", "team_id": ids["team"]},
        foreign=("team",),
    ),
    "GET /communities/{community_id}/activities": Call(
        "/communities/{community}/activities", query={"team_id": "{team}"}, foreign=("team",)
    ),
    "GET /activities/{activity_id}": Call("/activities/{activity}"),
    "PATCH /activities/{activity_id}": Call("/activities/{activity}", body={"place": "西门"}),
    "POST /activities/{activity_id}/publish": Call("/activities/{draft}/publish"),
    "POST /activities/{activity_id}/cancel": Call(
        "/activities/{cancellable}/cancel", body={"reason": "天气原因"}
    ),
    "POST /activities/{activity_id}/complete": Call("/activities/{cancellable}/complete"),
    "GET /configuration/response-targets": Call("/configuration/response-targets"),
    "PUT /configuration/response-targets": Call(
        "/configuration/response-targets",
        body={
            "targets": {
                "employment": 120,
                "social_assistance": 48,
                "medical_care": 24,
                "rights_protection": 72,
                "family_planning": 120,
                "child_health": 48,
                "policy_consultation": 120,
                "public_security": 24,
                "housekeeping": 72,
                "telecom": 120,
            }
        },
    ),
    "GET /configuration/backfill-window": Call("/configuration/backfill-window"),
    "PUT /configuration/backfill-window": Call("/configuration/backfill-window", body={"days": 90}),
    "GET /series/{series_id}/activities": Call(
        "/series/{series}/activities", prepare=_fresh_series
    ),
    "PATCH /series/{series_id}": Call(
        "/series/{series}", body={"place": "西门"}, prepare=_fresh_series
    ),
    "POST /series/{series_id}/cancel": Call(
        "/series/{series}/cancel", body={"reason": "天气原因"}, prepare=_fresh_series
    ),
    "POST /activities/{activity_id}/sign-ups": Call("/activities/{activity}/sign-ups"),
    "GET /activities/{activity_id}/sign-ups": Call("/activities/{activity}/sign-ups"),
    "POST /activities/{activity_id}/sign-ups/{signup_id}/cancel": Call(
        "/activities/{activity}/sign-ups/{signup}/cancel", foreign=("signup",)
    ),
    "POST /activities/{activity_id}/sign-ups/{signup_id}/confirm": Call(
        "/activities/{activity}/sign-ups/{signup}/confirm", foreign=("signup",)
    ),
    "POST /activities/{activity_id}/sign-ups/{signup_id}/resolve": Call(
        "/activities/{activity}/sign-ups/{signup}/resolve",
        body={"outcome": "not_counted", "reason": "签到后即离开"},
        foreign=("signup",),
    ),
    "POST /activities/{activity_id}/check-in": Call(
        "/activities/{ongoing}/check-in",
        body={"volunteer_number": "{volunteer_number}"},
        foreign=("volunteer_number",),
    ),
    "POST /activities/{activity_id}/check-out": Call(
        "/activities/{ongoing}/check-out",
        body={"volunteer_number": "{volunteer_number}"},
        foreign=("volunteer_number",),
    ),
    "POST /communities/{community_id}/records": Call(
        "/communities/{community}/records", body=_record, foreign=("volunteer", "past_activity")
    ),
    "GET /communities/{community_id}/records": Call(
        "/communities/{community}/records",
        query={"volunteer_id": "{volunteer}", "team_id": "{team}"},
        foreign=("volunteer", "team"),
    ),
    "POST /records/{record_id}/confirm": Call("/records/{record}/confirm"),
    "POST /records/{record_id}/correct": Call(
        "/records/{record}/correct", body=lambda ids, n: {**_when(-2, 2), "reason": "时长有误"}
    ),
    "POST /records/{record_id}/void": Call("/records/{voidable}/void", body={"reason": "重复录入"}),
    "GET /me/records": Call("/me/records"),
    "GET /me/schedule": Call("/me/schedule"),
    "POST /communities/{community_id}/pairings": Call(
        "/communities/{community}/pairings",
        body={
            "kind": "one_helps_one",
            "beneficiary_label": "李爷爷",
            "beneficiary_category": "empty_nest_elder",
            "volunteer_ids": ["{volunteer}"],
            "cadence_days": 7,
        },
        foreign=("volunteer",),
    ),
    "GET /communities/{community_id}/pairings": Call("/communities/{community}/pairings"),
    "POST /pairings/{pairing_id}/visits": Call(
        "/pairings/{pairing}/visits", body=_visit, foreign=("volunteer",)
    ),
    "POST /pairings/{pairing_id}/visits/{record_id}/confirm": Call(
        "/pairings/{pairing}/visits/{visit}/confirm", foreign=("visit",)
    ),
    "POST /pairings/{pairing_id}/end": Call("/pairings/{endable}/end", body={"reason": "对象搬离"}),
    "POST /communities/{community_id}/requests": Call(
        "/communities/{community}/requests",
        body={"category": "telecom", "description": "网络故障求助"},
    ),
    "GET /communities/{community_id}/requests": Call("/communities/{community}/requests"),
    "GET /me/requests": Call("/me/requests"),
    "GET /requests/{request_id}": Call("/requests/{request}"),
    "GET /requests/{request_id}/progress": Call("/requests/{request}/progress"),
    "GET /queues": Call("/queues", query={"community_id": "{community}"}),
    "GET /queues/records-to-confirm": Call(
        "/queues/records-to-confirm", query={"community_id": "{community}"}
    ),
    "GET /queues/check-outs-to-resolve": Call(
        "/queues/check-outs-to-resolve", query={"community_id": "{community}"}
    ),
    "GET /queues/overdue-pairings": Call(
        "/queues/overdue-pairings", query={"community_id": "{community}"}
    ),
    "GET /queues/overdue-requests": Call(
        "/queues/overdue-requests", query={"community_id": "{community}"}
    ),
    "POST /requests/{request_id}/assign": Call(
        "/requests/{request}/assign", body={"volunteer_id": "{volunteer}"}, foreign=("volunteer",)
    ),
    "POST /requests/{request_id}/resolve": Call(
        "/requests/{request}/resolve",
        body={"resolution": "已上门处理", "volunteer_id": "{volunteer}"},
        foreign=("volunteer",),
        prepare=_open_request,
    ),
    "POST /requests/{request_id}/close": Call(
        "/requests/{closable}/close", body={"reason": "居民撤回"}
    ),
    # -- evaluation -------------------------------------------------------------------
    "GET /volunteers/{volunteer_id}/hours": Call("/volunteers/{volunteer}/hours"),
    "GET /communities/{community_id}/stars": Call("/communities/{community}/stars"),
    "POST /communities/{community_id}/periods": Call(
        "/communities/{community}/periods", body=_period
    ),
    "POST /periods/{period_id}/advance": Call("/periods/{advanceable}/advance"),
    "POST /periods/{period_id}/reviews": Call(
        "/periods/{reviewing}/reviews",
        body={"reviewed_volunteer_id": "{volunteer}", "rating": 5},
        foreign=("volunteer",),
    ),
    "GET /periods/{period_id}/reviews": Call("/periods/{period}/reviews"),
    "GET /periods/{period_id}/reviews/me": Call("/periods/{period}/reviews/me"),
    "GET /periods/{period_id}/ranking": Call("/periods/{period}/ranking"),
    "POST /periods/{period_id}/nominations": Call(
        "/periods/{period}/nominations",
        body={"volunteer_id": "{volunteer}", "reason": "服务时长居前"},
        foreign=("volunteer",),
    ),
    "POST /nominations/{nomination_id}/decision": Call(
        "/nominations/{nomination}/decision", body={"approved": True, "reason": "同意"}
    ),
    "GET /periods/{period_id}/honour-roll": Call("/periods/{published}/honour-roll"),
    "GET /communities/{community_id}/four-ones": Call(
        "/communities/{community}/four-ones", query={"month": "2026-11"}
    ),
    "GET /communities/{community_id}/hours-by-team-month": Call(
        "/communities/{community}/hours-by-team-month"
    ),
    "GET /dashboards/communities": Call("/dashboards/communities"),
    "POST /volunteers/{volunteer_id}/certificates": Call(
        "/volunteers/{volunteer}/certificates",
        body={"date_from": "2026-01-01", "date_to": "2026-12-31"},
    ),
    "GET /certificates/{number}.pdf": Call("/certificates/{certificate}.pdf"),
    "GET /verify/certificates/{number}": Call(
        "/verify/certificates/{certificate}", query={"code": "{certificate_code}"}
    ),
    "GET /me/hours": Call("/me/hours"),
    "GET /me/certificates": Call("/me/certificates"),
    "POST /me/certificates": Call(
        "/me/certificates", body={"date_from": "2026-01-01", "date_to": "2026-12-31"}
    ),
    "GET /me/periods/{period_id}/colleagues": Call("/me/periods/{period}/colleagues"),
    "GET /dashboards/stars": Call(
        "/dashboards/stars", query={"community_id": "{community}"}, foreign=("community",)
    ),
    "GET /dashboards/four-ones": Call(
        "/dashboards/four-ones",
        query={"month": "2026-11", "community_id": "{community}"},
        foreign=("community",),
    ),
    "GET /dashboards/hours": Call(
        "/dashboards/hours",
        query={"group_by": "street", "community_id": "{community}"},
        foreign=("community",),
    ),
    "GET /dashboards/hours-by-team-month": Call(
        "/dashboards/hours-by-team-month",
        query={"community_id": "{community}", "format": "csv"},
        foreign=("community",),
    ),
    "GET /periods": Call("/periods", query={"community_id": "{community}"}, foreign=("community",)),
    "GET /nominations": Call(
        "/nominations", query={"period_id": "{period}", "status": "nominated"}, foreign=("period",)
    ),
    "GET /certificates": Call(
        "/certificates", query={"volunteer_id": "{volunteer}"}, foreign=("volunteer",)
    ),
    "GET /configuration/star-thresholds": Call("/configuration/star-thresholds"),
    "PUT /configuration/star-thresholds": Call(
        "/configuration/star-thresholds", body={"thresholds": [100, 300, 600, 1000, 1500]}
    ),
    "GET /configuration/certificate-issuer": Call("/configuration/certificate-issuer"),
    "PUT /configuration/certificate-issuer": Call(
        "/configuration/certificate-issuer",
        body={"organisation": "示范区志愿服务指导中心", "person_in_charge": "李建国"},
    ),
    "GET /configuration/certificate-seal": Call(
        "/configuration/certificate-seal", prepare=_seal_uploaded
    ),
    # No image: the district admin's empty body is refused (422) after the role is checked.
    "PUT /configuration/certificate-seal": Call("/configuration/certificate-seal"),
    # -- notifications ----------------------------------------------------------------
    "GET /inbox": Call("/inbox"),
    "GET /inbox/unread-count": Call("/inbox/unread-count"),
    "POST /inbox/{entry_id}/read": Call("/inbox/{inbox}/read"),
    "PUT /me/preferences": Call("/me/preferences", body={"language": "zh"}),
    "GET /inbox/stream": Call("/inbox/stream", stream=True),
    "GET /webhooks": Call("/webhooks"),
    "POST /webhooks": Call(
        "/webhooks",
        body={"url": "http://127.0.0.1:9/matrix", "community_id": "{community}"},
        foreign=("community",),
    ),
    "GET /webhooks/{subscription_id}/deliveries": Call("/webhooks/{webhook}/deliveries"),
    "POST /webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver": Call(
        "/webhooks/{webhook}/deliveries/{delivery}/redeliver", foreign=("delivery",)
    ),
    "POST /webhooks/{subscription_id}/disable": Call("/webhooks/{webhook}/disable"),
    "POST /webhooks/{subscription_id}/enable": Call("/webhooks/{webhook}/enable"),
    "POST /announcements": Call(
        "/announcements",
        body={"audience": "team", "team_id": "{team}", "title": "队内通知", "body": "周六集合"},
        foreign=("team",),
    ),
    "GET /announcements": Call(
        "/announcements", query={"community_id": "{community}"}, foreign=("community",)
    ),
    "GET /announcements/{announcement_id}/deliveries": Call(
        "/announcements/{announcement}/deliveries"
    ),
}
