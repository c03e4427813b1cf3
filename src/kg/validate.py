"""Check the graph against the SHACL shapes and the quality queries.

Two engines check the shapes: ``sparql`` (the default), the shapes translated into SPARQL that
Oxigraph runs on the store (:mod:`kg.shacl_sparql`), and ``pyshacl``, the reference.

:func:`validate_store` returns a :class:`ValidationReport`; the CLI turns it into exit codes
0 (conforms), 1 (violations) and 2 (an error that stopped the check).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg.namespaces import SH
from kg.results import compact_iri
from kg.store.base import SparqlStore

if TYPE_CHECKING:
    import pyoxigraph


@dataclass(frozen=True)
class Violation:
    """One way the graph breaks a rule: which node, along which path, and what was expected."""

    focus: str
    path: str
    message: str
    value: str = ""
    rule: str = ""

    def __str__(self) -> str:
        parts = [compact_iri(self.focus), compact_iri(self.path) if self.path else "-", self.message]
        if self.value:
            parts.append(f"(value: {self.value})")
        return "  ".join(parts)


@dataclass
class ValidationReport:
    """The outcome of validation: conforms when there are no violations."""

    violations: list[Violation] = field(default_factory=list)
    checked_triples: int = 0

    @property
    def conforms(self) -> bool:
        """True when no rule is broken."""
        return not self.violations

    def summary(self) -> str:
        """One line saying whether the graph conforms."""
        if self.conforms:
            return f"conforms: {self.checked_triples} triples checked against the shapes and quality queries"
        plural = "s" if len(self.violations) != 1 else ""
        return f"{len(self.violations)} violation{plural} in {self.checked_triples} triples"


#: The engines that check the SHACL shapes; the first is the default.
ENGINES = ("sparql", "pyshacl")


def shacl_violations(store: pyoxigraph.Store, shapes: Path, *, engine: str = "sparql") -> list[Violation]:
    """Validate the default graph of pyoxigraph store ``store`` (asserted and inferred triples)
    against a shapes file, with ``engine`` (see :data:`ENGINES`)."""
    if engine == "sparql":
        from kg.shacl_sparql import sparql_violations

        return sparql_violations(store, shapes)
    if engine == "pyshacl":
        return pyshacl_violations(store, shapes)
    raise ValueError(f"unknown validation engine {engine!r}; choose from {', '.join(ENGINES)}")


def pyshacl_violations(store: pyoxigraph.Store, shapes: Path) -> list[Violation]:
    """Validate pyoxigraph store ``store`` against a shapes file with pySHACL, the reference engine.

    pySHACL reads the store in place (through oxrdflib), so validation needs no second copy of
    the graph: at a million triples an rdflib copy took 2 GB more than the store itself.
    """
    import pyshacl
    import rdflib

    from kg.store.rdflib_view import default_graph_view

    data = default_graph_view(store)
    shapes_graph = rdflib.Graph().parse(shapes, format="turtle")
    conforms, results, _ = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none", allow_warnings=True)
    if conforms:
        return []
    sh = rdflib.Namespace(SH)
    found = []

    def text(result: rdflib.term.Node, key: rdflib.URIRef, default: str = "") -> str:
        value = results.value(result, key)  # not `or`: the literal 0 is false in rdflib
        return default if value is None else str(value)

    for result in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        if results.value(result, sh.resultSeverity) != sh.Violation:
            continue
        found.append(
            Violation(
                focus=text(result, sh.focusNode),
                path=text(result, sh.resultPath),
                message=text(result, sh.resultMessage, "violates a shape"),
                value=text(result, sh.value),
                rule=text(result, sh.sourceShape),
            )
        )
    return sorted(set(found), key=lambda violation: (violation.focus, violation.path, violation.message))


def quality_violations(store: SparqlStore, queries: Path) -> list[Violation]:
    """Run every ``qc/*-violation.rq`` of the named queries' folder ``queries`` (a project's
    ``queries/``) on ``store``; each row it returns is a violation.

    A quality query returns ``?focus`` and ``?message``, and optionally ``?path`` and ``?value``.
    On an Oxigraph store the checks that test every triple's terms are made in one pass over the
    store instead (:mod:`kg.term_checks`: the same rows, a third of the time).
    """
    from kg.queries import catalog
    from kg.store.embedded import OxigraphStore
    from kg.term_checks import stands_in_for, term_violations

    found = []
    checked: dict[str, list[Violation]] | None = None
    for query in catalog(queries).values():
        if query.kind != "qc":
            continue
        if isinstance(store, OxigraphStore) and stands_in_for(query.name, query.text):
            if checked is None:
                checked = term_violations(store.store)
            found += checked[query.name]
            continue
        result = store.execute(query.text, source=str(query.path))
        for row in result.bindings:

            def text(name: str, row: dict = row) -> str:
                return row[name]["value"] if name in row else ""

            found.append(
                Violation(text("focus"), text("path"), text("message") or query.question_en, text("value"), query.name)
            )
    return found
