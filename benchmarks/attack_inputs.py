"""Benchmark: hostile build inputs against a local listener — connections, writes, memory, time.

Every hostile file is generated at run time in a temporary folder (none is committed):
XML external entities (file:// to a secret file and http:// to the listener), an external
DTD, parameter entities, billion laughs, a prolog of many comments, JSON-LD ``@context`` / ``@import`` URLs (through
``kg build`` and through ``kg link``'s RDF reader), RDF/XML XXE for ``kg link``, zip
members with ``..`` and absolute names, a nested zip, a zip member whose header lies about
its size, a 1.1 GB single-member zip bomb, a many-member bomb past the per-zip total, JSON
nested 1,100 deep, and a symlink in a given folder pointing at the secret.

Each input is read in a fresh process (``kg.graph.pipeline.build`` into a fresh on-disk
store, shared graphs off: what is measured is the reading, not the reasoner), so its peak
resident memory (``wait4`` rusage) and wall time are its own. Measured per input:

* ``connections``: connections the listener on 127.0.0.1 accepted while it ran (target 0);
* ``written_outside_store``: files created or changed anywhere in the temporary tree
  (inputs, bait folders, the process's working folder) except the store (target 0);
* ``secret_leaked``: the secret file's text found in the store or its report (target false);
* ``peak_rss_mib`` and ``seconds``; what was read and what was quarantined (with reason).

Usage:  python benchmarks/attack_inputs.py [--out benchmarks/results/attack_inputs.json] [--bomb-gb 1.1]
Library: ``run_input_attacks()`` returns the same dict (``benchmarks/attack_corpus.py`` uses it).
``KG_ATTACK_SRC=/other/checkout/src`` runs the children on another version of kg (before/after).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.listener import Listener  # noqa: E402

OUT = REPO / "benchmarks" / "results" / "attack_inputs.json"
SECRET = "kg-attack-secret-4b1d0e"

# The child: read the given sources as `kg build` does (or an ontology as `kg link` does) and
# report what happened as one JSON line. Runs with cwd inside the temp tree.
_CHILD = r"""
import json, sys
mode, store_dir, *sources = sys.argv[1:]
out = {}
if mode == "build":
    from kg.graph.pipeline import build
    from kg.store.oxigraph import OxigraphStore
    with OxigraphStore(store_dir) as store:
        s = build(sources, store, shared_graphs=False, compare=False)
    out = {"records_read": s.records_read,
           "quarantined": [[q.path.rsplit("/", 1)[-1], q.record_id, q.field, q.reason] for q in s.quarantined],
           "skipped": [[k.path.rsplit("/", 1)[-1], k.note] for k in s.skipped]}
    with OxigraphStore(store_dir, read_only=True) as store:
        dump = "\n".join(" ".join(map(str, t)) for t in store.triples())
    open(store_dir + ".dump", "w").write(dump)
else:
    from kg.link.terms import read_file
    try:
        out = {"terms": len(list(read_file(sources[0])))}
    except Exception as exc:
        out = {"refused": f"{type(exc).__name__}: {exc}"}
print(json.dumps(out))
"""


# -- the hostile inputs ----------------------------------------------------------------------
_XML_HEAD = '<?xml version="1.0"?>\n'
_STUDY_XML = ("<clinical_study><id_info><nct_id>NCT96000001</nct_id></id_info>"
              "<brief_title>{}</brief_title></clinical_study>")
_RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"'
_LABELLED = ('<rdf:Description rdf:about="http://purl.obolibrary.org/obo/MONDO_0000001">'
             "<rdfs:label>{}</rdfs:label></rdf:Description>")


def _laughs(root: str, body: str) -> str:
    ents = "".join(f'<!ENTITY l{i + 1} "{("&l" + str(i) + ";") * 10}">' for i in range(9))
    return _XML_HEAD + f'<!DOCTYPE {root} [<!ENTITY l0 "lol">{ents}]>\n' + body.format("&l9;")


def _study_json(nct: str, pad: int = 0) -> bytes:
    return json.dumps({"protocolSection": {"identificationModule": {"nctId": nct, "briefTitle": "t"}},
                       "pad": "0" * pad}).encode()


def _deflated(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED  # a bare ZipInfo would be stored, not compressed
    return info


def _write_bomb(path: Path, name: str, size: int) -> None:
    """One member of ``size`` bytes, a JSON study padded with zeros (deflate: ~1,000:1)."""
    head = b'{"protocolSection": {"identificationModule": {"nctId": "NCT96000009"}}, "pad": "'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open(_deflated(name), "w", force_zip64=True) as fh:
            fh.write(head)
            left = size - len(head) - 2
            block = b"0" * (1 << 20)
            while left > 0:
                fh.write(block[:left])
                left -= len(block)
            fh.write(b'"}')


def _lying_header(path: Path) -> None:
    payload = b"[" + b"0," * (8 << 20) + b"0]"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.json", payload)
    raw = bytearray(path.read_bytes())
    size = len(payload).to_bytes(4, "little")
    at = raw.find(size)
    while at != -1:
        raw[at:at + 4] = (100).to_bytes(4, "little")
        at = raw.find(size, at + 4)
    path.write_bytes(bytes(raw))


def _inputs(root: Path, url: str, secret: Path, bomb_bytes: int) -> list[tuple[str, str, str, Callable[[Path], None]]]:
    """(name, kind, mode, make(path)) for every hostile input."""
    def text(s: str) -> Callable[[Path], None]:
        return lambda p: p.write_text(s)

    def zipped(members: dict[str, bytes]) -> Callable[[Path], None]:
        def make(p: Path) -> None:
            with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
                for n, d in members.items():
                    zf.writestr(n, d)
        return make

    inner = root / "inner.zip.bin"
    zipped({"x.json": _study_json("NCT96000003")})(inner)
    study_x = _STUDY_XML
    return [
        ("xxe-file.xml", "XXE (file://)", "build",
         text(_XML_HEAD + f'<!DOCTYPE clinical_study [<!ENTITY e SYSTEM "{secret.as_uri()}">]>\n'
              + study_x.format("&e;"))),
        ("xxe-http.xml", "XXE (http://)", "build",
         text(_XML_HEAD + f'<!DOCTYPE clinical_study [<!ENTITY e SYSTEM "{url}/xxe">]>\n' + study_x.format("&e;"))),
        ("external-dtd.xml", "external DTD", "build",
         text(_XML_HEAD + f'<!DOCTYPE clinical_study SYSTEM "{url}/ext.dtd">\n' + study_x.format("t"))),
        ("param-entity.xml", "parameter entities", "build",
         text(_XML_HEAD + f'<!DOCTYPE clinical_study [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p; %q;]>\n'
              + study_x.format("t"))),
        ("billion-laughs.xml", "billion laughs", "build", text(_laughs("clinical_study", study_x))),
        ("comment-prolog.xml", "XML prolog of 6,000 comments (regex backtracking)", "build",
         text(_XML_HEAD + "<!-- a -->" * 6000 + "<!DOCTYPE")),
        ("context.jsonld", "JSON-LD @context URL (kg build)", "build",
         text(f'{{"@context": "{url}/ctx", "@id": "http://x/a", "protocolSection": {{}}}}')),
        ("study-with-context.json", "JSON-LD @context URL inside a study", "build",
         lambda p: p.write_bytes(_study_json("NCT96000002")[:-1] + f', "@context": "{url}/ctx"}}'.encode())),
        ("link-context.jsonld", "JSON-LD @context URL (kg link)", "link",
         text(f'{{"@context": "{url}/ctx", "@id": "http://purl.obolibrary.org/obo/MONDO_1", "label": "x"}}')),
        ("link-import.jsonld", "JSON-LD @import (kg link)", "link",
         text(f'{{"@context": {{"@import": "{url}/imp"}}, "@id": "http://x/a"}}')),
        ("link-file-context.jsonld", "JSON-LD file:// context (kg link)", "link",
         text(f'{{"@context": "{secret.as_uri()}", "@id": "http://x/a"}}')),
        ("link-xxe.owl", "RDF/XML XXE (kg link)", "link",
         text(_XML_HEAD + f'<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "{secret.as_uri()}"><!ENTITY h SYSTEM "{url}/x">]>'
              + f"<rdf:RDF {_RDF}>{_LABELLED.format('&e;&h;')}</rdf:RDF>")),
        ("link-external-dtd.rdf", "RDF/XML external DTD (kg link)", "link",
         text(_XML_HEAD + f'<!DOCTYPE rdf:RDF SYSTEM "{url}/ext.dtd"><rdf:RDF {_RDF}/>')),
        ("link-param-entity.owl", "RDF/XML parameter entity (kg link)", "link",
         text(_XML_HEAD + f'<!DOCTYPE rdf:RDF [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]><rdf:RDF {_RDF}/>')),
        ("link-laughs.owl", "RDF/XML billion laughs (kg link)", "link",
         text(_laughs("rdf:RDF", f"<rdf:RDF {_RDF}>{_LABELLED}</rdf:RDF>"))),
        ("link-imports.ttl", "Turtle @base + owl:imports (kg link)", "link",
         text(f"@base <{url}/b/> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
              f"<o> a owl:Ontology ; owl:imports <{url}/imported.ttl> .\n")),
        ("traversal.zip", "zip traversal", "build",
         zipped({"../../escape.json": _study_json("NCT96000004"), "/tmp/abs-escape.json": _study_json("NCT96000005"),
                 "..\\..\\win-escape.json": _study_json("NCT96000006"), "ok.json": _study_json("NCT96000007")})),
        ("nested.zip", "zip inside a zip", "build", zipped({"inner.zip": inner.read_bytes()})),
        ("lying-header.zip", "zip header understating the size", "build", _lying_header),
        ("bomb.zip", f"zip bomb ({bomb_bytes / 1e9:.1f} GB in one member)", "build",
         lambda p: _write_bomb(p, "study.json", bomb_bytes)),
        ("bomb-many.zip", "zip bomb (40 members x 60 MiB, past the 2 GiB total)", "build", _many_bomb),
        ("deep.json", "JSON nested 1,100 deep", "build",
         text('{"protocolSection": {"x": ' + "[" * 1100 + "]" * 1100 + "}}")),
        ("deep-100k.json", "JSON nested 100,000 deep", "build",
         text('{"protocolSection": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}")),
        ("link-dir", "symlink to a secret in a given folder", "build", lambda p: _symlink_dir(p, secret)),
    ]


def _many_bomb(p: Path) -> None:
    head = b'{"protocolSection": {"identificationModule": {"nctId": "NCT960000%02d"}}, "pad": "'
    size = 60 << 20
    block = b"0" * (1 << 20)
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for i in range(40):
            with zf.open(_deflated(f"m{i:02d}.json"), "w", force_zip64=True) as fh:
                h = head % (i + 10)
                fh.write(h)
                left = size - len(h) - 2
                while left > 0:
                    fh.write(block[:left])
                    left -= len(block)
                fh.write(b'"}')


def _symlink_dir(p: Path, secret: Path) -> None:
    p.mkdir()
    (p / "secret.json").symlink_to(secret)
    (p / "ok.json").write_bytes(_study_json("NCT96000008"))


# -- running ----------------------------------------------------------------------------------
def _snapshot(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, dirs, files in os.walk(root):
        d = Path(dirpath)
        dirs[:] = [x for x in dirs if d / x != skip and not (d / x).name.startswith(skip.name)]
        for f in files:
            fp = d / f
            if fp.name.startswith(skip.name):
                continue
            try:
                st = fp.lstat()
            except OSError:
                continue
            out[str(fp.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


def _run_one(mode: str, store: Path, source: Path, cwd: Path) -> tuple[dict[str, Any], float, float, int]:
    env = dict(os.environ, PYTHONPATH=os.environ.get("KG_ATTACK_SRC", str(REPO / "src")))
    env.pop("KG_ZIP_MEMBER_LIMIT", None)
    env.pop("KG_ZIP_TOTAL_LIMIT", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, mode, str(store), str(source)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t0
    rss_mib = usage.ru_maxrss / 1024  # KiB on Linux
    try:
        result = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {"crashed": err.decode(errors="replace")[-600:]}
    return result, seconds, rss_mib, proc.returncode


def run_input_attacks(bomb_gb: float = 1.1, only: list[str] | None = None) -> dict[str, Any]:
    """Run every hostile input through kg's readers; figures per input and in total."""
    import pyexpat

    listener = Listener()
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="kg-attack-") as tmp:
            root = Path(tmp)
            secret = root / "secret.txt"
            secret.write_text(json.dumps({"@context": {}, "secret": SECRET}))
            inputs_dir, work = root / "inputs", root / "work" / "deeper"
            inputs_dir.mkdir()
            work.mkdir(parents=True)
            (root / "bait").mkdir()
            baseline = inputs_dir / "benign.json"
            baseline.write_bytes(_study_json("NCT96000000"))
            cases = [("benign.json", "benign study (baseline)", "build", lambda p: None)]
            cases += _inputs(root, listener.url, secret, int(bomb_gb * 1e9))
            for i, (name, kind, mode, make) in enumerate(cases):
                if only and name not in only and name != "benign.json":
                    continue
                path = inputs_dir / name
                t_make = time.perf_counter()
                make(path)
                made_s = time.perf_counter() - t_make
                store = root / f"store-{i}"
                before = _snapshot(root, store)
                conns = listener.connections
                result, seconds, rss, code = _run_one(mode, store, path, work)
                time.sleep(0.3)  # a late connection attempt still counts
                after = _snapshot(root, store)
                written = sorted(k for k in after if after[k] != before.get(k))
                leaked = False
                for f in (store / "build-report.tsv", Path(str(store) + ".dump")):
                    if f.exists() and SECRET in f.read_text(errors="replace"):
                        leaked = True
                leaked = leaked or SECRET in json.dumps(result)
                rows.append({
                    "input": name, "kind": kind, "via": "kg build" if mode == "build" else "kg link",
                    "input_bytes": _size_of(path), "connections": listener.connections - conns,
                    "written_outside_store": written, "secret_leaked": leaked,
                    "peak_rss_mib": round(rss, 1), "seconds": round(seconds, 2), "exit_code": code,
                    "generate_seconds": round(made_s, 2), "result": _short(result),
                })
                print(f"{name:28s} conns={rows[-1]['connections']} written={len(written)} leaked={leaked} "
                      f"rss={rss:7.1f} MiB t={seconds:6.2f}s", file=sys.stderr)
                _remove(path)
                _remove(store)
                _remove(Path(str(store) + ".dump"))
    finally:
        listener.close()
    hostile = [r for r in rows if r["input"] != "benign.json"]
    from kg.ingest.sources import ZipLimits

    limits = ZipLimits()
    return {
        "benchmark": "attack_inputs",
        "targets": {"connections": 0, "written_outside_store": 0, "secret_leaked": False},
        "totals": {
            "inputs": len(hostile),
            "connections": sum(r["connections"] for r in hostile),
            "written_outside_store": sum(len(r["written_outside_store"]) for r in hostile),
            "secret_leaks": sum(r["secret_leaked"] for r in hostile),
            "crashed": sum("crashed" in r["result"] for r in hostile),
            "max_peak_rss_mib": max((r["peak_rss_mib"] for r in hostile), default=0),
            "baseline_peak_rss_mib": next((r["peak_rss_mib"] for r in rows if r["input"] == "benign.json"), None),
            "max_seconds": max((r["seconds"] for r in hostile), default=0),
        },
        "zip_limits_default": {"member_bytes": limits.member, "total_bytes": limits.total},
        "inputs": rows,
        "machine": {"python": platform.python_version(), "expat": pyexpat.EXPAT_VERSION,
                    "cpus": os.cpu_count(), "platform": platform.platform()},
    }


def _size_of(p: Path) -> int:
    if p.is_dir():
        return sum(f.lstat().st_size for f in p.iterdir())
    return p.stat().st_size if p.exists() else 0


def _short(result: dict[str, Any]) -> dict[str, Any]:
    out = dict(result)
    q = out.get("quarantined")
    if isinstance(q, list) and len(q) > 6:
        out["quarantined"] = q[:6] + [f"... {len(q) - 6} more"]
    return out


def _remove(p: Path) -> None:
    import shutil

    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    elif p.exists() or p.is_symlink():
        p.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--bomb-gb", type=float, default=1.1, help="expanded size of the one-member zip bomb")
    ap.add_argument("--only", nargs="*", help="run only these inputs (names as in the results)")
    args = ap.parse_args()
    res = run_input_attacks(args.bomb_gb, args.only)
    print(json.dumps(res["totals"], indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
