"""Star levels and the period score, as plain functions: no database, no app."""

from __future__ import annotations

import pytest

from evaluation import messages
from evaluation.domain.scoring import MIN_REVIEWS, ScoreParts
from evaluation.domain.stars import (
    THRESHOLDS,
    hours_to_next,
    level_for,
    newly_reached,
    next_threshold,
    threshold_problem,
)

# The national thresholds, in hours, written out here rather than read from the module:
# a moved threshold must fail this test, not move with it.
NATIONAL = (100, 300, 600, 1000, 1500)


def test_the_thresholds_are_the_national_ones() -> None:
    assert THRESHOLDS == NATIONAL


@pytest.mark.parametrize(("level", "threshold"), list(enumerate(NATIONAL, start=1)))
def test_each_level_starts_exactly_at_its_threshold(level: int, threshold: int) -> None:
    assert level_for(threshold) == level
    assert level_for(threshold - 0.01) == level - 1  # a minute short is not enough
    assert level_for(threshold + 0.01) == level


def test_hours_summed_in_floating_point_reach_the_threshold_they_add_up_to() -> None:
    hours = sum([0.1] * 1000)  # 99.9999999999986, a hundred hours of 6-minute visits
    assert hours < 100
    assert level_for(hours) == 1
    assert level_for(100 - 1e-6) == 0  # the tolerance is for rounding, not for hours


def test_no_hours_no_star_and_beyond_the_last_threshold_still_five() -> None:
    assert level_for(0) == 0
    assert level_for(99) == 0
    assert level_for(10_000) == 5


def test_newly_reached_lists_each_level_reached_for_the_first_time_lowest_first() -> None:
    assert newly_reached(0, 305) == [1, 2]
    assert newly_reached(0, 1500) == [1, 2, 3, 4, 5]
    assert newly_reached(2, 650) == [3]
    assert newly_reached(1, 299.99) == []


def test_a_level_regained_after_a_loss_is_not_reached_again() -> None:
    # Highest announced 2; a void took the hours back below 300, a confirmation
    # brings them back: nothing new to announce.
    assert newly_reached(2, 250) == []
    assert newly_reached(2, 300) == []
    assert newly_reached(2, 600) == [3]


REGIONAL = (50, 150, 300, 500, 800)


def test_a_district_s_thresholds_decide_the_level_and_what_is_reached() -> None:
    assert level_for(160, REGIONAL) == 2
    assert level_for(160) == 1  # the national ones by default
    assert newly_reached(1, 310, REGIONAL) == [2, 3]
    assert level_for(800, REGIONAL) == 5


def test_the_progress_to_the_next_star_is_the_hours_still_missing() -> None:
    assert (next_threshold(0), hours_to_next(0)) == (100, 100)
    assert (next_threshold(120.5), hours_to_next(120.5)) == (300, 179.5)
    assert (next_threshold(120.5, REGIONAL), hours_to_next(120.5, REGIONAL)) == (150, 29.5)
    # The district's thresholds decide the level held as well as the next one: 160 hours
    # hold two regional stars, so the next is the third (300), not the second (150) that
    # the one national star held would point to; 40 hours hold no regional star.
    assert (next_threshold(160, REGIONAL), hours_to_next(160, REGIONAL)) == (300, 140)
    assert (next_threshold(40, REGIONAL), hours_to_next(40, REGIONAL)) == (50, 10)
    # Less than an hour short is what it is, to the hundredth of an hour.
    assert hours_to_next(99.5) == 0.5
    assert hours_to_next(149.99, REGIONAL) == 0.01
    assert hours_to_next(10.333) == 89.67
    # Exactly at a threshold the star is held: the next one is the goal.
    assert (next_threshold(300), hours_to_next(300)) == (600, 300)
    # At the top there is no next star.
    assert (next_threshold(1500), hours_to_next(1500)) == (None, None)
    assert hours_to_next(10_000) is None


def test_thresholds_must_be_five_positive_and_rising() -> None:
    assert threshold_problem(REGIONAL) is None
    assert threshold_problem(THRESHOLDS) is None
    assert threshold_problem((50, 150, 300, 500)) is messages.STAR_THRESHOLDS_COUNT
    assert threshold_problem((0, 150, 300, 500, 800)) is messages.STAR_THRESHOLDS_NOT_POSITIVE
    assert threshold_problem((50, -1, 300, 500, 800)) is messages.STAR_THRESHOLDS_NOT_POSITIVE
    # More than 0 is enough: a first star at exactly one hour, or at half an hour, is allowed.
    assert threshold_problem((1, 150, 300, 500, 800)) is None
    assert threshold_problem((0.5, 1, 2, 3, 4)) is None
    assert threshold_problem((50, 150, 150, 500, 800)) is messages.STAR_THRESHOLDS_NOT_RISING
    assert threshold_problem((50, 150, 300, 800, 500)) is not None


def test_rating_points_count_from_the_minimum_number_of_reviews_on() -> None:
    assert MIN_REVIEWS == 3
    few = ScoreParts(hours=0, activities=0, reviews=2, average_rating=5.0)
    assert few.rating_points == 0.0
    enough = ScoreParts(hours=0, activities=0, reviews=3, average_rating=4.5)
    assert enough.rating_points == 45.0
    unrated = ScoreParts(hours=0, activities=0, reviews=3, average_rating=None)
    assert unrated.rating_points == 0.0


def test_the_score_weighs_each_part_as_documented() -> None:
    # hours x1 + activities x2 + average rating x10 (3+ reviews) + four-ones months x5
    assert ScoreParts(hours=12.5, activities=0, reviews=0, average_rating=None).total == 12.5
    assert ScoreParts(hours=0, activities=3, reviews=0, average_rating=None).total == 6.0
    assert ScoreParts(hours=0, activities=0, reviews=4, average_rating=4.0).total == 40.0
    four_ones = ScoreParts(
        hours=0, activities=0, reviews=0, average_rating=None, four_ones_months=2
    )
    assert four_ones.total == 10.0
    every_part = ScoreParts(
        hours=10.333, activities=2, reviews=5, average_rating=3.5, four_ones_months=1
    )
    assert every_part.total == 54.33  # 10.333 + 4 + 35 + 5, to two decimals
    assert ScoreParts(hours=0, activities=0, reviews=0, average_rating=None).four_ones_months == 0
