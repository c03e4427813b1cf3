"""Values that users bind to query variables (``kg query --bind name=value``).

A bound value is a typed RDF term, handed to the store as a term and never pasted into the
query text. The syntax follows Turtle:

>>> parse_binding("actor=kgr:actor-blacktech")
('actor', {'type': 'uri', 'value': 'https://w3id.org/npa-cyber-kg/id/actor-blacktech'})
>>> parse_binding("year=2023")[1]["datatype"]
'http://www.w3.org/2001/XMLSchema#integer'
>>> parse_binding('name="警察庁"@ja')[1]
{'type': 'literal', 'value': '警察庁', 'xml:lang': 'ja'}
>>> parse_binding("day=2023-09-27")[1]["datatype"]
'http://www.w3.org/2001/XMLSchema#date'
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from kg.errors import TYPE_CHECKING, InputError
from kg.namespaces import PREFIXES, XSD
from kg.results import Term
from kg.sparql_text import variables

if TYPE_CHECKING:
    from typing import Any

#: Patterns as text, compiled (and kept) by ``re`` at their first use: compiling them all at
#: import was a fiftieth of ``kg query``'s cold start, which uses none of them without ``--bind``.
_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
_TYPED = r'(?s)^"(?P<text>.*)"\^\^(?P<datatype><[^>]*>|[A-Za-z][\w-]*:[\w.-]*)$'
_TAGGED = r'(?s)^"(?P<text>.*)"@(?P<lang>[A-Za-z]+(?:-[A-Za-z0-9]+)*)$'
_PREFIXED = r"^[A-Za-z][\w.-]*:\S*$"
_PATTERNS: list[tuple[str, str]] = [
    (r"^[+-]?\d+$", XSD + "integer"),
    (r"^[+-]?\d*\.\d+$", XSD + "decimal"),
    (r"^(true|false)$", XSD + "boolean"),
    (r"^\d{4}-\d{2}-\d{2}$", XSD + "date"),
    (r"^\d{4}-\d{2}$", XSD + "gYearMonth"),
]


def expand_iri(text: str) -> str:
    """Expand ``<iri>`` or ``prefix:local`` (the project's prefixes) into a full IRI."""
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    prefix, _, local = text.partition(":")
    if prefix in PREFIXES:
        return PREFIXES[prefix] + local
    raise InputError(f"unknown prefix {prefix!r} in {text!r}; known: {', '.join(sorted(PREFIXES))}")


def parse_value(text: str) -> Term:
    """Parse one bound value: ``<iri>``, ``kgr:name``, ``"text"@lang``, ``"text"^^xsd:type``,
    a number, ``true``/``false``, a date ``YYYY-MM-DD`` or month ``YYYY-MM``; anything else is a
    plain string."""
    if text.startswith("<") and text.endswith(">"):
        return {"type": "uri", "value": expand_iri(text)}
    if match := re.match(_TYPED, text):
        return {"type": "literal", "value": match["text"], "datatype": expand_iri(match["datatype"])}
    if match := re.match(_TAGGED, text):
        return {"type": "literal", "value": match["text"], "xml:lang": match["lang"].lower()}
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return {"type": "literal", "value": text[1:-1]}
    for pattern, datatype in _PATTERNS:
        if re.match(pattern, text):
            return {"type": "literal", "value": text, "datatype": datatype}
    if text.startswith("_:"):
        raise InputError(
            f"cannot bind the blank node {text!r}: a blank node names nothing outside its own "
            "answer; bind an IRI or a literal"
        )
    if text.startswith('"'):
        raise InputError(
            f'malformed literal {text!r}: write "text", "text"@lang (a language tag such '
            'as en or ja) or "text"^^xsd:type'
        )
    if re.match(_PREFIXED, text):
        return {"type": "uri", "value": expand_iri(text)}  # an unknown prefix is an error, not a string
    return {"type": "literal", "value": text}


def parse_binding(text: str) -> tuple[str, Term]:
    """Parse ``name=value`` into the variable name and its term."""
    name, equals, value = text.partition("=")
    name = name.strip().lstrip("?$")
    if not equals or not re.match(_NAME, name):
        raise InputError(f"--bind takes name=value, got {text!r}")
    return name, parse_value(value)


def to_oxigraph(term: Term) -> Any:
    """Convert a term to a pyoxigraph term."""
    import pyoxigraph

    if term["type"] == "uri":
        return pyoxigraph.NamedNode(term["value"])
    if term["type"] == "bnode":
        return pyoxigraph.BlankNode(term["value"])
    if "xml:lang" in term:
        return pyoxigraph.Literal(term["value"], language=term["xml:lang"])
    if "datatype" in term:
        return pyoxigraph.Literal(term["value"], datatype=pyoxigraph.NamedNode(term["datatype"]))
    return pyoxigraph.Literal(term["value"])


def to_ntriples(term: Term) -> str:
    """Write a term in N-Triples syntax, escaped by Oxigraph (for a query's VALUES block).

    >>> to_ntriples({"type": "literal", "value": 'say "hi"', "xml:lang": "en"})
    '"say \\\\"hi\\\\""@en'
    """
    return str(to_oxigraph(term))


_TOKEN = r"""
    (?P<skip>\#[^\n]*                           # a comment
      | <[^<>"{}|^`\\\s]*>                     # an IRI
      | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"     # long strings
      | '\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'
      | "(?:[^"\\\n]|\\.)*" | '(?:[^'\\\n]|\\.)*')
    | (?P<open>\{) | (?P<close>\}) | (?P<construct>\bCONSTRUCT\b)
    """


def where_clause_start(query: str) -> int | None:
    """Return the offset just inside the query's WHERE group, or None if it has none.

    Comments, IRIs and strings are skipped, so braces inside them do not count; a CONSTRUCT
    template is passed over.

    >>> query = 'CONSTRUCT { ?s ?p "{" } WHERE { ?s ?p ?o }'
    >>> query[where_clause_start(query):]
    ' ?s ?p ?o }'
    """
    depth = 0
    templates_to_skip = 0
    for match in re.finditer(_TOKEN, query, re.IGNORECASE | re.VERBOSE):
        if match["construct"] and depth == 0:
            rest = query[match.end() :].lstrip()
            templates_to_skip = 0 if rest[:5].upper() == "WHERE" else 1
        elif match["open"]:
            if depth == 0 and templates_to_skip == 0:
                return match.end()
            depth += 1
        elif match["close"]:
            depth -= 1
            if depth == 0 and templates_to_skip:
                templates_to_skip -= 1
    return None


def with_bindings(query: str, bindings: Mapping[str, Term] | None) -> str:
    """Return ``query`` with ``bindings`` as a ``VALUES`` block at the start of its WHERE group.

    The values are RDF terms serialised (and escaped) by Oxigraph, so a bound value can never
    change the query's structure. Placed first in the WHERE group, the bound variables are seen
    by every pattern and FILTER of that group, on every SPARQL 1.1 store.

    >>> hostile = {"type": "literal", "value": 'a" } #'}
    >>> print(with_bindings("SELECT ?s WHERE { ?s ?p ?o FILTER(?o = ?v) }", {"v": hostile}))
    SELECT ?s WHERE { VALUES (?v) { ("a\\" } #") } ?s ?p ?o FILTER(?o = ?v) }
    """
    if not bindings:
        return query
    mentioned = variables(query)
    for name in bindings:
        if name not in mentioned:
            raise InputError(f"cannot bind {name}: the query has no variable ?{name}")
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(to_ntriples(term) for term in bindings.values())
    block = f"VALUES ({names}) {{ ({values}) }}"
    start = where_clause_start(query)
    if start is None:
        raise InputError("cannot bind variables: the query has no WHERE clause")
    if re.search(r"\bCONSTRUCT\s+WHERE\b", query[:start], re.IGNORECASE):
        raise InputError("cannot bind variables in a CONSTRUCT WHERE short form; write CONSTRUCT { … } WHERE { … }")
    return f"{query[:start]} {block}{query[start:]}"


def graph_iri(text: str) -> str:
    """Return ``text`` if it is an absolute IRI; raise InputError naming it if not.

    >>> graph_iri("https://w3id.org/npa-cyber-kg/graph")
    'https://w3id.org/npa-cyber-kg/graph'
    """
    import pyoxigraph

    try:
        return pyoxigraph.NamedNode(text).value
    except ValueError as error:
        raise InputError(f"graph name {text!r} is not an absolute IRI ({error})") from None
