"""The IRIs of the vocabularies kg uses, as plain strings (importing rdflib is not needed)."""

from __future__ import annotations

KG = "https://w3id.org/npa-cyber-kg/ontology#"
KGR = "https://w3id.org/npa-cyber-kg/id/"
KGV = "https://w3id.org/npa-cyber-kg/vocab/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
QB = "http://purl.org/linked-data/cube#"
SH = "http://www.w3.org/ns/shacl#"

#: Prefixes every named query may use without declaring them.
PREFIXES: dict[str, str] = {
    "kg": KG,
    "kgr": KGR,
    "kgv": KGV,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "qb": QB,
}


def sparql_prologue() -> str:
    """Return PREFIX declarations for :data:`PREFIXES`, for queries sent to remote endpoints."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
