"""Raw calls to a simulator's API, signed as the gateway signs them, over one shared client.

One `httpx.Client` for the whole run: building a client per call costs ~150 ms (it loads the
TLS trust store), which over hundreds of calls would dominate the suite's time.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from kit import signing
from simulators.registry import SIMULATORS, dev_secret

HTTP = httpx.Client(timeout=10)


def signed(
    method: str,
    base: str,
    path: str,
    system: str,
    *,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """`path` includes the query string, already percent-encoded, exactly as sent."""
    body = orjson.dumps(json) if json is not None else b""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if SIMULATORS[system].auth_mode == "hmac":
        all_headers.update(signing.sign(dev_secret(system), method, path, body, "citizen-space"))
    else:
        all_headers[signing.API_KEY_HEADER] = dev_secret(system)
    return HTTP.request(method, base + path, content=body or None, headers=all_headers)


def set_faults(base: str, **faults: Any) -> None:
    HTTP.post(f"{base}/_admin/faults", json=faults).raise_for_status()


def clear_faults(base: str) -> None:
    HTTP.delete(f"{base}/_admin/faults").raise_for_status()


def reset_requests(base: str) -> None:
    HTTP.delete(f"{base}/_admin/requests").raise_for_status()


def request_counts(base: str) -> dict[str, Any]:
    counts: dict[str, Any] = HTTP.get(f"{base}/_admin/requests").json()
    return counts


def stats(base: str) -> dict[str, int]:
    result: dict[str, int] = HTTP.get(f"{base}/_admin/stats", timeout=60).json()
    return result
