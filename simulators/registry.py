"""The simulators there are, their default ports, and how to build each app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI

from simulators.common.app import SimulatorAuth


@dataclass(frozen=True)
class SimulatorSpec:
    name: str
    title: str
    default_port: int
    auth_mode: str
    factory: Callable[[SimulatorAuth], FastAPI]


def _licences(auth: SimulatorAuth) -> FastAPI:
    from simulators.licences.app import create_app

    return create_app(auth)


def _catalogue(auth: SimulatorAuth) -> FastAPI:
    from simulators.catalogue.app import create_app

    return create_app(auth)


def _cases(auth: SimulatorAuth) -> FastAPI:
    from simulators.cases.app import create_app

    return create_app(auth)


def _workorders(auth: SimulatorAuth) -> FastAPI:
    from simulators.workorders.app import create_app

    return create_app(auth)


def _ratings(auth: SimulatorAuth) -> FastAPI:
    from simulators.ratings.app import create_app

    return create_app(auth)


def _enterprise(auth: SimulatorAuth) -> FastAPI:
    from simulators.enterprise.app import create_app

    return create_app(auth)


def _appointments(auth: SimulatorAuth) -> FastAPI:
    from simulators.appointments.app import create_app

    return create_app(auth)


def _records(auth: SimulatorAuth) -> FastAPI:
    from simulators.records.app import create_app

    return create_app(auth)


def _bills(auth: SimulatorAuth) -> FastAPI:
    from simulators.bills.app import create_app

    return create_app(auth)


SIMULATORS: dict[str, SimulatorSpec] = {
    spec.name: spec
    for spec in [
        SimulatorSpec("licences", "电子证照库", 8101, "hmac", _licences),
        SimulatorSpec("cases", "统一申办受理系统", 8102, "hmac", _cases),
        SimulatorSpec("workorders", "12345政务服务便民热线", 8103, "api_key", _workorders),
        SimulatorSpec("ratings", "政务服务好差评系统", 8104, "hmac", _ratings),
        SimulatorSpec("enterprise", "市场主体登记系统", 8105, "hmac", _enterprise),
        SimulatorSpec("appointments", "预约服务系统", 8106, "api_key", _appointments),
        SimulatorSpec("records", "社保医保公积金记录", 8107, "hmac", _records),
        SimulatorSpec("bills", "水电气缴费", 8108, "api_key", _bills),
        SimulatorSpec("catalogue", "事项管理系统", 8109, "api_key", _catalogue),
    ]
}


def dev_secret(name: str) -> str:
    """The development secret both sides fall back to when no real one is configured."""
    return f"dev-secret-{name}"
