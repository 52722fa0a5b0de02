"""What a district office wants to see after the half-year, read from the public APIs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from simulator.client import Caller, NotYet, Platform, eventually
from simulator.figures import DistrictFigures, gather_figures, render_figures
from simulator.scenario import Outcome
from simulator.webhooks import Receiver


@dataclass
class DistrictReport:
    """The figures, gathered once, printable as tables."""

    figures: DistrictFigures = field(default_factory=DistrictFigures)
    honour_roll: list[tuple[str, str, str, float]] = field(default_factory=list)
    notifications: int = 0
    webhook_deliveries: dict[str, int] = field(default_factory=dict)
    webhook_events: dict[str, int] = field(default_factory=dict)


def gather(
    platform: Platform, admin: Caller, outcome: Outcome, receiver: Receiver | None
) -> DistrictReport:
    """Ask the services for the district office's figures about the run's communities."""
    report = DistrictReport()
    report.figures = gather_figures(
        platform,
        admin,
        outcome.today,
        [(c.id, c.name) for c in outcome.communities],
        outcome.completed_by_hand,
    )
    for community in outcome.communities:
        for entry in platform.walk("evaluation", f"/periods/{community.period_id}/honour-roll"):
            report.honour_roll.append(
                (
                    community.name,
                    entry["volunteer_number"] or "",
                    entry["name"] or "",
                    entry["score"],
                )
            )
        people = [community.admin, community.leader, community.resident] + [
            v.account for v in community.members if v.account is not None
        ]
        for caller in people:
            report.notifications += platform.get("notifications", "/inbox/unread-count", caller)[
                "unread"
            ]
    report.notifications += platform.get("notifications", "/inbox/unread-count", admin)["unread"]
    if outcome.webhook_id:
        report.webhook_deliveries = webhook_log(platform, admin, outcome.webhook_id)
    if receiver is not None:
        report.webhook_events = dict(receiver.accepted)
    return report


def delivery_statuses(platform: Platform, admin: Caller, subscription: str) -> dict[str, int]:
    """The latest 200 deliveries of a subscription, counted by status."""
    log = platform.get(
        "notifications", f"/webhooks/{subscription}/deliveries", admin, params={"limit": 200}
    )
    statuses: dict[str, int] = defaultdict(int)
    for delivery in log["items"]:
        statuses[delivery["status"]] += 1
    return dict(statuses)


def webhook_log(
    platform: Platform, admin: Caller, subscription: str, settle_seconds: float = 60.0
) -> dict[str, int]:
    """Deliveries by status once none is pending, or as they stand when time is up:
    deliveries trail the events by the notifier's batches and back-off."""

    def settled() -> dict[str, int]:
        statuses = delivery_statuses(platform, admin, subscription)
        if statuses.get("pending"):
            raise NotYet(f"{statuses['pending']} deliveries pending")
        return statuses

    try:
        return eventually(settled, "webhook deliveries", timeout=settle_seconds)
    except NotYet:
        return delivery_statuses(platform, admin, subscription)


def render(report: DistrictReport, outcome: Outcome, console: Console) -> None:
    """Print the tables."""
    console.rule("[bold]邻里 · district report")
    console.print(
        f"seed {outcome.seed}: {len(outcome.communities)} communities, "
        f"{sum(len(c.volunteers) for c in outcome.communities)} volunteers, "
        f"{outcome.records} service records ({outcome.corrected} corrected, {outcome.voided} voided), "
        f"{outcome.sign_ups} sign-ups ({outcome.waitlisted} waitlisted), {outcome.check_ins} check-ins, "
        f"{outcome.series_changed} series occurrences moved, {outcome.series_cancelled} called off, "
        f"{outcome.visits} pairing visits, {outcome.requests} requests solved, "
        f"{outcome.reviews} peer reviews, {outcome.nominations} nominations; "
        f"{outcome.requests_sent} HTTP requests in {outcome.seconds:.0f} s"
    )

    render_figures(report.figures, console)

    roll = Table(title="Honour roll (表彰名单), published")
    for column in ("community", "volunteer number", "name", "score"):
        roll.add_column(column)
    for community, number, name, score in report.honour_roll:
        roll.add_row(community, number, name, f"{score:g}")
    console.print(roll)

    own = outcome.self_service
    console.print(
        f"Volunteers who read their own hours, records, certificates and colleagues: "
        f"{own.readers}; hours as the ledger's {own.hours_agree}, certificates issued and "
        f"listed {own.certificates}, reviews as the ranking's {own.colleagues_agree}"
    )
    for disagreement in own.disagreements:
        console.print(f"[red]  disagrees: {disagreement}")
    console.print(f"In-app notifications sent to the run's people: {report.notifications}")
    delivered = ", ".join(f"{n} {s}" for s, n in sorted(report.webhook_deliveries.items()))
    console.print(f"Webhook deliveries (the log's latest 200): {delivered or 'none'}")
    received = ", ".join(
        f"{n} {t.rsplit('.', 2)[-2]}" for t, n in sorted(report.webhook_events.items())
    )
    console.print(f"Webhook events received, signature checked, once each: {received or 'none'}")
