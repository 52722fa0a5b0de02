"""Notification texts: both languages of every template, category names, the confirm action."""

from __future__ import annotations

from datetime import UTC, datetime
from string import Formatter
from zoneinfo import ZoneInfo

import pytest

from activities.models import RequestCategory
from notifications.templates import CATEGORIES, TEMPLATES, Action, action, render

BEIJING = ZoneInfo("Asia/Shanghai")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_reads_in_chinese_and_english_with_the_same_parameters(
    template: str,
) -> None:
    texts = TEMPLATES[template]
    assert set(texts) == {"zh", "en"}
    zh = _placeholders(texts["zh"][0]) | _placeholders(texts["zh"][1])
    en = _placeholders(texts["en"][0]) | _placeholders(texts["en"][1])
    assert zh == en


def test_every_request_category_has_a_name_in_both_languages() -> None:
    codes = {category.value for category in RequestCategory}
    assert set(CATEGORIES["zh"]) == codes
    assert set(CATEGORIES["en"]) == codes


def test_a_category_reads_in_the_readers_language_and_an_unknown_one_as_it_came() -> None:
    params = {"category": "medical_care"}
    assert render("request_resolved", "zh", params, BEIJING)[1].startswith("您的医疗诉求已解决")
    assert render("request_resolved", "en", params, BEIJING)[1].startswith(
        "Your medical care request"
    )
    # A language the service does not have reads Chinese; a new category reads as its code.
    assert render("request_resolved", "fr", params, BEIJING) == render(
        "request_resolved", "zh", params, BEIJING
    )
    assert "new_kind" in render("request_resolved", "en", {"category": "new_kind"}, BEIJING)[1]


def test_only_a_visit_to_confirm_names_a_call_and_only_with_both_ids() -> None:
    ids = {"visited_at": "2026-12-01", "pairing_id": "p1", "record_id": "r1"}
    assert action("visit_to_confirm", ids) == Action(
        service="activities", method="POST", path="/pairings/p1/visits/r1/confirm"
    )
    assert action("visit_to_confirm", {"visited_at": "2026-12-01", "pairing_id": "p1"}) is None
    assert action("request_resolved", ids) is None


def test_times_are_written_in_the_district_zone_when_read() -> None:
    # 16:30 UTC on the 1st is already 00:30 on the 2nd in Beijing.
    late = datetime(2026, 12, 1, 16, 30, tzinfo=UTC).isoformat()
    _, body = render(
        "activity_published", "zh", {"title": "巡逻", "starts_at": late, "capacity": 5}, BEIJING
    )
    assert body == "巡逻：2026-12-02 00:30 开始，名额 5 人。"
    _, overdue = render("visit_overdue", "en", {"due_at": late}, BEIJING)
    assert overdue == "A pairing visit is overdue (due 2026-12-02)."
    # An entry written before times travelled as ISO already holds its text.
    _, old = render("visit_overdue", "en", {"due_at": "2026-11-30"}, BEIJING)
    assert old == "A pairing visit is overdue (due 2026-11-30)."
