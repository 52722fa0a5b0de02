"""Rows of figures against their ceilings, printed as a Markdown table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure, the ceiling it is compared with, and the goal for the ratio."""

    name: str
    setup: str
    value: float
    unit: str
    ceiling: float
    ceiling_name: str
    goal: float | None = None

    @property
    def ratio(self) -> float:
        """The figure as a share of its ceiling."""
        return self.value / self.ceiling if self.ceiling else 0.0


def table(figures: list[Figure]) -> str:
    """The figures as a Markdown table."""
    lines = [
        "| figure | setup | measured | ceiling (same run) | ratio | goal |",
        "|---|---|---|---|---|---|",
    ]
    for figure in figures:
        goal = f">= {figure.goal:g}" if figure.goal is not None else ""
        # Small ratios (memory) need a third decimal to say anything.
        ratio = f"{figure.ratio:.2f}" if figure.ratio >= 0.1 else f"{figure.ratio:.3f}"
        lines.append(
            f"| {figure.name} | {figure.setup} | {figure.value:,.0f} {figure.unit} "
            f"| {figure.ceiling:,.0f} {figure.unit} ({figure.ceiling_name}) "
            f"| {ratio} | {goal} |"
        )
    return "\n".join(lines)
