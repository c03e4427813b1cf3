"""Compile the CSV tables of ``graph/tables/`` into the Turtle files of ``graph/``.

Record-like facts (sections, figures, footnotes, statistical series, dimensions, categories,
observations) are written as CSV tables, one row a record; their schema is W3C CSV on the Web
metadata (``graph/tables/csv-metadata.json`` and ``schemas/``). The ``csvw`` library reads the
metadata and each cell's datatype; a cell becomes a triple by its column's ``propertyUrl``,
``valueUrl``, ``lang`` and ``separator`` (the W3C csv2rdf mapping, minimal mode), built as
rdflib terms and serialised by rdflib. CONVENTIONS.md ("Tables") describes every table.

``graph/tables/<folder>/<table>.csv`` compiles to ``graph/<folder>/<table>.ttl``.

The shipped tables compile to the committed Turtle (``write_outputs(compile_tables(sources))``
writes what differs; ``kg tables`` does both, for the project of ``KG_HOME``):

>>> from kg.build import Sources
>>> from kg.paths import project_home
>>> stale_outputs(compile_tables(Sources.of(project_home())))
[]
"""

from __future__ import annotations

import csv
import datetime
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.build import display_path
from kg.errors import InputError

if TYPE_CHECKING:
    from kg.build import Sources
from kg.namespaces import PREFIXES, RDF, XSD

#: The command that regenerates the Turtle, named in every generated file and error.
COMPILE_COMMAND = "kg tables compile"

METADATA = "csv-metadata.json"

#: The extension properties of a column (CONVENTIONS.md "Tables").
DATATYPES = "kg:datatypes"
TEXT_TEMPLATE = "kg:textTemplate"
REFERENCES = "kg:references"
#: The ``kg:references`` value of a key column naming a thing declared elsewhere (not a new one).
DECLARED = "declared"

#: The lexical forms of the XSD datatypes a mixed cell (``kg:datatypes``) may take.
LEXICAL_FORMS = {
    "xsd:date": re.compile(r"^-?[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    "xsd:gYearMonth": re.compile(r"^-?[0-9]{4}-(0[1-9]|1[0-2])$"),
    "xsd:gYear": re.compile(r"^-?[0-9]{4}$"),
    "xsd:integer": re.compile(r"^[+-]?[0-9]+$"),
    "xsd:decimal": re.compile(r"^[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)$"),
}

#: CSVW base datatypes and the XSD datatype of their literals (strings are plain).
CSVW_DATATYPES = {"integer": "integer", "decimal": "decimal", "boolean": "boolean", "date": "date"}

TEMPLATE_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class TableError(InputError):
    """A table, or one cell of it, is malformed: the message names file, row and column."""

    def __init__(self, message: str, *, path: str, row: int | None = None, column: str | None = None) -> None:
        where = f"row {row}" if row is not None else ""
        if column:
            where = f"{where}, column {column}" if where else f"column {column}"
        super().__init__(f"{where}: {message}" if where else message, path=path)
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Row:
    """One record of a table: its 1-based line in the CSV file and its cells by column name."""

    line: int
    cells: dict[str, str]


@dataclass
class Table:
    """One table of the metadata: its CSV file, its schema (a ``csvw`` table) and its rows."""

    name: str
    csv_path: Path
    display: str
    schema: Any
    key: str
    rows: list[Row] = field(default_factory=list)

    @property
    def folder(self) -> str:
        """The folder of the table under ``graph/tables/`` (``common``, ``r5-2023`` …)."""
        return self.csv_path.parent.name

    def keys(self) -> set[str]:
        """The keys (row identifiers) of the table."""
        return {row.cells[self.key] for row in self.rows}

    def columns(self) -> list[Any]:
        """The ``csvw`` columns of the schema, virtual ones last."""
        return list(self.schema.tableSchema.columns)


def expand(name: str) -> str:
    """Expand a prefixed name (``kg:value``) to an IRI with the project's prefixes."""
    prefix, colon, local = name.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return name


def load_tables(folder: Path, *, home: Path | None = None) -> list[Table]:
    """Read the metadata of the tables' folder ``folder`` (a project's ``graph/tables``) and every
    table it lists, checking each cell against its column; messages show paths relative to the
    project folder ``home``.

    Raises :class:`TableError` (file, row, column) for a missing column, a missing required
    cell, a cell that is not of its datatype and a duplicate key.
    """
    from csvw import TableGroup

    def display(path: Path) -> str:
        return display_path(path, home)

    metadata_path = folder / METADATA
    try:
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no table metadata here", path=display(metadata_path)) from None
    except json.JSONDecodeError as error:
        raise InputError(f"malformed JSON: {error.msg}", path=display(metadata_path), line=error.lineno) from None
    names = []
    for description in metadata.get("tables", []):
        schema_path = folder / description["tableSchema"]
        try:
            description["tableSchema"] = json.loads(schema_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("table schema not found", path=display(schema_path)) from None
        except json.JSONDecodeError as error:
            raise InputError(f"malformed JSON: {error.msg}", path=display(schema_path), line=error.lineno) from None
        names.append(schema_path.stem)
    try:
        group = TableGroup.fromvalue(metadata)
    except (ValueError, TypeError, KeyError) as error:
        raise InputError(f"invalid CSV on the Web metadata: {error}", path=display(metadata_path)) from None
    tables = []
    for name, schema in zip(names, group.tables, strict=True):
        csv_path = folder / str(schema.url)
        key = schema.tableSchema.primaryKey[0]
        table = Table(name, csv_path, display(csv_path), schema, key)
        table.rows = list(read_rows(table))
        tables.append(table)
    return tables


def read_rows(table: Table) -> Iterator[Row]:
    """Yield the rows of one table, each cell checked by its ``csvw`` column."""
    columns = [column for column in table.columns() if not column.virtual]
    try:
        handle = table.csv_path.open(encoding="utf-8", newline="")
    except FileNotFoundError:
        raise TableError("table not found (listed in csv-metadata.json)", path=table.display) from None
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise TableError("empty file: the first row names the columns", path=table.display, row=1)
        expected = [column.name for column in columns]
        missing = [name for name in expected if name not in header]
        if missing:
            raise TableError(f"missing column(s) {', '.join(missing)}", path=table.display, row=1, column=missing[0])
        unknown = [name for name in header if name not in expected]
        if unknown:
            raise TableError(f"unknown column {unknown[0]!r}", path=table.display, row=1, column=unknown[0])
        seen: dict[str, int] = {}
        line = reader.line_num
        for values in reader:
            start, line = line + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(header):
                raise TableError(f"{len(values)} cells, the header has {len(header)}", path=table.display, row=start)
            cells = dict(zip(header, values, strict=True))
            for column in columns:
                check_cell(column, cells[column.name], path=table.display, row=start)
            key = cells[table.key]
            if key in seen:
                raise TableError(
                    f"duplicate key {key!r} (first on row {seen[key]})", path=table.display, row=start, column=table.key
                )
            seen[key] = start
            yield Row(start, cells)


def check_cell(column: Any, value: str, *, path: str, row: int) -> None:
    """Check one cell against its column's datatype, format and ``kg:datatypes``."""
    if value != value.strip():
        raise TableError(f"space around {value!r}", path=path, row=row, column=column.name)
    try:
        column.read(value)
    except ValueError as error:
        message = str(error) or "invalid value"
        raise TableError(f"{value!r}: {message}", path=path, row=row, column=column.name) from None
    if value and (datatypes := column.common_props.get(DATATYPES)):
        for part in value.split(column.separator) if column.separator else [value]:
            datatype = lexical_datatype(part, datatypes)
            if datatype is None:
                expected = " or ".join(datatypes)
                raise TableError(f"{part!r} is not {expected}", path=path, row=row, column=column.name)


def lexical_datatype(value: str, datatypes: list[str]) -> str | None:
    """Return the first of ``datatypes`` whose lexical form ``value`` has (dates must exist)."""
    for datatype in datatypes:
        if LEXICAL_FORMS[datatype].match(value):
            if datatype == "xsd:date":
                try:
                    datetime.date.fromisoformat(value)
                except ValueError:
                    continue
            return datatype
    return None


def check_references(tables: list[Table], known: set[str]) -> None:
    """Check that every identifier cell names a row of the tables it references, and every
    other IRI cell a thing declared in the ontology, the hand-written graph (``known``) or a table."""
    by_name: dict[str, set[str]] = {}
    declared = set(known)
    for table in tables:
        by_name.setdefault(table.name, set()).update(table.keys())
        if table.name != "provenance":
            about = table.schema.tableSchema.aboutUrl.uri
            declared.update(expand(fill(about, row.cells, "", "")) for row in table.rows)
    known = declared
    for table in tables:
        for column in table.columns():
            if column.common_props.get(REFERENCES) == DECLARED:
                for row in table.rows:
                    iri = expand(fill(table.schema.tableSchema.aboutUrl.uri, row.cells, "", ""))
                    if iri not in declared:
                        raise TableError(
                            f"unknown {row.cells[column.name]!r}: {iri} is declared nowhere in ontology/ or graph/",
                            path=table.display,
                            row=row.line,
                            column=column.name,
                        )
                continue
            if column.virtual or column.valueUrl is None or column.suppressOutput:
                continue
            targets = str(column.common_props.get(REFERENCES, "")).split()
            allowed = set().union(*(by_name.get(name, set()) for name in targets)) if targets else None
            for row in table.rows:
                for value in values_of(column, row.cells[column.name]):
                    if allowed is not None:
                        if value not in allowed:
                            kinds = " or ".join(targets)
                            raise TableError(
                                f"unknown {value!r}: not a key of {kinds}",
                                path=table.display,
                                row=row.line,
                                column=column.name,
                            )
                    elif (iri := value_iri(column, row.cells, value)) not in known:
                        raise TableError(
                            f"unknown {value!r}: {iri} is declared nowhere in ontology/ or graph/",
                            path=table.display,
                            row=row.line,
                            column=column.name,
                        )


def values_of(column: Any, cell: str) -> list[str]:
    """The values of a cell: none when empty, several when the column has a separator."""
    if cell == "":
        return []
    return cell.split(column.separator) if column.separator else [cell]


def fill(template: str, cells: dict[str, str], column: str, value: str) -> str:
    """Fill a template's ``{name}`` variables from the row (``column`` bound to ``value``)."""

    def variable(match: re.Match[str]) -> str:
        name = match.group(1)
        return value if name == column else cells[name]

    return TEMPLATE_VARIABLE.sub(variable, template)


def value_iri(column: Any, cells: dict[str, str], value: str) -> str:
    """The IRI a value of an IRI column stands for (its ``valueUrl`` filled in)."""
    return expand(fill(column.valueUrl.uri, cells, column.name, value))


def row_triples(table: Table, row: Row) -> Iterator[tuple[Any, Any, Any]]:
    """Yield the rdflib triples of one row (csv2rdf, minimal mode)."""
    from rdflib import Literal, URIRef

    about = table.schema.tableSchema.aboutUrl
    row_subject = URIRef(expand(fill(about.uri, row.cells, "", "")))
    for column in table.columns():
        if column.suppressOutput:
            continue
        subject = URIRef(expand(fill(column.aboutUrl.uri, row.cells, "", ""))) if column.aboutUrl else row_subject
        predicate = URIRef(expand(column.propertyUrl.uri))
        if column.virtual:
            if column.valueUrl is not None:
                yield subject, predicate, URIRef(expand(fill(column.valueUrl.uri, row.cells, "", "")))
            elif template := column.common_props.get(TEXT_TEMPLATE):
                yield subject, predicate, Literal(fill(template, row.cells, "", ""), lang=column.lang)
            continue
        for value in values_of(column, row.cells[column.name]):
            if column.valueUrl is not None:
                yield subject, predicate, URIRef(value_iri(column, row.cells, value))
            elif datatypes := column.common_props.get(DATATYPES):
                datatype = lexical_datatype(value, datatypes) or datatypes[0]
                yield subject, predicate, Literal(value, datatype=URIRef(expand(datatype)))
            elif (base := column.datatype.base if column.datatype else "string") in CSVW_DATATYPES:
                lexical = str(column.read(value)).lower() if base == "boolean" else value
                yield subject, predicate, Literal(lexical, datatype=URIRef(XSD + CSVW_DATATYPES[base]))
            elif column.lang and column.lang != "und":
                yield subject, predicate, Literal(value, lang=column.lang)
            else:
                yield subject, predicate, Literal(value)


def output_path(table: Table, graph: Path) -> Path:
    """Where a table's Turtle goes: ``graph/<folder>/<table>.ttl``."""
    return graph / table.folder / f"{table.csv_path.stem}.ttl"


def header(table: Table) -> str:
    """The comment that opens a generated file: its table, and the command that regenerates it."""
    schema = f"graph/tables/schemas/{table.name}.json"
    return (
        f"# Generated from {table.display} (schema {schema}) by `{COMPILE_COMMAND}`.\n"
        '# Do not edit: edit the table and run the command again (CONVENTIONS.md, "Tables").\n\n'
    )


def to_turtle(table: Table) -> str:
    """Serialise one table's triples as Turtle with rdflib, opened by :func:`header`, in the
    canonical layout of :mod:`kg.turtle_style`."""
    from rdflib import Graph

    from kg.turtle_style import canonical_text

    graph = Graph(bind_namespaces="none")
    for name in ("kg", "kgr", "kgv", "rdf", "rdfs", "skos", "xsd", "dcterms", "prov", "qb"):
        graph.bind(name, PREFIXES[name])
    for row in table.rows:
        for triple in row_triples(table, row):
            graph.add(triple)
    return canonical_text(header(table) + graph.serialize(format="turtle"))


def declared_iris(graph: Path, generated: set[Path], *, ontology: Path, home: Path | None = None) -> set[str]:
    """The IRIs declared (typed) in the folder ``ontology`` and the hand-written Turtle of ``graph``."""
    import pyoxigraph

    store = pyoxigraph.Store()
    files = sorted(ontology.glob("*.ttl")) + sorted(graph.rglob("*.ttl"))
    for path in files:
        if path.resolve() in generated:
            continue
        try:
            store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
        except SyntaxError as error:
            raise InputError(
                f"malformed Turtle: {error.msg}", path=display_path(path, home), line=error.lineno
            ) from None
    rdf_type = pyoxigraph.NamedNode(RDF + "type")
    return {
        quad.subject.value
        for quad in store.quads_for_pattern(None, rdf_type, None)
        if not isinstance(quad.subject, pyoxigraph.Triple)
    }


def compile_tables(sources: Sources, folder: Path | None = None) -> dict[Path, str]:
    """Check every table of the folder ``folder`` (default: ``tables/`` in the graph folder of
    ``sources``) and return the Turtle text of each generated file of that graph folder, by path.

    Nothing is written; :func:`write_outputs` writes. Raises :class:`TableError` on a bad row.
    """
    graph, home = sources.graph, sources.home
    tables = load_tables(folder or graph / "tables", home=home)
    outputs = {output_path(table, graph): table for table in tables}
    generated = {path.resolve() for path in outputs}
    check_references(tables, declared_iris(graph, generated, ontology=sources.ontology, home=home))
    return {path: to_turtle(table) for path, table in outputs.items()}


def write_outputs(outputs: dict[Path, str]) -> list[Path]:
    """Write the files that changed (each whole or not at all, through :func:`kg.atomic.atomic_write`); return them."""
    from kg.atomic import atomic_write

    changed = stale_outputs(outputs)
    for path in changed:
        text = outputs[path]
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as stream:
            stream.write(text.encode("utf-8"))
    return changed


def stale_outputs(outputs: dict[Path, str]) -> list[Path]:
    """The generated files that are missing or differ from what their tables compile to."""
    return [path for path, text in outputs.items() if not path.is_file() or path.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    """``python -m kg.tables [compile|check]``: the same as ``kg tables``."""
    from kg.cli import main as cli

    return cli(["tables", *(argv if argv is not None else ["compile"])])


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.exit(main(sys.argv[1:]))
