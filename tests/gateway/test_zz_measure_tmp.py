"""Measurements only (not part of the suite): latency of the enterprise space on the demo."""
import statistics, time, uuid
from datetime import date, timedelta
from tests.gateway.test_enterprise_space import SPACE, COMPANY, GRANT, new_person, wait_delivered, key

def _lat(fn, n=30):
    out = []
    for _ in range(n):
        t = time.perf_counter(); fn(); out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.95) - 1]

def test_measure(gateway):
    for who in ("legal-rep", "staff", "citizen"):
        gateway.graphql(SPACE, {"uscc": COMPANY}, as_user=who)
        p50, p95 = _lat(lambda: gateway.graphql(SPACE, {"uscc": COMPANY}, as_user=who))
        print(f"\nMEASURE full enterprise space as {who}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    person = new_person(gateway)
    t = time.perf_counter()
    r = gateway.graphql(GRANT, {"uscc": COMPANY, "username": person.username, "scopes": ["CASES"],
                                "expiresOn": (date.today() + timedelta(days=30)).isoformat(), "key": key()}, as_user="legal-rep")
    ack = (time.perf_counter() - t) * 1000
    wait_delivered(gateway, r["data"]["grantStaffAuthorisation"]["id"])
    done = (time.perf_counter() - t) * 1000
    print(f"MEASURE grant acknowledged PENDING in {ack:.1f} ms; delivered+notified within {done:.0f} ms (poll 0.2 s)")
