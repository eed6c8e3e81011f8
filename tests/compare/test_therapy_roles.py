"""Washouts need an exposure: an allergy, an allowed drug, a stable dose or current use is none."""

from __future__ import annotations

import pytest

from kg.query.named import run_named
from kg.query.output import rows
from tests.compare.conflict_rows import all_conflict_rows


@pytest.mark.parametrize("fixture", ["demo_store", "seeds_store"])
def test_an_allergy_to_monoclonal_antibodies_is_no_washout(fixture: str, request: pytest.FixtureRequest) -> None:
    store = request.getfixturevalue(fixture)
    got = all_conflict_rows(store, kind="washout")
    assert got, "the source trials have washouts"
    against = [r for r in got if r["trialB"] == "NCT04893161"]
    assert not [r for r in against if "anaphyla" in str(r["criterionB"]).lower()
                or "monoclonal" in str(r["criterionB"]).lower()], against


def test_exclusions_of_a_drug_skip_allergies_and_name_current_use(demo_store) -> None:  # type: ignore[no-untyped-def]
    got = rows(run_named(demo_store, "exclusions-of-drug", {"drug": "rituximab"}).result)
    assert got and all(r["window"] != "" for r in got)
    assert not [r for r in got if "allerg" in str(r["criterion"]).lower() or "anaphyla" in str(r["criterion"]).lower()]
