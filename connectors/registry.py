"""Builds one client per configured department system; the lifespan owns and closes them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from purgatory import AsyncCircuitBreakerFactory

from connectors.base import ConnectorMetrics, DepartmentClient
from connectors.config import SystemConfig
from connectors.licences.client import LicencesClient


@dataclass
class Connectors:
    systems: dict[str, DepartmentClient]
    licences: LicencesClient

    async def aclose(self) -> None:
        for client in self.systems.values():
            await client.aclose()


def build_connectors(
    configs: dict[str, SystemConfig],
    *,
    secret_for: Callable[[SystemConfig], str],
    client_system: str,
    breakers: AsyncCircuitBreakerFactory,
    metrics_registry: CollectorRegistry,
) -> Connectors:
    metrics = ConnectorMetrics(metrics_registry)
    systems = {
        name: DepartmentClient(
            config=cfg, secret=secret_for(cfg), client_system=client_system, breakers=breakers, metrics=metrics
        )
        for name, cfg in configs.items()
    }
    missing = {"licences"} - systems.keys()
    if missing:
        raise ValueError(f"systems file lacks required systems: {sorted(missing)}")
    return Connectors(systems=systems, licences=LicencesClient(systems["licences"]))
