"""The four-ones reminder's text: the open items named in the reader's language."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from notifications.templates import FOUR_ONES, render

BEIJING = ZoneInfo("Asia/Shanghai")

PARAMS = {
    "month": "2026-12",
    "items": ["good_deed", "problem_solved"],
    "month_ends_on": "2026-12-31",
}


def test_every_item_of_the_four_ones_has_a_name_in_both_languages() -> None:
    four = {"good_deed", "public_welfare", "conversation", "problem_solved"}
    assert set(FOUR_ONES) == {"zh", "en"}
    assert set(FOUR_ONES["zh"]) == four
    assert set(FOUR_ONES["en"]) == four


def test_the_open_items_are_named_and_listed_in_the_readers_language() -> None:
    assert render("four_ones_reminder", "zh", PARAMS, BEIJING) == (
        "“四个一”提醒",
        "本月（2026-12）的“四个一”还差：做一件好事、为居民解决一个问题。请在 2026-12-31 前完成。",
    )
    assert render("four_ones_reminder", "en", PARAMS, BEIJING) == (
        "Four ones reminder",
        "Still open in your four ones for 2026-12: one good deed; one resident problem solved."
        " Please complete them by 2026-12-31.",
    )


def test_an_unknown_language_reads_chinese_and_an_unknown_item_reads_as_it_came() -> None:
    assert render("four_ones_reminder", "fr", PARAMS, BEIJING) == render(
        "four_ones_reminder", "zh", PARAMS, BEIJING
    )
    _, body = render(
        "four_ones_reminder", "en", {**PARAMS, "items": ["good_deed", "new_one"]}, BEIJING
    )
    assert "one good deed; new_one." in body
