"""Run simulators on loopback: `python -m simulators [--only a,b] [--port name=port ...]`.

Prints one line `READY {json of name → base URL}` once every server listens, so a parent
process (the demo CLI, the test fixtures) knows where they are.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys

import uvicorn

from kit.sockets import listening_socket
from simulators.common.app import SimulatorAuth
from simulators.registry import SIMULATORS, dev_secret


async def _main(args: argparse.Namespace) -> None:
    names = args.only.split(",") if args.only else list(SIMULATORS)
    ports = dict(item.split("=", 1) for item in args.port)
    servers: dict[str, uvicorn.Server] = {}
    sockets: dict[str, list[socket.socket] | None] = {}
    for name in names:
        spec = SIMULATORS[name]
        # Secrets come from the environment of the process that starts us, like a real system.
        secret = os.environ.get(f"SIMULATOR_SECRET_{name.upper()}", dev_secret(name))
        auth_mode = os.environ.get(f"SIMULATOR_AUTH_{name.upper()}", spec.auth_mode)
        app = spec.factory(SimulatorAuth(mode=auth_mode, key_id="citizen-space", secret=secret))  # type: ignore[arg-type]
        port = int(ports.get(name, 0)) or spec.default_port
        sockets[name] = [listening_socket(args.host)] if args.random_ports and name not in ports else None
        config = uvicorn.Config(app, host=args.host, port=port, log_level="warning", access_log=False, lifespan="off")
        servers[name] = uvicorn.Server(config)
    tasks = [asyncio.create_task(server.serve(sockets=sockets[name])) for name, server in servers.items()]
    while not all(server.started for server in servers.values()):
        if any(task.done() for task in tasks):
            for task in tasks:
                if task.done() and task.exception():
                    raise task.exception()  # type: ignore[misc]
            raise SystemExit("a simulator failed to start (port in use?)")
        await asyncio.sleep(0.05)
    urls = {
        name: f"http://{args.host}:{server.servers[0].sockets[0].getsockname()[1]}" for name, server in servers.items()
    }
    print("READY " + json.dumps(urls), flush=True)
    await asyncio.gather(*tasks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--only", default="")
    parser.add_argument("--port", action="append", default=[], help="name=port")
    parser.add_argument("--random-ports", action="store_true")
    args = parser.parse_args()
    try:
        asyncio.run(_main(args))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
