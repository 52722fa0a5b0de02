"""The notifications service: its one wiring point."""

from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlmodel import col, select

from notifications import announcements, channels, reminders, webhooks
from notifications.api import announcements as announcement_routes
from notifications.api import inbox
from notifications.api import webhooks as webhook_routes
from notifications.handlers import handlers
from notifications.models import WebhookSubscription
from notifications.settings import Settings
from shared.app import create_service_app
from shared.projections.communities_routes import communities_router
from shared.runtime import PeriodicTask, ServiceDefinition, ServiceRuntime


def _definition(settings: Settings, targets: webhooks.Targets) -> ServiceDefinition:
    client = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False)

    async def deliver(runtime: ServiceRuntime) -> None:
        async with runtime.db.session() as session:
            catching_up = (
                await session.exec(
                    select(WebhookSubscription.id).where(
                        col(WebhookSubscription.catch_up_from).is_not(None)
                    )
                )
            ).all()
        keys = [settings.stream_key(stream) for stream in handlers.streams]
        for subscription_id in catching_up:
            await webhooks.catch_up(runtime.db, runtime.redis, subscription_id, keys)
        while await webhooks.dispatch(
            runtime.db,
            client,
            targets=targets,
            max_attempts=settings.webhook_max_attempts,
            failures_to_disable=settings.webhook_failures_to_disable,
            backoff_base_seconds=settings.webhook_backoff_base_seconds,
        ):
            pass

    mailer = channels.SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_sender)
    sms = channels.FileSmsProvider(settings.sms_outbox_file)
    zone = settings.zone

    async def send_channels(runtime: ServiceRuntime) -> None:
        async with runtime.db.session() as session:
            await channels.fan_out(session, zone)
        await channels.send_due(runtime.db, mailer, sms, zone)

    async def remind(runtime: ServiceRuntime) -> None:
        async with runtime.db.session() as session:
            await reminders.remind(session, timedelta(hours=settings.reminder_hours_ahead))

    async def publish_announcements(runtime: ServiceRuntime) -> None:
        async with runtime.db.session() as session:
            await announcements.publish_due(session)

    return ServiceDefinition(
        name="notifications",
        title="Linli notifications",
        description="Inbox, announcements, e-mail and SMS, reminders, and webhooks for integrations.",
        migrations_dir=Path(__file__).parent / "migrations",
        handlers=handlers,
        periodic=[
            PeriodicTask("webhooks", settings.webhook_interval_seconds, deliver),
            PeriodicTask(
                "announcements", settings.announcement_interval_seconds, publish_announcements
            ),
            PeriodicTask("channels", settings.channel_interval_seconds, send_channels),
            PeriodicTask("reminders", settings.reminder_interval_seconds, remind),
        ],
        on_stop=[client.aclose],
    )


DEFINITION = _definition(Settings(), webhooks.Targets())


def create_app(
    settings: Settings | None = None, resolve: webhooks.Resolve | None = None
) -> FastAPI:
    """Build the notifications app; uvicorn calls this as a factory. `resolve` replaces
    the system resolver for webhook hosts (tests make a name point elsewhere with it)."""
    settings = settings or Settings()
    targets = webhooks.Targets(
        settings.webhook_allowed_hosts,
        resolve or webhooks.resolve_host,
        resolve_timeout_seconds=settings.webhook_timeout_seconds,
    )
    app = create_service_app(
        _definition(settings, targets),
        settings,
        [communities_router(), inbox.router, webhook_routes.router, announcement_routes.router],
    )
    app.state.webhook_targets = targets
    return app
