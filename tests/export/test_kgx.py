"""KGX export: Biolink nodes/edges TSV that `kgx validate` accepts, with the categories and predicates kg promises.

kgx cannot live in kg's environment (it pins numpy < 2, pandas, pyarrow and duckdb versions kg's
other exports need), so the validator runs in its own: ``$KG_KGX_PYTHON``, else
``~/.cache/kg-kgx-venv/bin/python`` (made by ``python3 -m venv ~/.cache/kg-kgx-venv &&
~/.cache/kg-kgx-venv/bin/pip install kgx==2.6.0``). Without it the validator tests skip, or fail
when ``KG_REQUIRE_KGX=1`` (as CI should set once it makes the environment).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest

from kg.interop.kgx import KG_PREFIXES, build_kgx, write_kgx

VALIDATE = Path(__file__).with_name("kgx_validate.py")


def _kgx_python() -> str:
    python = os.environ.get("KG_KGX_PYTHON") or str(Path.home() / ".cache" / "kg-kgx-venv" / "bin" / "python")
    if not Path(python).exists():
        if os.environ.get("KG_REQUIRE_KGX") == "1":
            pytest.fail(f"KG_REQUIRE_KGX=1 but no environment with kgx at {python}")
        pytest.skip(f"no environment with kgx at {python} (see this module's docstring)")
    return python


def kgx_validate(*files: Path, prefixes: dict[str, str] = KG_PREFIXES) -> dict:
    """The error dict `kgx validate` reports for ``files`` (TSV), kg's own prefixes declared."""
    args = [f"{k}={v}" for k, v in prefixes.items()]
    run = subprocess.run([_kgx_python(), str(VALIDATE), *args, "--", *map(str, files)], capture_output=True,
                         text=True, timeout=300, env={**os.environ, "PYTHONPATH": ""})
    line = next((x for x in run.stdout.splitlines() if x.startswith("KGX-ERRORS ")), None)
    assert line is not None, run.stderr[-2000:]
    return json.loads(line.removeprefix("KGX-ERRORS "))


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="module")
def demo_kgx(demo_store, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    return write_kgx(build_kgx(demo_store), tmp_path_factory.mktemp("kgx-demo"))


def test_categories_predicates_and_identifiers(demo_kgx) -> None:  # type: ignore[no-untyped-def]
    nodes, edges = (_rows(p) for p in demo_kgx)
    by_id = {n["id"]: n for n in nodes}
    assert by_id["CLINICALTRIALS:NCT04660565"]["category"] == "biolink:ClinicalTrial"
    assert by_id["DRUGBANK:DB00073"]["category"] == "biolink:Drug"  # rituximab, RxNorm and ATC kept as xrefs
    assert "RXNORM:121191" in by_id["DRUGBANK:DB00073"]["xref"].split("|")
    assert by_id["MONDO:0017287"]["category"] == "biolink:Disease"  # IgG4-related disease
    kinds = {(by_id[e["subject"]]["category"], e["predicate"], by_id[e["object"]]["category"]) for e in edges}
    assert ("biolink:ClinicalTrial", "biolink:related_to", "biolink:Disease") in kinds
    assert ("biolink:ClinicalTrial", "biolink:related_to", "biolink:Drug") in kinds
    assert ("biolink:Drug", "biolink:in_clinical_trials_for", "biolink:Disease") in kinds
    assert ("biolink:Drug", "biolink:affects", "biolink:MolecularActivity") in kinds
    assert ("biolink:MolecularActivity", "biolink:enabled_by", "biolink:Protein") in kinds
    assert ("biolink:Drug", "biolink:directly_physically_interacts_with", "biolink:Protein") in kinds
    # belimumab is given in NCT04660565, a trial of IgG4-related disease
    belimumab = next(n["id"] for n in nodes if n["name"] == "belimumab")
    assert any(e["subject"] == belimumab and e["object"] == "MONDO:0017287"
               and e["predicate"] == "biolink:in_clinical_trials_for" for e in edges)
    assert all(e["subject"] in by_id and e["object"] in by_id for e in edges)


def test_kgx_validate_accepts_demo_and_a_real_record(demo_kgx, real_record_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, _ = real_record_store
    real = write_kgx(build_kgx(store), tmp_path / "real")
    assert kgx_validate(*demo_kgx, *real) == {}


def test_kgx_validate_can_fail(tmp_path: Path) -> None:
    """The validator really judges: an unknown category and an undeclared prefix are errors."""
    (tmp_path / "nodes.tsv").write_text("id\tcategory\tname\tprovided_by\n"
                                        "KG.TRIAL:x\tbiolink:NoSuchClass\tx\tinfores:kg\n"
                                        "NOPREFIX:1\tbiolink:Disease\ty\tinfores:kg\n")
    errors = kgx_validate(tmp_path / "nodes.tsv")
    text = json.dumps(errors)
    assert "NoSuchClass" in text and "NOPREFIX" in text
