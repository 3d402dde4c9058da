"""The GraphQL request gate, in front of strawberry: body size, no batching, and persisted
queries — automatic (Apollo APQ: SHA-256 → query in the shared cache) and, for the official
apps, an allow-list mode in which only registered operations run.

It is ASGI middleware so a rejected request never reaches parsing or validation.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import orjson

from kit.cache import Cache

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HASH = re.compile(r"^[0-9a-f]{64}$")
# GraphQL's lexical tokens, for counting them before the parser does. graphql-core's parser is
# pure Python (~10 µs a token): a document at the token limit cost ~20 ms to reject after
# parsing, one regex pass costs well under a millisecond. Strings come first so that `#` or
# braces inside them are not counted; comments match but are not tokens; commas are ignored
# in GraphQL and match nothing here. Numbers take their exponent so `1e5` stays one token:
# the count never exceeds the parser's, so nothing the parser would accept is refused here.
_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|#[^\n\r]*"
    r"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
    r"|[_A-Za-z][_0-9A-Za-z]*"
    r"|\.\.\."
    r"|[!$&()\[\]{}:=@|]"
)


@functools.lru_cache(maxsize=128)
def token_count(query: str) -> int:
    # Memoised: the official apps send the same few documents; counting one costs ~1 ms.
    return sum(1 for match in _TOKEN.finditer(query) if not match.group().startswith("#"))


APQ_TTL_SECONDS = 30 * 86_400


class RequestRejected(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def load_allow_list(path: Path | None) -> dict[str, str]:
    """`{sha256: query}` registered by the official apps' builds."""
    if path is None:
        return {}
    entries: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    for digest, query in entries.items():
        if hashlib.sha256(query.encode()).hexdigest() != digest:
            raise ValueError(f"allow-list entry {digest[:12]}… does not hash to its key")
    return entries


class GraphQLGate:
    def __init__(
        self,
        app: ASGIApp,
        *,
        path: str,
        cache_getter: Callable[[], Cache],
        max_body_bytes: int,
        allow_list: dict[str, str],
        allow_list_only: bool,
        max_tokens: int | None = None,
    ) -> None:
        self.app = app
        self.max_tokens = max_tokens
        self.path = path
        self.cache_getter = cache_getter
        self.max_body_bytes = max_body_bytes
        self.allow_list = allow_list
        self.allow_list_only = allow_list_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read(receive)
            body = await self._resolve(body)
        except RequestRejected as exc:
            await _reject(send, exc)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # after the body: disconnects
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise RequestRejected(400, "BAD_REQUEST", "client disconnected")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise RequestRejected(413, "REQUEST_TOO_LARGE", f"request body over {self.max_body_bytes} bytes")
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    def _check_size(self, query: str) -> None:
        if self.max_tokens is not None and token_count(query) > self.max_tokens:
            raise RequestRejected(
                400, "TOO_MANY_TOKENS", f"查询过长：一次请求最多 {self.max_tokens} 个词法单元（token）"
            )

    async def _resolve(self, body: bytes) -> bytes:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise RequestRejected(400, "BAD_REQUEST", "request body is not valid JSON (UTF-8)") from None
        if isinstance(data, list):
            raise RequestRejected(400, "BATCHING_DISABLED", "batched operations are not accepted; send one per request")
        if not isinstance(data, dict):
            raise RequestRejected(400, "BAD_REQUEST", "request body must be a JSON object")
        extensions = data.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        query = data.get("query")
        if isinstance(query, str):
            self._check_size(query)
        if persisted is None:
            if self.allow_list_only:
                raise RequestRejected(400, "PERSISTED_QUERY_REQUIRED", "only registered operations are accepted")
            return body
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(digest, str) or not HASH.match(digest) or persisted.get("version") != 1:
            raise RequestRejected(400, "BAD_PERSISTED_QUERY", "persistedQuery needs version 1 and a sha256Hash")
        if self.allow_list_only:
            registered = self.allow_list.get(digest)
            if registered is None:
                raise RequestRejected(400, "PERSISTED_QUERY_NOT_REGISTERED", "operation not on the allow-list")
            data["query"] = registered
            return orjson.dumps(data)
        cache = self.cache_getter()
        if isinstance(query, str):
            if hashlib.sha256(query.encode()).hexdigest() != digest:
                raise RequestRejected(400, "PERSISTED_QUERY_HASH_MISMATCH", "sha256Hash does not match the query")
            await cache.set(f"apq:{digest}", query.encode(), APQ_TTL_SECONDS)
            return body
        stored = self.allow_list.get(digest) or (await cache.get(f"apq:{digest}") or b"").decode() or None
        if stored is None:
            # Apollo clients answer this by resending the query with its hash.
            raise RequestRejected(200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
        data["query"] = stored
        return orjson.dumps(data)


async def _reject(send: Send, exc: RequestRejected) -> None:
    body = orjson.dumps({"data": None, "errors": [{"message": exc.message, "extensions": {"code": exc.code}}]})
    await send(
        {
            "type": "http.response.start",
            "status": exc.status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
