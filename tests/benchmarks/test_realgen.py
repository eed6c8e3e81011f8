"""The realistic generator: kg reads what it writes, the same seed gives the same trials, the
profile holds numbers and identifiers only, and the trials follow the profile's shape."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import realgen
from kg.ingest.sources import read_sources
from kg.model import TrialRecord


def _profile() -> dict[str, object]:
    return json.loads(realgen.PROFILE.read_text())


def test_generated_records_are_read_by_kg_and_are_deterministic(tmp_path: Path) -> None:
    prof = _profile()
    realgen.generate(prof, 60, tmp_path / "a", seed=3, shard=25)
    realgen.generate(prof, 60, tmp_path / "b", seed=3, shard=25)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == ["studies-000000.json", "studies-000001.json", "studies-000002.json"]
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    items = list(read_sources([tmp_path / "a"]))
    records = [r for r in items if isinstance(r, TrialRecord)]
    assert len(records) == 60, [i for i in items if not isinstance(i, TrialRecord)][:3]
    assert len({r.nct_id for r in records}) == 60
    crit = [c for r in records for c in r.eligibility.criteria]
    assert len(crit) / 60 > 5  # real records: ~15 criteria a trial
    assert sum(bool(r.sites) for r in records) > 20
    assert sum(bool(r.interventions) for r in records) > 30


def test_generated_criteria_follow_the_kind_mix() -> None:
    """Therapy criteria name drugs of kg's catalogue, so kg resolves them as it does real ones."""
    prof = _profile()
    gen = realgen.Generator(prof, seed=5, n=1000)
    texts = [gen.criterion("exclusion", ["Lupus"], (18, 75)) for _ in range(400)]
    labels = set(gen.drug_labels.values())
    therapy = [t for t in texts if t.startswith(("Treatment with", "Prior therapy with"))]
    assert len(therapy) > 20
    assert all(any(label in t for label in labels) for t in therapy)


def test_profile_holds_no_record_text() -> None:
    prof = _profile()
    assert prof["records"] == 1855
    # condition keys are kg slugs (identifiers), sponsors only a rank-frequency list of numbers
    assert all(k == k.lower() and " " not in k for k in prof["conditions"])
    assert all(isinstance(v, int) for v in prof["sponsor_rank_counts"])
    text = json.dumps(prof)
    assert "Inclusion Criteria" not in text and "briefSummary" not in text


def test_condition_vocabulary_grows_with_n() -> None:
    prof = _profile()
    small, large = realgen.Generator(prof, n=2000), realgen.Generator(prof, n=500_000)
    assert large.tail_size > 10 * small.tail_size
    assert len(large.sponsor_pick.keys) > len(small.sponsor_pick.keys)
