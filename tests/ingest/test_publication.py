"""Tests of kg.ingest.publication: publication pages -> the trial record the paper reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import RecordError
from kg.ingest import publication, registry_text
from kg.model import ReportedResult, TrialRecord

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "text"
SEEDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds"


def _parse(data: bytes, path: str) -> TrialRecord:
    (rec,) = list(publication.FORMAT.parse(data, path))
    assert isinstance(rec, TrialRecord), rec
    return rec


def _fixture() -> TrialRecord:
    path = FIXTURES / "abstract_page.txt"
    data = path.read_bytes()
    assert publication.detect(data, path.name)
    return _parse(data, str(path))


def _seed() -> TrialRecord:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not available")
    (path,) = SEEDS.glob("003_*.txt")
    data = path.read_bytes()
    assert publication.detect(data, path.name)
    return _parse(data, str(path))


def _result(results: list[ReportedResult], group: str | None, timepoint: str) -> ReportedResult:
    (found,) = [r for r in results if r.group == group and r.timepoint == timepoint]
    return found


def test_invented_abstract_page() -> None:
    rec = _fixture()
    assert rec.is_publication and rec.source.format == "publication"
    assert rec.source.record_id == "pmid-12345678"
    assert rec.nct_id == "NCT07654321"
    assert rec.title == (
        "Fibrozumab for Early Lung Scarring: Results of a Randomized, Double-Blind, Placebo-Controlled Trial."
    )
    (pub,) = rec.publications
    assert (pub.pmid, pub.pmcid, pub.doi) == ("12345678", "PMC1234567", "10.1000/xyz.2021.55")
    assert (pub.date, pub.volume, pub.issue) == ("2021-03-03", "12", "4")
    assert pub.keywords == ["Pulmonary Fibrosis", "Antibodies, Monoclonal"]
    assert pub.abstract is not None and pub.abstract.startswith("OBJECTIVE:")
    d = rec.design
    assert (d.duration_weeks, d.centers, d.masking, d.placebo_controlled, d.allocation, d.enrollment) == (
        24, "multi", "double", True, "randomized", 40)
    assert [c.name for c in rec.conditions] == ["idiopathic pulmonary fibrosis"]
    assert [(a.label, a.type, a.size, a.background_therapies) for a in rec.arms] == [
        ("fibrozumab", "experimental", 20, ["pirfenidone"]),
        ("placebo", "placebo_comparator", 20, ["pirfenidone"]),
    ]
    drug = rec.interventions[0]
    assert drug.regimen is not None
    assert (drug.regimen.dose_value, drug.regimen.dose_unit, drug.regimen.route) == (5.0, "mg/kg", "subcutaneous")
    (crit,) = rec.eligibility.criteria
    assert (crit.polarity, crit.text) == ("inclusion", "patients with IPF already taking pirfenidone")
    assert pub.abstract[crit.span.start : crit.span.end] == crit.text
    assert [o.measure for o in rec.outcomes] == ["forced vital capacity (FVC)"]
    base = _result(pub.results, "fibrozumab", "baseline")
    assert (base.value, base.iqr_low, base.iqr_high, base.statistic) == (80, 75, 85, "median")
    end = _result(pub.results, "placebo", "end")
    assert (end.value, end.iqr_low, end.iqr_high, end.p_value) == (74, 68, 80, 0.04)
    change = _result(pub.results, "placebo", "change")
    assert (change.value, change.iqr_low, change.iqr_high) == (-5.0, -8, -2)
    between = _result(pub.results, None, "change")
    assert between.p_value == 0.048


def test_seed_003_publication() -> None:
    rec = _seed()
    assert rec.is_publication
    assert rec.source.record_id == "pmid-29073351"
    assert rec.nct_id is None
    assert rec.title is not None and rec.title.startswith("Belimumab for the Treatment of Early Diffuse Systemic")
    assert "uri icon" not in rec.title and "Academic Article" not in rec.title
    (pub,) = rec.publications
    assert (pub.pmid, pub.pmcid, pub.doi, pub.date) == ("29073351", "PMC6590997", "10.1002/art.40358", "2017-12-29")
    assert (pub.volume, pub.issue) == ("70", "2")
    assert pub.keywords == ["Antibodies, Monoclonal, Humanized", "Immunosuppressive Agents", "Scleroderma, Diffuse"]
    assert pub.abstract is not None
    for section in ("OBJECTIVE:", "METHODS:", "RESULTS:", "CONCLUSION:"):
        assert section in pub.abstract
    d = rec.design
    assert (d.study_type, d.duration_weeks, d.centers, d.masking) == ("interventional", 52, "single", "double")
    assert (d.placebo_controlled, d.allocation, d.enrollment) == (True, "randomized", 20)
    assert [c.name for c in rec.conditions] == ["diffuse cutaneous systemic sclerosis"]
    bel, pla = rec.arms
    assert (bel.label, bel.type, bel.size, bel.background_therapies) == (
        "belimumab", "experimental", 10, ["mycophenolate mofetil"])
    assert (pla.label, pla.type, pla.size, pla.background_therapies) == (
        "placebo", "placebo_comparator", 10, ["mycophenolate mofetil"])
    names = {i.name: i for i in rec.interventions}
    assert set(names) == {"belimumab", "placebo", "mycophenolate mofetil"}
    reg = names["belimumab"].regimen
    assert reg is not None and (reg.dose_value, reg.dose_unit, reg.route) == (10.0, "mg/kg", "intravenous")
    assert names["mycophenolate mofetil"].arm_labels == ["belimumab", "placebo"]
    (crit,) = rec.eligibility.criteria
    assert (crit.polarity, crit.text) == ("inclusion", "patients with dcSSc recently started on MMF")
    assert crit.span is not None and pub.abstract[crit.span.start : crit.span.end] == crit.text
    (outcome,) = rec.outcomes
    assert outcome.kind == "primary" and "MRSS" in outcome.measure
    results = pub.results
    assert all("MRSS" in r.measure for r in results)
    b0 = _result(results, "belimumab", "baseline")
    b1 = _result(results, "belimumab", "end")
    p0 = _result(results, "placebo", "baseline")
    p1 = _result(results, "placebo", "end")
    assert (b0.value, b0.iqr_low, b0.iqr_high) == (27, 26.5, 31)
    assert (b1.value, b1.iqr_low, b1.iqr_high, b1.p_value) == (18, 11, 23, 0.039)
    assert (p0.value, p0.iqr_low, p0.iqr_high) == (28, 22, 28)
    assert (p1.value, p1.iqr_low, p1.iqr_high, p1.p_value) == (21, 14, 25, 0.023)
    bc = _result(results, "belimumab", "change")
    pc = _result(results, "placebo", "change")
    assert (bc.value, bc.iqr_low, bc.iqr_high) == (-10, -13, -9)
    assert (pc.value, pc.iqr_low, pc.iqr_high) == (-3.0, -15, -1)
    assert _result(results, None, "change").p_value == 0.411


def test_detect() -> None:
    for page in ("page_bare_lines.txt", "page_inline.txt", "page_dash.txt", "fragment.txt"):
        assert not publication.detect((FIXTURES / page).read_bytes(), page)
    assert not publication.detect(b'{"pmid": "1", "abstract": "OBJECTIVE: a. METHODS: b."}', "x.txt")
    assert not publication.detect(b"PubMed ID\n  \xe2\x80\xa2 12345678\n", "x.txt")  # no abstract
    assert publication.detect(b"T\nPMID: 12345678\nOBJECTIVE: a. METHODS: b. RESULTS: c.\n", "x.txt")


def test_inline_labels_and_missing_pmid() -> None:
    data = (
        b"A Small Trial of Drug W\n\nAbstract\n\nIn this 12-week, open-label study, 30 adults with mild asthma "
        b"(MA) were randomized 2:1 to receive drugw at 50 mg orally once daily or usual care.\n\n"
        b"DOI: 10.5555/abc.1\n"
    )
    assert publication.detect(data, "w.txt")
    rec = _parse(data, "/p/w.txt")
    assert rec.source.record_id == "w"
    (pub,) = rec.publications
    assert pub.pmid is None and pub.doi == "10.5555/abc.1"
    assert rec.design.masking == "none" and rec.design.duration_weeks == 12
    assert [(a.label, a.size) for a in rec.arms] == [("drugw", 20), ("usual care", 10)]
    reg = rec.interventions[0].regimen
    assert reg is not None and (reg.dose_value, reg.route, reg.frequency) == (50.0, "oral", "once daily")
    assert [c.name for c in rec.conditions] == ["asthma"]


def test_non_utf8_and_no_abstract() -> None:
    bad = (FIXTURES / "abstract_page.txt").read_bytes().replace(b"Fibrozumab for", b"Fibr\xf6zumab for", 1)
    (err,) = list(publication.FORMAT.parse(bad, "pub.txt"))
    assert isinstance(err, RecordError) and err.field == "<encoding>"
    (err,) = list(publication.FORMAT.parse(b"A Title\n\nPubMed ID\n\n  \xe2\x80\xa2 12345678\n", "p.txt"))
    assert isinstance(err, RecordError) and err.field == "abstract" and err.record_id == "pmid-12345678"


def test_format_contract() -> None:
    assert publication.FORMAT.name == "publication"
    assert publication.FORMAT.priority == 20 > registry_text.FORMAT.priority
