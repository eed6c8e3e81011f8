"""Most common Chia entities the constraint parser misses, on the development half only.

Runs the scoring of ``benchmarks/criteria_chia.py`` over the development half of Chia
(``split_files``: even positions of the sorted NCT ids) and prints, per entity type, the
most frequent missed entity texts after a light normalisation (lower case, digits -> 0),
so that new rules are written for patterns, not for documents. The test half is never
read here. Output goes to stdout only (Chia text is not written into the repository).

    .venv/bin/python benchmarks/criteria_chia_missed.py [--type Value] [--top 40] [--context]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from criteria_chia import CHIA, TYPES, Tally, _score, split_files  # noqa: E402


def _norm(s: str) -> str:
    return re.sub(r"\d+(?:[.,]\d+)?", "0", s.lower().strip())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--type", action="append", help="entity type(s); default all, plus value_wrong")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--context", action="store_true", help="print one criterion line per pattern")
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args(argv)
    files = split_files(sorted(CHIA.glob("NCT*.txt")))["dev"]
    if args.limit:
        files = files[: args.limit]
    missed: dict[str, list[str]] = {}
    _score(files, {t: Tally() for t in TYPES}, Tally(), missed)
    for t in args.type or [*TYPES, *(f"spurious:{t}" for t in TYPES), "value_wrong", "value_strict_missed"]:
        items = missed.get(t, [])
        counts: Counter[str] = Counter()
        ctx: dict[str, str] = {}
        for it in items:
            ent, _, line = it.partition("\t")
            k = _norm(ent)
            counts[k] += 1
            ctx.setdefault(k, line.strip()[:160])
        print(f"== {t}: {len(items)} missed, {len(counts)} distinct")
        for k, n in counts.most_common(args.top):
            print(f"{n:5}  {k}" + (f"    || {ctx[k]}" if args.context else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
