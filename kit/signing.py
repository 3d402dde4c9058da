"""Request signing between the gateway and department systems (HMAC-SHA256 or API key).

Both sides import this module, so the canonical string cannot drift between them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

KEY_HEADER = "X-Ca-Key"
TIMESTAMP_HEADER = "X-Ca-Timestamp"
NONCE_HEADER = "X-Ca-Nonce"
SIGNATURE_HEADER = "X-Ca-Signature"
API_KEY_HEADER = "X-Api-Key"
MAX_SKEW_SECONDS = 300


def canonical_request(method: str, path_and_query: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    body_hash = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path_and_query, timestamp, nonce, body_hash]).encode()


def sign(secret: str, method: str, path_and_query: str, body: bytes, key_id: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(12)
    mac = hmac.new(
        secret.encode(), canonical_request(method, path_and_query, timestamp, nonce, body), hashlib.sha256
    ).hexdigest()
    return {KEY_HEADER: key_id, TIMESTAMP_HEADER: timestamp, NONCE_HEADER: nonce, SIGNATURE_HEADER: mac}


def verify(
    secret: str, method: str, path_and_query: str, body: bytes, headers: Mapping[str, str], *, now: float | None = None
) -> str | None:
    """Return None when the signature holds, else a short reason."""
    timestamp = headers.get(TIMESTAMP_HEADER)
    nonce = headers.get(NONCE_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    if not (timestamp and nonce and signature):
        return "missing signature headers"
    try:
        skew = abs((now or time.time()) - int(timestamp))
    except ValueError:
        return "bad timestamp"
    if skew > MAX_SKEW_SECONDS:
        return "timestamp outside the allowed window"
    expected = hmac.new(
        secret.encode(), canonical_request(method, path_and_query, timestamp, nonce, body), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "signature mismatch"
    return None
