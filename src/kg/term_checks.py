"""The quality checks that test every triple's terms, in one pass over a pyoxigraph store.

Four quality queries test each triple of the graph with ``STR()`` or ``REGEX``:
``non-slug-iri-violation``, ``ill-typed-literal-violation``, ``undeclared-term-violation`` and
``dangling-reference-violation``. Oxigraph evaluates those tests once per triple, in six passes
over the store (5.8 s of validation's 16 s at 1M triples). Validation on an Oxigraph store
(:func:`kg.validate.quality_violations`) checks them here instead: one pass collects the distinct
subjects, predicates and objects, each distinct term is tested once, and the triples of the few
that fail are looked up. The rows are the queries' own (the same focus, path, value and message);
``tests/test_term_checks.py`` compares the two on every fixture of ``tests/data`` and the shipped
graph. The named queries stay what ``kg query qc-…`` and other stores (Virtuoso) run.

A project whose query differs from the text this module was written for (:data:`CHECKED`, by
digest) gets its own query run: an edited check is never replaced by the shipped one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from kg.namespaces import KG, KGR, KGV, OWL, RDF, SKOS, XSD
from kg.validate import Violation

if TYPE_CHECKING:
    import pyoxigraph

#: The SHA-256 of each quality query's text that :func:`term_violations` stands in for.
CHECKED = {
    "non-slug-iri-violation": "397f0a31e53d112e8bb5883d4be53fa3731da87c9caf5dd8aa3405c44764cdf0",
    "ill-typed-literal-violation": "e75f6d5ebbf077abeb2954d6a75774862c9f83d7fa715e938abe3024e0bd0234",
    "undeclared-term-violation": "033aa1212ee0c0de2dbbe5f72348576fb246977984ec369c4948db8e55b250cc",
    "dangling-reference-violation": "9542017b03e0d040ad39a9dd83895bbc70835b114b9ae25337b8c9eb0504e28e",
}

#: A kgr: IRI's local part: lowercase ASCII words joined by "-" (non-slug-iri-violation.rq).
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

#: The lexical space of each datatype ill-typed-literal-violation.rq checks (matched whole).
LEXICAL = {
    XSD + "integer": r"[+-]?[0-9]+",
    XSD + "nonNegativeInteger": r"[+]?[0-9]+",
    XSD + "decimal": r"[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)",
    XSD + "double": r"([+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN)",
    XSD + "boolean": r"(true|false|0|1)",
    XSD + "date": r"-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?",
    XSD + "gYearMonth": r"-?[0-9]{4,}-(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?",
    XSD + "gYear": r"-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?",
    XSD + "dateTime": (
        r"-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
        r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?"
    ),
}

#: The classes whose instances are declared terms (undeclared-term-violation.rq's VALUES).
DECLARATIONS = frozenset(
    [OWL + name for name in ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty")]
    + [SKOS + "ConceptScheme", SKOS + "Concept"]
    + [
        KG + name
        for name in ("MeasureKind", "Unit", "FindingKind", "FindingStatus", "InformationKind", "EcosystemRole")
    ]
)

#: The ontology's own IRI, used (as the object of rdfs:isDefinedBy) but not a term.
ONTOLOGY = "https://w3id.org/npa-cyber-kg/ontology"


def digest(text: str) -> str:
    """The SHA-256 of a query's text, as :data:`CHECKED` holds it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stands_in_for(name: str, text: str) -> bool:
    """True when :func:`term_violations` gives the rows of the quality query ``name`` whose text is ``text``."""
    return CHECKED.get(name) == digest(text)


def term_violations(store: pyoxigraph.Store) -> dict[str, list[Violation]]:
    """The rows of the four term checks (:data:`CHECKED`) on the default graph of ``store``,
    as :class:`Violation`\\ s, by quality query name."""
    import pyoxigraph

    graph = pyoxigraph.DefaultGraph()
    # Any: a quad's subject and object may be RDF-star triples too, which have no .value (and
    # which none of the checks selects)
    subjects: set[Any] = set()
    predicates: set[pyoxigraph.NamedNode] = set()
    objects: set[Any] = set()
    for quad in store.quads_for_pattern(None, None, None, graph):
        subjects.add(quad.subject)
        predicates.add(quad.predicate)
        objects.add(quad.object)

    def triples(subject: Any = None, object_: Any = None) -> Iterable[Any]:
        return store.quads_for_pattern(subject, None, object_, graph)

    def rows(name: str, found: Iterable[tuple[Any, str]]) -> list[Violation]:
        seen = {
            Violation(quad.subject.value, quad.predicate.value, message, quad.object.value, name)
            for quad, message in found
        }
        return sorted(seen, key=lambda row: (row.focus, row.path, row.value))

    named = pyoxigraph.NamedNode
    slug = SLUG.fullmatch

    def not_slug(term: Any) -> bool:
        return isinstance(term, named) and term.value.startswith(KGR) and not slug(term.value[len(KGR) :])

    def slug_message(term: Any) -> str:
        return f"the kgr: IRI <{term.value}> is not a slug (lowercase a-z, 0-9, words joined by -)"

    found: dict[str, list[Violation]] = {}
    found["non-slug-iri-violation"] = rows(
        "non-slug-iri-violation",
        [
            *((quad, slug_message(term)) for term in subjects if not_slug(term) for quad in triples(subject=term)),
            *((quad, slug_message(term)) for term in objects if not_slug(term) for quad in triples(object_=term)),
        ],
    )

    lexical: dict[str, Callable[[str], object]] = {
        datatype: re.compile(pattern).fullmatch for datatype, pattern in LEXICAL.items()
    }
    literal = pyoxigraph.Literal
    ill_typed: list[tuple[Any, str]] = []
    for term in objects:
        if isinstance(term, literal) and (valid := lexical.get(term.datatype.value)) and not valid(term.value):
            message = f'"{term.value}" is not a valid {re.sub("^.*#", "xsd:", term.datatype.value, count=1)}'
            ill_typed.extend((quad, message) for quad in triples(object_=term))
    found["ill-typed-literal-violation"] = rows("ill-typed-literal-violation", ill_typed)

    kind = pyoxigraph.NamedNode(RDF + "type")

    def types(term: pyoxigraph.NamedNode) -> set[str]:
        return {str(getattr(quad.object, "value", "")) for quad in store.quads_for_pattern(term, kind, None, graph)}

    used = {
        term
        for term in (*predicates, *objects)
        if isinstance(term, named) and term.value.startswith((KG, KGV)) and term.value != ONTOLOGY
    }
    found["undeclared-term-violation"] = sorted(
        (
            Violation(term.value, "", "used but not declared in ontology/", "", "undeclared-term-violation")
            for term in used
            if not types(term) & DECLARATIONS
        ),
        key=lambda row: row.focus,
    )

    dangling = "refers to a kgr: thing that has no rdf:type (undefined or misspelt)"
    found["dangling-reference-violation"] = rows(
        "dangling-reference-violation",
        (
            (quad, dangling)
            for term in objects
            if isinstance(term, named)
            and term.value.startswith(KGR)
            and next(iter(store.quads_for_pattern(term, kind, None, graph)), None) is None
            for quad in triples(object_=term)
        ),
    )
    return found
