"""Precision of kg's conflicts and comparable trials against hand judgements of the shared records.

Gold: ``benchmarks/gold/compare_real/`` (rules in ``GUIDE.md``; the dev/test split of all 1,855
trials in ``split.json``, fixed before judging). ``conflicts.tsv`` holds one judged conflict per
line, keyed so a judgement survives changes to kg (:func:`conflict_key`: kind, trial A, trial B,
normalised concept label, normalised window, side-A criterion or interventions, side-B criterion);
``comparable.tsv`` one judged (trial, neighbour) pair. A verdict is about the records, not about
kg's version: it is reused whenever kg's output contains the same key again.

The scorer reads kg's CURRENT output from a store (the kg:Conflict nodes, and the
``comparable-trials`` named query with ``limit 5`` for each sampled trial), keeps the items of one
half (a conflict belongs to the half of its trial A), joins them with the judgements and reports:
conflict precision (TRUE / judged, and TRUE+PARTIAL / judged) overall, per kind and weighted by how
often each kind occurs in the output; the causes of the false ones; top-5 comparable precision; the
ten worst errors (false conflicts ranked by how many output conflicts share their kind and concept);
the distribution of conflicts per trial (median, p95, max) over every trial; and how many of the
output's items are unjudged. ``--sample-unjudged N`` instead writes a reproducible, kind-stratified
sample of N unjudged conflicts (and every unjudged top-5 neighbour of the sampled trials) with both
sides' text to a file outside the repo, for judging.

    .venv/bin/python benchmarks/compare_real.py --store DIR --half dev|test|both [--label NAME]
    .venv/bin/python benchmarks/compare_real.py --store DIR --half dev --sample-unjudged 40 --out /tmp/todo.tsv

``--half test`` is for reporting only: never tune kg on it.
Results go to ``benchmarks/results/compare_real.json`` (one entry per label and half).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "benchmarks" / "gold" / "compare_real"
OUT = ROOT / "benchmarks" / "results" / "compare_real.json"
KINDS = ("washout", "required-excluded", "numeric-range", "self-contradiction")
VERDICTS = ("true", "partial", "false")
CAUSES = ("allergy-as-exposure", "concurrent-as-ever", "alternative-as-requirement", "over-broad-concept",
          "populations-cannot-meet", "parse-error", "other")
TOP = 5
KG = "https://w3id.org/kg/ontology#"
C_FIELDS = ("kind", "trial_a", "trial_b", "concept", "window", "side_a", "side_b")


# ---- keys ---------------------------------------------------------------------------------------
def norm_concept(label: str) -> str:
    """A concept label in one spelling: lower case, words joined by one space.

    >>> norm_concept("  Cytotoxic-Chemotherapy "), norm_concept("HbA1c (%)")
    ('cytotoxic chemotherapy', 'hba1c')
    """
    return " ".join(re.findall(r"[a-z0-9.]+", label.lower().replace("-", " "))).strip(".")


_DAYS = re.compile(r"(\d+)\s*days?\b")


def norm_window(days: str | None = None, ever: bool = False, text: str = "") -> str:
    """A window as ``ever``, ``<N>d`` or ``-``: from washout days/ever, else the days a text states.

    >>> norm_window("183"), norm_window(ever=True), norm_window(text="6 months (183 days)"), norm_window()
    ('183d', 'ever', '183d', '-')
    """
    if ever:
        return "ever"
    if days:
        return f"{int(float(days))}d"
    if m := _DAYS.search(text or ""):
        return f"{int(m.group(1))}d"
    if text and text.strip().lower().startswith("ever"):
        return "ever"
    return "-"


def local(iri: str) -> str:
    """The part of a criterion or intervention IRI that names it within its trial.

    >>> local("https://w3id.org/kg/id/record/ctgov-xml/NCT1/criterion/exclusion-21")
    'exclusion-21'
    >>> local("https://w3id.org/kg/id/trial/NCT1/intervention/carmustine")
    'carmustine'
    """
    return iri.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ConflictItem:
    """One conflict of kg's output, in the fields its judgement key is made of (plus display text)."""

    kind: str
    trial_a: str
    trial_b: str
    concept: str
    window: str
    side_a: str  # criterion (e.g. "inclusion-3") or "+"-joined interventions of trial A
    side_b: str
    text_a: str = ""
    text_b: str = ""
    explanation: str = ""

    @property
    def key(self) -> tuple[str, ...]:
        return conflict_key(self.kind, self.trial_a, self.trial_b, self.concept, self.window, self.side_a, self.side_b)


def conflict_key(kind: str, a: str, b: str, concept: str, window: str, side_a: str, side_b: str) -> tuple[str, ...]:
    """The judgement key of a conflict; the concept and window are normalised here."""
    w = window if re.fullmatch(r"ever|\d+d|-", window) else norm_window(text=window)
    return (kind, a, b, norm_concept(concept), w, side_a or "-", side_b or "-")


# ---- kg's output ----------------------------------------------------------------------------
def _current_graph(store: Any) -> str:
    rows = list(store.rows(f"SELECT ?g WHERE {{ GRAPH <https://w3id.org/kg/graph/current> "
                           f"{{ <https://w3id.org/kg/graph/compare> <{KG}currentGraph> ?g }} }}"))
    return rows[0][0] if rows else "https://w3id.org/kg/graph/compare"


def read_conflicts(store: Any) -> list[ConflictItem]:
    """Every kg:Conflict of the store's current comparison graph (one scan per property)."""
    g = _current_graph(store)
    props = ("conflictKind", "trialA", "trialB", "criterionA", "criterionB", "interventionA", "sharedConceptLabel",
             "windowText", "washoutDays", "washoutEver", "sideAText", "sideBText")
    vals: dict[str, dict[str, list[str]]] = {}
    for p in props + ("http://www.w3.org/2000/01/rdf-schema#comment",):
        iri = p if p.startswith("http") else KG + p
        d: dict[str, list[str]] = defaultdict(list)
        for c, v in store.rows(f"SELECT ?c ?v WHERE {{ GRAPH <{g}> {{ ?c <{iri}> ?v }} }}"):
            d[c].append(v)
        vals[p.rsplit("#", 1)[-1]] = d

    def one(p: str, c: str) -> str:
        v = vals[p].get(c)
        return v[0] if v else ""

    out = []
    for c, kinds in vals["conflictKind"].items():
        kind = kinds[0].rsplit("#", 1)[-1].replace("conflict_", "").replace("_", "-")
        crit_a = one("criterionA", c)
        side_a = local(crit_a) if crit_a else "+".join(sorted(local(i) for i in vals["interventionA"].get(c, []))) or "-"
        window = norm_window(one("washoutDays", c), one("washoutEver", c) == "true", one("windowText", c))
        out.append(ConflictItem(kind, local(one("trialA", c)), local(one("trialB", c)), one("sharedConceptLabel", c),
                                window, side_a, local(one("criterionB", c)) if one("criterionB", c) else "-",
                                one("sideAText", c), one("sideBText", c), one("comment", c)))
    return sorted(out, key=lambda x: x.key)


def read_comparables(store: Any, trials: Iterable[str], top: int = TOP) -> dict[str, list[tuple[str, str]]]:
    """(neighbour, score) of each trial's ``comparable-trials`` answer, as a user gets it (limit ``top``)."""
    from kg.query.named import run_named

    out: dict[str, list[tuple[str, str]]] = {}
    for t in trials:
        try:
            run = run_named(store, "comparable-trials", {"trial": t, "limit": str(top)}, timeout=120)
        except Exception as exc:  # a trial unknown to this store lists nothing; say so, keep scoring
            print(f"warning: comparable-trials {t}: {exc}", file=sys.stderr)
            out[t] = []
            continue
        rows = []
        for b in run.result.bindings:
            named = {str(k): v for k, v in b.items()}
            rows.append((local(str(named.get("other", ""))), str(named.get("score", ""))))
        out[t] = rows
    return out


SCREEN = 40  # rows a terminal shows at once: the issue's "default per-trial answer within one screen"


def default_answer_rows(store: Any, trials: Iterable[str]) -> dict[str, Any]:
    """How many rows ``conflicting-exclusions -p trial T`` gives with its defaults, for each trial."""
    from kg.query.named import run_named

    rows = {}
    for t in trials:
        try:
            rows[t] = len(list(run_named(store, "conflicting-exclusions", {"trial": t}, timeout=300).result.bindings))
        except Exception as exc:  # an unknown trial or a timeout: say so, keep scoring
            print(f"warning: conflicting-exclusions {t}: {exc}", file=sys.stderr)
    vals = sorted(rows.values())
    if not vals:
        return {"trials": 0}
    return {"trials": len(vals), "median": int(statistics.median_low(vals)), "max": vals[-1],
            f"over_{SCREEN}_rows": sum(1 for v in vals if v > SCREEN)}


# ---- judgements -----------------------------------------------------------------------------
def load_split() -> dict[str, Any]:
    return json.loads((GOLD / "split.json").read_text(encoding="utf-8"))


def comparable_trials(split: dict[str, Any]) -> list[str]:
    """The trials whose top-5 neighbours are judged: the drawn sample and the hand-added stand-ins."""
    out = []
    for part in ("comparable_sample", "comparable_sample_added"):
        for half in ("dev", "test"):
            out += split.get(part, {}).get(half, [])
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader((ln for ln in f if not ln.startswith("#")), delimiter="\t")]


def load_conflict_judgements(path: Path = GOLD / "conflicts.tsv") -> dict[tuple[str, ...], dict[str, str]]:
    """Judged conflicts by key; a verdict outside VERDICTS or a false one without a known cause is an error."""
    out = {}
    for r in _rows(path):
        if r["verdict"] not in VERDICTS or (r["verdict"] == "false" and r["cause"] not in CAUSES):
            raise ValueError(f"{path.name}: bad verdict/cause in {r}")
        out[conflict_key(*(r[f] for f in C_FIELDS))] = r
    return out


def load_comparable_judgements(path: Path = GOLD / "comparable.tsv") -> dict[tuple[str, str], dict[str, str]]:
    out = {}
    for r in _rows(path):
        if r["verdict"] not in ("relevant", "not"):
            raise ValueError(f"{path.name}: bad verdict in {r}")
        out[(r["trial"], r["neighbour"])] = r
    return out


# ---- scoring ---------------------------------------------------------------------------------
def _ratio(n: int, d: int) -> float | None:
    return round(n / d, 3) if d else None


def distribution(conflicts: Iterable[ConflictItem], trials: Iterable[str]) -> dict[str, Any]:
    """Conflicts per trial as ``-p trial`` lists them (either side, a self-contradiction once), zeros included.

    >>> distribution([ConflictItem("washout", "A", "B", "x", "ever", "i", "e")], ["A", "B", "C"])
    {'trials': 3, 'median': 1, 'p95': 1, 'max': 1, 'max_trial': 'A', 'with_none': 1, 'over_50': 0}
    """
    n: Counter[str] = Counter({t: 0 for t in trials})
    for c in conflicts:
        n[c.trial_a] += 1
        if c.trial_b != c.trial_a:
            n[c.trial_b] += 1
    vals = sorted(n.values())
    if not vals:
        return {"trials": 0}
    top = min(n, key=lambda t: (-n[t], t))
    p95 = vals[min(len(vals) - 1, int(round(0.95 * (len(vals) - 1))))]
    return {"trials": len(vals), "median": int(statistics.median_low(vals)), "p95": p95, "max": n[top],
            "max_trial": top, "with_none": sum(1 for v in vals if v == 0), "over_50": sum(1 for v in vals if v > 50)}


def score(conflicts: list[ConflictItem], comparables: dict[str, list[tuple[str, str]]],
          judged_c: dict[tuple[str, ...], dict[str, str]], judged_n: dict[tuple[str, str], dict[str, str]],
          halves: dict[str, str], half: str, comparable_trials: list[str], worst: int = 10) -> dict[str, Any]:
    """Join kg's output of one half with the judgements (pure: the test drives it on a hand-made example)."""
    mine = [c for c in conflicts if halves.get(c.trial_a) == half]
    in_output = Counter(c.kind for c in mine)
    reach = Counter((c.kind, norm_concept(c.concept)) for c in conflicts)
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    causes: Counter[str] = Counter()
    errors = []
    for c in mine:
        j = judged_c.get(c.key)
        if j is None:
            continue
        by_kind[c.kind][j["verdict"]] += 1
        if j["verdict"] == "false":
            causes[j["cause"]] += 1
            errors.append({"what": "conflict", "kind": c.kind, "trial_a": c.trial_a, "trial_b": c.trial_b,
                           "concept": c.concept, "window": c.window, "cause": j["cause"], "reason": j["reason"],
                           "same_kind_and_concept_in_output": reach[(c.kind, norm_concept(c.concept))]})

    def prec(cnt: Counter[str]) -> dict[str, Any]:
        n = sum(cnt.values())
        return {"judged": n, "true": cnt["true"], "partial": cnt["partial"], "false": cnt["false"],
                "precision": _ratio(cnt["true"], n), "precision_true_or_partial": _ratio(cnt["true"] + cnt["partial"], n)}

    total: Counter[str] = Counter()
    for cnt in by_kind.values():
        total.update(cnt)
    # The sample is stratified by kind, so the plain figure over-weights the rare kinds; the
    # weighted one is what a user reading the whole output would meet.
    share = {k: in_output[k] / max(1, sum(in_output[x] for x in by_kind)) for k in by_kind}
    weighted = {
        "precision": round(sum(share[k] * cnt["true"] / sum(cnt.values()) for k, cnt in by_kind.items()), 3)
        if by_kind else None,
        "precision_true_or_partial": round(sum(share[k] * (cnt["true"] + cnt["partial"]) / sum(cnt.values())
                                               for k, cnt in by_kind.items()), 3) if by_kind else None,
    }
    # One row per kind of mistake (kind, concept, cause), the ones that reach most output first.
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in errors:
        groups[(e["kind"], norm_concept(e["concept"]), e["cause"])].append(e)
    errors = [{**g[0], "judged_false_like_this": len(g), "examples": [f"{x['trial_a']}->{x['trial_b']}: {x['reason']}"
                                                                       for x in g[:3]]}
              for g in sorted(groups.values(), key=lambda g: (-g[0]["same_kind_and_concept_in_output"], -len(g),
                                                             g[0]["kind"], g[0]["cause"]))]

    rel = Counter()
    unjudged_n = []
    no_neighbour = []
    n_errors = []
    for t in comparable_trials:
        if halves.get(t) != half:
            continue
        rows = comparables.get(t, [])
        if not rows:
            no_neighbour.append(t)
        for rank, (nb, _score) in enumerate(rows[:TOP], 1):
            j = judged_n.get((t, nb))
            if j is None:
                unjudged_n.append(f"{t}->{nb}")
                continue
            rel[j["verdict"]] += 1
            if j["verdict"] == "not":
                n_errors.append({"what": "comparable", "trial": t, "neighbour": nb, "rank": rank, "reason": j["reason"]})
    n_judged = rel["relevant"] + rel["not"]
    n_errors.sort(key=lambda e: (e["rank"], e["trial"]))
    worst_list = errors[:worst]
    worst_list += n_errors[:max(0, worst - len(worst_list))] if len(errors) < worst else []
    return {
        "half": half,
        "conflicts_in_output": len(mine),
        "conflicts_in_output_by_kind": dict(sorted(in_output.items())),
        "conflicts": prec(total),
        "conflicts_weighted_by_kind_share": weighted,
        "conflicts_by_kind": {k: prec(by_kind[k]) for k in KINDS if k in by_kind},
        "false_by_cause": dict(causes.most_common()),
        "conflicts_unjudged_in_output": len(mine) - sum(total.values()),
        "comparable_top5": {"trials": sum(1 for t in comparable_trials if halves.get(t) == half),
                            "judged": n_judged, "relevant": rel["relevant"],
                            "precision": _ratio(rel["relevant"], n_judged), "unjudged": len(unjudged_n),
                            "trials_without_neighbour": no_neighbour},
        "comparable_unjudged": unjudged_n,
        "worst_errors": worst_list,
        "worst_comparable_errors": n_errors[:worst],
    }


def sample_unjudged(conflicts: list[ConflictItem], judged: dict[tuple[str, ...], Any], halves: dict[str, str],
                    half: str, n: int, seed: int = 20261207) -> list[ConflictItem]:
    """``n`` unjudged conflicts of one half, as even across kinds as the output allows, reproducibly.

    Each kind's unjudged items are sorted by key and shuffled with ``seed``; kinds take turns, so a
    kind with few items gives its share to the others.
    """
    pools = {}
    kinds = [k for k in KINDS] + sorted({c.kind for c in conflicts} - set(KINDS))  # kinds a newer kg adds
    for k in kinds:
        pool = sorted((c for c in conflicts if c.kind == k and halves.get(c.trial_a) == half and c.key not in judged),
                      key=lambda c: c.key)
        random.Random(f"{seed}/{k}").shuffle(pool)
        pools[k] = pool
    out: list[ConflictItem] = []
    while len(out) < n and any(pools.values()):
        for k in kinds:
            if pools[k] and len(out) < n:
                out.append(pools[k].pop(0))
    return out


# ---- CLI ------------------------------------------------------------------------------------
def _trials_of_store(store: Any) -> list[str]:
    return sorted({local(r[0]) for r in store.rows(f"SELECT ?t WHERE {{ ?t a <{KG}Trial> }}")})


def _print(res: dict[str, Any]) -> None:
    c = res["conflicts"]
    print(f"half {res['half']}: {res['conflicts_in_output']} conflicts with trial A in this half; "
          f"{c['judged']} judged, {res['conflicts_unjudged_in_output']} unjudged")
    print(f"  conflict precision  true {c['precision']}  true+partial {c['precision_true_or_partial']}  "
          f"(weighted by kind share: {res['conflicts_weighted_by_kind_share']})")
    for k, v in res["conflicts_by_kind"].items():
        print(f"    {k:<20} {v['true']}/{v['partial']}/{v['false']} of {v['judged']}  P {v['precision']}  "
              f"P(t+p) {v['precision_true_or_partial']}  (in output {res['conflicts_in_output_by_kind'].get(k, 0)})")
    print(f"  false by cause: {res['false_by_cause']}")
    n = res["comparable_top5"]
    print(f"  comparable top-5: {n['relevant']}/{n['judged']} relevant, P {n['precision']}, unjudged {n['unjudged']}, "
          f"trials without neighbour {n['trials_without_neighbour']}")
    print(f"  conflicts per trial (all trials): {res.get('conflicts_per_trial')}")
    print(f"  rows of the default per-trial answer (sampled trials): {res.get('default_per_trial_answer_rows')}")
    print("  worst errors:")
    for e in res["worst_errors"]:
        if e["what"] == "conflict":
            print(f"    {e['kind']} [{e['concept']}] {e['cause']}: {e['judged_false_like_this']} judged false; "
                  f"{e['same_kind_and_concept_in_output']} such conflicts in output; e.g. {e['examples'][0]}")
        else:
            print(f"    comparable {e['trial']} #{e['rank']} {e['neighbour']}: {e['reason']}")


def _write_sample(items: list[ConflictItem], neighbours: list[str], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow([*C_FIELDS, "verdict", "cause", "reason", "text_a", "text_b", "explanation"])
        for c in items:
            w.writerow([c.kind, c.trial_a, c.trial_b, c.concept, c.window, c.side_a, c.side_b, "", "", "",
                        c.text_a.replace("\t", " ").replace("\n", " "), c.text_b.replace("\t", " ").replace("\n", " "),
                        c.explanation])
        for nb in neighbours:
            w.writerow(["comparable", *nb.split("->"), "", "", "", "", "", "", "", "", ""])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True, help="a built kg store (opened read-only)")
    ap.add_argument("--half", choices=("dev", "test", "both"), default="dev",
                    help="both: score the two halves from one read of the store (test for reporting only)")
    ap.add_argument("--label", default="current", help="name of this output in the results file (e.g. a commit)")
    ap.add_argument("--worst", type=int, default=10)
    ap.add_argument("--sample-unjudged", type=int, metavar="N", help="write N unjudged conflicts of the half to --out")
    ap.add_argument("--out", type=Path, default=Path("/tmp/compare_real_unjudged.tsv"))
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--no-write", action="store_true", help="print only; leave the results file alone")
    args = ap.parse_args(argv)

    from kg.store.oxigraph import OxigraphStore

    store = OxigraphStore(args.store, read_only=True)
    split = load_split()
    halves = {t: v["half"] for t, v in split["trials"].items()}
    sampled = comparable_trials(split)
    conflicts = read_conflicts(store)
    judged_c, judged_n = load_conflict_judgements(), load_comparable_judgements()
    comparables = read_comparables(store, sampled)
    halves_wanted = ("dev", "test") if args.half == "both" else (args.half,)
    if args.sample_unjudged is not None:
        for half in halves_wanted:
            res = score(conflicts, comparables, judged_c, judged_n, halves, half, sampled, args.worst)
            items = sample_unjudged(conflicts, judged_c, halves, half, args.sample_unjudged, args.seed)
            out = args.out if len(halves_wanted) == 1 else args.out.with_name(f"{args.out.stem}-{half}{args.out.suffix}")
            _write_sample(items, res["comparable_unjudged"], out)
            print(f"{half}: {len(items)} unjudged conflicts and {len(res['comparable_unjudged'])} unjudged neighbours "
                  f"written to {out}")
        return 0
    per_trial = distribution(conflicts, sorted(set(_trials_of_store(store)) | set(halves)))
    for half in halves_wanted:
        res = score(conflicts, comparables, judged_c, judged_n, halves, half, sampled, args.worst)
        res["conflicts_total_in_output"] = len(conflicts)
        res["conflicts_total_by_kind"] = dict(sorted(Counter(c.kind for c in conflicts).items()))
        res["conflicts_per_trial"] = per_trial
        res["default_per_trial_answer_rows"] = default_answer_rows(store, [t for t in sampled if halves.get(t) == half])
        res["store"] = str(args.store)
        _print(res)
        if not args.no_write:
            old = json.loads(OUT.read_text(encoding="utf-8")) if OUT.exists() else {}
            old.setdefault(args.label, {})[half] = res
            OUT.parent.mkdir(parents=True, exist_ok=True)
            OUT.write_text(json.dumps(old, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
