"""What the stateful simulators (cases, work orders, ratings) share.

- a simulated clock: objects written through the API move on by themselves, one step every
  `BASE_STEP_SECONDS / speed` seconds (`SIMULATOR_CLOCK_SPEED`, default 1: a step every ~20 s;
  0 freezes the clock); `POST /_admin/clock` changes the speed of a running simulator;
- `POST /_admin/advance {"id", "steps", "event"?}` moves one object deterministically (tests,
  demos), including the exceptional transitions a department makes (补正, 退单, 申诉复核 …);
- every transition is sent to the gateway as a signed webhook (`simulators.common.webhooks`);
- idempotent writes (`Idempotency-Key`), and errors as `{"code", "message"}` JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any, Protocol

from fastapi import FastAPI, Header, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from simulators.common.webhooks import WebhookEvent, WebhookSender, WebhookStats

log = logging.getLogger("simulators.lifecycle")

# Government systems in China keep Beijing time.
CST = timezone(timedelta(hours=8), "CST")
# The day the seeded histories end (the same anchor as the licence data), so every run is identical.
SEED_TODAY = date(2026, 11, 23)
# Nothing in a seeded history happens after this moment (the morning of the seed day).
SEED_CUTOFF = datetime(SEED_TODAY.year, SEED_TODAY.month, SEED_TODAY.day, 8, 0, tzinfo=CST)
BASE_STEP_SECONDS = 20.0
CLOCK_SPEED_ENV = "SIMULATOR_CLOCK_SPEED"
WEBHOOK_URL_ENV = "SIMULATOR_WEBHOOK_URL"

IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")
]


def now() -> datetime:
    return datetime.now(CST).replace(microsecond=0)


def at_office_hours(day: date, minute_of_day: int) -> datetime:
    """A timestamp on `day` between 09:00 and 17:30 Beijing time (seeded histories)."""
    minutes = 9 * 60 + minute_of_day % (8 * 60 + 30)
    return datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=CST)


class SeedPlayer:
    """Plays a seeded history forward: runs the next transition on a day unless the history has
    reached its target (`reached()`) or the day lies past the seed cut-off."""

    def __init__(self, last: datetime, rng: random.Random, reached: Callable[[], bool]) -> None:
        self.last = last
        self.rng = rng
        self.reached = reached

    def run(self, day: date, transition: Callable[[datetime], None]) -> bool:
        if self.reached():
            return False
        at = at_office_hours(day, self.rng.randrange(480))
        if at <= self.last:
            at = self.last + timedelta(minutes=self.rng.randint(5, 90))
        if at >= SEED_CUTOFF:
            return False
        transition(at)
        self.last = at
        return not self.reached()


class SimulatorError(Exception):
    """An expected refusal, answered as JSON `{"code", "message"}` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def not_found(what: str) -> SimulatorError:
    return SimulatorError(404, "NOT_FOUND", f"{what}不存在")


def conflict(code: str, message: str) -> SimulatorError:
    return SimulatorError(409, code, message)


def unprocessable(code: str, message: str) -> SimulatorError:
    return SimulatorError(422, code, message)


@dataclass(frozen=True)
class Transition:
    event: str  # e.g. case.status_changed
    object_id: str
    status: str
    at: datetime
    subject_id_hash: str | None = None


class Lifecycle(Protocol):
    """One simulator's state machine, as the ticker and the admin endpoint drive it."""

    def step(self, object_id: str, event: str | None, *, auto: bool, into: str | None = None) -> Transition | None:
        """Apply one transition. `auto` steps only follow the ordinary path and return None when
        the object waits for someone else (the applicant, the caller) or has ended; manual steps
        may name an `event` (and its target `into`, for 并单) and raise `SimulatorError`
        (404 unknown id, 409 not allowed now)."""
        ...

    def snapshot(self, object_id: str) -> BaseModel: ...


class SimClock:
    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed

    @classmethod
    def from_env(cls) -> SimClock:
        raw = os.environ.get(CLOCK_SPEED_ENV, "1")
        try:
            speed = float(raw)
        except ValueError:
            log.warning("ignoring %s=%r: not a number", CLOCK_SPEED_ENV, raw)
            speed = 1.0
        return cls(max(0.0, min(speed, 10_000.0)))

    @property
    def step_seconds(self) -> float | None:
        """Real seconds between two automatic steps of one object; None while the clock stands."""
        return BASE_STEP_SECONDS / self.speed if self.speed > 0 else None


class Ticker:
    """Moves watched objects one step whenever their step time has passed."""

    def __init__(self, lifecycle: Lifecycle, clock: SimClock, emit: Callable[[Transition], None]) -> None:
        self.lifecycle = lifecycle
        self.clock = clock
        self.emit = emit
        self.watched: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def watch(self, object_id: str) -> None:
        self.watched[object_id] = time.monotonic()

    def ensure_started(self) -> None:
        # uvicorn runs the simulators without lifespan events, so the loop starts with the first request.
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            step = self.clock.step_seconds
            await asyncio.sleep(0.5 if step is None else max(0.01, min(0.5, step / 4)))
            if step is not None:
                self.tick(step)

    def tick(self, step_seconds: float) -> None:
        current = time.monotonic()
        for object_id, last in list(self.watched.items()):
            if current - last < step_seconds:
                continue
            try:
                transition = self.lifecycle.step(object_id, None, auto=True)
            except Exception:
                log.exception("automatic step failed", extra={"object_id": object_id})
                transition = None
            if transition is None:
                self.watched.pop(object_id, None)
            else:
                self.watched[object_id] = current
                self.emit(transition)

    def advance(self, object_id: str, steps: int, event: str | None, into: str | None = None) -> list[Transition]:
        done: list[Transition] = []
        for index in range(steps):
            first = index == 0
            transition = self.lifecycle.step(
                object_id, event if first else None, auto=False, into=into if first else None
            )
            if transition is None:
                break
            done.append(transition)
            self.emit(transition)
        if not done:
            raise conflict("NO_TRANSITION", "该事项已结束或正在等待申请人，无法继续推进")
        if object_id in self.watched:
            self.watched[object_id] = time.monotonic()
        return done

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class IdempotencyStore:
    """Same key and same request → the object made the first time; same key, other request → 422."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[str, str]] = {}

    @staticmethod
    def _fingerprint(request: BaseModel) -> str:
        return hashlib.sha256(request.model_dump_json().encode()).hexdigest()

    def replay(self, scope: str, key: str | None, request: BaseModel) -> str | None:
        if key is None:
            return None
        found = self._entries.get((scope, key))
        if found is None:
            return None
        fingerprint, object_id = found
        if fingerprint != self._fingerprint(request):
            raise unprocessable("IDEMPOTENCY_KEY_REUSED", "该幂等键已用于另一笔内容不同的请求")
        return object_id

    def remember(self, scope: str, key: str | None, request: BaseModel, object_id: str) -> None:
        if key is not None:
            self._entries[(scope, key)] = (self._fingerprint(request), object_id)

    def __len__(self) -> int:
        return len(self._entries)


class AdvanceRequest(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    steps: int = Field(default=1, ge=1, le=20)
    event: str | None = Field(default=None, max_length=16, description="an exceptional transition, e.g. 补正")
    into: str | None = Field(default=None, max_length=64, description="the target of 并单 (work orders)")


class TransitionOut(BaseModel):
    status: str
    at: datetime


class AdvanceResult(BaseModel):
    id: str
    transitions: list[TransitionOut]
    object: dict[str, Any]


class ClockSetting(BaseModel):
    speed: float = Field(ge=0, le=10_000, description="0 stops the clock; 1 is one step per ~20 s")


class ClockState(ClockSetting):
    step_seconds: float | None
    watched: int


@dataclass
class Stateful:
    """The per-app machinery: clock, ticker, webhooks and idempotency, plus its admin endpoints."""

    system: str
    clock: SimClock
    webhooks: WebhookSender
    idempotency: IdempotencyStore = field(default_factory=IdempotencyStore)
    ticker: Ticker = field(init=False)
    lifecycle: Lifecycle = field(init=False)

    def bind(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle
        self.ticker = Ticker(lifecycle, self.clock, self.emit)

    def emit(self, transition: Transition) -> None:
        self.webhooks.send(
            WebhookEvent(
                event=transition.event,
                object_id=transition.object_id,
                status=transition.status,
                at=transition.at,
                subject_id_hash=transition.subject_id_hash,
            )
        )


def install_stateful(app: FastAPI, system: str, secret: str, lifecycle: Lifecycle) -> Stateful:
    """Wire the clock, ticker, webhooks, error handlers and admin endpoints into a simulator app."""
    stateful = Stateful(
        system=system,
        clock=SimClock.from_env(),
        webhooks=WebhookSender(system, secret, os.environ.get(WEBHOOK_URL_ENV)),
    )
    stateful.bind(lifecycle)
    app.state.stateful = stateful
    _install_error_handlers(app)

    @app.middleware("http")
    async def start_ticker(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        stateful.ticker.ensure_started()
        return await call_next(request)

    @app.post("/_admin/advance", tags=["admin"])
    async def advance(request: AdvanceRequest) -> AdvanceResult:
        transitions = stateful.ticker.advance(request.id, request.steps, request.event, request.into)
        snapshot = stateful.lifecycle.snapshot(request.id)
        return AdvanceResult(
            id=request.id,
            transitions=[TransitionOut(status=t.status, at=t.at) for t in transitions],
            object=snapshot.model_dump(mode="json"),
        )

    @app.get("/_admin/clock", tags=["admin"])
    async def get_clock() -> ClockState:
        return _clock_state(stateful)

    @app.post("/_admin/clock", tags=["admin"])
    async def set_clock(setting: ClockSetting) -> ClockState:
        stateful.clock.speed = setting.speed
        return _clock_state(stateful)

    @app.get("/_admin/webhooks", tags=["admin"])
    async def webhook_stats() -> WebhookStats:
        return stateful.webhooks.stats

    return stateful


def _clock_state(stateful: Stateful) -> ClockState:
    return ClockState(
        speed=stateful.clock.speed, step_seconds=stateful.clock.step_seconds, watched=len(stateful.ticker.watched)
    )


def _install_error_handlers(app: FastAPI) -> None:
    async def simulator_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SimulatorError)
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)

    async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = jsonable_encoder(exc.errors(), custom_encoder={ValueError: str})
        return JSONResponse({"code": "INVALID_REQUEST", "message": "请求参数不合法", "errors": errors}, status_code=422)

    app.add_exception_handler(SimulatorError, simulator_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
