"""The district's settings in force: its own where it set them, the defaults otherwise."""

from __future__ import annotations

from activities.domain.configuration import backfill_in_force, targets_in_force

DEFAULTS = {"medical_care": 24, "telecom": 120}


def test_the_defaults_hold_until_the_district_sets_its_own() -> None:
    assert targets_in_force(DEFAULTS, None) == DEFAULTS
    assert backfill_in_force(90, None) == 90


def test_the_districts_own_replace_the_defaults() -> None:
    assert targets_in_force(DEFAULTS, {"medical_care": 12, "telecom": 72}) == {
        "medical_care": 12,
        "telecom": 72,
    }
    assert backfill_in_force(90, 365) == 365


def test_a_category_the_district_never_set_keeps_its_default_and_a_gone_one_is_dropped() -> None:
    assert targets_in_force(DEFAULTS, {"medical_care": 12, "retired": 5}) == {
        "medical_care": 12,
        "telecom": 120,
    }
