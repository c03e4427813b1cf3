"""Query results, the same whichever store answered: SELECT rows, ASK booleans or RDF graphs.

Results are held in the shape of the W3C SPARQL 1.1 Query Results JSON format, which both the
embedded Oxigraph store and every remote endpoint speak, so one set of formatters serves all.

>>> result = QueryResult.from_json({"head": {"vars": ["n"]},
...     "results": {"bindings": [{"n": {"type": "literal", "value": "5",
...     "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}})
>>> result.rows
[(5,)]
>>> print(result.format("csv"), end="")
n
5
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping

from kg.errors import TYPE_CHECKING, InputError
from kg.namespaces import PREFIXES, XSD

if TYPE_CHECKING:
    from typing import Any

    import pyoxigraph

#: A term as SPARQL results JSON writes it: {"type": "uri"|"literal"|"bnode", "value": …}.
Term = Mapping[str, str]

TABLE_FORMATS = ("table", "csv", "tsv", "json")
GRAPH_FORMATS = ("turtle", "nt")


def compact_iri(iri: str) -> str:
    """Shorten an IRI with the project's prefixes.

    >>> compact_iri("https://w3id.org/npa-cyber-kg/id/actor-blacktech")
    'kgr:actor-blacktech'
    """
    for name, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace) and iri != namespace:
            return f"{name}:{iri[len(namespace) :]}"
    return iri


def term_to_python(term: Term | None) -> Any:
    """Convert a result term to a Python value: numbers, dates and booleans typed, the rest str."""
    if term is None:
        return None
    value = term["value"]
    if term.get("type") != "literal":
        return value
    datatype = term.get("datatype", "")
    try:
        if datatype in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
            return int(value)
        if datatype == XSD + "decimal":
            from decimal import Decimal  # here: `kg query --format csv` never needs it

            return Decimal(value)
        if datatype in (XSD + "double", XSD + "float"):
            return float(value)
        if datatype == XSD + "boolean":
            return value == "true"
        if datatype == XSD + "date":
            from datetime import date

            return date.fromisoformat(value)
    except ValueError:
        return value
    return value


def display_width(text: str) -> int:
    """Return how many terminal columns ``text`` takes (Japanese characters take two)."""
    from kg.output import display_width as width

    return width(text)


class QueryResult:
    """The answer to one query: ``variables`` and ``bindings`` (SELECT), ``boolean`` (ASK) or
    ``graph`` (CONSTRUCT/DESCRIBE, as N-Triples).

    A plain class rather than a dataclass: ``dataclasses`` imports ``inspect``, a tenth of
    ``kg query``'s start. A result read from a results JSON document (:meth:`from_results_json`)
    parses it when its rows are first asked for: ``kg query --format csv`` hands the document to
    pyoxigraph's CSV writer as it came, and imports no json.
    """

    __slots__ = ("_bindings", "_document", "_variables", "boolean", "graph", "ordered")

    def __init__(
        self,
        variables: list[str] | None = None,
        bindings: list[dict[str, Term]] | None = None,
        boolean: bool | None = None,
        graph: bytes | None = None,
        ordered: bool = False,
    ) -> None:
        self._variables: list[str] = variables if variables is not None else []
        self._bindings: list[dict[str, Term]] = bindings if bindings is not None else []
        self._document: bytes | None = None
        self.boolean = boolean
        self.graph = graph
        self.ordered = ordered

    @property
    def variables(self) -> list[str]:
        """The SELECT variables, in order."""
        self._parse()
        return self._variables

    @property
    def bindings(self) -> list[dict[str, Term]]:
        """The SELECT rows, each a mapping of variable name to term (unbound variables left out)."""
        self._parse()
        return self._bindings

    def _parse(self) -> None:
        if self._document is not None:
            import json

            document = json.loads(self._document)
            self._variables = list(document["head"].get("vars", []))
            self._bindings = [dict(row) for row in document["results"]["bindings"]]
            self._document = None

    def _fields(self) -> tuple[Any, ...]:
        return (self.variables, self.bindings, self.boolean, self.graph, self.ordered)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, QueryResult) and self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in ("variables", "bindings", "boolean", "graph", "ordered")
        )
        return f"QueryResult({fields})"

    @classmethod
    def from_json(cls, document: Mapping[str, Any], *, ordered: bool = False) -> QueryResult:
        """Build a result from a SPARQL results JSON document (already parsed)."""
        if "boolean" in document:
            return cls(boolean=bool(document["boolean"]))
        return cls(
            variables=list(document["head"].get("vars", [])),
            bindings=[dict(row) for row in document["results"]["bindings"]],
            ordered=ordered,
        )

    @classmethod
    def from_results_json(cls, document: bytes, *, ordered: bool = False) -> QueryResult:
        """Build a SELECT result from a SPARQL results JSON document (bytes, not parsed yet)."""
        result = cls(ordered=ordered)
        result._document = document
        return result

    @classmethod
    def from_oxigraph(
        cls,
        answer: pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples,
        *,
        ordered: bool = False,
    ) -> QueryResult:
        """Build a result from what pyoxigraph answers: solutions, a boolean or triples."""
        import pyoxigraph

        if isinstance(answer, pyoxigraph.QueryBoolean):
            return cls(boolean=bool(answer))
        if isinstance(answer, pyoxigraph.QuerySolutions):
            buffer = io.BytesIO()
            answer.serialize(buffer, format=pyoxigraph.QueryResultsFormat.JSON)
            return cls.from_results_json(buffer.getvalue(), ordered=ordered)
        return cls(graph=answer.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES) or b"")

    def without_repeats(self) -> QueryResult:
        """This result with each repeated SELECT row left out (the first of each kept, in order).

        For an endpoint that breaks ``SELECT DISTINCT``: Virtuoso 7.2 at times answers one with
        repeated rows when an OPTIONAL part is unbound (openlink/virtuoso-opensource#568).

        >>> row = {"a": {"type": "literal", "value": "x"}}
        >>> QueryResult(["a"], [row, {}, dict(row)]).without_repeats().bindings
        [{'a': {'type': 'literal', 'value': 'x'}}, {}]
        """
        if self.kind != "select":
            return self
        seen: set[tuple[Any, ...]] = set()
        kept = []
        for row in self.bindings:
            key = tuple(tuple(sorted(row[name].items())) if name in row else None for name in self.variables)
            if key not in seen:
                seen.add(key)
                kept.append(row)
        if len(kept) == len(self.bindings):
            return self
        return QueryResult(self.variables, kept, ordered=self.ordered)

    @property
    def kind(self) -> str:
        """``"select"``, ``"ask"`` or ``"graph"``."""
        if self.graph is not None:
            return "graph"
        return "ask" if self.boolean is not None else "select"

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """The SELECT rows as tuples of Python values, in the variables' order."""
        return [tuple(term_to_python(row.get(name)) for name in self.variables) for row in self.bindings]

    def lexical_rows(self) -> list[tuple[str, ...]]:
        """The SELECT rows as tuples of lexical values ("" for unbound), for comparisons."""
        return [tuple(row[name]["value"] if name in row else "" for name in self.variables) for row in self.bindings]

    def iris(self) -> set[str]:
        """Every IRI that occurs in the SELECT rows."""
        return {term["value"] for row in self.bindings for term in row.values() if term.get("type") == "uri"}

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.bindings)

    def to_dataframe(self) -> Any:
        """Return the SELECT rows as a pandas DataFrame (pandas must be installed), each column of
        one type: a column whose values are of several types (``xsd:date`` beside ``xsd:gYear``,
        which have no Python type of their own) holds their lexical forms, which sort as dates do;
        integers beside decimals become decimals, beside doubles floats. Unbound is None.

        >>> from kg.namespaces import XSD
        >>> dated = [{"type": "literal", "value": "2023-09-27", "datatype": XSD + "date"},
        ...          {"type": "literal", "value": "2021", "datatype": XSD + "gYear"}]
        >>> QueryResult(["when"], [{"when": term} for term in dated]).to_dataframe()["when"].sort_values().tolist()
        ['2021', '2023-09-27']
        """
        import pandas

        lexical = self.lexical_rows()
        columns: dict[str, list[Any]] = {}
        for index, name in enumerate(self.variables):
            values = [row[index] for row in self.rows]
            columns[name] = _one_type(values, [row[index] for row in lexical])
        return pandas.DataFrame(columns, columns=self.variables)

    def format(self, fmt: str = "table", *, labels: Mapping[str, str] | None = None, width: int | None = None) -> str:
        """Render the result as ``table``, ``csv``, ``tsv`` or ``json`` (SELECT/ASK), or ``turtle``
        or ``nt`` (CONSTRUCT/DESCRIBE). ``labels`` maps IRIs to the labels shown instead; a table
        wraps its widest columns to fit ``width`` terminal columns, when given.

        Without labels, CSV, TSV and JSON are the W3C SPARQL 1.1 results formats, written by
        pyoxigraph's serialisers (TSV writes terms as in Turtle: ``<iri>``, ``"text"@en``).
        """
        if self.kind == "graph":
            return _format_graph(self.graph or b"", fmt)
        if fmt not in TABLE_FORMATS:
            raise InputError(f"format {fmt!r} is for CONSTRUCT/DESCRIBE results; use one of {TABLE_FORMATS}")
        if fmt == "json" or (fmt in ("csv", "tsv") and not labels):
            return self._serialized(fmt)
        if self.kind == "ask":
            return ("true" if self.boolean else "false") + "\n"
        labels = labels or {}
        plain = _labelled_beside(self.variables, self.bindings, labels) if labels else set()
        shown = _shown_value(labels, compact=fmt == "table")
        as_iri = _shown_value({}, compact=fmt == "table")
        cells = [
            [(as_iri if name in plain else shown)(row.get(name)) for name in self.variables] for row in self.bindings
        ]
        if fmt == "table":
            from kg.output import text_table

            footer = f"({len(cells)} row{'s' if len(cells) != 1 else ''})"
            return text_table(self.variables, cells, width=width) + "\n" + footer + "\n"
        import csv

        buffer = io.StringIO()
        if fmt == "csv":
            writer = csv.writer(buffer, lineterminator="\n")
        else:
            writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writerow(self.variables)
        writer.writerows(cells)
        return buffer.getvalue()

    def _serialized(self, fmt: str) -> str:
        """The result in a W3C results format, by pyoxigraph's serialiser."""
        import pyoxigraph

        formats = {
            "csv": pyoxigraph.QueryResultsFormat.CSV,
            "tsv": pyoxigraph.QueryResultsFormat.TSV,
            "json": pyoxigraph.QueryResultsFormat.JSON,
        }
        if self._document is not None:  # as the store wrote it
            document = self._document
        else:
            import json

            document = json.dumps(self.to_json(), ensure_ascii=False).encode()
        answer = pyoxigraph.parse_query_results(document, format=pyoxigraph.QueryResultsFormat.JSON)
        text = (answer.serialize(format=formats[fmt]) or b"").decode()
        return text if text.endswith("\n") else text + "\n"

    def to_json(self) -> dict[str, Any]:
        """Return the result as a SPARQL 1.1 results JSON document."""
        if self.kind == "ask":
            return {"head": {}, "boolean": self.boolean}
        return {"head": {"vars": self.variables}, "results": {"bindings": self.bindings}}


def _one_type(values: list[Any], lexical: list[str]) -> list[Any]:
    """Give a column's values one Python type (see :meth:`QueryResult.to_dataframe`).

    >>> from datetime import date
    >>> _one_type([date(2023, 9, 27), "2023-09", None], ["2023-09-27", "2023-09", ""])
    ['2023-09-27', '2023-09', None]
    >>> from decimal import Decimal
    >>> _one_type([1, Decimal("2.5")], ["1", "2.5"])
    [Decimal('1'), Decimal('2.5')]
    """
    kinds = {type(value) for value in values if value is not None}
    if len(kinds) <= 1:
        return values
    from decimal import Decimal

    if kinds <= {int, Decimal}:
        return [None if value is None else Decimal(value) for value in values]
    if kinds <= {int, Decimal, float}:
        return [None if value is None else float(value) for value in values]
    return [None if value is None else text for value, text in zip(values, lexical, strict=True)]


def _labelled_beside(variables: list[str], bindings: list[dict[str, Term]], labels: Mapping[str, str]) -> set[str]:
    """The IRI columns whose label the answer already prints beside them: in every row where the
    column holds an IRI, its label is the text of another cell of that row. Those keep showing the
    IRI with labels on, instead of the same words twice (the competency queries put an IRI beside
    each label column).

    >>> iri = {"type": "uri", "value": "urn:npa"}
    >>> rows = [{"org": iri, "name": {"type": "literal", "value": "NPA"}}]
    >>> _labelled_beside(["org", "name"], rows, {"urn:npa": "NPA"})
    {'org'}
    >>> _labelled_beside(["org", "name"], rows, {"urn:npa": "警察庁"})
    set()
    """
    plain = set()
    for name in variables:
        iris = [row for row in bindings if row.get(name, {}).get("type") == "uri"]
        if iris and all(
            labels.get(row[name]["value"])
            in {term["value"] for other, term in row.items() if other != name and term.get("type") == "literal"}
            for row in iris
        ):
            plain.add(name)
    return plain


def _shown_value(labels: Mapping[str, str], *, compact: bool) -> Callable[[Term | None], str]:
    def shown(term: Term | None) -> str:
        if term is None:
            return ""
        value = term["value"]
        if term.get("type") == "uri":
            if value in labels:
                return labels[value]
            return compact_iri(value) if compact else value
        if term.get("type") == "bnode":
            return "_:" + value
        return value

    return shown


def _format_graph(ntriples: bytes, fmt: str) -> str:
    import pyoxigraph

    formats = {"turtle": pyoxigraph.RdfFormat.TURTLE, "nt": pyoxigraph.RdfFormat.N_TRIPLES}
    if fmt not in formats:
        raise InputError(f"format {fmt!r} is for SELECT/ASK results; CONSTRUCT/DESCRIBE give one of {GRAPH_FORMATS}")
    if fmt == "nt":
        return ntriples.decode()
    triples = pyoxigraph.parse(ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return (pyoxigraph.serialize(triples, format=formats[fmt], prefixes=PREFIXES) or b"").decode()
