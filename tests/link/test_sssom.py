"""SSSOM TSV reading and writing (and, when sssom-py is installed, its validation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import RecordError
from kg.link import sssom
from kg.link.sssom import Mapping
from tests.conftest import shared_path

ROWS = [
    Mapping("kgid:condition/x", "MONDO:0007915", "skos:exactMatch", "semapv:ManualMappingCuration",
            subject_label="X disease", object_label="systemic lupus erythematosus", confidence=0.9, comment="checked: file A"),
    Mapping("kgid:unit/mg%2FdL", "UCUM:mg%2FdL", "skos:exactMatch", "semapv:ManualMappingCuration"),
    Mapping("kg:Glucocorticoid", "ATC:H02AB", "skos:narrowMatch", "semapv:LexicalMatching", confidence=0.6),
]


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "x.sssom.tsv"
    sssom.write(path, ROWS, mapping_set_id="https://example.org/x.sssom.tsv", description='with "quotes": and colons')
    back = sssom.read(path)
    assert sorted(back.mappings, key=lambda m: m.key) == sorted(ROWS, key=lambda m: m.key)
    assert back.metadata["mapping_set_id"] == "https://example.org/x.sssom.tsv"
    curie_map = back.metadata["curie_map"]
    assert isinstance(curie_map, dict) and curie_map["MONDO"] == "http://purl.obolibrary.org/obo/MONDO_"


def test_prefix_synonyms_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "y.sssom.tsv"
    path.write_text("subject_id\tpredicate_id\tobject_id\tmapping_justification\n"
                    "mesh:D001327\tskos:exactMatch\tdoid:417\tsemapv:ManualMappingCuration\n", encoding="utf-8")
    (m,) = sssom.read(path).mappings
    assert (m.subject_id, m.object_id) == ("MESH:D001327", "DOID:417")


def test_unknown_prefix_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "z.sssom.tsv"
    path.write_text("subject_id\tpredicate_id\tobject_id\tmapping_justification\n"
                    "DOID:417\tskos:exactMatch\tDOID:418\tsemapv:ManualMappingCuration\n"
                    "FOO:1\tskos:exactMatch\tDOID:417\tsemapv:ManualMappingCuration\n", encoding="utf-8")
    with pytest.raises(RecordError) as exc:
        sssom.read(path)
    assert exc.value.record_id == "row 2"
    assert len(sssom.read(path, strict=False).mappings) == 1


def test_reads_third_party_files() -> None:
    path = shared_path("data", "ontologies", "mondo", "mondo_exactmatch_mesh.sssom.tsv")
    ms = sssom.read(path, strict=False)
    assert ms.metadata["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert any(m.key == ("MONDO:0007915", "skos:exactMatch", "MESH:D008180") for m in ms.mappings)


def sssom_py_errors(path: Path) -> list[str]:
    """Messages of sssom-py's JSON-schema and prefix-map validation of ``path``."""
    parsers = pytest.importorskip("sssom.parsers", reason="sssom-py not installed (pip install -e .[test])")
    from sssom.constants import SchemaValidationType
    from sssom.validators import validate

    msdf = parsers.parse_sssom_table(str(path))
    reports = validate(msdf, [SchemaValidationType.JsonSchema, SchemaValidationType.PrefixMapCompleteness], fail_on_error=False)
    return [r.message for rep in reports.values() for r in rep.results]


def test_written_files_validate_with_sssom_py(tmp_path: Path) -> None:
    path = tmp_path / "v.sssom.tsv"
    sssom.write(path, ROWS, mapping_set_id="https://example.org/v.sssom.tsv")
    assert sssom_py_errors(path) == []
