"""RDF files given to kg (``kg link ONTOLOGY_FILE``) are read as their own bytes: nothing is fetched."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import InputError, RecordError
from kg.ingest.rdf_files import parse_rdf_file
from kg.link.terms import read_file
from tests.security.listener import Listener, listener  # noqa: F401  (fixture)

SECRET = "kg-secret-rdf-51c2"
RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"'
LABELLED = '<rdf:Description rdf:about="http://purl.obolibrary.org/obo/MONDO_0000001"><rdfs:label>{}</rdfs:label>' \
           "</rdf:Description>"


def _hostile(url: str, secret: Path) -> dict[str, str]:
    head = '<?xml version="1.0"?>\n'
    return {
        "context.jsonld": f'{{"@context": "{url}/ctx", "@id": "http://x/a", "label": "A"}}',
        "context-list.jsonld": f'{{"@context": [{{"@vocab": "http://x/"}}, "{url}/ctx2"], "@id": "http://x/a"}}',
        "nested-context.jsonld": f'{{"@id": "http://x/a", "http://x/p": {{"@context": "{url}/n", "@id": "http://x/b"}}}}',
        "import.jsonld": f'{{"@context": {{"@import": "{url}/imp"}}, "@id": "http://x/a"}}',
        "file-context.jsonld": f'{{"@context": "{secret.as_uri()}", "@id": "http://x/a"}}',
        "xxe-file.owl": head + f'<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "{secret.as_uri()}">]>'
                        + f"<rdf:RDF {RDF}>{LABELLED.format('&e;')}</rdf:RDF>",
        "xxe-http.owl": head + f'<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "{url}/xxe">]>'
                        + f"<rdf:RDF {RDF}>{LABELLED.format('&e;')}</rdf:RDF>",
        "external-dtd.rdf": head + f'<!DOCTYPE rdf:RDF SYSTEM "{url}/ext.dtd"><rdf:RDF {RDF}/>',
        "param-entity.owl": head + f'<!DOCTYPE rdf:RDF [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]><rdf:RDF {RDF}/>',
        "laughs.owl": head + '<!DOCTYPE rdf:RDF [<!ENTITY a "lolololololol">'
                      + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
                      + f"]><rdf:RDF {RDF}>{LABELLED.format('&j;')}</rdf:RDF>",
    }


def test_hostile_rdf_is_refused_without_a_connection_or_a_read(tmp_path: Path, listener: Listener) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"@context": {"label": "http://www.w3.org/2000/01/rdf-schema#label"}, "x": "' + SECRET + '"}')
    for name, text in _hostile(listener.url, secret).items():
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(InputError) as err:
            parse_rdf_file(path)
        assert "refused" in str(err.value), (name, str(err.value))
        assert SECRET not in str(err.value)
        with pytest.raises(RecordError):  # and so through kg link's reader
            list(read_file(path))
    assert listener.connections == 0


def test_turtle_base_and_owl_imports_fetch_nothing(tmp_path: Path, listener: Listener) -> None:
    ttl = tmp_path / "o.ttl"
    ttl.write_text(f"@base <{listener.url}/base/> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                   f"<o> a owl:Ontology ; owl:imports <{listener.url}/imported.ttl> .\n")
    g = parse_rdf_file(ttl)
    assert len(g) == 2
    assert listener.connections == 0


def test_ordinary_ontology_files_still_read(tmp_path: Path) -> None:
    owl = tmp_path / "abbrev.owl"
    owl.write_text('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY obo "http://purl.obolibrary.org/obo/">]>'
                   f'<rdf:RDF {RDF}><rdf:Description rdf:about="&obo;MONDO_0000002"><rdfs:label>disease two'
                   "</rdfs:label></rdf:Description></rdf:RDF>")
    jsonld = tmp_path / "inline.jsonld"
    jsonld.write_text('{"@context": {"label": "http://www.w3.org/2000/01/rdf-schema#label"}, '
                      '"@id": "http://purl.obolibrary.org/obo/MONDO_0000003", "label": "disease three"}')
    labels = {t.curie: t.label for p in (owl, jsonld) for t in read_file(p)}
    assert labels == {"MONDO:0000002": "disease two", "MONDO:0000003": "disease three"}

