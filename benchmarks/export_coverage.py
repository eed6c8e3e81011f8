"""Share of typed constraints each interchange format expresses, on the four source trials and the 1,855 records.

For every trial of a store, ``kg.interop`` writes the FHIR R5 Bundle, the FHIR R4B Bundle and the
OHDSI Circe cohort, and each writer says which constraints it wrote computably (``expressed``) and
why it left the others out. Per format this reports, over all typed constraints (groups included):

- ``expressed``: written as a computable definition (not only as text);
- ``externally_coded``: expressed, and named by a code outside kg (RxNorm, ATC, LOINC, MONDO,
  ICD-10-CM, MeSH, …) or needing none (age, sex) — what another system can act on without kg;
- ``lossless``: expressed with nothing kg knows left behind (no dropped qualifier, exception, dose,
  organ scope, formula; for FHIR no exclusive Range bound);
- the same three by constraint kind, and the reasons constraints were not expressed.

KGX carries the trial–condition–drug–mechanism–target graph, no eligibility constraint: its share is
0 by design; node and edge counts and the validator's verdict (``tests/export/kgx_validate.py`` in
the kgx environment, when present) are reported instead.

With ``--omop``, every source trial's cohort also runs on Eunomia's synthetic OMOP CDM (screening
everyone observed on 2010-01-01), whole and rule by rule, and the counts are reported.

Each trial's FHIR Bundles and cohort are validated (fhir.resources, ohdsi-cohort-schemas) on the
source trials; on the large store every ``--validate-every``-th trial is (validation is most of the
time, and the writer does not depend on it).

    .venv/bin/python benchmarks/export_coverage.py --demo-store DIR --real-store DIR [--omop] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from kg.interop.cohort import execute, export_cohort, resolve_concepts
from kg.interop.facts import external_codes, read_lookup, read_trial
from kg.interop.fhir import exclusive_bounds, export_fhir
from kg.interop.kgx import KG_PREFIXES, build_kgx, write_kgx
from kg.store.oxigraph import OxigraphStore

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("fhir-r5", "fhir-r4b", "ohdsi-cohort")


def _trials(store: OxigraphStore) -> list[str]:
    return sorted(r[0] for r in store.rows("SELECT ?t WHERE { ?t a kg:Trial }"))


def _export(facts, fmt: str, check: bool):  # type: ignore[no-untyped-def]
    if fmt == "fhir-r5":
        return export_fhir(facts, "R5", check=check)
    if fmt == "fhir-r4b":
        return export_fhir(facts, "R4B", check=check)
    return export_cohort(facts, check=check)


def measure(store_dir: str, limit: int | None, validate_every: int) -> dict:
    """Coverage of every format over the trials of one store."""
    counts = {f: Counter() for f in FORMATS}
    by_kind = {f: defaultdict(Counter) for f in FORMATS}
    reasons = {f: Counter() for f in FORMATS}
    started = time.perf_counter()
    with OxigraphStore(store_dir, read_only=True) as store:
        lookup = read_lookup(store)
        trials = _trials(store)[:limit] if limit else _trials(store)
        validated = 0
        for n, trial in enumerate(trials):
            facts = read_trial(store, trial, lookup)
            check = n % validate_every == 0
            validated += check
            for fmt in FORMATS:
                out = _export(facts, fmt, check)
                done = set(out.expressed)
                for item in facts.items:
                    k = by_kind[fmt][item.kind]
                    k["constraints"] += 1
                    counts[fmt]["constraints"] += 1
                    if item.iri not in done:
                        reasons[fmt][out.not_expressed.get(item.iri, "?")] += 1
                        continue
                    coded = item.kind in ("age", "sex", "group") or bool(external_codes(item))
                    lossless = not item.lost and not (fmt.startswith("fhir") and exclusive_bounds(item))
                    for key, ok in (("expressed", True), ("externally_coded", coded), ("lossless", lossless)):
                        if ok:
                            k[key] += 1
                            counts[fmt][key] += 1
            if (n + 1) % 200 == 0:
                print(f"  {n + 1}/{len(trials)} trials, {time.perf_counter() - started:.0f} s", file=sys.stderr)

    def share(c: Counter) -> dict:
        total = c["constraints"] or 1
        return {"constraints": c["constraints"],
                **{k: round(c[k] / total, 3) for k in ("expressed", "externally_coded", "lossless")}}

    return {
        "store": store_dir, "trials": len(trials), "trials_validated": validated,
        "seconds": round(time.perf_counter() - started, 1),
        "formats": {f: {**share(counts[f]),
                        "by_kind": {k: share(c) for k, c in sorted(by_kind[f].items())},
                        "not_expressed_reasons": dict(reasons[f].most_common(12))} for f in FORMATS},
    }


def kgx_summary(store_dir: str) -> dict:
    """Node and edge counts of the KGX export and `kgx validate`'s verdict (when kgx is installed)."""
    with OxigraphStore(store_dir, read_only=True) as store:
        t = time.perf_counter()
        k = build_kgx(store)
        seconds = time.perf_counter() - t
    out: dict = {"constraints_expressed": 0.0, "nodes": len(k.nodes), "edges": len(k.edges),
                 "nodes_by_category": dict(Counter(n["category"] for n in k.nodes)),
                 "nodes_with_kg_own_id": sum(n["id"].startswith("KG.") for n in k.nodes),
                 "edges_by_predicate": dict(Counter(e["predicate"] for e in k.edges)), "seconds": round(seconds, 1)}
    python = os.environ.get("KG_KGX_PYTHON") or str(Path.home() / ".cache" / "kg-kgx-venv" / "bin" / "python")
    if Path(python).exists():
        with tempfile.TemporaryDirectory() as tmp:
            files = write_kgx(k, tmp)
            run = subprocess.run([python, str(ROOT / "tests" / "export" / "kgx_validate.py"),
                                  *[f"{p}={i}" for p, i in KG_PREFIXES.items()], "--", *map(str, files)],
                                 capture_output=True, text=True, timeout=3600)
            line = next((x for x in run.stdout.splitlines() if x.startswith("KGX-ERRORS ")), "KGX-ERRORS null")
            errors = json.loads(line.removeprefix("KGX-ERRORS "))
            out["kgx_validate_errors"] = errors if errors is None else {
                level: {kind: len(msgs) for kind, msgs in kinds.items()} for level, kinds in errors.items()}
    return out


def omop_counts(store_dir: str, index: str = "2010-01-01") -> dict:
    """Each source trial's cohort on Eunomia, screening everyone observed on ``index``: whole and rule by rule."""
    import duckdb

    sys.path.insert(0, str(ROOT))
    from tests.export.omop import eunomia_cdm

    out: dict = {"index_date": index}
    with tempfile.TemporaryDirectory() as tmp, OxigraphStore(store_dir, read_only=True) as store:
        con = duckdb.connect(str(eunomia_cdm(Path(tmp))))

        def find(vocabulary: str, code: str):  # type: ignore[no-untyped-def]
            row = con.execute("SELECT concept_id, concept_name FROM concept WHERE vocabulary_id = ? AND concept_code = ?",
                              [vocabulary, code]).fetchone()
            return None if row is None else (int(row[0]), row[1])

        out["observed_on_index"] = con.execute(
            "SELECT COUNT(DISTINCT person_id) FROM observation_period WHERE observation_period_start_date <= ? "
            "AND observation_period_end_date >= ?", [index, index]).fetchone()[0]
        lookup = read_lookup(store)
        for trial in _trials(store):
            facts = read_trial(store, trial, lookup)
            expr, found, dropped = resolve_concepts(export_cohort(facts, index_date=index).expression, find)
            row = {"concepts_resolved": found, "concepts_unknown_to_eunomia": dropped,
                   "cohort": execute(expr, con), "by_rule": {}}
            for rule in expr["InclusionRules"]:
                alone = {**expr, "InclusionRules": [rule]}
                row["by_rule"][rule["name"][:80]] = execute(alone, con, cohort_id=2)
            row["by_condition_entry"] = execute(resolve_concepts(export_cohort(facts).expression, find)[0], con,
                                                cohort_id=3)
            out[facts.nct or trial] = row
        con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--demo-store", required=True, help="a store built from the four source trials (kg build)")
    ap.add_argument("--real-store", help="the store of the 1,855 shared records (opened read-only)")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--validate-every", type=int, default=25)
    ap.add_argument("--omop", action="store_true", help="run the source trials' cohorts on Eunomia")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "export_coverage.json"))
    args = ap.parse_args()
    result: dict = {"source_trials": measure(args.demo_store, None, 1), "kgx_source_trials": kgx_summary(args.demo_store)}
    if args.real_store:
        result["ctgov_1855"] = measure(args.real_store, args.limit, args.validate_every)
        result["kgx_ctgov_1855"] = kgx_summary(args.real_store)
    if args.omop:
        result["omop_eunomia"] = omop_counts(args.demo_store)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v.get("formats", v) if isinstance(v, dict) else v for k, v in result.items()}, indent=1)[:4000])


if __name__ == "__main__":
    main()
