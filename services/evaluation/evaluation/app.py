"""The evaluation service: its one wiring point."""

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from evaluation import four_ones, reminders
from evaluation.api import (
    certificates,
    configuration,
    dashboards,
    district,
    hours,
    issuer,
    lists,
    me,
    periods,
)
from evaluation.domain.four_ones import reminder_due
from evaluation.handlers import handlers
from evaluation.settings import Settings
from shared import clock
from shared.app import create_service_app
from shared.projections.communities_routes import communities_router
from shared.runtime import PeriodicTask, ServiceDefinition, ServiceRuntime


def _definition(settings: Settings) -> ServiceDefinition:
    async def close_last_month(runtime: ServiceRuntime) -> None:
        # Announce last month once it is over in the district's calendar.
        first_of_month = clock.now().astimezone(settings.zone).replace(day=1)
        last_month = four_ones.month_of(first_of_month - timedelta(days=1), settings.zone)
        async with runtime.db.session() as session:
            await four_ones.close_month(session, last_month)

    async def remind_four_ones(runtime: ServiceRuntime) -> None:
        # In the month's last days in the district's calendar, remind members once.
        due = reminder_due(clock.now(), settings.zone, settings.four_ones_reminder_days)
        if due is not None:
            await reminders.remind(runtime.db, *due)

    return ServiceDefinition(
        name="evaluation",
        title="Linli evaluation",
        description="Hour ledgers, star levels, the four ones, peer review, commendation and certificates.",
        migrations_dir=Path(__file__).parent / "migrations",
        handlers=handlers,
        periodic=[
            PeriodicTask(
                "close-four-ones-month", settings.close_months_interval_seconds, close_last_month
            ),
            PeriodicTask(
                "remind-four-ones",
                settings.four_ones_reminder_interval_seconds,
                remind_four_ones,
            ),
        ],
    )


DEFINITION = _definition(Settings())


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the evaluation app; uvicorn calls this as a factory."""
    settings = settings or Settings()
    return create_service_app(
        _definition(settings),
        settings,
        [
            communities_router(),
            hours.router,
            periods.router,
            dashboards.router,
            district.router,
            certificates.router,
            me.router,
            lists.router,
            configuration.router,
            issuer.router,
        ],
    )
