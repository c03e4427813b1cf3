"""SHACL validation by SPARQL: the shapes of ``ontology/shapes.ttl``, translated into SPARQL
queries that Oxigraph runs on the store itself.

pySHACL walks the graph from Python, one lookup at a time: about 90 s at a million triples.
The same shapes as SPARQL run inside Oxigraph in a fraction of the build they check, and they
find the same violations (``tests/test_shacl_sparql.py`` compares both engines on every
PASS/FAIL fixture and on the shipped graph). The shapes stay the single source of truth; pySHACL
stays available as the reference (``kg validate --engine pyshacl``).

The translation covers the SHACL Core constraints kg's shapes use, on focus nodes chosen by
``sh:targetClass`` (instances of the class or of a subclass), ``sh:targetSubjectsOf``,
``sh:targetObjectsOf``, ``sh:targetNode`` and implicit class targets:

* per value node: ``sh:datatype`` (ill-typed literals fail), ``sh:class``, ``sh:nodeKind``,
  ``sh:languageIn``, ``sh:in``, ``sh:pattern`` (with ``sh:flags``), ``sh:minLength``,
  ``sh:maxLength``, ``sh:minInclusive`` and its kin;
* ``sh:or``, ``sh:xone``, ``sh:and``, ``sh:not`` of shapes made of those, of ``sh:node`` and of
  property shapes (``sh:minCount``, ``sh:maxCount``, ``sh:hasValue`` and the above on a path);
* per focus node: ``sh:minCount``, ``sh:maxCount``, ``sh:uniqueLang``, ``sh:hasValue``, and
  ``sh:qualifiedValueShape`` with ``sh:qualifiedMinCount``/``sh:qualifiedMaxCount``;
* on property shapes (``sh:path`` an IRI, ``sh:inversePath`` or a sequence) and on the focus
  node itself (node shapes).

A shape that uses anything else raises :class:`UnsupportedShape`, naming the shape and the
constraint, rather than passing silently. Shapes with ``sh:deactivated true`` and results of
severity other than ``sh:Violation`` are left out, as kg reports violations only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import InputError
from kg.namespaces import RDF, RDFS, SH, XSD

if TYPE_CHECKING:
    import pyoxigraph

    from kg.validate import Violation

#: Properties of a shape that say nothing about conformance.
IGNORED = {
    f"{SH}{name}"
    for name in ("message", "name", "description", "order", "group", "defaultValue", "severity", "deactivated", "path")
} | {
    f"{RDFS}comment",
    f"{RDFS}label",
    f"{RDF}type",
    f"{SH}targetClass",
    f"{SH}targetNode",
    f"{SH}targetSubjectsOf",
    f"{SH}targetObjectsOf",
    f"{SH}property",
    f"{SH}flags",
}

#: Constraints checked on each value node (see :func:`value_condition`).
VALUE_CONSTRAINTS = {
    f"{SH}{name}"
    for name in (
        "datatype",
        "class",
        "nodeKind",
        "languageIn",
        "in",
        "pattern",
        "minLength",
        "maxLength",
        "minInclusive",
        "maxInclusive",
        "minExclusive",
        "maxExclusive",
        "or",
        "xone",
        "and",
        "not",
    )
}
#: Qualified value shapes: how many values conform to a shape.
QUALIFIED = {
    f"{SH}{name}"
    for name in ("qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint")
}
#: The most values a count inside a logical or qualified constraint is written out for.
MAX_WRITTEN_COUNT = 4
#: Constraints checked on the set of a focus node's values.
COUNT_CONSTRAINTS = {f"{SH}minCount", f"{SH}maxCount"}
SET_CONSTRAINTS = {*COUNT_CONSTRAINTS, f"{SH}uniqueLang", f"{SH}hasValue"}

#: Datatypes whose lexical forms SPARQL can check by casting (an ill-typed literal fails sh:datatype).
CASTABLE = {
    f"{XSD}{name}"
    for name in (
        "integer",
        "decimal",
        "double",
        "float",
        "boolean",
        "date",
        "dateTime",
        "gYear",
        "gYearMonth",
        "time",
        "duration",
    )
}

NODE_KINDS = {
    f"{SH}IRI": "isIRI(?value)",
    f"{SH}BlankNode": "isBlank(?value)",
    f"{SH}Literal": "isLiteral(?value)",
    f"{SH}BlankNodeOrIRI": "!isLiteral(?value)",
    f"{SH}BlankNodeOrLiteral": "!isIRI(?value)",
    f"{SH}IRIOrLiteral": "!isBlank(?value)",
}
COMPARISONS = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}


class UnsupportedShape(InputError):
    """A shape uses SHACL that the SPARQL translation does not cover."""


@dataclass(frozen=True)
class ConstraintQuery:
    """One SPARQL query that returns the violations of one shape's constraints.

    Each solution binds ``?this`` (the focus node) and, for value constraints, ``?value``.
    """

    shape: str
    path: str
    message: str
    query: str
    reports_value: bool = True


class Shapes:
    """The shapes graph, read with pyoxigraph, and the SPARQL it translates into."""

    def __init__(self, path: Path) -> None:
        import pyoxigraph

        self.ox = pyoxigraph
        self.graph = pyoxigraph.Store()
        self.graph.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
        self.source = str(path)
        self._variables = 0

    # -- reading the shapes graph ------------------------------------------------------------
    def objects(self, subject: Any, predicate: str) -> list[Any]:
        return [quad.object for quad in self.graph.quads_for_pattern(subject, self.ox.NamedNode(predicate), None)]

    def one(self, subject: Any, predicate: str) -> Any | None:
        values = self.objects(subject, predicate)
        return values[0] if values else None

    def items(self, head: Any) -> list[Any]:
        """Return the members of the RDF list starting at ``head``."""
        members = []
        while head is not None and not (isinstance(head, self.ox.NamedNode) and head.value == f"{RDF}nil"):
            members.append(self.one(head, f"{RDF}first"))
            head = self.one(head, f"{RDF}rest")
        return members

    def unsupported(self, shape: Any, what: str) -> UnsupportedShape:
        """The error for a shape the translation does not cover: which shape, what, what to do."""
        return UnsupportedShape(
            f"{self.name(shape)}: {what} is not supported by the SPARQL validation engine; "
            "use `kg validate --engine pyshacl`, or add its translation to kg.shacl_sparql",
            path=self.source,
        )

    def name(self, node: Any) -> str:
        return node.value if isinstance(node, self.ox.NamedNode) else f"a shape of {self.source}"

    def predicates(self, node: Any) -> set[str]:
        return {quad.predicate.value for quad in self.graph.quads_for_pattern(node, None, None)}

    # -- translating ---------------------------------------------------------------------------
    def queries(self) -> list[ConstraintQuery]:
        """Return one query per shape and kind of constraint, for every shape with targets."""
        found: list[ConstraintQuery] = []
        for shape in self._shapes_with_targets():
            if self._deactivated(shape):  # its property shapes too: they are constraints of it
                continue
            targets = self._targets(shape)
            if self._violations_reported(shape):  # each shape has its own severity
                found += self._constraints(shape, shape, targets, path=None)
            for prop in self.objects(shape, f"{SH}property"):
                if not self._deactivated(prop) and self._violations_reported(prop):
                    found += self._constraints(prop, shape, targets, path=self._path(prop, shape))
        return found

    def _shapes_with_targets(self) -> list[Any]:
        shapes: dict[str, Any] = {}
        for predicate in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"):
            for quad in self.graph.quads_for_pattern(None, self.ox.NamedNode(f"{SH}{predicate}"), None):
                shapes[str(quad.subject)] = quad.subject
        for kind in (f"{RDFS}Class", "http://www.w3.org/2002/07/owl#Class"):  # implicit class targets
            for quad in self.graph.quads_for_pattern(None, self.ox.NamedNode(f"{RDF}type"), self.ox.NamedNode(kind)):
                if self._is_shape(quad.subject):
                    shapes[str(quad.subject)] = quad.subject
        return sorted(shapes.values(), key=str)

    def _is_shape(self, node: Any) -> bool:
        types = {term.value for term in self.objects(node, f"{RDF}type")}
        return bool(types & {f"{SH}NodeShape", f"{SH}PropertyShape"})

    def _deactivated(self, shape: Any) -> bool:
        deactivated = self.one(shape, f"{SH}deactivated")
        return deactivated is not None and deactivated.value == "true"

    def _violations_reported(self, shape: Any) -> bool:
        severity = self.one(shape, f"{SH}severity")
        return severity is None or severity.value == f"{SH}Violation"

    def _targets(self, shape: Any) -> str:
        parts = [
            f"{{ ?this <{RDF}type>/<{RDFS}subClassOf>* {term} }}" for term in self.objects(shape, f"{SH}targetClass")
        ]
        if {f"{RDFS}Class", "http://www.w3.org/2002/07/owl#Class"} & {
            t.value for t in self.objects(shape, f"{RDF}type")
        }:
            parts.append(f"{{ ?this <{RDF}type>/<{RDFS}subClassOf>* {shape} }}")
        parts += [f"{{ VALUES ?this {{ {term} }} }}" for term in self.objects(shape, f"{SH}targetNode")]
        parts += [f"{{ ?this {term} ?any }}" for term in self.objects(shape, f"{SH}targetSubjectsOf")]
        parts += [f"{{ ?any {term} ?this }}" for term in self.objects(shape, f"{SH}targetObjectsOf")]
        return f"{{ SELECT DISTINCT ?this WHERE {{ {' UNION '.join(parts)} }} }}"

    def _path(self, prop: Any, shape: Any) -> tuple[str, str]:
        """Return the SPARQL path of a property shape and the IRI reported as its path."""
        path = self.one(prop, f"{SH}path")
        if path is None:
            raise self.unsupported(shape, "a property shape without sh:path")
        sparql = self._sparql_path(path, shape)
        return sparql, path.value if isinstance(path, self.ox.NamedNode) else sparql

    def _sparql_path(self, path: Any, shape: Any) -> str:
        if isinstance(path, self.ox.NamedNode):
            return str(path)
        if (inverse := self.one(path, f"{SH}inversePath")) is not None:
            return f"^{self._sparql_path(inverse, shape)}"
        if self.one(path, f"{RDF}first") is not None:
            return "/".join(self._sparql_path(step, shape) for step in self.items(path))
        raise self.unsupported(shape, f"sh:path {', '.join(sorted(self.predicates(path)))}")

    def _constraints(
        self, node: Any, shape: Any, targets: str, *, path: tuple[str, str] | None
    ) -> list[ConstraintQuery]:
        keys = self.predicates(node) - IGNORED
        if path is not None and self.objects(node, f"{SH}property"):
            keys.add(f"{SH}property")  # nested property shapes are not translated
        unsupported = keys - VALUE_CONSTRAINTS - SET_CONSTRAINTS - (QUALIFIED if path else set())
        if unsupported:
            raise self.unsupported(shape, ", ".join(sorted(unsupported)))
        message = self.one(node, f"{SH}message")
        sparql_path, reported_path = path or ("", "")
        values = f"?this {sparql_path} ?value ." if path else "BIND(?this AS ?value)"

        def query(text: str, default: str, *, reports_value: bool = True) -> ConstraintQuery:
            text_of_message = message.value if message else default
            return ConstraintQuery(self.name(shape), reported_path, text_of_message, text, reports_value)

        found = []
        conditions = [
            self.value_condition(key, value, shape)
            for key in sorted(keys & VALUE_CONSTRAINTS - {f"{SH}class"})
            for value in self.objects(node, key)
        ]
        if conditions:
            found.append(
                query(
                    f"SELECT DISTINCT ?this ?value WHERE {{ {targets} {values} FILTER(!({' && '.join(conditions)})) }}",
                    "a value breaks a constraint of the shape",
                )
            )
        for cls in self.objects(node, f"{SH}class"):
            found.append(
                query(
                    f"SELECT DISTINCT ?this ?value WHERE {{ {targets} {values} "
                    f"MINUS {{ ?value <{RDF}type>/<{RDFS}subClassOf>* {cls} }} }}",
                    f"a value is not a {cls.value}",
                )
            )
        if not path and keys & SET_CONSTRAINTS:
            raise self.unsupported(shape, f"{', '.join(sorted(keys & SET_CONSTRAINTS))} on a node shape")
        if keys & QUALIFIED:
            qualified = self.qualified_condition(node, shape, "?this", sparql_path)
            found.append(
                query(
                    f"SELECT ?this WHERE {{ {targets} FILTER(!{qualified}) }}",
                    "too few or too many values conform to the qualified value shape",
                    reports_value=False,
                )
            )
        minimum = self.one(node, f"{SH}minCount")
        maximum = self.one(node, f"{SH}maxCount")
        if minimum is not None and int(minimum.value) > 0:
            # at least one value: the focus nodes with none, by MINUS (a hash of those with a
            # value) rather than a count of every value of every focus node (1.1 s against 2.6 s
            # for the 32 such constraints at 1M triples)
            counted = (
                f"SELECT ?this WHERE {{ {targets} MINUS {{ {values} }} }}"
                if int(minimum.value) == 1
                else f"SELECT ?this WHERE {{ {targets} OPTIONAL {{ {values} }} }} "
                f"GROUP BY ?this HAVING(COUNT(DISTINCT ?value) < {int(minimum.value)})"
            )
            found.append(query(counted, f"fewer than {minimum.value} values", reports_value=False))
        if maximum is not None:
            found.append(
                query(
                    f"SELECT ?this WHERE {{ {targets} {values} }} "
                    f"GROUP BY ?this HAVING(COUNT(DISTINCT ?value) > {int(maximum.value)})",
                    f"more than {maximum.value} values",
                    reports_value=False,
                )
            )
        unique = self.one(node, f"{SH}uniqueLang")
        if unique is not None and unique.value == "true":
            found.append(
                query(
                    f'SELECT DISTINCT ?this WHERE {{ {targets} {values} FILTER(lang(?value) != "") }} '
                    "GROUP BY ?this (lang(?value)) HAVING(COUNT(DISTINCT ?value) > 1)",
                    "more than one value shares a language",
                    reports_value=False,
                )
            )
        for value in self.objects(node, f"{SH}hasValue"):
            found.append(
                query(
                    f"SELECT ?this WHERE {{ {targets} "
                    f"FILTER NOT EXISTS {{ {values} FILTER(sameTerm(?value, {value})) }} }}",
                    f"missing the value {value}",
                    reports_value=False,
                )
            )
        return found

    def value_condition(self, key: str, value: Any, shape: Any) -> str:
        """Return a SPARQL expression that is true when ``?value`` meets constraint ``key`` = ``value``."""
        name = key.removeprefix(SH)
        if name == "datatype":
            test = f"isLiteral(?value) && sameTerm(datatype(?value), {value})"
            if value.value in CASTABLE:  # an ill-typed literal ("abc"^^xsd:integer) does not conform
                test += f" && COALESCE(isLiteral({value}(STR(?value))), false)"
            return f"({test})"
        if name == "class":
            return f"EXISTS {{ ?value <{RDF}type>/<{RDFS}subClassOf>* {value} }}"
        if name == "nodeKind":
            if value.value not in NODE_KINDS:
                raise self.unsupported(shape, f"sh:nodeKind {value}")
            return f"({NODE_KINDS[value.value]})"
        if name == "languageIn":
            ranges = " || ".join(f"langMatches(lang(?value), {tag})" for tag in self.items(value))
            return f"(isLiteral(?value) && ({ranges or 'false'}))"
        if name == "in":
            alternatives = " || ".join(f"sameTerm(?value, {member})" for member in self.items(value))
            return f"({alternatives or 'false'})"
        if name == "pattern":
            flags = self.objects(self._owner(key, value), f"{SH}flags")
            flag_text = f", {flags[0]}" if flags else ""
            return f"(!isBlank(?value) && REGEX(STR(?value), {value}{flag_text}))"
        if name in ("minLength", "maxLength"):
            operator = ">=" if name == "minLength" else "<="
            return f"(!isBlank(?value) && STRLEN(STR(?value)) {operator} {int(value.value)})"
        if name in COMPARISONS:
            return f"COALESCE(?value {COMPARISONS[name]} {value}, false)"
        if name in ("or", "and", "xone"):
            members = [self.conforms(member, shape, "?value") for member in self.items(value)]
            if name == "xone":
                counted = " + ".join(f"IF({member}, 1, 0)" for member in members) or "0"
                return f"(({counted}) = 1)"
            joiner = " || " if name == "or" else " && "
            return f"({joiner.join(members) or ('false' if name == 'or' else 'true')})"
        if name == "not":
            return f"(!{self.conforms(value, shape, '?value')})"
        raise self.unsupported(shape, key)

    def fresh(self) -> str:
        """A variable name of its own, for the patterns inside one condition."""
        self._variables += 1
        return f"?v{self._variables}"

    def conforms(self, member: Any, shape: Any, var: str) -> str:
        """Return a SPARQL expression that is true when the node in ``var`` conforms to ``member``,
        a shape inside a logical or qualified constraint: constraints on the node itself, or, with
        ``sh:path``, on its values."""
        if self._deactivated(member):
            return "true"
        path = self.one(member, f"{SH}path")
        keys = self.predicates(member) - IGNORED
        if path is not None:
            return self.property_condition(member, shape, var, self._sparql_path(path, shape))
        properties = self.objects(member, f"{SH}property")
        keys -= {f"{SH}node"}
        if (not keys and not properties and not self.objects(member, f"{SH}node")) or keys - VALUE_CONSTRAINTS:
            what = ", ".join(sorted(keys - VALUE_CONSTRAINTS)) or "nothing"
            raise self.unsupported(shape, f"a shape inside a logical constraint with {what}")
        conditions = [
            self.value_condition(key, value, shape).replace("?value", var)
            for key in sorted(keys)
            for value in self.objects(member, key)
        ]
        conditions += [self.conforms(node, shape, var) for node in self.objects(member, f"{SH}node")]
        conditions += [
            self.property_condition(prop, shape, var, self._sparql_path(self.one(prop, f"{SH}path"), shape))
            for prop in properties
            if not self._deactivated(prop)
        ]
        return "(" + (" && ".join(conditions) or "true") + ")"

    def distinct_values(self, var: str, path: str, count: int, shape: Any, condition: str = "") -> str:
        """``EXISTS`` at least ``count`` distinct values of ``var`` along ``path`` (meeting ``condition``)."""
        if count > MAX_WRITTEN_COUNT:
            raise self.unsupported(shape, f"a count above {MAX_WRITTEN_COUNT} inside a logical or qualified constraint")
        names = [self.fresh() for _ in range(count)]
        patterns = " ".join(f"{var} {path} {name} ." for name in names)
        tests = [f"!sameTerm({one}, {other})" for number, one in enumerate(names) for other in names[number + 1 :]]
        tests += [condition.replace("?value", name) for name in names if condition]
        test = f"FILTER({' && '.join(tests)})" if tests else ""
        return f"EXISTS {{ {patterns} {test} }}"

    def qualified_condition(self, prop: Any, shape: Any, var: str, path: str) -> str:
        """True when the values of ``var`` along ``path`` that conform to the qualified value
        shape are as many as ``sh:qualifiedMinCount`` / ``sh:qualifiedMaxCount`` allow."""
        disjoint = self.one(prop, f"{SH}qualifiedValueShapesDisjoint")
        if disjoint is not None and disjoint.value == "true":
            raise self.unsupported(shape, "sh:qualifiedValueShapesDisjoint true")
        qualified = self.one(prop, f"{SH}qualifiedValueShape")
        if qualified is None:
            raise self.unsupported(shape, "sh:qualifiedMinCount or sh:qualifiedMaxCount without sh:qualifiedValueShape")
        condition = self.conforms(qualified, shape, "?value")
        parts = []
        if (minimum := self.one(prop, f"{SH}qualifiedMinCount")) is not None and int(minimum.value) > 0:
            parts.append(self.distinct_values(var, path, int(minimum.value), shape, condition))
        if (maximum := self.one(prop, f"{SH}qualifiedMaxCount")) is not None:
            parts.append(f"!{self.distinct_values(var, path, int(maximum.value) + 1, shape, condition)}")
        return f"({' && '.join(parts) or 'true'})"

    def property_condition(self, prop: Any, shape: Any, var: str, path: str) -> str:
        """True when the values of ``var`` along ``path`` meet the constraints of property shape ``prop``."""
        keys = self.predicates(prop) - IGNORED
        unsupported = keys - VALUE_CONSTRAINTS - COUNT_CONSTRAINTS - QUALIFIED - {f"{SH}hasValue"}
        if unsupported:
            raise self.unsupported(shape, f"{', '.join(sorted(unsupported))} inside a logical constraint")
        parts = []
        if (minimum := self.one(prop, f"{SH}minCount")) is not None and int(minimum.value) > 0:
            parts.append(self.distinct_values(var, path, int(minimum.value), shape))
        if (maximum := self.one(prop, f"{SH}maxCount")) is not None:
            parts.append(f"!{self.distinct_values(var, path, int(maximum.value) + 1, shape)}")
        for value in self.objects(prop, f"{SH}hasValue"):
            name = self.fresh()
            parts.append(f"EXISTS {{ {var} {path} {name} FILTER(sameTerm({name}, {value})) }}")
        conditions = [
            self.value_condition(key, value, shape)
            for key in sorted(keys & VALUE_CONSTRAINTS)
            for value in self.objects(prop, key)
        ]
        if conditions:
            name = self.fresh()
            every = " && ".join(conditions).replace("?value", name)
            parts.append(f"NOT EXISTS {{ {var} {path} {name} FILTER(!({every})) }}")
        if keys & QUALIFIED:
            parts.append(self.qualified_condition(prop, shape, var, path))
        return f"({' && '.join(parts) or 'true'})"

    def _owner(self, key: str, value: Any) -> Any:
        """Return the shape that gives ``key`` the value ``value`` (for sh:flags beside sh:pattern)."""
        for quad in self.graph.quads_for_pattern(None, self.ox.NamedNode(key), value):
            return quad.subject
        return None


def constraint_queries(shapes: Path) -> list[ConstraintQuery]:
    """Translate a shapes file into SPARQL queries; raises :class:`UnsupportedShape`."""
    return Shapes(shapes).queries()


def term_text(term: Any) -> str:
    """The text kg reports for a term: an IRI or a literal's lexical form (as pySHACL's ``str``)."""
    return "" if term is None else term.value


def sparql_violations(store: pyoxigraph.Store, shapes: Path) -> list[Violation]:
    """Validate the default graph of pyoxigraph ``store`` (asserted and inferred) against ``shapes``."""
    from kg.store.solutions import select
    from kg.validate import Violation

    found: set[Violation] = set()
    for constraint in constraint_queries(shapes):
        for row in select(store, constraint.query):
            value = row["value"] if constraint.reports_value else None
            found.add(
                Violation(row["this"].value, constraint.path, constraint.message, term_text(value), constraint.shape)
            )
    return sorted(found, key=lambda violation: (violation.focus, violation.path, violation.message))


def describe(shapes: Path) -> Iterator[str]:
    """Yield each generated query, headed by its shape and path (for reading and debugging)."""
    for constraint in constraint_queries(shapes):
        query = re.sub(r"\s+", " ", constraint.query)
        yield f"# {constraint.shape} {constraint.path}: {constraint.message}\n{query}\n"
