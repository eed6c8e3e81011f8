"""kg's own input format ("kg-json"): trial records written as JSON in the shape of kg.model.

A kg-json document is an object ``{"kg_records": 1, "records": [ {...}, ... ]}`` or a
single record object carrying ``"kg_record": 1``. Each record is the dict form of a
:class:`~kg.model.TrialRecord` without ``source`` (kg fills it in). When a record gives
``eligibility.text`` but no ``eligibility.criteria``, the text is split into criteria the
same way registry text is. Registry-derived MeSH ancestors travel as
``"condition_ancestors": [{"mesh_id": "D008180", "term": "..."}]``, like any other field.

>>> data = b'{"kg_record": 1, "nct_id": "NCT00000001", "title": "T"}'
>>> FORMAT.detect(data, "x.json")
True
>>> [r.nct_id for r in FORMAT.parse(data, "x.json")]
['NCT00000001']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kg.errors import RecordError
from kg.ingest.base import NESTED_TOO_DEEPLY, Format, ParseResult, decode_utf8, sha256, stated_id
from kg.model import SourceRef, TrialRecord

NAME = "kg-json"
_MARKERS = (b'"kg_record"', b'"kg_records"')


def detect(data: bytes, name: str) -> bool:
    """True for JSON that carries kg's own record marker near its start."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[") and any(m in head for m in _MARKERS)


def parse(data: bytes, source_path: str) -> ParseResult:
    """Yield one TrialRecord per native record, or a RecordError for a bad one."""
    digest = sha256(data)
    try:
        text = decode_utf8(data, source_path)
        doc = json.loads(text)
    except RecordError as err:
        yield err
        return
    except json.JSONDecodeError as exc:
        yield RecordError(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                          source=source_path, record_id=stated_id(data), field="<json>")
        return
    except RecursionError:
        yield RecordError(NESTED_TOO_DEEPLY, source=source_path, record_id=stated_id(data), field="<json>")
        return
    if isinstance(doc, dict) and "records" in doc:
        items: list[Any] = doc["records"]
        if not isinstance(items, list):
            yield RecordError("'records' must be a list", source=source_path, field="records")
            return
        multi = True
    else:
        items, multi = [doc], False
    for i, item in enumerate(items):
        locator = f"records[{i}]" if multi else ""
        if not isinstance(item, dict):
            yield RecordError("a record must be a JSON object", source=source_path, record_id=locator, field=locator)
            continue
        payload = {k: v for k, v in item.items() if k not in ("kg_record", "source")}
        rid = payload.get("nct_id") or payload.get("record_id") or (
            f"{Path(source_path).stem}-{i}" if multi else Path(source_path).stem
        )
        payload.pop("record_id", None)
        ref = SourceRef(path=source_path, record_id=str(rid), format=NAME, sha256=digest, locator=locator)
        try:
            record = TrialRecord.from_dict(payload, source=ref)
            if record.eligibility.text and not record.eligibility.criteria:
                from kg.criteria.split import split_criteria

                record.eligibility.criteria = split_criteria(record.eligibility.text, "eligibility.text")
        except RecordError as err:
            yield err
            continue
        yield record


FORMAT = Format(name=NAME, priority=200, detect=detect, parse=parse)
