"""CLI verb of the push layer: ``kg push URL`` (parses options, calls :func:`kg.push.push`)."""

from __future__ import annotations

from pathlib import Path

import click

from kg import settings as kg_settings


@click.command("push")
@click.argument("url")
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              default=lambda: kg_settings.store_dir(), show_default="$KG_STORE or ./kg-store",
              help="Directory of the graph store (opened read-only).")
@click.option("--engine", type=click.Choice(["auto", "oxigraph", "virtuoso"]), default="auto", show_default=True,
              help="The server's engine (auto: read from its Server header).")
@click.option("--graph-store", metavar="URL", default=None,
              help="Graph Store Protocol endpoint (default: URL/store on Oxigraph, "
                   "URL/sparql-graph-crud-auth on Virtuoso).")
@click.option("--isql-port", type=int, default=None,
              help="Virtuoso: its isql port, for the bulk loader (with --load-dir).")
@click.option("--load-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Virtuoso: a folder in its DirsAllowed that kg may write to (bulk loader).")
def push_cmd(url: str, store_dir: Path, engine: str, graph_store: str | None, isql_port: int | None,
             load_dir: Path | None) -> None:
    """Load every quad of the store into the SPARQL server at URL (Oxigraph server or Virtuoso).

    Virtuoso's password comes from $KG_VIRTUOSO_PASSWORD (default: dba)."""
    from kg.push import push
    from kg.store.oxigraph import OxigraphStore

    with OxigraphStore(store_dir, read_only=True) as store:
        report = push(store, url, engine=engine, graph_store=graph_store, isql_port=isql_port, load_dir=load_dir)
    click.echo(f"pushed {report.quads:,} quads to {report.engine} at {url} in {report.seconds:.1f} s "
               f"({report.per_second:,.0f} triples/s; {report.method})")
