"""CLI commands of the linking layer: ``kg link`` and ``kg export mappings`` (thin wrappers)."""

from __future__ import annotations

import csv
from pathlib import Path

import click

from kg.errors import StoreError
from kg.link import sssom
from kg.link.graph import export_mappings
from kg.link.linker import LinkResult, link


def _store_dir(given: str | None) -> str:
    """The store directory: --store, else $KG_STORE, else ./kg-store (as the rest of the CLI)."""
    from kg import settings

    return given or settings.store_dir()


def _open_store(path: str):  # type: ignore[no-untyped-def]
    from kg.store.oxigraph import OxigraphStore

    if not Path(path).is_dir():
        raise StoreError(f"no store at {path} (build one with: kg build --store {path})")
    return OxigraphStore(path, read_only=True)


def write_review(path: str | Path, result: LinkResult) -> None:
    """Ambiguous matches as a TSV for a curator: one line per candidate term."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["subject_id", "subject_label", "kind", "vocabulary", "candidate_id", "candidate_label", "predicate_id", "evidence"])
        for a in result.ambiguous:
            for c in a.candidates:
                w.writerow([a.entity.iri, a.entity.label, a.entity.kind, a.prefix, c.term, c.label, c.predicate, c.evidence])


@click.command("link")
@click.argument("ontology_files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None, help="Store directory ($KG_STORE or ./kg-store; if there is none, the demo graph built in memory).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="SSSOM TSV file to write.")
@click.option("--review", type=click.Path(dir_okay=False), default=None, help="TSV of ambiguous matches to review.")
@click.option("--prefix", default=None, help="CURIE prefix for a TSV/CSV whose ids have none (e.g. ATC).")
def link_cmd(ontology_files: tuple[str, ...], store_dir: str | None, output: str, review: str | None, prefix: str | None) -> None:
    """Match the graph's conditions, drugs, targets and analytes to ONTOLOGY_FILE terms (OBO, OWL, SSSOM, TSV)."""
    store_dir = _store_dir(store_dir)
    if Path(store_dir).is_dir():
        store = _open_store(store_dir)
    else:
        from kg.graph.pipeline import build
        from kg.store.oxigraph import OxigraphStore

        store = OxigraphStore(None)
        build(None, store)
    with store:
        result = link(store, ontology_files, prefix)
    sssom.write(output, result.mappings, mapping_set_id="https://w3id.org/kg/mappings/link.sssom.tsv",
                description="Automatic links written by kg link (lexical and cross-reference matching).")
    if review:
        write_review(review, result)
    click.echo(f"{len(result.mappings)} mappings -> {output}; {len(result.ambiguous)} ambiguous" + (f" -> {review}" if review else ""))


@click.command("mappings")
@click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None, help="Store directory ($KG_STORE or ./kg-store).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="SSSOM TSV file to write.")
def export_mappings_cmd(store_dir: str | None, output: str) -> None:
    """Write every link of the built graph as SSSOM TSV."""
    with _open_store(_store_dir(store_dir)) as store:
        n = export_mappings(store, output)
    click.echo(f"{n} mappings -> {output}")
