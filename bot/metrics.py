"""Prometheus metrics, off unless METRICS_ADDR is set: counts only, never an id.

A private CollectorRegistry holds one collector that reads the running bot's own counters at
each scrape (bot.services.health.Activity, the update gate's skipped count, the hourly report
figure); prometheus-client writes the exposition format and serves it through its aiohttp
handler on the bot's own event loop. What is deliberately absent:
- anything about a person, a chat, an alert id or a text;
- a live report counter: it would time each report to the second. Reports appear only as the
  number created in the last completed hour, refreshed once the hour has turned;
- the keyring's state (locked, unlocked): whoever can reach the port need not learn it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.aiohttp import make_aiohttp_handler
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.config import ConfigError, metrics_endpoint
from bot.logs import fields
from bot.services.health import Health

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from bot.telegram.updates import UpdateGate

log = logging.getLogger("helpline.metrics")


class HelplineCollector(Collector):
    """The bot's counters as Prometheus metrics, read when scraped."""

    def __init__(self, health: Health, gate: UpdateGate) -> None:
        self._health = health
        self._gate = gate

    def collect(self) -> Iterator[Metric]:
        activity = self._health.activity
        yield _counter(
            "helpline_updates_handled",
            "Updates handed to the handlers.",
            [((), activity.updates_handled)],
        )
        yield _counter(
            "helpline_updates_skipped",
            "Updates skipped because the library cannot parse them.",
            [((), self._gate.skipped)],
        )
        yield _counter(
            "helpline_alerts_approved",
            "Alerts and announcements approved by enough people and queued for sending.",
            [((kind,), count) for kind, count in activity.alerts_approved.items()],
            labels=["kind"],
        )
        yield _counter(
            "helpline_alerts_sent",
            "Broadcasts finished (every copy sent, failed or dropped).",
            [((), activity.alerts_sent)],
        )
        yield _counter(
            "helpline_deliveries",
            "Outbox sends and edits by outcome (retried: a 5xx or network error, tried again).",
            [((outcome,), count) for outcome, count in activity.deliveries.items()],
            labels=["outcome"],
        )
        yield _counter(
            "helpline_rate_limit_pauses",
            "Times a 429 from the Bot API paused every send.",
            [((), activity.rate_limit_pauses)],
        )
        reports = GaugeMetricFamily(
            "helpline_reports_last_hour",
            "Reports created in the last completed hour (UTC), refreshed once an hour.",
        )
        reports.add_metric([], self._health.reports_last_hour)
        yield reports


def _counter(
    name: str,
    documentation: str,
    samples: list[tuple[tuple[str, ...], int]],
    labels: list[str] | None = None,
) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=labels or [])
    for values, count in samples:
        family.add_metric(list(values), count)
    return family


def registry_for(health: Health, gate: UpdateGate) -> CollectorRegistry:
    """A registry of our own: nothing from the global one (process, platform, gc) leaks in."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(HelplineCollector(health, gate))
    return registry


class MetricsServer:
    """`GET /metrics` on METRICS_ADDR, on the bot's event loop; `stop()` at shutdown."""

    def __init__(self, runner: web.AppRunner) -> None:
        self._runner = runner

    @classmethod
    async def start(cls, addr: str, registry: CollectorRegistry) -> MetricsServer:
        """Bound and serving, or ConfigError in one line (a bad address, a port in use)."""
        try:
            host, port = metrics_endpoint(addr)
        except ValueError as exc:
            raise ConfigError(f"METRICS_ADDR {addr!r} {exc}") from None
        app = web.Application()
        app.router.add_get("/metrics", make_aiohttp_handler(registry))
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            await runner.cleanup()
            reason = exc.strerror or type(exc).__name__
            raise ConfigError(
                f"METRICS_ADDR {addr}: cannot listen there ({reason}); pick a free port"
            ) from None
        log.info("metrics served", extra=fields(addr=addr))
        return cls(runner)

    async def stop(self) -> None:
        await self._runner.cleanup()
