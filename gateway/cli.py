"""The `citizen-space` command: serve, demo, migrate, seed, token, search, ask, reindex."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
import uvicorn
from alembic import command
from alembic.config import Config as AlembicConfig
from prometheus_client import CollectorRegistry
from purgatory import AsyncCircuitBreakerFactory
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import async_sessionmaker

from connectors.config import load_systems
from connectors.registry import build_connectors
from gateway.dev_identity import DevIdentityProvider, demo_people, subject_for
from gateway.lifespan import build_engine, secret_resolver, subject_linker
from gateway.settings import REPO_ROOT, Settings
from kit.crypto import FieldCipher
from personal_space.identity import IdentityService
from personal_space.seed import seed_demo
from search.runtime import SearchRuntime
from search.service import SearchInputError

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
    command.upgrade(config, "head")


async def seed_database(settings: Settings) -> int:
    engine = build_engine(settings)
    try:
        async with async_sessionmaker(engine)() as session:
            systems = load_systems(settings.systems_file, settings.system_urls)
            identity = IdentityService(
                FieldCipher(settings.data_key.get_secret_value().encode(), settings.field_cipher),
                subject_linker(settings, systems),
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
    # Each worker learns how many there are: state kept in process is not shared between them.
    os.environ["CITIZEN_WORKERS"] = str(workers)
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
    # Simulated departments call the gateway back (signed) when a case or work order moves on.
    simulator_env = {
        **os.environ,
        "SIMULATOR_WEBHOOK_URL": f"http://{settings.host}:{settings.port}/webhooks/departments",
    }
    simulators = subprocess.Popen(
        [sys.executable, "-m", "simulators"], stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT, env=simulator_env
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


@asynccontextmanager
async def _search_runtime(settings: Settings) -> AsyncIterator[SearchRuntime]:
    """Search as the gateway builds it (same engine choice, catalogue system and FAQ table)."""
    engine = build_engine(settings)
    connectors = build_connectors(
        load_systems(settings.systems_file, settings.system_urls),
        secret_for=secret_resolver(settings),
        client_system=settings.client_system,
        breakers=AsyncCircuitBreakerFactory(),
        metrics_registry=CollectorRegistry(),
    )
    runtime = SearchRuntime.create(
        elasticsearch_url=settings.elasticsearch_url,
        index=settings.search_index,
        sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
        catalogue_client=connectors.catalogue,
        snapshot=settings.demo_dir / "catalogue-snapshot.json",
    )
    try:
        yield runtime
    finally:
        await runtime.aclose()
        await connectors.aclose()
        await engine.dispose()


@app.command("search")
def search_command(query: Annotated[str, typer.Argument(help="what to search for, e.g. 社保卡")]) -> None:
    """Search the catalogue and the FAQ as the gateway would."""

    async def run() -> None:
        async with _search_runtime(_settings()) as runtime:
            await runtime.start(background_sync=False)
            page = await runtime.service.search(query, size=10)
            table = Table(title=f"search: {query}")
            for column in ("kind", "code", "title", "score"):
                table.add_column(column)
            for hit in page.hits:
                table.add_row(hit.kind.value, hit.code, hit.highlight, f"{hit.score:.2f}")
            Console().print(table)

    try:
        asyncio.run(run())
    except SearchInputError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command("ask")
def ask_command(question: Annotated[str, typer.Argument(help="a question, e.g. 身份证丢了怎么补办？")]) -> None:
    """Answer from the FAQ, or say why not (out of scope, not confident)."""

    async def run() -> None:
        async with _search_runtime(_settings()) as runtime:
            await runtime.start(background_sync=False)
            answer = await runtime.service.ask(question)
            out = Console()
            out.print(f"answered: {answer.answered}  confidence: {answer.confidence:.2f}")
            out.print(answer.text)
            if answer.faq:
                out.print(f"[dim]FAQ {answer.faq.id}: {answer.faq.question}[/dim]")
            for faq in answer.alternatives:
                out.print(f"  · {faq.question}")
            if answer.handoff:
                out.print(f"[yellow]转人工 {answer.handoff.hotline} ({answer.handoff.reason})[/yellow]")

    try:
        asyncio.run(run())
    except SearchInputError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def reindex() -> None:
    """Rebuild the search index from the catalogue system and the FAQ table, with progress.

    On Elasticsearch a new versioned index is filled and the alias moved when it is complete
    (searches keep working); the embedded engine is rebuilt in memory by each gateway at start.
    """

    async def run() -> int:
        async with _search_runtime(_settings()) as runtime:
            columns = (TextColumn("[bold]reindex[/bold]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("documents", total=None)
                await runtime.start(background_sync=False, reindex=False)
                count = await runtime.reindex(lambda done, total: progress.update(task, completed=done, total=total))
            if runtime.last_error:
                console.print(f"[yellow]{runtime.last_error}[/yellow]")
            return count

    count = asyncio.run(run())
    console.print(f"[green]indexed[/green] {count} documents")


def main() -> None:
    app()
