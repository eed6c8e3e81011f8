"""The embedded demo dataset (kg/data/demo/*.json): loads as kg-json, keeps the seeds' facts, copies no prose."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from kg.errors import RecordError
from kg.ingest.native import FORMAT
from kg.model import Criterion, TrialRecord

DEMO = Path(str(resources.files("kg").joinpath("data/demo")))
SEEDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds"

# Counted by hand from the seed documents: for each polarity, one entry per top-level
# criterion giving the number of criteria nested under it.
EXPECTED_SHAPE: dict[str, dict[str, list[int]]] = {
    # seed 001: 4 inclusion and 9 exclusion bullets, none nested
    "NCT04660565": {"inclusion": [0] * 4, "exclusion": [0] * 9},
    # seed 002: 7 inclusion, 11 exclusion; exclusion 4 has 3 exceptions, exclusion 11 has 7 blood tests
    "NCT05974683": {"inclusion": [0] * 7, "exclusion": [0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 7]},
    # seed 004: 3 inclusion, 13 exclusion; "Infection history" has 3 items, "Hepatitis status" 2
    "NCT04893161": {"inclusion": [0] * 3, "exclusion": [0, 0, 0, 0, 0, 0, 3, 0, 0, 2, 0, 0, 0]},
    # seed 003 (the paper) states the population only: early dcSSc, recently started on MMF
    "NCT01670565": {"inclusion": [0, 0], "exclusion": []},
}

# Which seed document holds each trial's eligibility criteria, and where that section ends.
CRITERIA_SEED = {
    "NCT04660565": ("001_", "Clear my responses"),
    "NCT05974683": ("002_", "Sites / Locations"),
    "NCT04893161": ("004_", "Sites / Locations"),
}


def load_all() -> dict[str, TrialRecord]:
    records: dict[str, TrialRecord] = {}
    for path in sorted(DEMO.glob("*.json")):
        data = path.read_bytes()
        assert FORMAT.detect(data, path.name), path.name
        results = list(FORMAT.parse(data, str(path)))
        errors = [r for r in results if isinstance(r, RecordError)]
        assert not errors, errors
        assert len(results) == 1, path.name
        (record,) = results
        assert record.nct_id == path.stem
        records[record.nct_id] = record
    return records


@pytest.fixture(scope="module")
def records() -> dict[str, TrialRecord]:
    return load_all()


def test_the_four_trials_are_present(records: dict[str, TrialRecord]) -> None:
    assert set(records) == set(EXPECTED_SHAPE)


@pytest.mark.parametrize("nct_id", sorted(EXPECTED_SHAPE))
def test_each_trial_is_structured(records: dict[str, TrialRecord], nct_id: str) -> None:
    rec = records[nct_id]
    assert rec.title and rec.summary and rec.sponsor
    assert rec.conditions and rec.arms and rec.interventions and rec.eligibility.criteria
    assert rec.design.study_type == "interventional"
    names = {i.name for i in rec.interventions}
    labels = {a.label for a in rec.arms}
    for arm in rec.arms:
        assert arm.intervention_names and set(arm.intervention_names) <= names, arm.label
    for intervention in rec.interventions:
        assert intervention.arm_labels and set(intervention.arm_labels) <= labels, intervention.name
    for visit in rec.visits:
        assert visit.arm_label in labels and visit.weeks == sorted(visit.weeks)


def _regimen(rec: TrialRecord, name: str):  # noqa: ANN202 - test helper
    (intervention,) = [i for i in rec.interventions if i.name == name]
    assert intervention.regimen is not None, name
    return intervention.regimen


def test_regimens_carry_the_stated_dose_route_and_schedule(records: dict[str, TrialRecord]) -> None:
    beli = _regimen(records["NCT04893161"], "belimumab")
    assert (beli.dose_value, beli.dose_unit, beli.route) == (10, "mg/kg", "intravenous")
    assert (beli.schedule_days, beli.repeat_every_days, beli.until_week) == ([0, 14, 28], 28, 48)
    mmf = _regimen(records["NCT05974683"], "mycophenolate mofetil")
    assert (mmf.dose_value, mmf.dose_unit, mmf.frequency) == (0.5, "g", "daily")
    ssc = _regimen(records["NCT01670565"], "Belimumab")
    assert (ssc.dose_value, ssc.dose_unit, ssc.route) == (10, "mg/kg", "intravenous")


def test_visits_and_background_therapy(records: dict[str, TrialRecord]) -> None:
    rec = records["NCT05974683"]
    assert {v.arm_label for v in rec.visits} == {a.label for a in rec.arms}
    assert all(v.weeks == [4, 12, 24, 36, 52] for v in rec.visits)
    assert all(a.background_therapies for a in rec.arms)
    ssc = records["NCT01670565"]
    assert all("mycophenolate mofetil" in a.background_therapies for a in ssc.arms)
    assert sum(a.size or 0 for a in ssc.arms) == ssc.design.enrollment == 20


def test_publication_results_of_the_ssc_pilot(records: dict[str, TrialRecord]) -> None:
    (pub,) = records["NCT01670565"].publications
    assert (pub.pmid, pub.pmcid, pub.doi, pub.date) == ("29073351", "PMC6590997", "10.1002/art.40358", "2017-12-29")
    assert (pub.volume, pub.issue) == ("70", "2")
    got = {(r.group, r.timepoint): (r.value, r.iqr_low, r.iqr_high, r.p_value) for r in pub.results if r.measure.startswith("MRSS")}
    assert got[("belimumab", "baseline")] == (27, 26.5, 31, None)
    assert got[("belimumab", "week 52")] == (18, 11, 23, 0.039)
    assert got[("placebo", "baseline")] == (28, 22, 28, None)
    assert got[("placebo", "week 52")] == (21, 14, 25, 0.023)
    assert got[("belimumab", "change")] == (-10, -13, -9, None)
    assert got[("placebo", "change")] == (-3, -15, -1, None)
    assert got[("belimumab vs placebo", "change")][3] == 0.411


def shape(criteria: list[Criterion]) -> dict[str, list[int]]:
    """Children per top-level criterion, per polarity; checks the nesting is well formed."""
    out: dict[str, list[int]] = {"inclusion": [], "exclusion": []}
    top_index: dict[int, int] = {}
    last_order: dict[str, int] = {}
    for i, c in enumerate(criteria):
        assert c.text.strip(), i
        assert c.order > last_order.get(c.polarity, 0), f"order not increasing at {i}"
        last_order[c.polarity] = c.order
        if c.parent is None:
            top_index[i] = len(out[c.polarity])
            out[c.polarity].append(0)
        else:
            assert c.parent in top_index and c.parent < i, f"criterion {i} has a bad parent"
            assert criteria[c.parent].polarity == c.polarity
            out[c.polarity][top_index[c.parent]] += 1
    return out


@pytest.mark.parametrize("nct_id", sorted(EXPECTED_SHAPE))
def test_criteria_count_and_nesting_match_the_source(records: dict[str, TrialRecord], nct_id: str) -> None:
    assert shape(records[nct_id].eligibility.criteria) == EXPECTED_SHAPE[nct_id]


def test_shape_detects_a_changed_nesting(records: dict[str, TrialRecord]) -> None:
    criteria = list(records["NCT05974683"].eligibility.criteria)
    flattened = [Criterion(c.polarity, c.order, c.text) for c in criteria]
    assert shape(flattened) != EXPECTED_SHAPE["NCT05974683"]


# --- against the seed documents (skipped without ../shared) ---------------------------------
def seed_texts() -> dict[str, str]:
    if not SEEDS.is_dir():
        pytest.skip("shared seeds not available")
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


_NUMBER = re.compile(r"(?<![A-Za-z0-9.])\d+(?:\.\d+)?")
_ENUMERATOR = re.compile(r"(?:^|(?<=\s))\d{1,2}\.\s")


def numbers(text: str) -> set[str]:
    """Numbers in a text (not list enumerators, not digits inside names such as IgG4)."""
    return {str(float(n)) for n in _NUMBER.findall(_ENUMERATOR.sub(" ", text))}


@pytest.mark.parametrize("nct_id", sorted(CRITERIA_SEED))
def test_criteria_keep_every_number_of_the_source(records: dict[str, TrialRecord], nct_id: str) -> None:
    prefix, end = CRITERIA_SEED[nct_id]
    (text,) = [t for name, t in seed_texts().items() if name.startswith(prefix)]
    section = text[text.index("Inclusion Criteria") : text.index(end)]
    ours = " ".join(c.text for c in records[nct_id].eligibility.criteria)
    missing = numbers(section) - numbers(ours)
    assert not missing, f"numbers of the source criteria missing from {nct_id}: {sorted(missing)}"


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKC", text).casefold())


def strings(value: Any, key: str | None = None) -> Iterator[tuple[str | None, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v, key)
    elif isinstance(value, str):
        yield key, value


RUN = 12
# Titles are names (the crosswalk matches on them); every other text must be our own words.
NAME_KEYS = {"title", "official_title"}


def test_no_run_of_twelve_words_is_copied_from_a_seed() -> None:
    shingles: set[tuple[str, ...]] = set()
    for text in seed_texts().values():
        w = words(text)
        shingles.update(tuple(w[i : i + RUN]) for i in range(len(w) - RUN + 1))
    assert shingles
    copied = []
    for path in sorted(DEMO.glob("*.json")):
        for key, text in strings(json.loads(path.read_text(encoding="utf-8"))):
            if key in NAME_KEYS:
                continue
            w = words(text)
            copied += [
                f"{path.name} {key}: {' '.join(w[i:i + RUN])}"
                for i in range(len(w) - RUN + 1)
                if tuple(w[i : i + RUN]) in shingles
            ]
    assert not copied, copied
