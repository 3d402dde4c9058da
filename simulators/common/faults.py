"""Fault injection driven over HTTP: POST /_admin/faults, DELETE /_admin/faults."""

from __future__ import annotations

import asyncio
import random

from pydantic import BaseModel, Field


class Faults(BaseModel):
    latency_ms: int = Field(default=0, ge=0, le=600_000)
    jitter_ms: int = Field(default=0, ge=0, le=600_000)
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    hang: bool = False
    malformed: bool = False


class FaultState:
    def __init__(self, seed: int = 7) -> None:
        self.current = Faults()
        self._random = random.Random(seed)

    def set(self, faults: Faults) -> None:
        self.current = faults

    def clear(self) -> None:
        self.current = Faults()

    async def delay(self) -> None:
        faults = self.current
        if faults.hang:
            # Hold the connection until the client gives up; the gateway's deadline must act.
            await asyncio.sleep(3600)
        if faults.latency_ms or faults.jitter_ms:
            jitter = self._random.uniform(-faults.jitter_ms, faults.jitter_ms) if faults.jitter_ms else 0.0
            await asyncio.sleep(max(0.0, faults.latency_ms + jitter) / 1000)

    def should_fail(self) -> bool:
        rate = self.current.error_rate
        return rate > 0 and self._random.random() < rate
