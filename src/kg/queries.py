"""Named queries: competency questions (``queries/cq``) and quality checks (``queries/qc``).

Each query is one ``.rq`` file whose header states its question::

    # question (en): Which agencies issued the 2023-09-27 advisory on BlackTech?
    # question (ja): 2023年9月27日のBlackTechに関する注意喚起を発出した機関はどこか。
    # source: R5-2023, 第1部 トピック1; 図表1

A competency query's expected answer sits beside it as ``<name>.expected.csv``; a quality
check is named ``*-violation.rq`` and passes when it returns no rows.
"""

from __future__ import annotations

import re
from pathlib import Path

from kg.errors import InputError

_HEADER = re.compile(r"^#\s*(question \(en\)|question \(ja\)|source)\s*:\s*(.*)$")
_LOOKS_LIKE_SPARQL = re.compile(
    r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE|PREFIX|BASE|INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)


class NamedQuery:
    """One named query file and what its header says (a plain class, not a NamedTuple or a
    dataclass: importing typing or dataclasses is a twentieth of ``kg query``'s start, see
    :class:`kg.results.QueryResult`)."""

    __slots__ = ("kind", "name", "path", "question_en", "question_ja", "source")

    def __init__(self, name: str, path: Path, kind: str, question_en: str, question_ja: str, source: str) -> None:
        self.name = name
        self.path = path
        self.kind = kind
        self.question_en = question_en
        self.question_ja = question_ja
        self.source = source

    def _fields(self) -> tuple[str | Path, ...]:
        return (self.name, self.path, self.kind, self.question_en, self.question_ja, self.source)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NamedQuery) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"NamedQuery(name={self.name!r}, path={self.path!r}, kind={self.kind!r})"

    @property
    def text(self) -> str:
        """The query text."""
        return read_query_file(self.path)

    @property
    def expected_path(self) -> Path:
        """Where the expected answer of a competency query is kept."""
        return self.path.with_suffix(".expected.csv")

    def expected(self) -> tuple[list[str], list[tuple[str, ...]]]:
        """Return the expected header and rows (lexical values) of a competency query."""
        import csv  # here: ``kg query`` never reads an expected answer

        with self.expected_path.open(encoding="utf-8", newline="") as handle:
            header, *rows = list(csv.reader(handle))
        return header, [tuple(row) for row in rows]


def read_query_file(path: Path) -> str:
    """Return the text of a query file; a file that is not UTF-8 is an error naming its line."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", path=str(path)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{data[error.start]:02x}); save the query as UTF-8", path=str(path), line=line
        ) from None


def read_named_query(path: Path, kind: str) -> NamedQuery:
    """Read a query file and its header."""
    fields = {"question (en)": "", "question (ja)": "", "source": ""}
    for line in read_query_file(path).splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        if match := _HEADER.match(line):
            fields[match[1]] = match[2].strip()
    return NamedQuery(path.stem, path, kind, fields["question (en)"], fields["question (ja)"], fields["source"])


#: The message of a missing folder: right for an API caller, with the hint for the ``kg`` commands.
NO_QUERIES = "no such folder of named queries (a project's queries/; the kg commands take the project from KG_HOME)"


def catalog(folder: Path) -> dict[str, NamedQuery]:
    """Return every named query of the folder ``folder`` (a project's ``queries/``), by name:
    competency queries first, then quality checks."""
    if not folder.is_dir():
        raise InputError(NO_QUERIES, path=str(folder))
    found: dict[str, NamedQuery] = {}
    for kind in ("cq", "qc"):
        for path in sorted((folder / kind).glob("*.rq")):
            found[path.stem] = read_named_query(path, kind)
    return found


def named_path(name: str, folder: Path) -> Path | None:
    """Return the file of the named query ``name`` in ``folder``, as :func:`catalog` would find
    it (a quality check before a competency query of the same name), without reading the others.

    >>> from kg.paths import queries_dir
    >>> named_path("cq-r5a-blacktech-advisory-issuers", queries_dir()).parent.name
    'cq'
    >>> named_path("../cq/cq-r5a-blacktech-advisory-issuers", queries_dir()) is None
    True
    """
    if not name or "/" in name or "\\" in name or "\0" in name or name in (".", ".."):
        return None
    for kind in ("qc", "cq"):
        if _is_file(path := folder / kind / f"{name}.rq"):
            return path
    return None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a text too long to be a file name
        return False


def resolve(spec: str, *, folder: Path | None = None) -> tuple[str, str]:
    """Return ``(query text, source)`` for a named query of the folder ``folder`` (none without
    it), a ``.rq`` file or query text.

    >>> resolve("SELECT * WHERE { ?s ?p ?o }")
    ('SELECT * WHERE { ?s ?p ?o }', 'query')
    """
    if folder is not None and (named := named_path(spec, folder)) is not None:
        return read_query_file(named), str(named)
    path = Path(spec)
    if path.suffix in (".rq", ".sparql"):
        if not path.is_file():
            raise InputError("no such query file; `kg queries` lists the named queries", path=spec)
        return read_query_file(path), str(path)
    if _LOOKS_LIKE_SPARQL.search(spec):
        return spec, "query"
    if _is_file(path):
        return read_query_file(path), str(path)
    if folder is None:
        raise InputError(f"{spec!r} is neither a .rq file nor SPARQL text, and no folder of named queries was given")
    raise InputError(
        f"{spec!r} is neither a named query, a .rq file nor SPARQL text; `kg queries` lists the named queries"
    )
