"""The connector base under injected faults, against live simulators over HTTP.

Each fault mode (`/_admin/faults`) must end in the right domain error within the call's deadline;
the breaker must open, fail fast (nothing reaches the system), and recover through half-open;
writes are sent once; metrics are kept per system. What reached a simulator is read from its
request counter (`/_admin/requests`), so no assertion rests on the wall clock: a deadline is
checked by bounding the call (a client that ignored it would hang past the bound and fail).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import pytest
import pytest_asyncio
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from purgatory import AsyncCircuitBreakerFactory

from connectors.appointments.client import AppointmentsClient
from connectors.appointments.models import BookingRequest
from connectors.base import ConnectorMetrics, DepartmentClient
from connectors.errors import DepartmentRejected, DepartmentTimeout, DepartmentUnavailable, NotFound
from connectors.licences.client import LicencesClient
from connectors.records.client import RecordsClient
from connectors.records.models import SocialInsuranceSummary
from simulators.registry import dev_secret
from tests.support.departments import clear_faults, request_counts, reset_requests, set_faults
from tests.support.gateway import GatewayClient
from tests.support.people import fresh_id_number
from tests.support.stateful import call_context, department_client, new_key

T = TypeVar("T")
CITIZEN_ID = "530102199003153217"
SUMMARY_ROUTE = "GET /api/v1/social-insurance/summary"
BOOK_ROUTE = "POST /api/v1/appointments"
# Short limits keep the suite quick; two read attempts, a breaker that opens after three failed
# calls and half-opens one second later.
LIMITS: dict[str, Any] = {
    "deadline_seconds": 1.5,
    "read_timeout_seconds": 1.0,
    "read_attempts": 2,
    "breaker_threshold": 3,
    "breaker_ttl_seconds": 1.0,
}
# A call that honours its deadline returns well inside this; one that does not hangs past it.
BOUND_SECONDS = LIMITS["deadline_seconds"] + 3.0


async def bounded(call: Awaitable[T]) -> T:
    async with asyncio.timeout(BOUND_SECONDS):
        return await call


def requests_seen(base: str, route: str | None = None) -> int:
    counts = request_counts(base)
    return int(counts["total"] if route is None else counts["by_route"].get(route, 0))


@pytest.fixture
def records_url(simulator_urls: dict[str, str]) -> str:
    reset_requests(simulator_urls["records"])
    return simulator_urls["records"]


@pytest_asyncio.fixture(loop_scope="function")
async def base(records_url: str) -> AsyncIterator[DepartmentClient]:
    client = department_client("records", records_url, **LIMITS)
    yield client
    await client.aclose()


async def read(base: DepartmentClient, holder_id: str = CITIZEN_ID) -> SocialInsuranceSummary:
    return await bounded(RecordsClient(base).social_insurance_summary(holder_id, call_context()))


async def breaker_state(base: DepartmentClient) -> str:
    breaker = await base.breakers.get_breaker(base.name)
    return str(breaker.context.state)


async def open_the_breaker(base: DepartmentClient, url: str) -> None:
    set_faults(url, error_rate=1.0)
    for _ in range(LIMITS["breaker_threshold"]):
        with pytest.raises(DepartmentUnavailable, match="HTTP 503"):
            await read(base)
    assert await base.breaker_open()


# -- each fault mode ------------------------------------------------------------------------------


async def test_errors_give_unavailable_after_the_read_retries(base: DepartmentClient, records_url: str) -> None:
    set_faults(records_url, error_rate=1.0)
    with pytest.raises(DepartmentUnavailable, match="HTTP 503") as failure:
        await read(base)
    assert failure.value.retryable
    assert failure.value.department == "省人力资源和社会保障厅"
    assert requests_seen(records_url, SUMMARY_ROUTE) == LIMITS["read_attempts"]
    assert base.health.last_error == "DEPARTMENT_UNAVAILABLE"


async def test_a_hanging_system_times_out_at_the_deadline(base: DepartmentClient, records_url: str) -> None:
    set_faults(records_url, hang=True)
    with pytest.raises(DepartmentTimeout) as failure:
        await read(base)
    assert failure.value.retryable
    # The first attempt hit the read timeout; the retry was cut short by the total deadline.
    assert requests_seen(records_url, SUMMARY_ROUTE) == LIMITS["read_attempts"]


async def test_latency_beyond_the_deadline_times_out(base: DepartmentClient, records_url: str) -> None:
    set_faults(records_url, latency_ms=5000)
    with pytest.raises(DepartmentTimeout):
        await read(base)


async def test_latency_below_the_deadline_succeeds_first_time(base: DepartmentClient, records_url: str) -> None:
    set_faults(records_url, latency_ms=200, jitter_ms=50)
    summary = await read(base)
    assert summary.holder_name == "李建华"
    assert requests_seen(records_url, SUMMARY_ROUTE) == 1
    assert base.health.state(await base.breaker_open()) == "up"


async def test_a_malformed_answer_is_unavailable(base: DepartmentClient, records_url: str) -> None:
    set_faults(records_url, malformed=True)
    with pytest.raises(DepartmentUnavailable, match="malformed response"):
        await read(base)
    assert requests_seen(records_url, SUMMARY_ROUTE) == LIMITS["read_attempts"]


# -- the circuit breaker --------------------------------------------------------------------------


async def test_breaker_opens_fails_fast_and_recovers(base: DepartmentClient, records_url: str) -> None:
    await open_the_breaker(base, records_url)
    reached = requests_seen(records_url)
    assert reached == LIMITS["breaker_threshold"] * LIMITS["read_attempts"]
    for _ in range(5):
        with pytest.raises(DepartmentUnavailable, match="circuit breaker open"):
            await read(base)
    assert requests_seen(records_url) == reached, "an open breaker lets nothing through"
    assert base.health.state(await base.breaker_open()) == "down"
    clear_faults(records_url)
    await asyncio.sleep(LIMITS["breaker_ttl_seconds"] + 0.2)
    # Past its TTL the breaker no longer reports the system down: the next call is the probe.
    assert not await base.breaker_open()
    assert (await read(base)).holder_name == "李建华"
    assert requests_seen(records_url) == reached + 1
    assert await breaker_state(base) == "closed"
    assert base.health.state(await base.breaker_open()) == "up"
    await read(base)
    assert requests_seen(records_url) == reached + 2


async def test_a_failed_probe_opens_the_breaker_again(base: DepartmentClient, records_url: str) -> None:
    await open_the_breaker(base, records_url)
    await asyncio.sleep(LIMITS["breaker_ttl_seconds"] + 0.2)
    reached = requests_seen(records_url)
    with pytest.raises(DepartmentUnavailable, match="HTTP 503"):
        await read(base)  # the half-open probe reaches the system and fails
    assert requests_seen(records_url) == reached + LIMITS["read_attempts"]
    assert await breaker_state(base) == "opened"
    with pytest.raises(DepartmentUnavailable, match="circuit breaker open"):
        await read(base)
    assert requests_seen(records_url) == reached + LIMITS["read_attempts"]


async def test_answers_that_say_no_never_open_the_breaker(base: DepartmentClient, records_url: str) -> None:
    for _ in range(LIMITS["breaker_threshold"] + 2):
        with pytest.raises(NotFound):
            await read(base, fresh_id_number())
        with pytest.raises(DepartmentRejected):
            await read(base, "530102199003153210")  # wrong check digit: 400
    assert await breaker_state(base) == "closed"
    # Neither a 404 nor a 400 is worth a second attempt.
    assert requests_seen(records_url) == 2 * (LIMITS["breaker_threshold"] + 2)
    assert base.health.failures == 0


async def test_health_probes_during_calls_keep_not_found_harmless(base: DepartmentClient, records_url: str) -> None:
    """The health probe reads the breaker while calls are in flight; it must not change how
    those calls count (purgatory keeps one exclusion list per breaker, shared by every caller)."""
    set_faults(records_url, latency_ms=100)
    for _ in range(LIMITS["breaker_threshold"] + 1):
        call = asyncio.ensure_future(read(base, fresh_id_number()))
        while not call.done():
            await base.breaker_open()
            await asyncio.sleep(0.01)
        with pytest.raises(NotFound):
            call.result()
    assert await breaker_state(base) == "closed"
    assert (await read(base)).holder_name == "李建华"


async def test_bulkhead_caps_the_calls_in_flight(records_url: str) -> None:
    capped = department_client("records", records_url, **{**LIMITS, "max_concurrency": 2})
    try:
        set_faults(records_url, latency_ms=150)
        summaries = await bounded(
            asyncio.gather(
                *(RecordsClient(capped).social_insurance_summary(CITIZEN_ID, call_context()) for _ in range(6))
            )
        )
    finally:
        await capped.aclose()
    assert len(summaries) == 6
    assert requests_seen(records_url) == 6
    assert request_counts(records_url)["max_in_flight"] == 2


# -- writes ---------------------------------------------------------------------------------------


@pytest_asyncio.fixture(loop_scope="function")
async def appointments(simulator_urls: dict[str, str]) -> AsyncIterator[tuple[AppointmentsClient, str]]:
    url = simulator_urls["appointments"]
    reset_requests(url)
    client = department_client("appointments", url, **LIMITS)
    yield AppointmentsClient(client), url
    await client.aclose()


async def a_booking(client: AppointmentsClient) -> BookingRequest:
    grid = await client.slots("H530500", "GA-009", call_context())
    day, slot = next((d, s) for d, s in grid.open_slots() if s.available >= 1)
    return BookingRequest(
        hall_id="H530500",
        item_code="GA-009",
        date=day,
        start=slot.start,
        holder_id=fresh_id_number("530502"),
        holder_name="测试申请人",
    )


@pytest.mark.parametrize(
    ("faults", "error"),
    [({"error_rate": 1.0}, DepartmentUnavailable), ({"hang": True}, DepartmentTimeout)],
    ids=["errors", "hang"],
)
async def test_writes_are_sent_once(
    appointments: tuple[AppointmentsClient, str], faults: dict[str, Any], error: type[Exception]
) -> None:
    client, url = appointments
    request = await a_booking(client)
    set_faults(url, **faults)
    with pytest.raises(error):
        await bounded(client.book(request, call_context(), idempotency_key=new_key()))
    assert requests_seen(url, BOOK_ROUTE) == 1


async def test_a_write_whose_answer_was_lost_is_redelivered_by_key(
    appointments: tuple[AppointmentsClient, str],
) -> None:
    client, url = appointments
    request = await a_booking(client)
    key = new_key()
    set_faults(url, malformed=True)  # the booking is made, but its answer arrives broken
    with pytest.raises(DepartmentUnavailable, match="malformed response"):
        await bounded(client.book(request, call_context(), idempotency_key=key))
    assert requests_seen(url, BOOK_ROUTE) == 1
    clear_faults(url)
    made = await client.book(request, call_context(), idempotency_key=key)  # what the outbox does
    mine = await client.of_holder(request.holder_id, call_context())
    assert [a.appointment_id for a in mine.items] == [made.appointment_id]


async def test_reads_by_post_are_retried(simulator_urls: dict[str, str]) -> None:
    url = simulator_urls["licences"]
    reset_requests(url)
    client = department_client("licences", url, **LIMITS)
    try:
        set_faults(url, error_rate=1.0)
        with pytest.raises(DepartmentUnavailable):
            await bounded(LicencesClient(client).batch(["1.2.156.3005.2.X"], call_context()))
    finally:
        await client.aclose()
    assert requests_seen(url, "POST /api/v1/licences/batch-get") == LIMITS["read_attempts"]


# -- metrics --------------------------------------------------------------------------------------


def with_registry(url: str) -> tuple[DepartmentClient, CollectorRegistry]:
    registry = CollectorRegistry()
    config = department_client("records", url, **LIMITS).config
    client = DepartmentClient(
        config=config,
        secret=dev_secret("records"),
        client_system="citizen-space-tests",
        breakers=AsyncCircuitBreakerFactory(),
        metrics=ConnectorMetrics(registry),
    )
    return client, registry


async def test_metrics_count_outcomes_per_system(records_url: str) -> None:
    base, registry = with_registry(records_url)
    sample = registry.get_sample_value
    assert sample("department_calls_total", {"system": "records", "outcome": "ok"}) == 0
    try:
        await read(base)
        set_faults(records_url, error_rate=1.0)
        with pytest.raises(DepartmentUnavailable):
            await read(base)
    finally:
        await base.aclose()
    assert sample("department_calls_total", {"system": "records", "outcome": "ok"}) == 1
    assert sample("department_calls_total", {"system": "records", "outcome": "DEPARTMENT_UNAVAILABLE"}) == 1
    assert sample("department_call_seconds_count", {"system": "records"}) == 2


async def test_a_call_its_caller_abandons_is_neither_success_nor_failure(records_url: str) -> None:
    base, registry = with_registry(records_url)
    set_faults(records_url, latency_ms=1000)
    try:
        call = asyncio.ensure_future(read(base))
        for _ in range(1000):  # until the request is at the system (bounded: a failing test ends)
            if requests_seen(records_url):
                break
            await asyncio.sleep(0.01)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
    finally:
        await base.aclose()
    assert base.health.calls == 0
    assert base.health.last_success_at is None
    assert registry.get_sample_value("department_calls_total", {"system": "records", "outcome": "CANCELLED"}) == 1
    assert registry.get_sample_value("department_calls_total", {"system": "records", "outcome": "ok"}) == 0


def gateway_metrics(gateway: GatewayClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = gateway.http.get(f"{gateway.url}/metrics").text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def calls(metrics: dict[tuple[str, tuple[tuple[str, str], ...]], float], system: str, outcome: str) -> float:
    return metrics.get(("department_calls_total", (("outcome", outcome), ("system", system))), 0.0)


def test_gateway_metrics_show_every_system_and_each_call(gateway: GatewayClient) -> None:
    space = "{ me { licences(first: 1) { totalCount } } }"
    before = gateway_metrics(gateway)
    systems = {dict(labels)["system"] for name, labels in before if name == "department_call_seconds_count"}
    assert {"licences", "enterprise", "appointments", "records", "bills"} <= systems
    assert gateway.graphql(space, as_user="citizen")["data"]["me"]["licences"]["totalCount"] == 7
    gateway.faults("licences", error_rate=1.0)
    # The space answers with an error or with its last good copy marked stale: one failed call.
    stale = "{ me { licences(first: 1) { edges { node { source { stale } } } } } }"
    failed = gateway.graphql(stale, as_user="citizen")
    licences = failed["data"]["me"]["licences"]
    assert failed.get("errors") or licences["edges"][0]["node"]["source"]["stale"]
    gateway.faults("licences")
    # A success last, so the gateway's breaker for the licence store is left with no failures.
    assert "errors" not in gateway.graphql(space, as_user="citizen")
    after = gateway_metrics(gateway)
    assert calls(after, "licences", "ok") - calls(before, "licences", "ok") == 2
    unavailable = calls(after, "licences", "DEPARTMENT_UNAVAILABLE") - calls(
        before, "licences", "DEPARTMENT_UNAVAILABLE"
    )
    assert unavailable == 1  # one call, however many attempts it made inside
