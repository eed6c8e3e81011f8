"""CLI verb of the endpoint layer: ``kg serve`` (parses options, calls :func:`kg.serve.app.serve`)."""

from __future__ import annotations

from pathlib import Path

import click

from kg import settings as kg_settings


@click.command("serve")
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              default=lambda: kg_settings.store_dir(), show_default="$KG_STORE or ./kg-store",
              help="Directory of the graph store (opened read-only).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True, help="Port to listen on.")
@click.option("--timeout", type=float, default=None,
              help="Time limit per query in seconds (default $KG_QUERY_TIMEOUT or 30); past it: HTTP 503.")
@click.option("--allow", multiple=True, metavar="URL", help="Allow SERVICE/FROM to this IRI prefix (repeatable).")
@click.option("--cors", multiple=True, metavar="ORIGIN",
              help="Let pages of this origin call the endpoint (repeatable; '*' for any). Off by default.")
@click.option("--max-request", type=click.IntRange(min=1024), default=1 << 20, show_default=True, metavar="BYTES",
              help="Largest request body (HTTP 413 beyond).")
@click.option("--max-running", type=click.IntRange(min=1), default=4, show_default=True,
              help="Queries running at once; the others wait their turn.")
def serve_cmd(store_dir: Path, host: str, port: int, timeout: float | None, allow: tuple[str, ...],
              cors: tuple[str, ...], max_request: int, max_running: int) -> None:
    """Serve the store as a read-only SPARQL endpoint with a query page (http://HOST:PORT/)."""
    from kg.serve.app import ServeSettings, serve
    from kg.store.oxigraph import OxigraphStore

    store = OxigraphStore(store_dir, read_only=True)  # errors (no store, a build holds it) before listening
    settings = ServeSettings(host=host, port=port, timeout=timeout, allow=allow, cors=cors,
                             max_body=max_request, max_running=max_running)
    click.echo(f"kg serve: {store_dir} at http://{host}:{port}/ (SPARQL: /sparql, named queries: /queries, "
               "OpenAPI: /openapi.json); Ctrl-C stops", err=True)
    with store:
        serve(store, settings, log_level="warning")
