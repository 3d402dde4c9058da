"""A graphql-transport-ws client for tests: connect, subscribe, collect what arrives."""

from __future__ import annotations

import json
import threading
from typing import Any

from websockets.sync.client import ClientConnection, connect


class Subscription:
    def __init__(self, url: str, token: str, query: str) -> None:
        self._ws: ClientConnection = connect(
            url.replace("http://", "ws://") + "/graphql", subprotocols=["graphql-transport-ws"], open_timeout=10
        )
        self._ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        ack = json.loads(self._ws.recv(timeout=10))
        assert ack["type"] == "connection_ack", ack
        self._ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        self.messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def next(self, timeout: float = 20.0) -> dict[str, Any]:
        while True:
            message = json.loads(self._ws.recv(timeout=timeout))
            if message["type"] == "ping":
                self._ws.send(json.dumps({"type": "pong"}))
                continue
            return message

    def close(self) -> None:
        self._ws.close()
