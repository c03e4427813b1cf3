"""Answer comparison: whether two stores give the same answer to a query.

Two stores name blank nodes their own way and may return unordered rows in any order, so their
answers are compared by :func:`answer_key`. :func:`inference_dependent_queries` names the named
queries whose answers change without the inferences ``kg build`` materialises — the queries that
differ on a remote store loaded with the source files rather than the pushed graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kg.results import QueryResult, Term


def answer_key(result: QueryResult) -> tuple[Any, ...]:
    """Return what two stores' answers to one query must share to be the same answer: the kind,
    the variables and the rows — in order only if the query orders them — with blank nodes
    compared as blank whatever their labels (each store names them its own way).

    >>> one = QueryResult(["x"], [{"x": {"type": "bnode", "value": "b1"}}, {"x": {"type": "literal", "value": "a"}}])
    >>> two = QueryResult(["x"], [{"x": {"type": "literal", "value": "a"}}, {"x": {"type": "bnode", "value": "z9"}}])
    >>> answer_key(one) == answer_key(two)
    True
    >>> answer_key(one) == answer_key(QueryResult(["x"], [{"x": {"type": "literal", "value": "a"}}]))
    False
    """
    if result.kind == "ask":
        return ("ask", result.boolean)
    if result.kind == "graph":
        lines = (result.graph or b"").decode("utf-8").splitlines()
        return (
            "graph",
            sorted(" ".join("_:" if part.startswith("_:") else part for part in line.split(" ")) for line in lines),
        )

    def term(value: Term | None) -> tuple[str, str, str, str]:
        if value is None:
            return ("", "", "", "")
        lexical = "" if value["type"] == "bnode" else value["value"]
        return (value["type"], lexical, value.get("datatype", ""), value.get("xml:lang", ""))

    rows = [tuple(term(row.get(name)) for name in result.variables) for row in result.bindings]
    return ("select", result.variables, result.ordered, rows if result.ordered else sorted(rows))


def inference_dependent_queries(sources: Iterable[str | Path], folder: Path) -> list[str]:
    """Return the named queries whose answers change without the inferences ``kg build`` materialises.

    ``sources`` are the Turtle files a build loads (``Sources.files``, :class:`kg.build.Sources`), ``folder``
    the named queries' folder. These are the queries that give other answers on a remote store
    loaded with the source Turtle files instead of the pushed graph (unless that store infers the
    same, and no more). The sources are loaded twice in memory, with and without inference;
    nothing is written.

    On the shipped graph, ``kg:issued`` is only ever inferred (the inverse of ``kg:issuedBy``):

    >>> import tempfile
    >>> from kg.build import Sources
    >>> from kg.paths import project_home
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     (Path(folder) / "cq").mkdir()
    ...     _ = (Path(folder) / "cq" / "cq-issued.rq").write_text("SELECT ?a WHERE { ?o kg:issued ?a }")
    ...     _ = (Path(folder) / "cq" / "cq-named.rq").write_text('SELECT ?a WHERE { ?a rdfs:label "BlackTech"@en }')
    ...     inference_dependent_queries(Sources.of(project_home()).files, Path(folder))
    ['cq-issued']
    """
    from kg.graph import load
    from kg.queries import catalog

    files = list(sources)
    with load(files, infer=False) as asserted, load(files) as inferred:
        return [
            name
            for name, query in catalog(folder).items()
            if answer_key(asserted.store.execute(query.text, source=str(query.path)))
            != answer_key(inferred.store.execute(query.text, source=str(query.path)))
        ]
