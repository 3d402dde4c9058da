"""The base every department client stands on.

Timeouts and a total deadline per call, retries with jitter for idempotent reads only
(stamina), a circuit breaker per system (purgatory), a concurrency cap (bulkhead), request
signing, typed response validation, and one small set of domain errors.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

import httpx
import orjson
import stamina
from prometheus_client import CollectorRegistry, Counter, Histogram
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from pydantic import BaseModel, ValidationError

from connectors.config import SystemConfig
from connectors.errors import (
    DepartmentError,
    DepartmentRejected,
    DepartmentTimeout,
    DepartmentUnavailable,
    NotFound,
)
from connectors.transport import DepartmentTransport, department_transport
from kit import signing

log = logging.getLogger("citizen.connectors")
ModelT = TypeVar("ModelT", bound=BaseModel)
# Answers that prove the system is up: they never count towards opening its breaker. Every
# get_breaker call must pass this list, because purgatory stores it on the shared breaker
# context: a call without it (the health probe) would wipe it for calls in flight.
_BREAKER_EXCLUDE: list[type[BaseException] | tuple[type[BaseException], Any]] = [NotFound, DepartmentRejected]
# Backoff between read attempts: a small jitter well under the cap, so retries spread out
# instead of all landing on the cap (a jitter larger than the cap makes most waits equal).
_RETRY_WAIT_INITIAL, _RETRY_WAIT_MAX, _RETRY_WAIT_JITTER = 0.05, 0.5, 0.1
_REJECTION = re.compile(r"^HTTP \d{3} (?P<code>[A-Z][A-Z0-9_]*): ")


def rejection_code(error: DepartmentRejected) -> str | None:
    """The department's own code for a refusal (e.g. SLOT_FULL), when it sent one."""
    match = _REJECTION.match(error.reason)
    return match.group("code") if match else None


@dataclass(frozen=True, slots=True)
class CallContext:
    """What every call tells the department: who asks, for what, and on whose behalf (X-Road)."""

    request_id: str
    purpose: str
    user_pseudonym: str | None = None


class ConnectorMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.calls = Counter(
            "department_calls_total", "Calls to department systems", ["system", "outcome"], registry=registry
        )
        self.latency = Histogram(
            "department_call_seconds",
            "Latency of department calls",
            ["system"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )


@dataclass(slots=True)
class SystemHealth:
    last_success_at: float | None = None
    last_failure_at: float | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    calls: int = 0
    failures: int = 0

    def state(self, breaker_open: bool) -> str:
        if breaker_open:
            return "down"
        if self.consecutive_failures:
            return "degraded"
        return "up" if self.last_success_at else "unknown"


class _Abandoned(Exception):
    """Given to callers sharing a read whose first caller was cancelled before it finished."""


def _canonical(value: dict[str, Any] | None) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str) if value is not None else b""


class _Transient(Exception):
    """Raised inside the retry loop for failures worth another read attempt."""

    def __init__(self, error: DepartmentError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class DepartmentClient:
    config: SystemConfig
    secret: str
    client_system: str
    breakers: AsyncCircuitBreakerFactory
    metrics: ConnectorMetrics
    transport: DepartmentTransport = field(init=False)
    health: SystemHealth = field(default_factory=SystemHealth)
    _bulkhead: asyncio.Semaphore = field(init=False)
    _reads_in_flight: dict[tuple[object, ...], asyncio.Future[Any]] = field(init=False)

    def __post_init__(self) -> None:
        cfg = self.config
        self._reads_in_flight = {}
        self._base_url = str(cfg.base_url).rstrip("/")
        self._timeout = httpx.Timeout(
            connect=cfg.connect_timeout_seconds,
            read=cfg.read_timeout_seconds,
            write=cfg.read_timeout_seconds,
            pool=cfg.connect_timeout_seconds,
        ).as_dict()
        self.transport = department_transport(cfg.max_connections)
        self._bulkhead = asyncio.Semaphore(cfg.max_concurrency)
        # Every configured system shows in /metrics from the start, not only after its first call.
        self.metrics.calls.labels(self.name, "ok")
        self._latency = self.metrics.latency.labels(self.name)

    @property
    def name(self) -> str:
        return self.config.name

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def _breaker(self) -> Any:
        cfg = self.config
        return await self.breakers.get_breaker(
            self.name, cfg.breaker_threshold, cfg.breaker_ttl_seconds, exclude=_BREAKER_EXCLUDE
        )

    async def breaker_open(self) -> bool:
        """Whether calls fail fast right now. Past its TTL an open breaker lets the next call
        through as a probe (half-open), so the system is no longer reported down for ever."""
        context = (await self._breaker()).context
        if context.state != "opened":
            return False
        return context.opened_at is None or time.time() < context.opened_at + context.ttl

    # -- public calls -------------------------------------------------------------------------

    async def get_json(
        self, path: str, model: type[ModelT], call: CallContext, params: dict[str, Any] | None = None
    ) -> ModelT:
        """An idempotent read: retried with jitter inside the total deadline."""
        return await self._call("GET", path, model, call, params=params, retry=True)

    async def post_json(
        self,
        path: str,
        model: type[ModelT],
        call: CallContext,
        body: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        idempotent_read: bool = False,
    ) -> ModelT:
        """A write is never retried here: the outbox owns redelivery with its idempotency key.

        `idempotent_read` marks POSTs that only read (batch lookups) and may be retried.
        """
        return await self._call(
            "POST", path, model, call, body=body, retry=idempotent_read, idempotency_key=idempotency_key
        )

    # -- the machinery ------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        model: type[ModelT],
        call: CallContext,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        retry: bool,
        idempotency_key: str | None = None,
    ) -> ModelT:
        if not retry:
            return await self._call_once(method, path, model, call, params, body, retry, idempotency_key)
        # Sections of one request often need the same read (the case list feeds cases, awaiting
        # rating and the timeline): identical reads of one request that are in flight together
        # share one department call. Keyed by the request, so nothing is shared across requests.
        key: tuple[object, ...] = (call.request_id, call.purpose, call.user_pseudonym, method, path, model)
        key += (_canonical(params), _canonical(body))
        shared = self._reads_in_flight.get(key)
        if shared is not None:
            try:
                return cast(ModelT, await asyncio.shield(shared))
            except _Abandoned:
                pass  # the first caller gave up; read for ourselves
            return await self._call_once(method, path, model, call, params, body, retry, None)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._reads_in_flight[key] = future
        try:
            result = await self._call_once(method, path, model, call, params, body, retry, None)
        except asyncio.CancelledError:
            future.set_exception(_Abandoned())
            raise
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._reads_in_flight[key]
            if not future.cancelled():
                future.exception()  # mark it retrieved: most reads have no one sharing them

    async def _call_once(
        self,
        method: str,
        path: str,
        model: type[ModelT],
        call: CallContext,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        retry: bool,
        idempotency_key: str | None,
    ) -> ModelT:
        cfg = self.config
        started = time.perf_counter()
        outcome = "ok"
        try:
            async with asyncio.timeout(cfg.deadline_seconds):
                breaker = await self._breaker()
                async with breaker, self._bulkhead:
                    if not retry:
                        return await self._attempt(method, path, model, call, params, body, idempotency_key)
                    # The first attempt runs outside stamina: nearly every read succeeds at once, and
                    # setting up the retry loop cost more CPU than the call itself (profiled).
                    try:
                        return await self._attempt(method, path, model, call, params, body, None)
                    except (DepartmentUnavailable, DepartmentTimeout) as exc:
                        if cfg.read_attempts <= 1:
                            raise _Transient(exc) from exc
                    # The pause stamina would have made before its second attempt.
                    await asyncio.sleep(_RETRY_WAIT_INITIAL + random.uniform(0, _RETRY_WAIT_JITTER))
                    async for attempt in stamina.retry_context(
                        on=_Transient,
                        attempts=cfg.read_attempts - 1,
                        timeout=max(0.0, cfg.deadline_seconds - (time.perf_counter() - started)),
                        wait_initial=_RETRY_WAIT_INITIAL,
                        wait_max=_RETRY_WAIT_MAX,
                        wait_jitter=_RETRY_WAIT_JITTER,
                    ):
                        with attempt:
                            try:
                                return await self._attempt(method, path, model, call, params, body, None)
                            except (DepartmentUnavailable, DepartmentTimeout) as exc:
                                raise _Transient(exc) from exc
                    raise AssertionError("unreachable: stamina re-raises the last failure")
        except _Transient as exc:
            outcome = exc.error.code
            self._failed(exc.error)
            raise exc.error from None
        except OpenedState:
            outcome = "BREAKER_OPEN"
            error = DepartmentUnavailable(self.name, cfg.department, "circuit breaker open")
            self._failed(error)
            raise error from None
        except TimeoutError:
            outcome = "DEPARTMENT_TIMEOUT"
            timeout = DepartmentTimeout(self.name, cfg.department, f"no answer within {cfg.deadline_seconds}s")
            self._failed(timeout)
            raise timeout from None
        except (NotFound, DepartmentRejected) as exc:
            outcome = exc.code
            self._succeeded()  # the system answered; it is healthy
            raise
        except DepartmentError as exc:
            outcome = exc.code
            self._failed(exc)
            raise
        except asyncio.CancelledError:
            # Our caller gave up (client gone, sibling failed): neither a success nor the
            # department's failure.
            outcome = "CANCELLED"
            raise
        finally:
            if outcome == "ok":
                self._succeeded()
            self.metrics.calls.labels(self.name, outcome).inc()
            self._latency.observe(time.perf_counter() - started)
            log.info(
                "department call",
                extra={
                    "system": self.name,
                    "method": method,
                    "path": path,
                    "outcome": outcome,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "request_id": call.request_id,
                    "purpose": call.purpose,
                },
            )

    async def _attempt(
        self,
        method: str,
        path: str,
        model: type[ModelT],
        call: CallContext,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        idempotency_key: str | None,
    ) -> ModelT:
        cfg = self.config
        content = orjson.dumps(body) if body is not None else b""
        headers = {
            "X-Client-System": self.client_system,
            "X-Request-Id": call.request_id,
            "X-Purpose": call.purpose,
            "Accept": "application/json",
        }
        if call.user_pseudonym:
            headers["X-User-Pseudonym"] = call.user_pseudonym
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        if body is not None:
            headers["Content-Type"] = "application/json"
        query = f"?{query_string(params)}" if params else ""
        url = httpx.URL(f"{self._base_url}{path}{query}")
        target = url.raw_path.decode()
        if cfg.auth == "hmac":
            headers.update(signing.sign(self.secret, method, target, content, cfg.key_id))
        else:
            headers[signing.API_KEY_HEADER] = self.secret
        # Straight to the transport, not through httpx.AsyncClient.send: its cookie jar would
        # carry one person's department cookies into the next person's call, redirects are
        # never followed here anyway, and its per-call URL merging, cookie and hook machinery
        # was a sixth of an uncached home screen's CPU (profiled).
        request = httpx.Request(
            method, url, headers=headers, content=content or None, extensions={"timeout": self._timeout}
        )
        try:
            response = await self.transport.handle_async_request(request)
        except httpx.TimeoutException as exc:
            raise DepartmentTimeout(self.name, cfg.department, type(exc).__name__) from exc
        except httpx.HTTPError as exc:
            raise DepartmentUnavailable(self.name, cfg.department, type(exc).__name__) from exc
        status = response.status_code
        if status == 404:
            raise NotFound(self.name, cfg.department, "not found")
        if status in (408, 429) or status >= 500:
            raise DepartmentUnavailable(self.name, cfg.department, f"HTTP {status}")
        if status >= 400:
            code, message = _detail(response)
            # The department's own code (SLOT_FULL, …) stays readable: see `rejection_code`.
            prefix = f"HTTP {status} {code}" if code else f"HTTP {status}"
            raise DepartmentRejected(self.name, cfg.department, f"{prefix}: {message}")
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            # A malformed answer is the department's fault and may be transient.
            raise DepartmentUnavailable(self.name, cfg.department, "malformed response") from exc

    def _succeeded(self) -> None:
        self.health.calls += 1
        self.health.consecutive_failures = 0
        self.health.last_success_at = time.time()

    def _failed(self, error: DepartmentError) -> None:
        self.health.calls += 1
        self.health.failures += 1
        self.health.consecutive_failures += 1
        self.health.last_failure_at = time.time()
        self.health.last_error = error.code


def query_string(params: dict[str, Any]) -> str:
    """`params` as httpx.QueryParams would write them (a list is a repeated key; True is `true`,
    None is empty), without building one: that was a tenth of building a department request."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        for item in value if isinstance(value, list | tuple) else (value,):
            pairs.append((key, _primitive(item)))
    return urlencode(pairs)


def _primitive(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


def _detail(response: httpx.Response) -> tuple[str | None, str]:
    """The department's error code (when it sends a well-formed one) and a short message."""
    try:
        data = response.json()
    except ValueError:
        return None, response.text[:120]
    if isinstance(data, dict):
        code = data.get("code")
        well_formed = isinstance(code, str) and re.fullmatch(r"[A-Z][A-Z0-9_]{0,63}", code)
        return (code if well_formed else None), str(data.get("message") or data.get("detail") or data)[:120]
    return None, str(data)[:120]
