"""The small hand-written graph of tests/data/viz (see its README), whose answers are known: its
things and relations, the graph in memory as `kg build` infers it, and a project built from it.
Shared by the view, analysis and browser tests."""

from __future__ import annotations

import os
from pathlib import Path

import kg
from kg.build import Sources, build
from kg.namespaces import KG, KGR

PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT / "tests" / "data" / "viz"

BLACKTECH = KGR + "actor-blacktech"
HOSTILE = KGR + "actor-hostile"
CHINA, USA = KGR + "country-cn", KGR + "country-us"
TECHNIQUE = KGR + "technique-router-firmware"
NPA, NISC, FBI = KGR + "org-npa", KGR + "org-nisc", KGR + "org-fbi"
ADVISORY_2023, ADVISORY_2021, ADVISORY_NPA = (
    KGR + "advisory-2023-09-27-blacktech",
    KGR + "advisory-2021-07-apt40",
    KGR + "advisory-2023-05-ddos",
)
MEASURE, INCIDENT = KGR + "r5-measure-router-request", KGR + "r5-incident-router-intrusion"
THINGS = {
    BLACKTECH,
    HOSTILE,
    CHINA,
    USA,
    TECHNIQUE,
    NPA,
    NISC,
    FBI,
    ADVISORY_2023,
    ADVISORY_2021,
    ADVISORY_NPA,
    MEASURE,
    INCIDENT,
}
SOURCES = {
    KGR + "report-r5-2023",
    KGR + "report-r3-2021",
    KGR + "r5-sec-p1-topic1",
    KGR + "r5-fig-1",
    KGR + "r3-sec-1-1",
}
RELATIONS = {
    (BLACKTECH, KG + "backedBy", CHINA),
    (BLACKTECH, KG + "uses", TECHNIQUE),
    (HOSTILE, KG + "targets", NPA),
    (FBI, KG + "country", USA),
    (ADVISORY_2023, KG + "issuedBy", NPA),
    (ADVISORY_2023, KG + "issuedBy", NISC),
    (ADVISORY_2023, KG + "issuedBy", FBI),
    (ADVISORY_2023, KG + "about", BLACKTECH),
    (ADVISORY_2021, KG + "issuedBy", NPA),
    (ADVISORY_2021, KG + "issuedBy", NISC),
    (ADVISORY_NPA, KG + "issuedBy", NPA),
    (MEASURE, KG + "implementedBy", NPA),  # asserted as NPA kg:implemented the measure
    (INCIDENT, KG + "intrusionVector", TECHNIQUE),  # implies kg:uses, which is not drawn again
}


def fixture_graph() -> kg.KnowledgeGraph:
    """The test graph in an in-memory Oxigraph store: the real ontology and tests/data/viz,
    with the inferences `kg build` materialises."""
    return kg.load(Sources.of(PROJECT, graph=DATA).files)


def build_fixture_project(folder: Path) -> dict[str, str]:
    """Build tests/data/viz with the real ontology, shapes and quality queries into a store of
    its own under ``folder``, and return the environment in which `kg` commands use it."""
    store = folder / ".kg"
    report = build(sources=Sources.of(PROJECT, graph=DATA), store=store)  # validates, as `kg build` does
    assert report.built
    return {**os.environ, "KG_STORE": str(store)}
