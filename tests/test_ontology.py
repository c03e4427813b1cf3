"""The ontology's own metadata and conventions."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pyoxigraph
import rdflib
from rdflib.namespace import SKOS

from kg.namespaces import KG, KGV, OWL, RDF

ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology"
ROOT = "https://w3id.org/npa-cyber-kg/ontology"


def load() -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    for path in ONTOLOGY.glob("*.ttl"):
        store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
    return store


def load_module(path: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(path, format="turtle")


def module_header(graph: rdflib.Graph, path: Path) -> rdflib.URIRef:
    headers = list(graph.subjects(rdflib.RDF.type, rdflib.OWL.Ontology))
    assert len(headers) == 1, f"{path.name}: {len(headers)} owl:Ontology headers, one expected"
    return headers[0]


def module_terms(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    """The kg: and kgv: terms a module declares (everything it gives a type)."""
    return {
        subject
        for subject in graph.subjects(rdflib.RDF.type, None)
        if isinstance(subject, rdflib.URIRef) and str(subject).startswith((KG, KGV))
    }


def test_every_module_has_one_versioned_header() -> None:
    versions = set()
    for path in sorted(ONTOLOGY.glob("*.ttl")):
        graph = load_module(path)
        header = module_header(graph, path)
        if path.name == "kg.ttl":
            assert str(header) == ROOT
        elif path.name != "shapes.ttl":
            assert str(header) == f"{ROOT}/{path.stem}", f"{path.name}: module IRI {header}"
        (version_iri,) = graph.objects(header, rdflib.OWL.versionIRI)
        (version_info,) = graph.objects(header, rdflib.OWL.versionInfo)
        (prior,) = graph.objects(header, rdflib.OWL.priorVersion)
        assert str(version_iri) == f"{header}/{version_info}", path.name
        assert str(prior) != str(version_iri), path.name
        versions.add(str(version_info))
    assert len(versions) == 1, f"the modules carry different versions: {sorted(versions)}"


def test_the_root_imports_every_module() -> None:
    root = load_module(ONTOLOGY / "kg.ttl")
    imported = {str(module) for module in root.objects(rdflib.URIRef(ROOT), rdflib.OWL.imports)}
    modules = {f"{ROOT}/{path.stem}" for path in ONTOLOGY.glob("*.ttl") if path.name not in ("kg.ttl", "shapes.ttl")}
    assert imported == modules


def test_every_term_is_defined_by_its_module_and_labelled_and_defined_in_english_and_japanese() -> None:
    problems = []
    for path in sorted(ONTOLOGY.glob("*.ttl")):
        if path.name == "shapes.ttl":
            continue
        graph = load_module(path)
        header = module_header(graph, path)
        for term in sorted(module_terms(graph)):
            name = term.n3(graph.namespace_manager)
            if list(graph.objects(term, rdflib.RDFS.isDefinedBy)) != [header]:
                problems.append(f"{path.name}: {name} needs `rdfs:isDefinedBy <{header}>`")
            for predicate in (rdflib.RDFS.label, SKOS.definition):
                languages = sorted(literal.language or "" for literal in graph.objects(term, predicate))
                if languages != ["en", "ja"]:
                    problems.append(f"{path.name}: {name} has {predicate.n3(graph.namespace_manager)} in {languages}")
    assert problems == []


def test_no_two_terms_share_a_label_in_either_language() -> None:
    """A class and a property (kg:Sector, kg:sector) named alike read the same in every view and
    documentation page; the property says what it relates ("has sector", 出典報告書). Concepts
    (kgv:) are values, read beside the property that holds them, so only kg: terms are compared."""
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in sorted(ONTOLOGY.glob("*.ttl")):
        graph = load_module(path)
        for term in (term for term in module_terms(graph) if str(term).startswith(KG)):
            for label in graph.objects(term, rdflib.RDFS.label):
                holders[(label.language or "", str(label).casefold())].add(term.n3(graph.namespace_manager))
    shared = {f"{text}@{language}": sorted(terms) for (language, text), terms in holders.items() if len(terms) > 1}
    assert shared == {}


def test_term_names_follow_the_conventions() -> None:
    store = load()
    for kind, pattern in (
        (OWL + "Class", r"^[A-Z][A-Za-z0-9]*$"),
        (OWL + "ObjectProperty", r"^[a-z][A-Za-z0-9]*$"),
        (OWL + "DatatypeProperty", r"^[a-z][A-Za-z0-9]*$"),
    ):
        for quad in store.quads_for_pattern(None, pyoxigraph.NamedNode(RDF + "type"), pyoxigraph.NamedNode(kind)):
            name = quad.subject.value
            assert name.startswith(KG), name
            assert re.match(pattern, name[len(KG) :]), name


def test_classes_align_with_stix_where_a_stix_type_exists() -> None:
    store = load()
    aligned = {
        row["class"].value[len(KG) :] for row in store.query(f"SELECT ?class WHERE {{ ?class <{KG}stixType> ?type }}")
    }
    assert {
        "ThreatActor",
        "Malware",
        "Tool",
        "Technique",
        "Vulnerability",
        "Incident",
        "Advisory",
        "Countermeasure",
        "Report",
        "Organisation",
    } <= aligned
