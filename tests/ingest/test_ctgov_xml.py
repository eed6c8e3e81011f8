"""Tests of kg.ingest.ctgov_xml: legacy <clinical_study> XML, encodings, bad input."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from kg.errors import RecordError
from kg.ingest import ctgov_xml
from kg.ingest.base import sha256
from kg.model import TrialRecord
from kg.vocab import CONCEPT_SCHEMES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
STUDIES = SHARED / "data" / "ctgov" / "legacy_xml" / "studies"
FIELD = "eligibility/criteria/textblock"


def _fixture() -> bytes:
    return (FIXTURES / "legacy_study.xml").read_bytes()


def _parse(data: bytes, path: str = "in.xml") -> list[TrialRecord | RecordError]:
    return list(ctgov_xml.FORMAT.parse(data, path))


def _one(data: bytes) -> TrialRecord:
    (rec,) = _parse(data)
    assert isinstance(rec, TrialRecord), rec
    return rec


def _error(data: bytes) -> RecordError:
    (err,) = _parse(data)
    assert isinstance(err, RecordError), err
    return err


def _replace(old: str, new: str) -> bytes:
    text = _fixture().decode()
    assert old in text
    return text.replace(old, new, 1).encode()


def test_format_contract() -> None:
    assert ctgov_xml.FORMAT.name == "ctgov-xml"
    assert ctgov_xml.FORMAT.priority == 100


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<clinical_study>\n  <!-- c -->\n", True),
        (b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<!-- x -->\n<clinical_study rank="3">', True),
        (b'<?xml version="1.0"?><!DOCTYPE clinical_study><clinical_study/>', True),
        (b"<clinical_studies><clinical_study/></clinical_studies>", False),
        (b"<study><clinical_study/></study>", False),
        (b'{"protocolSection": {}}', False),
        (b"", False),
    ],
)
def test_detect(data: bytes, expected: bool) -> None:
    assert ctgov_xml.FORMAT.detect(data, "x.bin") is expected


def test_fixture_is_detected() -> None:
    assert ctgov_xml.FORMAT.detect(_fixture(), "legacy_study.xml")


def test_legacy_study_maps_every_field() -> None:
    data = _fixture()
    rec = _one(data)
    assert (rec.source.record_id, rec.source.format, rec.source.sha256) == ("NCT09900002", "ctgov-xml", sha256(data))
    assert rec.nct_id == "NCT09900002"
    assert rec.other_ids == ["KG-LN-7", "R01-KG-0007", "NCT09900003"]
    # Wrapped title lines become one line.
    assert rec.title == "Mycophenolate With or Without Rituximab in Lupus Nephritis"
    assert rec.official_title and rec.official_title.startswith("A Randomized Trial of Mycophenolate")
    assert rec.acronym == "MYRLN"
    # Hard wrapping undone, paragraphs and list items kept.
    assert rec.summary == (
        "This study asks whether adding rituximab to mycophenolate improves kidney response in active lupus"
        " nephritis.\n\nAims:\n- compare complete renal response at week 52\n"
        "- describe infections in both groups, including those needing hospital care"
    )
    assert rec.description == "Participants keep their usual steroid taper."
    assert rec.status == "active_not_recruiting"
    assert (rec.start_date, rec.completion_date, rec.last_update) == ("2005-03-15", "2009-12", "2010-06-24")
    assert rec.sponsor == "Example Kidney Foundation"
    assert rec.collaborators == ["Example Lupus Network"]
    # The legacy format has no MeSH ids: these are the descriptors kg's hierarchy checked.
    assert [(c.name, c.mesh_id) for c in rec.conditions] == [
        ("Lupus Nephritis", "D008181"),
        ("Systemic Lupus Erythematosus", "D008180"),
    ]
    assert rec.keywords == ["lupus", "B cells"]

    d = rec.design
    assert (d.study_type, d.phases) == ("interventional", ["phase1", "phase2"])
    assert (d.allocation, d.masking, d.intervention_model, d.primary_purpose) == (
        "non_randomized",
        "double",
        "parallel",
        "ect",
    )
    assert (d.enrollment, d.enrollment_type, d.placebo_controlled) == (40, "estimated", True)

    # Arms get the interventions that name them.
    assert [(a.label, a.type, a.intervention_names) for a in rec.arms] == [
        ("MMF plus rituximab", "experimental", ["Mycophenolate mofetil", "Rituximab"]),
        ("MMF plus placebo", "placebo_comparator", ["Mycophenolate mofetil", "Placebo"]),
    ]
    assert rec.arms[0].description == "Mycophenolate and two rituximab infusions"
    mmf, ritux, placebo = rec.interventions
    assert (mmf.name, mmf.type, mmf.description, mmf.other_names) == (
        "Mycophenolate mofetil",
        "drug",
        "1.5 g twice daily by mouth",
        ["CellCept"],
    )
    assert mmf.arm_labels == ["MMF plus rituximab", "MMF plus placebo"]
    assert mmf.regimen is not None
    assert (mmf.regimen.dose_value, mmf.regimen.dose_unit, mmf.regimen.route) == (1.5, "g", "oral")
    assert ritux.regimen is None  # no description
    assert (ritux.type, placebo.type) == ("biological", "dietary_supplement")

    e = rec.eligibility
    # Age "N/A" is no limit; the old "Both" is "all".
    assert (e.min_age, e.max_age, e.sex, e.healthy_volunteers) == ("16 Years", None, "all", False)

    assert [(o.kind, o.measure, o.time_frame, o.description) for o in rec.outcomes] == [
        ("primary", "Complete renal response", "Week 52", "Urine protein to creatinine ratio below 0.5"),
        ("secondary", "Serious infections", None, None),
    ]
    assert [(s.facility, s.city, s.state, s.country) for s in rec.sites] == [
        ("Example General Hospital", "Leeds", None, "United Kingdom")
    ]
    assert [(p.pmid, p.doi, p.reference_type) for p in rec.publications] == [
        ("11111111", None, "background"),
        ("22222222", "10.1000/ejn.2011.1", "result"),
    ]
    assert TrialRecord.from_dict(rec.to_dict()) == rec


def test_eligibility_text_is_verbatim_and_split_with_nesting() -> None:
    rec = _one(_fixture())
    raw = re.search(r"<criteria>\s*<textblock>(.*?)</textblock>", _fixture().decode(), re.DOTALL)
    assert raw is not None
    assert rec.eligibility.text == raw.group(1).replace("&#xD;", "\r")
    crit = rec.eligibility.criteria
    assert [(c.polarity, c.parent) for c in crit] == [
        ("inclusion", None),
        ("inclusion", None),
        ("inclusion", 1),
        ("inclusion", 1),
        ("exclusion", None),
    ]
    assert crit[0].text == "Systemic lupus erythematosus by ACR criteria"
    assert crit[3].text == "class V with proteinuria above 3 g per day"
    for c in crit:
        assert c.span is not None and c.span.field == FIELD


def test_declared_latin1_encoding_is_honoured() -> None:
    text = _fixture().decode().replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    text = text.replace("Example General Hospital", "Hôpital Général")
    rec = _one(text.encode("latin-1"))
    assert rec.sites[0].facility == "Hôpital Général"


def test_not_utf8_without_declaration_is_an_encoding_error() -> None:
    text = _fixture().decode().replace('<?xml version="1.0" encoding="UTF-8"?>\n', "")
    err = _error(text.replace("Leeds", "Liège").encode("latin-1"))
    assert err.field == "<encoding>"
    assert err.source == "in.xml"


@pytest.mark.parametrize(
    "data",
    [
        _fixture()[: len(_fixture()) // 2],  # truncated
        b"<clinical_study><id_info><nct_id>NCT09900002</nct_id></id_info>",
        b"<clinical_study><brief_title>a & b</brief_title></clinical_study>",
        b"",
    ],
)
def test_malformed_xml_is_one_error(data: bytes) -> None:
    err = _error(data)
    assert err.field == "<xml>"
    assert "malformed XML" in err.reason


def test_entity_expansion_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE clinical_study [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;">]><clinical_study><brief_title>&b;</brief_title></clinical_study>'
    )
    err = _error(bomb)
    assert err.field == "<xml>"


def test_other_root_element_is_an_error() -> None:
    err = _error(b"<clinical_studies><clinical_study/></clinical_studies>")
    assert "clinical_studies" in err.reason


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("<nct_id>NCT09900002</nct_id>", "", "id_info/nct_id"),
        ("<nct_id>NCT09900002</nct_id>", "<nct_id>9900002</nct_id>", "id_info/nct_id"),
        ('<enrollment type="Anticipated">40</enrollment>', '<enrollment type="Anticipated">abc</enrollment>', "enrollment"),
        ('<enrollment type="Anticipated">40</enrollment>', '<enrollment type="Guessed">40</enrollment>', "enrollment/@type"),
        ("<phase>Phase 1/Phase 2</phase>", "<phase>Phase 1/Phase 9</phase>", "phase[1]"),
        ("<overall_status>Active, not recruiting</overall_status>", "<overall_status>Paused</overall_status>", "overall_status"),
        ("<start_date>March 15, 2005</start_date>", "<start_date>15/03/2005</start_date>", "start_date"),
        ("<masking>Double (Participant, Investigator)</masking>", "<masking>Blinded</masking>", "study_design_info/masking"),
        ("<allocation>Non-Randomized</allocation>", "<allocation>Random</allocation>", "study_design_info/allocation"),
        ("<arm_group_type>Placebo Comparator</arm_group_type>", "<arm_group_type>Placebo</arm_group_type>", "arm_group[2]/arm_group_type"),
        ("<intervention_type>Biological</intervention_type>", "<intervention_type>Vaccine</intervention_type>", "intervention[2]/intervention_type"),
        ("<intervention_name>Rituximab</intervention_name>", "", "intervention[2]/intervention_name"),
        ("<healthy_volunteers>No</healthy_volunteers>", "<healthy_volunteers>Maybe</healthy_volunteers>", "eligibility/healthy_volunteers"),
        ("<gender>Both</gender>", "<gender>Women</gender>", "eligibility/gender"),
        ("<minimum_age>16 Years</minimum_age>", "<minimum_age>sixteen</minimum_age>", "eligibility/minimum_age"),
        ("<PMID>22222222</PMID>", "<PMID>PMC2222</PMID>", "results_reference[1]/PMID"),
        ("<measure>Serious infections</measure>", "", "secondary_outcome[1]/measure"),
    ],
)
def test_malformed_values_name_record_and_field(old: str, new: str, field: str) -> None:
    err = _error(_replace(old, new))
    assert err.field == field
    assert err.record_id == (None if field == "id_info/nct_id" else "NCT09900002")
    assert err.source == "in.xml"


def test_old_record_with_few_fields_is_fine() -> None:
    rec = _one(b"<clinical_study><id_info><nct_id>NCT09900004</nct_id></id_info></clinical_study>")
    assert rec.nct_id == "NCT09900004"
    assert rec.title is None and rec.design.phases == [] and rec.eligibility.criteria == []
    assert rec.design.placebo_controlled is None


# --- the real registry records in ../shared ------------------------------------------------


def _real_files() -> list[Path]:
    if not STUDIES.is_dir():
        pytest.skip(f"shared data not found at {STUDIES}")
    return sorted(STUDIES.glob("*.xml"))


def _real(nct: str) -> TrialRecord:
    path = STUDIES / f"{nct}.xml"
    if not path.is_file():
        pytest.skip(f"shared record {path} not found")
    return _one(path.read_bytes())


@pytest.mark.slow
def test_every_real_record_parses_cleanly() -> None:
    files = _real_files()
    assert len(files) == 977
    started = time.perf_counter()
    results = [(path, list(ctgov_xml.FORMAT.parse(path.read_bytes(), str(path)))) for path in files]
    elapsed = time.perf_counter() - started
    print(f"parsed {len(files)} legacy XML files in {elapsed:.2f} s")
    errors = [r for _, recs in results for r in recs if isinstance(r, RecordError)]
    assert errors == []
    for path, recs in results:
        assert ctgov_xml.FORMAT.detect(path.read_bytes(), path.name)
        (rec,) = recs
        assert isinstance(rec, TrialRecord)
        assert rec.nct_id == path.stem == rec.source.record_id
        assert rec.eligibility.text and rec.eligibility.text.strip()
        assert rec.eligibility.criteria, rec.nct_id
        assert rec.title and "\n" not in rec.title
        for scheme, value in [
            ("status", rec.status),
            ("study_type", rec.design.study_type),
            ("allocation", rec.design.allocation),
            ("masking", rec.design.masking),
            ("intervention_model", rec.design.intervention_model),
            ("primary_purpose", rec.design.primary_purpose),
            *[("phase", p) for p in rec.design.phases],
            *[("intervention_type", i.type) for i in rec.interventions],
        ]:
            assert value is None or value in CONCEPT_SCHEMES[scheme][1], (rec.nct_id, scheme, value)
        assert TrialRecord.from_dict(rec.to_dict()) == rec


@pytest.mark.slow
def test_real_scleroderma_lung_study_record() -> None:
    rec = _real("NCT00004563")
    assert (rec.title, rec.acronym) == ("Scleroderma Lung Disease", "SLS")
    assert rec.other_ids == ["220", "U01HL060839"]
    assert (rec.status, rec.start_date, rec.completion_date) == ("completed", "1999-08", "2013-05")
    assert rec.collaborators == ["National Heart, Lung, and Blood Institute (NHLBI)"]
    d = rec.design
    assert (d.phases, d.allocation, d.masking, d.primary_purpose) == (["phase3"], "randomized", "double", "prevention")
    assert (d.enrollment, d.enrollment_type, d.placebo_controlled) == (158, "actual", True)
    assert [(a.label, a.intervention_names) for a in rec.arms] == [
        ("Cylophosphamide", ["Cyclophosphamide"]),
        ("Placebo", ["Placebo"]),
    ]
    assert [(p.pmid, p.doi, p.reference_type) for p in rec.publications] == [
        ("16790698", "10.1056/NEJMoa055120", "result")
    ]
    assert (rec.eligibility.min_age, rec.eligibility.max_age) == ("18 Years", None)
    assert "\r" in (rec.eligibility.text or "")  # verbatim, registry line ends included
    assert rec.description and rec.description.startswith("BACKGROUND:\n\nSystemic sclerosis is a connective")
    # Hard-wrapped, CR-terminated lines: 4 numbered inclusion and 5 exclusion criteria.
    polarities = [c.polarity for c in rec.eligibility.criteria]
    assert (polarities.count("inclusion"), polarities.count("exclusion")) == (4, 5)
    assert rec.eligibility.criteria[2].text == "An FVC between 45 and 85 percent of the predicted value"


@pytest.mark.slow
def test_real_epoch_rituximab_record() -> None:
    rec = _real("NCT00001337")
    assert "NCT00018980" in rec.other_ids
    assert rec.status == "active_not_recruiting"
    assert rec.start_date == "1993-05-08"
    assert (rec.design.allocation, rec.design.masking, rec.design.intervention_model) == ("na", "none", "single_group")
    assert [(i.name, i.type) for i in rec.interventions] == [("EPOCH", "drug"), ("Rituximab", "biological")]
    assert rec.arms[0].intervention_names == ["EPOCH", "Rituximab"]
    assert rec.design.placebo_controlled is False


@pytest.mark.slow
def test_real_phase1_phase2_healthy_volunteer_record() -> None:
    rec = _real("NCT00001322")
    assert rec.design.phases == ["phase1", "phase2"]
    assert (rec.eligibility.sex, rec.eligibility.healthy_volunteers) == ("female", True)
    assert (rec.eligibility.min_age, rec.eligibility.max_age) == ("18 Years", "50 Years")
    # Every arm is "Experimental", but placebo patches and suppositories are given.
    assert {a.type for a in rec.arms} == {"experimental"}
    assert rec.design.placebo_controlled is True
