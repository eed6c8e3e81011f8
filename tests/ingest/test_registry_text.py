"""Tests of kg.ingest.registry_text: plain-text registry pages and description fragments."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import RecordError
from kg.ingest import registry_text
from kg.ingest.registry_text import iso_date
from kg.model import TrialRecord

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "text"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SEEDS = SHARED / "seeds"


def _parse(data: bytes, path: str) -> TrialRecord:
    (rec,) = list(registry_text.FORMAT.parse(data, path))
    assert isinstance(rec, TrialRecord), rec
    assert rec.source.format == "registry-text"
    return rec


def _fixture(name: str) -> TrialRecord:
    path = FIXTURES / name
    data = path.read_bytes()
    assert registry_text.detect(data, path.name)
    return _parse(data, str(path))


def _seed(prefix: str) -> tuple[bytes, str]:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not available")
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_bytes(), str(path)


def _counts(rec: TrialRecord) -> tuple[int, int]:
    crits = rec.eligibility.criteria
    return (sum(c.polarity == "inclusion" for c in crits), sum(c.polarity == "exclusion" for c in crits))


# -- invented pages in the same layouts -----------------------------------------------------------


def test_bare_line_page() -> None:
    rec = _fixture("page_bare_lines.txt")
    assert rec.nct_id == "NCT01234567" and rec.source.record_id == "NCT01234567"
    assert rec.title == "Aspirin Dosing for Mild Knee Pain"
    assert rec.completion_date == "2025-03-03"
    assert rec.last_update == "2024-02-05"
    assert rec.sponsor == "Northfield Teaching Hospital"
    assert rec.design.enrollment == 40
    assert [c.name for c in rec.conditions] == ["knee pain"]
    assert [i.name for i in rec.interventions] == ["aspirin", "placebo"]
    assert rec.summary is not None and rec.summary.startswith("This study asks")
    assert rec.description is not None and "NCT09999999" in rec.description
    assert _counts(rec) == (3, 3)
    text = rec.eligibility.text
    assert text is not None and text.startswith("Inclusion Criteria") and text.endswith("Taking blood thinners")
    for c in rec.eligibility.criteria:
        assert c.span is not None and c.span.field == "eligibility"
        assert text[c.span.start : c.span.end] == c.text
    # page chrome is not content
    everything = " ".join(filter(None, [rec.summary, rec.description, text]))
    assert "Clear my responses" not in everything and "Yes No Not Sure" not in everything
    assert "phone you" not in everything


def test_prose_nct_is_not_the_page_id() -> None:
    data = (FIXTURES / "page_bare_lines.txt").read_bytes().replace(b"Clinical Study IdentifierNCT01234567\n", b"")
    rec = _parse(data, "/x/knee-page.txt")
    assert rec.nct_id is None
    assert rec.source.record_id == "knee-page"


def test_inline_numbered_page_with_arms_sites_and_visits() -> None:
    rec = _fixture("page_inline.txt")
    assert rec.nct_id is None and rec.source.record_id == "page_inline"
    assert [c.name for c in rec.conditions] == ["Osteopenia", "Vitamin D Deficiency"]
    assert rec.keywords == ["Bone density", "Falls"]
    assert (rec.design.study_type, rec.design.primary_purpose) == ("interventional", "prevention")
    assert [s.facility for s in rec.sites] == ["Riverside Clinic", "Hilltop Medical Centre"]
    assert [(a.label, a.type) for a in rec.arms] == [
        ("High Dose Vitamin D", "experimental"),
        ("Dummy Capsule", "placebo_comparator"),
    ]
    assert rec.arms[0].intervention_names == ["cholecalciferol"]
    assert rec.arms[1].intervention_names == ["placebo"]
    vit = next(i for i in rec.interventions if i.name == "cholecalciferol")
    assert vit.regimen is not None
    assert (vit.regimen.dose_value, vit.regimen.dose_unit, vit.regimen.route, vit.regimen.frequency) == (
        2000.0, "IU", "oral", "once daily")
    assert vit.arm_labels == ["High Dose Vitamin D"]
    assert [(v.weeks, v.arm_label) for v in rec.visits] == [
        ([6, 26, 52], "High Dose Vitamin D"),
        ([6, 26, 52], "Dummy Capsule"),
    ]
    crits = rec.eligibility.criteria
    assert _counts(rec) == (3, 8)
    assert [c.text for c in crits if c.parent is None and c.polarity == "exclusion"] == [
        "Kidney stones in the past 5 years.",
        "Cancer within 5 years, except:",
        "Any of the following results at screening:",
    ]
    assert [c.text for c in crits if c.parent == 7] == [
        "Calcium > 2.6 mmol/L.", "eGFR < 30 mL/min.", "ALT > 3 × ULN, e.g. from fatty liver."]


def test_dash_page_single_arm_with_named_intervention() -> None:
    rec = _fixture("page_dash.txt")
    (arm,) = rec.arms
    assert (arm.label, arm.type, arm.intervention_names) == ("Arm 1", "other", ["omalizumab"])
    assert arm.description is not None and arm.description.startswith("All participants receive omalizumab")
    (drug,) = rec.interventions
    reg = drug.regimen
    assert reg is not None
    assert (reg.dose_value, reg.dose_unit, reg.route) == (300.0, "mg", "subcutaneous")
    assert (reg.schedule_days, reg.repeat_every_days, reg.until_week) == ([0, 28], 28, 24)
    assert drug.span is not None and arm.description[drug.span.start : drug.span.end] == "omalizumab"
    assert _counts(rec) == (2, 5)
    assert rec.sites == []


def test_fragment_is_a_description_record() -> None:
    rec = _fixture("fragment.txt")
    assert rec.title is None and rec.nct_id is None
    assert rec.source.record_id == "fragment"
    assert rec.description is not None
    paras = rec.description.split("\n\n")
    assert len(paras) == 2
    assert paras[0].startswith("Chronic hives are itchy") and "  " not in paras[0] and "\n" not in paras[0]
    assert paras[1].endswith("by the end of the treatment period.")
    assert rec.eligibility.criteria == [] and rec.arms == []


# -- detection -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b'{"protocolSection": {}}', "x.txt"),
        (b"<clinical_study><id/></clinical_study>", "x.txt"),
        (b"%PDF-1.7 binary", "x.txt"),
        (b"\x00\x01\x02 binary", "x.bin"),
        (b"# Data\n\nSome words about the data set that are long enough to be prose.\n\n| a | b |\n|---|---|\n", "x.txt"),
        (b"nct_id\ttitle\tphase\nNCT01234567\tA trial\t2\nNCT01234568\tAnother\t3\n", "x.txt"),
        (b"This is a page of prose about a trial of a drug for a disease in adults.", "notes.md"),
        (b"", "empty.txt"),
        (b"Adults aged 18 to 65\nNo pregnancy\nSigned consent form\n", "criteria.txt"),
    ],
)
def test_detect_rejects_non_pages(data: bytes, name: str) -> None:
    assert not registry_text.detect(data, name)


def test_detect_rejects_shared_readmes() -> None:
    data_dir = SHARED / "data"
    if not data_dir.is_dir():
        pytest.skip("../shared/data is not available")
    docs = [data_dir / "README.md", *sorted(data_dir.glob("*/SOURCE.md"))]
    assert len(docs) > 2
    for path in docs:
        data = path.read_bytes()
        assert not registry_text.detect(data, path.name), path
        assert not registry_text.detect(data, "renamed.txt"), path  # content alone, too


def test_non_utf8_is_a_record_error_on_encoding() -> None:
    data = (FIXTURES / "page_dash.txt").read_bytes().replace(b"Hives on", b"Hives \xe9 on")
    assert registry_text.detect(data, "page.txt")
    (err,) = list(registry_text.FORMAT.parse(data, "page.txt"))
    assert isinstance(err, RecordError)
    assert err.field == "<encoding>" and err.source == "page.txt"


def test_iso_date() -> None:
    assert iso_date("Dec 27, 2023") == "2023-12-27"
    assert iso_date("27 January 2021") == "2021-01-27"
    assert iso_date("December 29, 2017") == "2017-12-29"
    assert iso_date("2020-02-03") == "2020-02-03"
    assert iso_date("not a date") is None


def test_format_contract() -> None:
    assert registry_text.FORMAT.name == "registry-text"
    assert registry_text.FORMAT.priority == 10


# -- the real seed pages ------------------------------------------------------------------------------


def test_seed_000_fragment() -> None:
    data, path = _seed("000")
    assert registry_text.detect(data, Path(path).name)
    rec = _parse(data, path)
    assert rec.source.record_id == Path(path).stem
    assert rec.title is None and rec.nct_id is None
    assert rec.description is not None
    assert rec.description.startswith("IgG4-RD is associated with substantial morbidity")
    assert rec.description.endswith("neuropsychiatric effects.")
    assert len(rec.description.split("\n\n")) == 2


def test_seed_001_page() -> None:
    data, path = _seed("001")
    rec = _parse(data, path)
    assert rec.nct_id == "NCT04660565" and rec.source.record_id == "NCT04660565"
    assert rec.title == "Belimumab Treatment for IgG4-related Disease"
    assert rec.sponsor == "Peking Union Medical College Hospital"
    assert rec.completion_date == "2023-12-27"
    assert rec.last_update == "2021-01-27"
    assert [c.name for c in rec.conditions] == ["igg4 related disease"]
    assert [i.name.lower() for i in rec.interventions] == ["prednisone", "belimumab"]
    assert _counts(rec) == (4, 9)
    assert rec.summary is not None and rec.summary.startswith("Even though glucocorticoid")
    assert rec.description is not None and "B-cell depletion may be an effective avenue" in rec.description
    assert "Lorem ipsum" not in (rec.description or "")


def test_seed_002_page() -> None:
    data, path = _seed("002")
    rec = _parse(data, path)
    assert rec.nct_id is None
    assert rec.title is not None and rec.title.startswith("Treatment Strategies in IgG4-RD Patients")
    assert [c.name for c in rec.conditions] == ["Autoimmune Diseases"]
    assert rec.keywords == ["Immunoglobulin G4-Related Disease", "Drug therapy", "Relapse"]
    assert (rec.design.study_type, rec.design.primary_purpose) == ("interventional", "treatment")
    assert [s.facility for s in rec.sites] == ["Peking Union Medical College Hospital"]
    assert [(a.label, a.type) for a in rec.arms] == [
        ("Basic Maintenance Treatment", "placebo_comparator"),
        ("Enhancement Treatment", "active_comparator"),
    ]
    assert rec.arms[0].intervention_names == ["placebo"]
    assert rec.arms[1].intervention_names == ["mycophenolate mofetil"]
    mmf = next(i for i in rec.interventions if i.name == "mycophenolate mofetil")
    assert mmf.regimen is not None
    assert (mmf.regimen.dose_value, mmf.regimen.dose_unit, mmf.regimen.frequency) == (0.5, "g", "once daily")
    assert mmf.arm_labels == ["Enhancement Treatment"]
    assert len(rec.visits) == 2
    for visit, arm in zip(rec.visits, rec.arms, strict=True):
        assert visit.weeks == [4, 12, 24, 36, 52] and visit.arm_label == arm.label
    inc, exc = _counts(rec)
    assert inc == 7
    assert len([c for c in rec.eligibility.criteria if c.polarity == "exclusion" and c.parent is None]) == 11
    assert exc == 11 + 3 + 7
    assert rec.eligibility.text is not None and rec.eligibility.text.startswith("Inclusion Criteria: 1.")


def test_seed_004_page() -> None:
    data, path = _seed("004")
    rec = _parse(data, path)
    assert rec.title == "A Model About the Response of Belimumab in SLE (MRBS)"
    assert [c.name for c in rec.conditions] == ["Systemic Lupus Erythematosus"]
    assert (rec.design.study_type, rec.design.primary_purpose) == ("interventional", "treatment")
    (arm,) = rec.arms
    assert (arm.label, arm.type, arm.intervention_names) == ("Arm 1", "other", ["belimumab"])
    (drug,) = rec.interventions
    reg = drug.regimen
    assert reg is not None
    assert (reg.dose_value, reg.dose_unit, reg.route, reg.duration) == (10.0, "mg/kg", "intravenous", "1 hour")
    assert (reg.schedule_days, reg.repeat_every_days, reg.until_week) == ([0, 14, 28], 28, 48)
    inc, exc = _counts(rec)
    assert inc == 3
    assert len([c for c in rec.eligibility.criteria if c.polarity == "exclusion" and c.parent is None]) == 13
    assert exc == 16
    assert rec.sites == []


def test_seed_003_publication_is_left_to_the_publication_format() -> None:
    from kg.ingest import publication

    data, path = _seed("003")
    assert publication.detect(data, Path(path).name)
    assert publication.FORMAT.priority > registry_text.FORMAT.priority



def test_arms_are_derived_from_a_combined_treatment_line() -> None:
    """A page with no arms block but a "Treatment" line whose entries combine drugs."""
    from kg.ingest.registry_text import FORMAT as TEXT

    page = (
        "Steroid Sparing With Drug Z in Disease Q\n\n"
        "Condition disease q\n"
        "Treatment hydrocortisone, Hydrocortisone and Drugzumab\n"
        "Clinical Study Identifier NCT09990001\n\n"
        "Inclusion Criteria\n\nAdults with disease q\n\nExclusion Criteria\n\nPrior drugzumab\n"
    ).encode()
    (rec,) = list(TEXT.parse(page, "page.txt"))
    assert [a.label for a in rec.arms] == ["hydrocortisone", "Hydrocortisone and Drugzumab"]
    assert [n.lower() for n in rec.arms[1].intervention_names] == ["hydrocortisone", "drugzumab"]
    assert all("derived" in (a.description or "") for a in rec.arms)
