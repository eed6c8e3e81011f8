"""Row output: the JSON writer gives exactly what json.dumps(indent=2) gives, faster."""

from __future__ import annotations

import json
import random

from rdflib import Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.query import Result

from kg.query.output import rows, rows_json

VALUES = [Literal('quote " backslash \\ newline \n tab \t é ☃ \u2028'), Literal(3), Literal("2.50", datatype=XSD.decimal),
          Literal("4.0", datatype=XSD.decimal), Literal(2.5), Literal(True), Literal(10**20), Literal("x", lang="en"),
          Literal("nan", datatype=XSD.double), URIRef("https://w3id.org/kg/id/trial/NCT00000001")]


def test_json_rows_equal_json_dumps_with_indent() -> None:
    rng = random.Random(15)
    columns = [Variable(c) for c in ("kind", "trial", "n", "text")]
    for _ in range(300):
        res = Result("SELECT")
        res.vars = columns[: rng.randint(0, 4)]
        shared = rng.choice(VALUES)  # the same term object on many rows, as the TSV reader gives it
        res.bindings = [{v: (shared if rng.random() < 0.3 else rng.choice(VALUES)) for v in res.vars if rng.random() < 0.8}
                        for _ in range(rng.randint(0, 6))]
        assert rows_json(res) == json.dumps(rows(res), indent=2, ensure_ascii=False, default=str) + "\n"


def test_json_rows_keep_numbers_and_missing_values() -> None:
    res = Result("SELECT")
    res.vars = [Variable("a"), Variable("n")]
    res.bindings = [{Variable("a"): Literal("x"), Variable("n"): Literal(2)}, {Variable("n"): Literal("1.5", datatype=XSD.decimal)}]
    assert json.loads(rows_json(res)) == [{"a": "x", "n": 2}, {"a": None, "n": 1.5}]
