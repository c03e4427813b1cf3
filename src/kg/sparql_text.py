"""SPARQL text split into tokens, so that checks on a query never mistake the inside of an IRI,
a string, a comment or a name for a keyword, a variable or a prefix.

>>> keywords('SELECT ?service WHERE { ?s <urn:SERVICE> "LOAD" } # INSERT')
['SELECT', 'WHERE']
>>> sorted(variables("SELECT ?a WHERE { ?a ?b $c }"))
['a', 'b', 'c']
>>> undeclared_prefixes("PREFIX ex: <urn:x#> SELECT * WHERE { _:b ex:p foo:bar ; kg:q [] }", known={"kg"})
['foo']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\" | '''(?:[^'\\]|\\.|'(?!''))*'''
                | "(?:[^"\\\n\r]|\\.)*" | '(?:[^'\\\n\r]|\\.)*')
    | (?P<variable>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
    | (?P<bnode>_:[\w.-]*)
    | (?P<pname>(?:[^\W\d_][\w.-]*)?:(?:[\w:%.\\-]|\\.)*)
    | (?P<word>[^\W\d][\w-]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

#: The keywords that start a SPARQL Update operation.
UPDATE_OPERATIONS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
#: The keywords that start a query.
QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})


def tokens(text: str) -> Iterator[tuple[str, str]]:
    """Yield ``(kind, text)`` for each token: comment, iri, string, variable, bnode, pname, word or other."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind != "other" or not match.group().isspace():
            yield kind, match.group()


def keywords(text: str) -> list[str]:
    """Return the bare words of ``text`` (keywords and function names), upper-cased, in order."""
    return [value.upper() for kind, value in tokens(text) if kind == "word"]


def variables(text: str) -> set[str]:
    """Return the names of the variables ``text`` mentions (without ``?`` or ``$``)."""
    return {value[1:] for kind, value in tokens(text) if kind == "variable"}


def _first_operation(text: str) -> str | None:
    """Return the first keyword of ``text`` that starts a query or an update operation, or None."""
    return next((word for word in keywords(text) if word in QUERY_FORMS or word in UPDATE_OPERATIONS), None)


def is_update(text: str) -> bool:
    """Tell whether ``text`` is a SPARQL Update rather than a query (its first operation keyword)."""
    return _first_operation(text) in UPDATE_OPERATIONS


def query_form(text: str) -> str | None:
    """Return the form of the query ``text`` (``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``), or None.

    Words in comments, strings and IRIs do not count:

    >>> query_form("# which agencies\\n# add advisories?\\nSELECT ?a WHERE { ?a ?b 'MOVE' }")
    'SELECT'
    >>> query_form("INSERT DATA { <urn:a> <urn:b> <urn:c> }") is None
    True
    """
    operation = _first_operation(text)
    return operation if operation in QUERY_FORMS else None


def is_distinct(text: str) -> bool:
    """Tell whether the query ``text`` is a ``SELECT DISTINCT`` (its own solutions, not a subquery's).

    >>> is_distinct("# DISTINCT\\nSELECT DISTINCT ?a WHERE { ?a ?b ?c }")
    True
    >>> is_distinct("SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { { SELECT DISTINCT ?a { ?a ?b ?c } } }")
    False
    """
    significant = ((kind, value.upper()) for kind, value in tokens(text) if kind != "comment")
    for kind, value in significant:
        if kind == "word" and value in QUERY_FORMS:
            return value == "SELECT" and next(significant, None) == ("word", "DISTINCT")
    return False


def order_keys(text: str) -> list[tuple[str, bool]] | None:
    """Return the sort keys of the query's own ``ORDER BY`` (not a subquery's) as ``(variable,
    as_string)`` pairs, when each key is a variable, ``STR`` of one, or either in ``ASC``/``DESC``;
    None when the query has no such clause or a key is another expression.

    >>> order_keys("SELECT * { { SELECT ?x { ?x ?p ?o } ORDER BY ?o } } ORDER BY DESC(?x) STR(?p) LIMIT 5")
    [('x', False), ('p', True)]
    >>> order_keys("SELECT * { ?x ?p ?o } order by STR(?o) ?x")
    [('o', True), ('x', False)]
    >>> order_keys("SELECT * { ?x ?p ?o } ORDER BY (?o + 1)") is None
    True
    """
    depth = 0
    clause: list[tuple[str, str]] | None = None
    significant = [(kind, value) for kind, value in tokens(text) if kind != "comment"]
    for index, (kind, value) in enumerate(significant):
        if value in ("{", "}"):
            depth += 1 if value == "{" else -1
            clause = None
        elif clause is not None:
            if kind == "word" and value.upper() in {"LIMIT", "OFFSET", "VALUES"}:
                break
            clause.append((kind, value))
        elif depth == 0 and " ".join(word.upper() for _, word in significant[index : index + 2]) == "ORDER BY":
            clause = []
    if not clause:
        return None
    keys: list[tuple[str, bool]] = []
    words: set[str] = set()
    nesting = 0
    for kind, value in clause[1:]:  # after BY
        if kind == "word" and value.upper() in {"ASC", "DESC", "STR"}:
            words.add(value.upper())
        elif value in ("(", ")"):
            nesting += 1 if value == "(" else -1
        elif kind == "variable":
            keys.append((value[1:], "STR" in words))
        else:
            return None
        if nesting == 0 and (kind == "variable" or value == ")"):
            words = set()  # the key is complete
    return keys if nesting == 0 else None


def undeclared_prefixes(text: str, *, known: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Return the prefixes ``text`` uses in prefixed names without declaring them (nor being ``known``)."""
    declared = set(known)
    found: list[str] = []
    previous = ""
    for kind, value in tokens(text):
        if kind != "pname":
            if kind == "word":
                previous = value.upper()
            continue
        prefix = value.split(":", 1)[0]
        if previous == "PREFIX":
            declared.add(prefix)
        elif prefix not in declared and prefix not in found:
            found.append(prefix)
        previous = ""
    return found
