"""The ``kg views`` and ``kg export`` command objects (wired into the ``kg`` group by kg.cli)."""

from __future__ import annotations

from pathlib import Path

import click

from kg import settings
from kg.export.formats import FORMATS
from kg.export.html import DEFAULT_NODE_CAP

#: The export that is not a graph view: every link of the built graph as SSSOM TSV (kg.link).
MAPPINGS_VIEW = "mappings"
#: Interchange exports (kg.interop): FHIR Bundle, OHDSI Circe cohort, Biolink KGX folder.
INTEROP_VIEWS = ("fhir", "cohort", "kgx")


@click.command("views")
def views_cmd() -> None:
    """List the graph views that `kg export` writes, with their parameters."""
    from kg.export.views import list_views

    for q in list_views():
        click.echo(f"{q.name}\n  {q.summary}")
        for p in q.params:
            need = "required" if p.required else "optional" + (f"={p.default}" if p.default else "")
            click.echo(f"  -p {p.name} ({p.type}, {need}): {p.description}")
    click.echo(f"{MAPPINGS_VIEW}\n  Every link to external ontologies (SKOS mappings, registry ids) as SSSOM TSV (-o FILE.sssom.tsv)")
    click.echo("fhir\n  One trial as a FHIR Bundle: ResearchStudy + eligibility (-p trial ID, -p version R5|R4B, -o FILE.json)")
    click.echo("cohort\n  One trial's eligibility as an OHDSI Circe cohort definition (-p trial ID, "
               "-p entry condition|observation-period, -p index YYYY-MM-DD, -o FILE.json)")
    click.echo("kgx\n  Trials, conditions, drugs, mechanisms, targets as Biolink KGX nodes.tsv + edges.tsv (-o DIR)")


@click.command("export")
@click.argument("view")
@click.option("-p", "--param", "params", nargs=2, multiple=True, metavar="KEY VALUE",
              help="A view parameter (repeatable), e.g. -p trial NCT04660565.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format (default: from the file extension of -o).")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="File to write (written to a temporary file, then renamed); a folder for kgx.")
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              default=lambda: settings.store_dir(), show_default="$KG_STORE or ./kg-store",
              help="Directory of the persistent graph store.")
@click.option("--max-nodes", type=int, default=DEFAULT_NODE_CAP, show_default=True,
              help="Warn above this many nodes (html, svg, png).")
@click.option("--timeout", type=float, default=None,
              help="Stop the view's query after this many seconds (default: $KG_QUERY_TIMEOUT or 30).")
def export_cmd(view: str, params: tuple[tuple[str, str], ...], fmt: str | None, output: Path, store_dir: Path,
               max_nodes: int, timeout: float | None) -> None:
    """Export the graph view VIEW (see `kg views`) as RDF, a graph file, a picture or an HTML page;
    VIEW `mappings` writes every link to external ontologies as SSSOM TSV."""
    from kg.export.api import export_view
    from kg.store.oxigraph import OxigraphStore

    if view in INTEROP_VIEWS:  # not graph views: kg.interop writes them
        if fmt:
            raise click.UsageError(f"`kg export {view}` writes one format: drop --format")
        from kg.interop.api import export_interop

        with OxigraphStore(store_dir, read_only=True) as store:
            click.echo(export_interop(store, view, output, dict(params)))
        return
    if output.is_dir():
        raise click.UsageError(f"-o {output} is a folder: give a file")
    if view == MAPPINGS_VIEW:  # a table of links, not a graph view: kg.link writes it
        if params or fmt:
            raise click.UsageError("`kg export mappings` takes only -o FILE.sssom.tsv and --store")
        from kg.link.graph import export_mappings

        with OxigraphStore(store_dir, read_only=True) as store:
            n = export_mappings(store, str(output))
        click.echo(f"{output}: sssom-tsv, {n} mappings")
        return
    with OxigraphStore(store_dir, read_only=True) as store:
        result = export_view(store, view, output, params=dict(params), fmt=fmt, node_cap=max_nodes,
                               timeout=timeout)
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo(f"{result.path}: {result.format}, {result.nodes} nodes, {result.edges} edges, {result.triples} triples")
