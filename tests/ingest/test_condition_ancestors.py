"""Registry-derived MeSH ancestors of a trial's conditions: read, checked, carried in kg-json."""

from __future__ import annotations

import json

import pytest

from kg.errors import RecordError
from kg.ingest import ctgov_json, native
from kg.link.prefixes import mesh_id
from kg.model import ConditionAncestor, SourceRef, TrialRecord

from tests.conftest import FIXTURES

FIXTURE = FIXTURES / "ctgov" / "study_ancestors.json"


def _read(data: bytes):
    return list(ctgov_json.parse(data, "study.json"))


def test_ancestors_are_read_from_the_browse_module() -> None:
    (rec,) = _read(FIXTURE.read_bytes())
    assert isinstance(rec, TrialRecord)
    # As the registry gives them (normalized when the graph is built); entries lacking id or term are left out.
    assert rec.condition_ancestors == [
        ConditionAncestor(mesh_id="D000008180", term="Lupus Erythematosus, Systemic"),
        ConditionAncestor(mesh_id="D005921", term="Glomerulonephritis"),
        ConditionAncestor(mesh_id="D000086382", term="An ancestor with a new-style id"),
    ]
    # the descriptor (the registry's zero-padded spelling or kg's hierarchy's: one IRI when built)
    assert mesh_id(rec.conditions[0].mesh_id) == "D008181"


def test_a_study_without_ancestors_has_none() -> None:
    doc = json.loads(FIXTURE.read_text())
    del doc["derivedSection"]
    (rec,) = _read(json.dumps(doc).encode())
    assert rec.condition_ancestors == []


@pytest.mark.parametrize(
    ("ancestors", "field"),
    [
        ({"id": "D1"}, "derivedSection.conditionBrowseModule.ancestors"),
        (["D005921"], "derivedSection.conditionBrowseModule.ancestors[0]"),
        ([{"id": 5921, "term": "Glomerulonephritis"}], "derivedSection.conditionBrowseModule.ancestors[0].id"),
    ],
)
def test_a_malformed_ancestor_list_is_an_error_naming_its_field(ancestors: object, field: str) -> None:
    doc = json.loads(FIXTURE.read_text())
    doc["derivedSection"]["conditionBrowseModule"]["ancestors"] = ancestors
    (err,) = _read(json.dumps(doc).encode())
    assert isinstance(err, RecordError)
    assert err.field == field and err.record_id == "NCT09900077"


def test_ancestors_round_trip_through_kg_json() -> None:
    (rec,) = _read(FIXTURE.read_bytes())
    doc = rec.to_dict() | {"kg_record": 1}
    doc.pop("source")
    assert doc["condition_ancestors"][1] == {"mesh_id": "D005921", "term": "Glomerulonephritis"}
    data = json.dumps(doc).encode()
    assert native.FORMAT.detect(data, "x.json")
    (back,) = list(native.parse(data, "x.json"))
    assert isinstance(back, TrialRecord)
    assert back.condition_ancestors == rec.condition_ancestors
    assert TrialRecord.from_dict(rec.to_dict()) == rec


@pytest.mark.parametrize(
    ("ancestors", "field"),
    [
        ([{"mesh_id": "D005921"}], "condition_ancestors[0]"),
        ([{"mesh_id": "D005921", "term": 7}], "condition_ancestors[0].term"),
        ([{"mesh_id": "D005921", "term": "G", "tree": "C12"}], "condition_ancestors[0]"),
        ({"mesh_id": "D005921", "term": "G"}, "condition_ancestors"),
    ],
)
def test_bad_native_ancestors_are_errors_naming_the_field(ancestors: object, field: str) -> None:
    src = SourceRef(path="x.json", record_id="NCT09900077", format="kg-json")
    with pytest.raises(RecordError) as info:
        TrialRecord.from_dict({"nct_id": "NCT09900077", "condition_ancestors": ancestors}, source=src)
    assert info.value.field == field
