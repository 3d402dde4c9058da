"""Pre-bound listening sockets hand TCP_NODELAY to every connection they accept.

Without it, an answer written in two parts (headers, then body) over a kept-alive connection
waits for the client's delayed ACK: the bench's floor read 96 ms for a 50 ms department.
"""

from __future__ import annotations

import socket

from kit.sockets import listening_socket


def test_accepted_connections_have_nodelay() -> None:
    with listening_socket() as server, socket.create_connection(server.getsockname()):
        accepted, _ = server.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_the_socket_is_bound_and_listening_on_loopback() -> None:
    with listening_socket() as server:
        host, port = server.getsockname()
        assert host == "127.0.0.1"
        assert port > 0
        with socket.create_connection((host, port)):
            accepted, _ = server.accept()
            accepted.close()
