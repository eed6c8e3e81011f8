"""Profile of ``parse_criterion`` over every criterion of the shared ClinicalTrials.gov records.

Splits the eligibility text of the 1,855 records in ../shared/data/ctgov exactly as
``benchmarks/criteria_coverage.py`` does, then times one cold pass of ``parse_criterion``
over all criteria (headers and placeholders excluded) and, with ``--profile``, prints the
cProfile hot spots (top functions by own time and by cumulative time).

    .venv/bin/python benchmarks/criteria_profile.py [--limit N] [--profile] [--top 30]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))

from criteria_coverage import SHARED, eligibility_texts  # noqa: E402

from kg.criteria.parse import parse_criterion, states_no_criterion  # noqa: E402
from kg.criteria.split import split_criteria  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args(argv)
    if not SHARED.exists():
        print(f"no shared data at {SHARED}", file=sys.stderr)
        return 1
    texts = eligibility_texts(args.limit)
    crits = [c for _, t in texts for c in split_criteria(t, "eligibility")]
    crits = [c for c in crits if not states_no_criterion(c.text)]
    prof = cProfile.Profile() if args.profile else None
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    n = sum(len(parse_criterion(c.text, c.polarity)) for c in crits)
    if prof:
        prof.disable()
    dt = time.perf_counter() - t0
    print(f"criteria {len(crits)}  constraints {n}  parse seconds {dt:.2f}  ms/criterion {1000 * dt / len(crits):.3f}")
    if prof:
        st = pstats.Stats(prof)
        st.sort_stats("tottime").print_stats(args.top)
        st.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
