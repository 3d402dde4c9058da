"""Listening sockets bound up front, for servers handed a socket instead of a port."""

from __future__ import annotations

import socket


def listening_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A TCP socket bound to `port` (0: one the kernel chose) and listening.

    Binding first closes the race of picking a free port and binding it later (anything else on
    the machine, outgoing connections included, may take it in between).

    TCP_NODELAY is set on the listener so that every accepted connection has it (Linux copies it
    on accept). asyncio sets it itself only for sockets whose `proto` is IPPROTO_TCP, which a
    socket made with `socket.socket()` is not; without it an HTTP server's answer written in two
    parts (headers, then body) waits for the client's delayed ACK: +40 ms on every request over
    a kept-alive connection.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock
