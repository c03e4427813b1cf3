"""The ontology's own metadata and conventions."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph

from kg.namespaces import KG, OWL, RDF

ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology"


def load() -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    for path in ONTOLOGY.glob("*.ttl"):
        store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
    return store


def test_version_iri_matches_version_info() -> None:
    store = load()
    rows = list(
        store.query(
            f"SELECT ?iri ?info WHERE {{ ?o a <{OWL}Ontology> ; <{OWL}versionIRI> ?iri ; <{OWL}versionInfo> ?info }}"
        )
    )
    assert len(rows) == 1
    assert rows[0]["iri"].value.endswith("/" + rows[0]["info"].value)


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
