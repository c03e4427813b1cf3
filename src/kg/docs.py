"""Offline HTML documentation of the ontology, written by pyLODE.

Every class and property of ``ontology/`` (not the shapes) with its labels and definitions in
English and Japanese, its place in the hierarchy, domains and ranges; for the documentation only,
each class also gets its STIX 2.1 alignment (``kg:stixType``) and ATT&CK alignment as scope notes
and up to three instances of the graph as examples. The page is self-contained: pyLODE inlines
its style sheet and icons, and a test loads it in Chromium with every request blocked.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import InputError
from kg.namespaces import KG, KGR, RDF, RDFS

if TYPE_CHECKING:
    import rdflib

    from kg.build import Sources

#: How many instances of the graph each class shows as examples.
EXAMPLES_PER_CLASS = 3

_ATTACK_NOTES = {
    "Technique": (
        "MITRE ATT&CK: kg:attackId names the matching ATT&CK technique or sub-technique (Enterprise or Mobile, "
        "kg:attackDomain), checked against ATT&CK v{version}; kg:noAttackMappingReason says why none fits.",
        "MITRE ATT&CK：kg:attackId に対応するテクニック（kg:attackDomain）を ATT&CK v{version} で照合して記載し、"
        "該当がない場合は kg:noAttackMappingReason に理由を記載する。",
    ),
    "ThreatActor": (
        "MITRE ATT&CK: kg:attackId names the ATT&CK group (Gnnnn), checked against ATT&CK v{version}.",
        "MITRE ATT&CK：kg:attackId に ATT&CK のグループ（Gnnnn）を v{version} で照合して記載する。",
    ),
    "Malware": (
        "MITRE ATT&CK: kg:attackId names the ATT&CK software (Snnnn), checked against ATT&CK v{version}.",
        "MITRE ATT&CK：kg:attackId に ATT&CK のソフトウェア（Snnnn）を v{version} で照合して記載する。",
    ),
    "Countermeasure": (
        "MITRE ATT&CK: kg:attackId names the ATT&CK mitigation (Mnnnn) where one fits with certainty, "
        "checked against ATT&CK v{version}.",
        "MITRE ATT&CK：確実に対応する場合、kg:attackId に ATT&CK の緩和策（Mnnnn）を v{version} で照合して記載する。",
    ),
}


def documented_graph(sources: Sources) -> rdflib.Graph:
    """The ontology modules of ``sources`` as one rdflib graph, with the documentation-only notes
    and examples (drawn from the graph's files)."""
    import rdflib
    from rdflib.namespace import SKOS

    from kg.attack import ATTACK_VERSION

    modules = set(sources.modules)
    ontology = rdflib.Graph()
    facts = rdflib.Graph()
    for path in sources.files:
        target = ontology if path in modules else facts
        target.parse(path, format="turtle")
    if not any(ontology.subjects(rdflib.RDF.type, rdflib.OWL.Ontology)):
        raise InputError("the ontology has no owl:Ontology header", path=str(sources.ontology))
    # one page documents the whole ontology: pyLODE reads every owl:Ontology as the page's header,
    # so the modules' own headers (kept in the terms' rdfs:isDefinedBy) are left out of it
    for root in list(ontology.subjects(rdflib.RDF.type, rdflib.OWL.Ontology)):
        for module in list(ontology.objects(root, rdflib.OWL.imports)):
            ontology.remove((module, None, None))

    stix_type = rdflib.URIRef(f"{KG}stixType")
    for cls, value in ontology.subject_objects(stix_type):
        ontology.add((cls, SKOS.scopeNote, rdflib.Literal(f"STIX 2.1 object type: {value} (kg:stixType).", lang="en")))
        ontology.add(
            (cls, SKOS.scopeNote, rdflib.Literal(f"STIX 2.1 のオブジェクト型：{value}（kg:stixType）", lang="ja"))
        )
    for name, (english, japanese) in _ATTACK_NOTES.items():
        cls = rdflib.URIRef(f"{KG}{name}")
        ontology.add((cls, SKOS.scopeNote, rdflib.Literal(english.format(version=ATTACK_VERSION), lang="en")))
        ontology.add((cls, SKOS.scopeNote, rdflib.Literal(japanese.format(version=ATTACK_VERSION), lang="ja")))

    instances: dict[rdflib.term.Node, list[rdflib.term.Node]] = defaultdict(list)
    for thing, cls in facts.subject_objects(rdflib.URIRef(f"{RDF}type")):
        if str(cls).startswith(KG) and str(thing).startswith(KGR):
            instances[cls].append(thing)
    label = rdflib.URIRef(f"{RDFS}label")
    for cls, things in instances.items():
        for thing in sorted(things, key=str)[:EXAMPLES_PER_CLASS]:
            labels = {
                literal.language: str(literal)
                for literal in facts.objects(thing, label)
                if isinstance(literal, rdflib.Literal)
            }
            shown = " / ".join(text for text in (labels.get("en"), labels.get("ja")) if text)
            text = f"kgr:{str(thing)[len(KGR) :]}" + (f" — {shown}" if shown else "")
            ontology.add((cls, SKOS.example, rdflib.Literal(text)))
    return ontology


def write_docs(output: Path, sources: Sources) -> Path:
    """Write the documentation of the ontology of ``sources`` into the folder ``output`` (created
    if needed) as ``index.html``, atomically; return the page's path."""
    try:
        from pylode import OntPub
    except ImportError as error:  # pragma: no cover - the docs extra is missing
        raise InputError("kg docs needs pyLODE 3.3.4: pip install -e '.[docs]' (or make docs)") from error
    import tempfile

    output = Path(output)
    if output.exists() and not output.is_dir():
        raise InputError("the docs output must be a folder", path=str(output))
    output.mkdir(parents=True, exist_ok=True)
    graph = documented_graph(sources)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "kg.ttl"
        graph.serialize(source, format="turtle")
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.WARNING)  # pyLODE logs its progress at INFO on the root logger
        try:
            html = OntPub(ontology=str(source)).make_html()
        finally:
            root.setLevel(level)
    from kg.atomic import atomic_write

    page = output / "index.html"
    with atomic_write(page) as handle:
        handle.write(html.encode("utf-8"))
    return page
