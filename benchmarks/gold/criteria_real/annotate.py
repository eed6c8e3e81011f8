"""Annotation helper for the real-criteria gold: shows a record's criteria and compiles the shorthand.

``show NCTID`` prints kg's split of the record (index, polarity, offsets, length, text) on
the terminal only. ``compile NCTID < notes`` reads one line per criterion in the shorthand
below and writes ``<NCTID>.json`` (offsets and structured values, no record text). Every
criterion index must be present, so a trial is annotated whole or not at all.

Shorthand, one line per criterion: ``<index>: -`` (no constraint) or
``<index>: <constraint> ; <constraint> ...`` where a constraint is whitespace-separated tokens
``<type> <label> <polarity> [options]``:

* type: cond lab age sex ther repro inf score proc other
* label: normalised concept name, ``_`` for spaces, ``|`` between accepted alternates
* polarity: ``+`` required, ``-`` excluded, ``~`` neither (role ``allowed``)
* ``>=18`` / ``<2.5`` / ``=1`` comparator and value; ``18..65`` between (inclusive)
* ``u=UNIT`` (UCUM), ``uln`` / ``lln`` (× ULN / LLN), ``r=ROLE``, ``w=P6M`` window,
  ``a=ANCHOR``, ``cls`` (drug class), ``q=kind:value`` qualifier, ``x=label`` exception

Roles: ever, win, since, cur, stable, allowed, bg, allergy.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from benchmarks.criteria_real import load_record, text_sha  # noqa: E402

HERE = Path(__file__).parent
TYPES = {"cond": "condition", "lab": "lab", "age": "age", "sex": "sex", "ther": "therapy", "repro": "reproductive",
         "inf": "infection", "score": "score", "proc": "procedure", "other": "other"}
ROLES = {"ever": "prior-ever", "win": "prior-within-window", "since": "at-least-since", "cur": "current",
         "stable": "stable-dose", "allowed": "allowed", "bg": "required-background", "allergy": "allergy"}
POL = {"+": "required", "-": "excluded", "~": "none"}
_CMP = re.compile(r"^(<=|>=|<|>|=)(-?\d+(?:\.\d+)?)$")
_BETWEEN = re.compile(r"^(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)$")


def _trial(nct: str) -> dict[str, str]:
    split = json.loads((HERE / "split.json").read_text(encoding="utf-8"))
    return next(t for t in split["trials"] if t["nct_id"] == nct)


def parse_constraint(s: str) -> dict[str, object]:
    toks = s.split()
    typ, label, pol = TYPES[toks[0]], toks[1].replace("_", " "), POL[toks[2]]
    d: dict[str, object] = {"type": typ, "label": label, "polarity": pol}
    for t in toks[3:]:
        if m := _CMP.match(t):
            d["comparator"], d["value"] = m.group(1), float(m.group(2))
        elif m := _BETWEEN.match(t):
            d["comparator"], d["low"], d["high"] = "between", float(m.group(1)), float(m.group(2))
        elif t in ("uln", "lln"):
            d["relative_to"] = t.upper()
        elif t == "cls":
            d["drug_class"] = True
        elif t.startswith("u="):
            d["unit"] = t[2:]
        elif t.startswith("r="):
            d["role"] = ROLES[t[2:]]
        elif t.startswith("w="):
            d["window"] = t[2:]
        elif t.startswith("a="):
            d["anchor"] = t[2:]
        elif t.startswith("q="):
            d.setdefault("qualifiers", []).append(t[2:].replace("_", " "))  # type: ignore[union-attr]
        elif t.startswith("x="):
            d.setdefault("exceptions", []).append(t[2:].replace("_", " "))  # type: ignore[union-attr]
        else:
            raise ValueError(f"unknown token {t!r} in {s!r}")
    if typ in ("therapy", "procedure") and "role" not in d:
        raise ValueError(f"therapy/procedure without role: {s!r}")
    return d


def show(nct: str) -> None:
    t = _trial(nct)
    rec = load_record(nct, t["format"])
    for i, c in enumerate(rec.criteria):
        print(f"[{i}] {c.polarity[:3]} {len(c.text)} p={c.parent} :: {c.text}")


def compile_notes(nct: str, notes: str) -> Path:
    t = _trial(nct)
    rec = load_record(nct, t["format"])
    crits = rec.criteria
    lines = {}
    for line in notes.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        idx, _, body = line.partition(":")
        body = body.strip()
        lines[int(idx)] = [] if body == "-" else [parse_constraint(x) for x in body.split(";") if x.strip()]
    missing = sorted(set(range(len(crits))) - set(lines))
    extra = sorted(set(lines) - set(range(len(crits))))
    if missing or extra:
        raise ValueError(f"{nct}: criteria not annotated {missing}, unknown {extra}")
    text = rec.text
    out = {
        "nct_id": nct, "format": t["format"], "area": t["area"], "half": t["half"],
        "text_sha256": text_sha(text), "text_length": len(text),
        "criteria": [{"index": i, "start": c.span.start, "end": c.span.end, "heading_polarity": c.polarity,
                      "constraints": lines[i]} for i, c in enumerate(crits)],
    }
    p = HERE / f"{nct}.json"
    p.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return p


if __name__ == "__main__":
    cmd, nct = sys.argv[1], sys.argv[2]
    if cmd == "show":
        show(nct)
    else:
        print(compile_notes(nct, sys.stdin.read()))
