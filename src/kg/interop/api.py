"""The interchange exports as one call each verb makes: read from the store, write the file, say what was written."""

from __future__ import annotations

from pathlib import Path

from kg.errors import ExportError

_PARAMS = {"fhir": {"trial", "version"}, "cohort": {"trial", "entry", "index"}, "kgx": set()}


def export_interop(store: object, view: str, output: Path, params: dict[str, str]) -> str:
    """Write export ``view`` (fhir, cohort, kgx) of ``store`` to ``output``; the one-line summary."""
    from kg.export.formats import atomic_write

    unknown = set(params) - _PARAMS[view]
    if unknown:
        raise ExportError(f"`kg export {view}` takes no parameter {', '.join(sorted(unknown))}"
                          f" (parameters: {', '.join(sorted(_PARAMS[view])) or 'none'})")
    if view == "kgx":
        from kg.interop.kgx import build_kgx, write_kgx

        if output.exists() and not output.is_dir():
            raise ExportError(f"{output} is a file: kgx writes a folder")
        k = build_kgx(store)
        nodes, edges = write_kgx(k, output)
        return f"{nodes}: {len(k.nodes)} nodes; {edges}: {len(k.edges)} edges (Biolink KGX TSV)"
    if "trial" not in params:
        raise ExportError(f"`kg export {view}` needs -p trial ID")
    from kg.interop.facts import read_trial

    facts = read_trial(store, params["trial"])
    if view == "fhir":
        from kg.interop.fhir import export_fhir

        out = export_fhir(facts, params.get("version", "R5"))
        text, what = out.json(), f"FHIR {out.version} Bundle"
    else:
        from kg.interop.cohort import export_cohort

        out = export_cohort(facts, params.get("entry", "condition"), params.get("index"))
        text, what = out.json(), "OHDSI Circe cohort definition"
    atomic_write(Path(output), lambda tmp: tmp.write_text(text, encoding="utf-8"))
    n = len(facts.items)
    return (f"{output}: {what}, {len(out.expressed)} of {n} typed constraints expressed"
            + (f" ({len(out.not_expressed)} not: see docs/exports.md)" if out.not_expressed else ""))
