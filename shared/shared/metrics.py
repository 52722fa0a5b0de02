"""Prometheus metrics of the event kit, labelled by service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_HANDLED = Counter(
    "linli_events_handled_total",
    "Events whose effect was committed (duplicates excluded).",
    ["service", "type"],
)
EVENTS_DUPLICATE = Counter(
    "linli_events_duplicate_total",
    "Events skipped because the inbox had already recorded them.",
    ["service"],
)
EVENTS_FAILED = Counter(
    "linli_events_failed_total",
    "Handling attempts that failed (each attempt counts).",
    ["service", "type"],
)
EVENTS_DEAD_LETTERED = Counter(
    "linli_events_dead_lettered_total",
    "Entries moved to the dead-letter stream.",
    ["service", "stream"],
)
HANDLER_SECONDS = Histogram(
    "linli_event_handler_seconds",
    "Time spent in one event handler, inside its transaction.",
    ["service", "type"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
EVENTS_PUBLISHED = Counter(
    "linli_events_published_total",
    "Outbox rows published to the stream by the relay.",
    ["service"],
)
OUTBOX_BACKLOG = Gauge(
    "linli_outbox_backlog",
    "Outbox rows committed but not yet published.",
    ["service"],
)
CONSUMER_LAG = Gauge(
    "linli_consumer_lag",
    "Entries in a stream not yet delivered to this service's group (Redis XINFO lag).",
    ["service", "stream"],
)
CONSUMER_PENDING = Gauge(
    "linli_consumer_pending",
    "Entries delivered to this service's group and not yet acknowledged.",
    ["service", "stream"],
)
CONSUMER_RESTARTS = Counter(
    "linli_consumer_restarts_total",
    "Subscribers (by stream) and reclaimers (stream 'reclaimer') the watchdog restarted "
    "after they stopped moving.",
    ["service", "stream"],
)
DEAD_LETTERS = Gauge(
    "linli_dead_letters",
    "Entries waiting in this service's dead-letter stream.",
    ["service"],
)
