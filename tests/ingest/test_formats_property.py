"""Property: no input format's parser raises on arbitrary input; records round-trip as dicts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import RecordError
from kg.ingest.sources import formats
from kg.model import TrialRecord

# Lines that steer the text parsers into their sections, mixed with arbitrary text.
_PAGE_LINES = st.sampled_from([
    "Arms of the Study", "Arm 1", "Arm 2", "Other", "Experimental", "Sites / Locations", "- Site A",
    "Eligibility Criteria", "Inclusion Criteria:", "Exclusion Criteria", "- an item;", "About this trial",
    "Condition x", "Treatment a, b and c", "  \u2022 End date", "    Dec 27, 2023", "abstract", "PubMed ID",
    "  \u2022 123456", "  \u2022 METHODS: In this 12-week, double-blind study, 10 patients with y were randomized 1:1 "
    "to receive z at 1 mg or placebo.", "drug 10 mg/kg IV on days 0, 14", "Follow-up intervals: week 4, week 12",
    '{"protocolSection": {"identificationModule": {"nctId": "NCT00000001"}}}', "<clinical_study>", "</id_info>",
    '{"kg_record": 1, "nct_id": "NCT00000002"', "",
])


@pytest.mark.parametrize("fmt", formats(), ids=lambda f: f.name)
@settings(max_examples=150, deadline=None)
@given(lines=st.lists(st.one_of(_PAGE_LINES, st.text(max_size=40)), max_size=20), raw=st.binary(max_size=64))
def test_parse_never_raises(fmt, lines: list[str], raw: bytes) -> None:
    for data in ("\n".join(lines).encode("utf-8", "replace"), raw):
        fmt.detect(data, "input.txt")
        for item in fmt.parse(data, "input.txt"):
            assert isinstance(item, TrialRecord | RecordError)
            if isinstance(item, TrialRecord):
                assert TrialRecord.from_dict(item.to_dict(), source=item.source) == item
