"""The simulators check the gateway's signature; a bad one is refused."""

from __future__ import annotations

import httpx

from kit import signing
from simulators.registry import dev_secret


def test_unsigned_request_is_rejected(simulator_urls: dict[str, str]) -> None:
    response = httpx.get(f"{simulator_urls['licences']}/api/v1/licences", params={"holder_id": "530102199003153217"})
    assert response.status_code == 401


def test_wrong_secret_is_rejected_and_right_one_accepted(simulator_urls: dict[str, str]) -> None:
    base = simulator_urls["licences"]
    path = "/api/v1/licences?holder_id=530102199003153217&holder_id_type=111"
    bad = signing.sign("not-the-secret", "GET", path, b"", "citizen-space")
    assert httpx.get(base + path, headers=bad).status_code == 401
    good = signing.sign(dev_secret("licences"), "GET", path, b"", "citizen-space")
    response = httpx.get(base + path, headers=good)
    assert response.status_code == 200
    assert response.json()["total"] == 7


def test_tampered_body_is_rejected(simulator_urls: dict[str, str]) -> None:
    base = simulator_urls["licences"]
    path = "/api/v1/licences/batch-get"
    headers = signing.sign(dev_secret("licences"), "POST", path, b'{"ids":["a"]}', "citizen-space")
    response = httpx.post(
        base + path, content=b'{"ids":["b"]}', headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 401


def test_replayed_old_signature_is_rejected() -> None:
    headers = signing.sign("s", "GET", "/x", b"", "k")
    assert signing.verify("s", "GET", "/x", b"", headers) is None
    assert signing.verify("s", "GET", "/x", b"", headers, now=float(headers[signing.TIMESTAMP_HEADER]) + 3600)
