"""``kg match``: parse the arguments, match one patient against a store's trials, print."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from kg import settings


@click.command("match")
@click.argument("patient", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-p", "--param", "params", nargs=2, multiple=True, metavar="trial ID",
              help="Only this trial (NCT ID or IRI); repeatable: -p trial NCT04660565.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show the N best-ranked trials.")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Count time windows back from this date (default: the patient's asOf, else today).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "ttl"]), default="table", show_default=True)
@click.option("--patient-format", type=click.Choice(["auto", "json", "fhir", "note"]), default="auto", show_default=True,
              help="How to read PATIENT (auto: a FHIR Bundle, kg's patient JSON, else a free-text note).")
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              default=lambda: settings.store_dir(), show_default="$KG_STORE or ./kg-store",
              help="Directory of the persistent graph store.")
def match_cmd(patient: Path, params: tuple[tuple[str, str], ...], limit: int | None, as_of: str | None, fmt: str,
              patient_format: str, store_dir: Path) -> None:
    """Check PATIENT against the trials: each criterion met / not met / unknown, trials ranked."""
    from kg.cli import _open_store, console
    from kg.errors import ParameterError
    from kg.match import match_store
    from kg.match import render as R
    from kg.patient import read_patient

    trials = []
    for key, value in params:
        if key != "trial":
            raise ParameterError(f"unknown parameter {key!r} (kg match takes -p trial ID)")
        trials.append(value)
    day = None
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise ParameterError(f"--as-of: not a date (YYYY-MM-DD): {as_of!r}") from None
    p = read_patient(patient, patient_format)
    with _open_store(store_dir, read_only=True) as store:
        result = match_store(p, store, trials or None, day, limit)
    if fmt == "json":
        click.echo(json.dumps(R.to_json(result), indent=2, ensure_ascii=False))
        return
    if fmt == "ttl":
        click.echo(R.to_graph(result).serialize(format="turtle"), nl=False)
        return
    from rich.table import Table

    def table(rows: list[dict[str, str]], title: str) -> Table:
        t = Table(title=title, show_lines=False, title_justify="left")
        for col in (rows[0].keys() if rows else ["trial"]):
            t.add_column(col, overflow="fold")
        for row in rows:
            t.add_row(*row.values())
        return t

    out = console()
    out.print(table(R.summary_rows(result), f"Patient {p.id}, as of {result.as_of}"))
    if trials:
        for t in result.trials:
            out.print(table(R.criterion_rows(t), f"{t.name}: {t.verdict} (score {t.score:.3f})"))
    out.print(f"{len(result.trials)} trial(s)", style="dim")
