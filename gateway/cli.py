"""The `citizen-space` command: serve, demo, migrate, seed, token."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
import uvicorn
from alembic import command
from alembic.config import Config as AlembicConfig
from rich.console import Console
from sqlalchemy.ext.asyncio import async_sessionmaker

from connectors.config import load_systems
from gateway.dev_identity import DevIdentityProvider, demo_people, subject_for
from gateway.lifespan import build_engine, subject_linker
from gateway.settings import REPO_ROOT, Settings
from kit.crypto import FieldCipher
from personal_space.identity import IdentityService
from personal_space.seed import seed_demo

app = typer.Typer(help="citizen-space: the government-service GraphQL gateway", no_args_is_help=True)
console = Console(stderr=True)


def _settings() -> Settings:
    return Settings()


def migrate_database(settings: Settings) -> None:
    if settings.database_url.startswith("sqlite"):
        path = settings.database_url.split("///", 1)[1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    config = AlembicConfig(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", settings.database_url)
    command.upgrade(config, "heads")


async def seed_database(settings: Settings) -> int:
    engine = build_engine(settings)
    try:
        async with async_sessionmaker(engine)() as session:
            systems = load_systems(settings.systems_file, settings.system_urls)
            identity = IdentityService(
                FieldCipher(settings.data_key.get_secret_value().encode()), subject_linker(settings, systems)
            )
            created = await seed_demo(session, identity, {name: subject_for(name) for name in demo_people()})
            await session.commit()
            return created
    finally:
        await engine.dispose()


def dev_provider(settings: Settings) -> DevIdentityProvider:
    return DevIdentityProvider.load_or_create(
        settings.demo_dir / "dev-idp" / "signing-key.pem", settings.oidc_issuer, settings.oidc_audience
    )


@app.command()
def migrate() -> None:
    """Apply every database migration (SQLite or PostgreSQL, from CITIZEN_DATABASE_URL)."""
    migrate_database(_settings())
    console.print("[green]migrated[/green]")


@app.command()
def seed() -> None:
    """Create the demo accounts and enterprise bindings (idempotent)."""
    created = asyncio.run(seed_database(_settings()))
    console.print(f"[green]seeded[/green] {created} new demo accounts")


@app.command()
def token(
    as_: Annotated[str, typer.Option("--as", help="demo user: " + ", ".join(demo_people()))],
    ttl: Annotated[int, typer.Option(help="lifetime in seconds")] = 12 * 3600,
) -> None:
    """Mint a bearer token for a demo user with the dev identity provider's key."""
    settings = _settings()
    try:
        typer.echo(dev_provider(settings).mint_for(as_, ttl))
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0])) from None


@app.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option(help="where to write the SDL")] = REPO_ROOT / "schema.graphql",
) -> None:
    """Write the GraphQL SDL (an Apollo Federation 2 subgraph) to schema.graphql."""
    from schema.root import build_schema

    output.write_text(build_schema(production=False).as_str() + "\n", encoding="utf-8")
    console.print(f"[green]wrote[/green] {output}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Serve the gateway (uvicorn)."""
    settings = _settings()
    uvicorn.run(
        "gateway.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


@app.command()
def demo() -> None:
    """Migrate, seed, start the simulators and the dev identity provider, serve the gateway."""
    settings = _settings()
    settings.demo_dir.mkdir(parents=True, exist_ok=True)
    migrate_database(settings)
    asyncio.run(seed_database(settings))
    provider = dev_provider(settings)
    simulators = subprocess.Popen(
        [sys.executable, "-m", "simulators"], stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT
    )
    assert simulators.stdout is not None
    line = simulators.stdout.readline()
    if not line.startswith("READY "):
        simulators.kill()
        console.print("[red]simulators failed to start[/red]")
        raise typer.Exit(1)
    system_urls: dict[str, str] = json.loads(line.removeprefix("READY "))
    os.environ["CITIZEN_SYSTEM_URLS"] = json.dumps(system_urls)
    gateway_url = f"http://{settings.host}:{settings.port}"
    tokens = {name: provider.mint_for(name) for name in demo_people()}
    endpoints = {
        "gateway": f"{gateway_url}/graphql",
        "health": f"{gateway_url}/readyz",
        "identityProvider": settings.oidc_issuer,
        "simulators": system_urls,
        "tokens": tokens,
    }
    endpoints_file = settings.demo_dir / "endpoints.json"
    endpoints_file.write_text(json.dumps(endpoints, ensure_ascii=False, indent=2), encoding="utf-8")
    console.rule("citizen-space demo")
    console.print(f"GraphQL (GraphiQL in the browser): [bold]{gateway_url}/graphql[/bold]")
    for name, value in tokens.items():
        # Plain print: a wrapped token is a broken token.
        print(f"{name:>10}  Bearer {value}", flush=True)
    console.print(f"endpoints and tokens written to {endpoints_file}")
    try:
        asyncio.run(_serve_demo(settings, provider))
    finally:
        simulators.send_signal(signal.SIGINT)
        simulators.wait(timeout=10)


async def _serve_demo(settings: Settings, provider: DevIdentityProvider) -> None:
    from gateway.app import create_app

    idp_port = urlsplit(settings.oidc_jwks_url).port or 80
    servers = [
        uvicorn.Server(uvicorn.Config(provider.app(), host="127.0.0.1", port=idp_port, log_level="warning")),
        uvicorn.Server(
            uvicorn.Config(
                create_app(Settings()), host=settings.host, port=settings.port, log_config=None, access_log=False
            )
        ),
    ]
    await asyncio.gather(*(server.serve() for server in servers))


def main() -> None:
    app()
