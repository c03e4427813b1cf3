"""`kg docs`: pyLODE's HTML documentation of the ontology names every term with both labels and
definitions, shows the STIX/ATT&CK alignments and examples, and loads nothing from the network."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.docs import write_docs
from kg.namespaces import KG
from tests.browser import block_requests
from tests.helpers import SHIPPED, run_kg

PROJECT = Path(__file__).resolve().parents[1]
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_docs(tmp_path_factory.mktemp("docs") / "ontology", SHIPPED)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted((PROJECT / "ontology").glob("*.ttl")):
        if path.name != "shapes.ttl":
            graph.parse(path)
    return graph


def page_text(page: Path) -> str:
    return html.unescape(re.sub(r"\s+", " ", page.read_text(encoding="utf-8")))


def test_every_term_appears_with_both_labels_and_definitions(page: Path, ontology: rdflib.Graph) -> None:
    text = page_text(page)
    terms = {term for kind in TERM_TYPES for term in ontology.subjects(RDF.type, kind) if str(term).startswith(KG)}
    assert len(terms) > 100
    missing = []
    for term in sorted(terms):
        wanted = [str(term)]
        wanted += [str(label) for label in ontology.objects(term, RDFS.label)]
        wanted += [re.sub(r"\s+", " ", str(definition)) for definition in ontology.objects(term, SKOS.definition)]
        missing += [f"{term}: {item[:60]}" for item in wanted if item not in text]
    assert missing == []


def test_alignments_hierarchy_and_examples_are_shown(page: Path) -> None:
    text = page_text(page)
    assert "STIX 2.1 object type: intrusion-set (kg:stixType)." in text
    assert "checked against ATT&CK v18.1" in text
    assert "kgr:actor-apt40 — APT40" in text
    assert "Sub Class Of" in text and "Domain" in text and "Range" in text


def test_the_page_loads_nothing_from_the_network(page: Path, browser: Any) -> None:
    source = page.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=\"(https?:)?//", source)
    requests: list[str] = []
    context = browser.new_context(service_workers="block")
    try:
        block_requests(context, allowed=("file://", "data:"), blocked=requests)
        opened = context.new_page()
        opened.goto(page.resolve().as_uri(), wait_until="networkidle")
        assert "threat actor" in opened.inner_text("body")
    finally:
        context.close()
    assert requests == []


def test_cli_writes_the_page(tmp_path: Path) -> None:
    result = run_kg("docs", "--output", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").stat().st_size > 100_000
    clash = tmp_path / "file"
    clash.write_text("x")
    refused = run_kg("docs", "--output", str(clash))
    assert refused.returncode == 2 and "folder" in refused.stderr
