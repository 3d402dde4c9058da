"""Signed webhooks from a simulator back to the gateway when an object changes on its own.

The body is JSON `{"system", "event", "subject_id_hash"?, "object_id", "status", "at"}`, signed
with `kit.signing` exactly as the gateway signs its calls to us: HMAC-SHA256 over method, path,
timestamp, nonce and body hash, keyed with the system's shared secret, `X-Ca-Key` = the system
name (so the receiver knows which secret to check). `X-Webhook-Id` is stable across retries so
the receiver can drop a second delivery of the same event.

`subject_id_hash` is HMAC-SHA256(secret, ID number or USCC) in hex: the gateway, which knows the
secret, can match it to its user without the number travelling in clear.

Deliveries go out one at a time in order, each retried a few times with backoff; a delivery
that still fails is logged (object id and event only, never personal data) and dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from kit import signing

log = logging.getLogger("simulators.webhooks")

WEBHOOK_ID_HEADER = "X-Webhook-Id"
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def subject_id_hash(secret: str, id_number: str) -> str:
    return hmac.new(secret.encode(), id_number.upper().encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WebhookEvent:
    event: str
    object_id: str
    status: str
    at: datetime
    subject_id_hash: str | None = None


@dataclass
class WebhookStats:
    queued: int = 0
    delivered: int = 0
    failed: int = 0
    attempts: int = 0


@dataclass
class WebhookSender:
    system: str
    secret: str
    url: str | None
    attempts: int = 4
    backoff_seconds: float = 0.25
    timeout_seconds: float = 5.0
    stats: WebhookStats = field(default_factory=WebhookStats)
    _queue: asyncio.Queue[tuple[int, WebhookEvent]] | None = field(default=None, init=False)
    _worker: asyncio.Task[None] | None = field(default=None, init=False)
    _sequence: int = field(default=0, init=False)

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    def send(self, event: WebhookEvent) -> None:
        """Queue an event; must be called on the server's event loop."""
        if not self.url:
            return
        if self._queue is None:
            self._queue = asyncio.Queue()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._run(self._queue))
        self._sequence += 1
        self.stats.queued += 1
        self._queue.put_nowait((self._sequence, event))

    def body(self, event: WebhookEvent) -> bytes:
        payload: dict[str, Any] = {
            "system": self.system,
            "event": event.event,
            "object_id": event.object_id,
            "status": event.status,
            "at": event.at.isoformat(),
        }
        if event.subject_id_hash:
            payload["subject_id_hash"] = event.subject_id_hash
        return orjson.dumps(payload)

    async def _run(self, queue: asyncio.Queue[tuple[int, WebhookEvent]]) -> None:
        async with httpx.AsyncClient(timeout=self.timeout_seconds) as client:
            while True:
                sequence, event = await queue.get()
                try:
                    await self._deliver(client, sequence, event)
                finally:
                    queue.task_done()

    async def _deliver(self, client: httpx.AsyncClient, sequence: int, event: WebhookEvent) -> None:
        assert self.url is not None
        body = self.body(event)
        parts = urlsplit(self.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        delivery_id = f"{self.system}-{sequence}-{event.object_id}"
        reason = "not attempted"
        for attempt in range(1, self.attempts + 1):
            # A fresh timestamp and nonce per attempt: a retry is a new request, not a replay.
            headers = signing.sign(self.secret, "POST", target, body, self.system)
            headers.update({"Content-Type": "application/json", WEBHOOK_ID_HEADER: delivery_id})
            self.stats.attempts += 1
            try:
                response = await client.post(self.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                reason = type(exc).__name__
            else:
                if response.status_code < 300:
                    self.stats.delivered += 1
                    return
                reason = f"HTTP {response.status_code}"
                if response.status_code not in RETRYABLE_STATUS:
                    break  # the gateway understood and refused: retrying will not change its mind
            if attempt < self.attempts:
                await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))
        self.stats.failed += 1
        log.warning(
            "webhook delivery failed",
            extra={"system": self.system, "event": event.event, "object_id": event.object_id, "reason": reason},
        )

    async def drain(self) -> None:
        """Wait until every queued event is delivered or given up (used on shutdown)."""
        if self._queue is not None:
            await self._queue.join()

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
