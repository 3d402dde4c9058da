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


SIMULATORS: dict[str, SimulatorSpec] = {
    spec.name: spec
    for spec in [
        SimulatorSpec("licences", "电子证照库", 8101, "hmac", _licences),
    ]
}


def dev_secret(name: str) -> str:
    """The development secret both sides fall back to when no real one is configured."""
    return f"dev-secret-{name}"
