"""The period score: explainable, each part shown beside the total.

    score = hours + 2 x activities + 10 x average peer rating (with at least 3 reviews)
            + 5 x months with all four ones done (party members)

- hours: confirmed service hours that started inside the period;
- activities: distinct activities served (confirmed) inside the period;
- peer rating: the average of 1-5 ratings by colleagues, counted only from
  MIN_REVIEWS reviews on, so one friendly review cannot lift a score;
- four ones: months of the period in which the volunteer did all four (party members;
  others have none to count).
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_REVIEWS = 3
HOURS_WEIGHT = 1.0
ACTIVITY_WEIGHT = 2.0
RATING_WEIGHT = 10.0
FOUR_ONES_WEIGHT = 5.0


@dataclass(frozen=True)
class ScoreParts:
    """The inputs of a score and the points each gives."""

    hours: float
    activities: int
    reviews: int
    average_rating: float | None
    four_ones_months: int = 0

    @property
    def rating_points(self) -> float:
        """Points from peer review; none below the minimum number of reviews."""
        if self.reviews < MIN_REVIEWS or self.average_rating is None:
            return 0.0
        return RATING_WEIGHT * self.average_rating

    @property
    def total(self) -> float:
        """The score."""
        return round(
            HOURS_WEIGHT * self.hours
            + ACTIVITY_WEIGHT * self.activities
            + self.rating_points
            + FOUR_ONES_WEIGHT * self.four_ones_months,
            2,
        )
