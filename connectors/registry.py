"""Builds one client per configured department system; the lifespan owns and closes them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from purgatory import AsyncCircuitBreakerFactory

from connectors.appointments.client import AppointmentsClient
from connectors.base import ConnectorMetrics, DepartmentClient
from connectors.bills.client import BillsClient
from connectors.cases.client import CasesClient
from connectors.catalogue.client import CatalogueClient
from connectors.config import SystemConfig
from connectors.enterprise.client import EnterpriseClient
from connectors.licences.client import LicencesClient
from connectors.ratings.client import RatingsClient
from connectors.records.client import RecordsClient
from connectors.workorders.client import WorkOrdersClient


@dataclass
class Connectors:
    systems: dict[str, DepartmentClient]
    licences: LicencesClient
    cases: CasesClient
    workorders: WorkOrdersClient
    ratings: RatingsClient
    enterprise: EnterpriseClient
    appointments: AppointmentsClient
    records: RecordsClient
    bills: BillsClient
    # Optional: without it, search serves the FAQ only until a catalogue system is configured.
    catalogue: CatalogueClient | None = None

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
    missing = {"licences", "cases", "workorders", "ratings", "enterprise", "appointments", "records", "bills"}
    missing -= systems.keys()
    if missing:
        raise ValueError(f"systems file lacks required systems: {sorted(missing)}")
    return Connectors(
        systems=systems,
        licences=LicencesClient(systems["licences"]),
        cases=CasesClient(systems["cases"]),
        workorders=WorkOrdersClient(systems["workorders"]),
        ratings=RatingsClient(systems["ratings"]),
        enterprise=EnterpriseClient(systems["enterprise"]),
        appointments=AppointmentsClient(systems["appointments"]),
        records=RecordsClient(systems["records"]),
        bills=BillsClient(systems["bills"]),
        catalogue=CatalogueClient(systems["catalogue"]) if "catalogue" in systems else None,
    )
