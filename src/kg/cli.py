"""The ``kg`` command line: parses arguments, calls one library function per verb, prints.

Errors kg raises on purpose (:class:`kg.errors.KgError`) become a one-line message and a
non-zero exit status (3 for a partial build, 1 otherwise); ``--debug`` shows the
traceback instead. Anything else is a bug and is shown with its traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kg import settings
from kg.errors import KgError, PartialBuildError

DEFAULT_STORE = settings.DEFAULT_STORE

#: Verbs whose code lives with their layer, as ``module:attribute``. A verb's module is
#: imported only when that verb runs (or ``kg --help`` lists it): ``kg query`` does not
#: pay for the export formats (networkx) or the linker (curies, pydantic) it never uses.
LAYER_COMMANDS: dict[str, str] = {
    "views": "kg.export.commands:views_cmd",
    "export": "kg.export.commands:export_cmd",
    "link": "kg.link.commands:link_cmd",
    "match": "kg.match.commands:match_cmd",
    "serve": "kg.serve.commands:serve_cmd",
    "push": "kg.push.commands:push_cmd",
}

_CONSOLES: dict[str, Any] = {}


def console(stream: str = "out") -> Any:
    """rich's console for ``"out"`` or ``"err"``, made on first use (importing rich costs
    a tenth of a second that a csv or json answer does not need)."""
    if stream not in _CONSOLES:
        from rich.console import Console

        if stream == "err":
            _CONSOLES[stream] = Console(stderr=True)
        else:
            # Off a terminal (pipes, CI logs) rich would assume 80 columns and fold every cell.
            width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "220"))
            _CONSOLES[stream] = Console(soft_wrap=True, width=width)
    return _CONSOLES[stream]


def _store_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--store",
        "store_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=lambda: settings.store_dir(),
        show_default="$KG_STORE or ./kg-store",
        help="Directory of the persistent graph store.",
    )(f)


def _open_store(store_dir: Path, *, read_only: bool = False, endpoint: str | None = None,
                timeout: float | None = None):  # type: ignore[no-untyped-def]
    if endpoint:  # a SPARQL endpoint instead of the store folder (decision 0017)
        from kg.store.endpoint import DEFAULT_TIMEOUT, EndpointStore

        return EndpointStore(endpoint, timeout=timeout or DEFAULT_TIMEOUT)
    from kg.store.oxigraph import OxigraphStore

    return OxigraphStore(store_dir, read_only=read_only)


class KgGroup(click.Group):
    """Turns KgError into a one-line message unless --debug is given; mounts the layers'
    verbs (:data:`LAYER_COMMANDS`) when they are asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAYER_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in LAYER_COMMANDS:
            import importlib

            module, attr = LAYER_COMMANDS[cmd_name].split(":")
            found = getattr(importlib.import_module(module), attr)
            self.add_command(found, cmd_name)
        return found

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KgError as err:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            console("err").print(f"[bold red]error:[/] {err}", highlight=False, markup=True, soft_wrap=True)
            sys.exit(err.exit_code)


@click.group(cls=KgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(package_name="kg")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """kg: a knowledge graph of clinical trials, drugs and eligibility criteria."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _print_summary(summary: Any) -> None:
    from rich.table import Table

    table = Table(show_header=False, box=None)
    d = summary.as_dict()
    for key in ("records_read", "trials", "criteria", "constraints", "triples", "graphs_changed",
                "triples_added", "triples_removed", "conflicts", "comparable pairs", "records_quarantined",
                "files_skipped"):
        table.add_row(key.replace("_", " "), str(d[key]))
    if d.get("criteria_parse_failures"):  # criteria the parser could not read (logged one by one)
        table.add_row("criteria parse failures", str(d["criteria_parse_failures"]))
    if d.get("report"):
        table.add_row("report", str(d["report"]))
    console().print(table)
    for q in summary.quarantined[:20]:
        where = " ".join(x for x in (q.path, f"[{q.record_id}]" if q.record_id else "",
                                     f"field {q.field}" if q.field else "") if x)
        console("err").print(f"[yellow]quarantined:[/] {where}: {q.reason}", highlight=False, soft_wrap=True)
    if len(summary.quarantined) > 20:
        console("err").print(f"[yellow]… and {len(summary.quarantined) - 20} more in the report[/]")


def run_build(sources: tuple[Path, ...], store_dir: Path, crosswalk: Path | None, report: Path | None,
              quiet: bool, zip_limits: Any = None, progress_every: float = 5.0) -> Any:
    """Build into ``store_dir``, showing progress: a bar on a terminal, a log line every
    ``progress_every`` seconds otherwise (pipes, CI), nothing when ``quiet``."""
    from kg.graph.pipeline import build

    def run(tick: Any = None) -> Any:
        return build(list(sources) or None, store, crosswalk=crosswalk, report=report, progress=tick,
                     zip_limits=zip_limits, require_records=bool(sources))

    with _open_store(store_dir) as store:
        if quiet:
            return run()
        if not sys.stderr.isatty():
            from kg.progress import ProgressLog

            try:
                out: Any = sys.stderr.fileno()
            except (AttributeError, OSError, ValueError):  # a stream without a descriptor (captured)
                out = sys.stderr
            with ProgressLog("kg build", every=progress_every, out=out) as log:
                return run(log)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console("err"), transient=True) as bar:
            task = bar.add_task("reading", total=None)

            def tick(desc: str, done: int, total: int | None) -> None:
                bar.update(task, description=desc, completed=done, total=total)

            return run(tick)


@cli.command("build")
@click.argument("sources", nargs=-1, type=click.Path(exists=True, path_type=Path))
@_store_option
@click.option("--crosswalk", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra crosswalk TSV (title/PMID/DOI/sha256 → NCT ID), merged with the embedded one.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the quarantine report (default: STORE/build-report.tsv).")
@click.option("-q", "--quiet", is_flag=True, help="No progress (bar or log lines).")
@click.option("--progress-every", type=click.FloatRange(min=0.1), default=5.0, show_default=True, metavar="SECONDS",
              help="Seconds between progress lines on stderr when it is not a terminal.")
@click.option("--zip-member-limit", metavar="SIZE",
              help="Largest a zip member may expand to, e.g. 64M (default $KG_ZIP_MEMBER_LIMIT or 64M).")
@click.option("--zip-total-limit", metavar="SIZE",
              help="Most one zip may expand to in all, e.g. 2G (default $KG_ZIP_TOTAL_LIMIT or 2G).")
def build_cmd(sources: tuple[Path, ...], store_dir: Path, crosswalk: Path | None, report: Path | None,
              quiet: bool, progress_every: float, zip_member_limit: str | None, zip_total_limit: str | None) -> None:
    """Build or update the graph from SOURCES (files, folders, zips); none = the demo dataset.

    Exits 0 on success, 3 when some records were quarantined (the others are stored), 4 when
    the SOURCES hold no readable record (nothing is written), 1 on any other error."""
    from kg.ingest.sources import ZipLimits, parse_size

    limits = ZipLimits.from_env()
    limits = ZipLimits(
        member=parse_size(zip_member_limit, "--zip-member-limit") if zip_member_limit else limits.member,
        total=parse_size(zip_total_limit, "--zip-total-limit") if zip_total_limit else limits.total)
    summary = run_build(sources, store_dir, crosswalk, report, quiet, limits, progress_every)
    _print_summary(summary)
    if summary.partial:
        raise PartialBuildError(
            f"partial build: {len(summary.quarantined)} record(s) quarantined, see {summary.report_path}"
        )


def _emit_rows(result: Any, fmt: str, title: str | None = None) -> None:
    from kg.query.output import render_rows, rows_table

    if result.type == "ASK":
        click.echo("true" if result.askAnswer else "false")
        return
    if fmt == "table":
        console().print(rows_table(result, title=title))
        console().print(f"{len(result.bindings)} row(s)", style="dim")
    else:
        click.echo(render_rows(result, fmt), nl=False)


@cli.command("query")
@click.argument("name")
@click.option("-p", "--param", "params", nargs=2, multiple=True, metavar="KEY VALUE",
              help="A query parameter (repeatable), e.g. -p trial NCT04660565.")
@_store_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table",
              show_default=True)
@click.option("--timeout", type=float, default=None, help="Time limit in seconds (default $KG_QUERY_TIMEOUT or 30).")
@click.option("--allow", multiple=True, metavar="IRI", help="Allow SERVICE/FROM to this IRI prefix (repeatable).")
@click.option("--endpoint", metavar="URL", default=None,
              help="Run on this SPARQL endpoint (an Oxigraph server, Virtuoso, kg serve) instead of the store.")
def query_cmd(name: str, params: tuple[tuple[str, str], ...], store_dir: Path, fmt: str,
              timeout: float | None, allow: tuple[str, ...], endpoint: str | None) -> None:
    """Run the named query NAME (see `kg queries`)."""
    from kg.errors import QueryError
    from kg.query.guard import AllowList
    from kg.query.named import get_query, run_named

    if get_query(name).view:
        raise QueryError(f"{name!r} is a graph view (it builds a graph, not rows): "
                         f"run `kg export {name} -o FILE` (formats: ttl, graphml, html, svg, ...)")
    with _open_store(store_dir, read_only=True, endpoint=endpoint, timeout=timeout) as store:
        run = run_named(store, name, get_query(name).bind_pairs(params), timeout=timeout,
                        allow=AllowList.from_env(*allow))
        _emit_rows(run.result, fmt, title=run.query.summary if fmt == "table" else None)


@cli.command("queries")
def queries_cmd() -> None:
    """List the named queries with their summary and parameters."""
    from rich.table import Table

    from kg.query.named import load_queries

    table = Table("name", "summary", "parameters", show_lines=True)
    for q in load_queries().values():
        if q.view:
            continue
        params = "\n".join(
            f"{p.name} ({p.type}, {'required' if p.required else 'optional' + (f'={p.default}' if p.default else '')})"
            f": {p.description}" for p in q.params) or "-"
        table.add_row(q.name, q.summary, params)
    console().print(table)


@cli.command("sparql")
@click.argument("query_file", type=click.File("r", encoding="utf-8"))
@_store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "tsv", "xml", "turtle", "ttl", "nt"]),
              default="table", show_default=True,
              help="SELECT/ASK: SPARQL 1.1 results json, csv, tsv, xml or a table; CONSTRUCT: turtle or nt.")
@click.option("--timeout", type=float, default=None, help="Time limit in seconds (default $KG_QUERY_TIMEOUT or 30).")
@click.option("--allow", multiple=True, metavar="IRI", help="Allow SERVICE/FROM to this IRI prefix (repeatable).")
@click.option("--endpoint", metavar="URL", default=None,
              help="Run on this SPARQL endpoint (an Oxigraph server, Virtuoso, kg serve) instead of the store.")
def sparql_cmd(query_file: Any, store_dir: Path, fmt: str, timeout: float | None, allow: tuple[str, ...],
               endpoint: str | None) -> None:
    """Run any SPARQL SELECT/ASK/CONSTRUCT query from QUERY_FILE (or - for stdin)."""
    from kg.query.guard import AllowList
    from kg.query.limits import user_query
    from kg.query.output import render_sparql

    text = query_file.read()
    with _open_store(store_dir, read_only=True, endpoint=endpoint, timeout=timeout) as store:
        result = user_query(store, text, timeout=timeout, allow=AllowList.from_env(*allow))
        if fmt == "table" and result.type in ("SELECT", "ASK"):
            _emit_rows(result, "table")
        elif fmt == "table":
            click.echo(render_sparql(result, "turtle"), nl=False)
        else:
            click.echo(render_sparql(result, fmt), nl=False)


#: What `kg demo` answers after building the demo data.
HEADLINE: tuple[tuple[str, dict[str, str]], ...] = (
    ("trials", {}),
    ("criteria", {"trial": "NCT04660565"}),
    ("conflicting-exclusions", {}),
    ("comparable-trials", {"trial": "NCT04893161"}),
    ("exclusions-of-drug", {"drug": "rituximab"}),
)


@cli.command("demo")
@_store_option
def demo_cmd(store_dir: Path) -> None:
    """Build the embedded demo dataset and answer the headline queries."""
    from kg.query.named import run_named

    summary = run_build((), store_dir, None, None, quiet=True)
    _print_summary(summary)
    with _open_store(store_dir, read_only=True) as store:
        for name, params in HEADLINE:
            run = run_named(store, name, params)
            title = f"kg query {name}" + "".join(f" -p {k} {v}" for k, v in params.items())
            _emit_rows(run.result, "table", title=title)


def main() -> None:
    """Console-script entry point."""
    cli(obj={})


if __name__ == "__main__":  # pragma: no cover
    main()
