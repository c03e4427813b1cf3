"""Check the graph's numbers against the report texts.

Every observation is a row of ``graph/tables/<report>/observations.csv`` that records its number
as printed (``printed``) and the sections or figures it comes from (``sources``).
:func:`check_fidelity` reads those rows and the corpus folder it is given (``kg`` and the
notebooks take it from ``KG_CORPUS``) and confirms, for each
observation, that the printed text occurs in the cited part's text after NFKC normalisation and
that the stored ``value`` equals what that text says; a change as printed (``change_printed``)
must occur there too, and say the stored ``change`` and ``change_direction`` (増 or 減).

A section's text runs from its heading line (``source_line``) to the next heading that is not
one of its own subsections; a figure's text is the text of the section that holds its caption.
Sections and figures are rows of the same tables (``sections.csv``, ``figures.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import InputError
from kg.numerals import normalise, printed_value
from kg.tables import Table, load_tables

if TYPE_CHECKING:
    from kg.build import Sources

#: The corpus file of each report (graph/common/reports.ttl, kg:corpusFile).
REPORTS = """
SELECT ?report ?file WHERE { ?report a kg:Report ; kg:corpusFile ?file }"""

#: Words after a printed change that make it a decrease.
DECREASE_WORDS = ("減少", "減", "低下")


@dataclass(frozen=True)
class Span:
    """Lines ``start`` (inclusive) to ``end`` (exclusive), 1-based, of one corpus file."""

    file: str
    start: int
    end: int


@dataclass(frozen=True)
class Evidence:
    """Where a printed number was found: the file, the line, and that line's text."""

    file: str
    line: int
    text: str


@dataclass(frozen=True)
class Change:
    """A change as printed, the signed change stored, the change the text states, and where found."""

    printed: str
    value: Decimal | None
    printed_value: Decimal | None
    evidence: Evidence | None
    direction: str = ""

    def problem(self) -> str:
        """Say what is wrong with the change, in one line ('' when nothing is)."""
        if self.evidence is None:
            return f"change_printed {self.printed!r} not found in the cited section or figure"
        decrease = normalise(self.printed).rstrip().endswith(DECREASE_WORDS)
        if self.direction != ("change-decrease" if decrease else "change-increase"):
            return f"change_direction {self.direction or '(none)'} but {self.printed!r} says otherwise"
        if self.value is not None and self.value != self.printed_value:
            return f"change {self.value} but {self.printed!r} means {self.printed_value}"
        return ""


@dataclass(frozen=True)
class Finding:
    """The check of one observation row: ``ok`` when its texts were found and its numbers match.

    A derived observation (no printed number) is recomputed from what it is computed from;
    ``printed_value`` then holds the recomputed value.
    """

    observation: str
    printed: str
    value: Decimal
    printed_value: Decimal | None
    evidence: Evidence | None
    where: str = ""
    derived: bool = False
    change: Change | None = None
    quoted: str = ""

    @property
    def value_matches(self) -> bool:
        """True when the stored value equals the value of the printed text (or, derived, the recomputed one)."""
        return self.printed_value is not None and self.printed_value == self.value

    @property
    def ok(self) -> bool:
        """True when :meth:`problem` finds nothing."""
        return not self.problem()

    def problem(self) -> str:
        """Say what is wrong, in one line ('' when nothing is)."""
        name = f"{self.where} ({self.observation.rsplit('/', 1)[-1]})" if self.where else self.observation
        if self.evidence is None:
            if self.derived:
                return f"{name}: cannot recompute {self.printed!r}: its derivation text or inputs are missing"
            return f"{name}: printed text {self.printed!r} not found in the cited section or figure"
        if not self.value_matches:
            if self.derived:
                return f"{name}: value {self.value} but {self.printed!r} gives {self.printed_value}"
            return f"{name}: value {self.value} but {self.printed!r} means {self.printed_value}"
        if self.change and (problem := self.change.problem()):
            return f"{name}: {problem}"
        if self.quoted:
            return f"{name}: {self.quoted}"
        return ""


@cache
def corpus_lines(file: Path) -> tuple[str, ...]:
    """Return the NFKC-normalised lines of a corpus file (cached)."""
    if not file.is_file():
        raise InputError("corpus file not found; set KG_CORPUS to the folder holding the report texts", path=str(file))
    return tuple(normalise(line) for line in file.read_text(encoding="utf-8").splitlines())


@dataclass(frozen=True)
class Part:
    """A section or figure: its IRI, corpus file, heading line, parent section, and kind."""

    iri: str
    file: str
    line: int
    parent: str | None
    figure: bool


def corpus_files(graph: Path) -> dict[str, str]:
    """Return the corpus file of each report IRI, from ``common/reports.ttl`` of the graph folder ``graph``."""
    import pyoxigraph

    from kg.namespaces import sparql_prologue
    from kg.store.solutions import select

    path = graph / "common" / "reports.ttl"
    store = pyoxigraph.Store()
    try:
        store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
    except (OSError, SyntaxError) as error:
        raise InputError(f"cannot read the reports: {error}", path=str(path)) from None
    return {row["report"].value: row["file"].value for row in select(store, sparql_prologue() + REPORTS)}


def source_parts(tables: list[Table], files: dict[str, str]) -> dict[str, Part]:
    """Return every section and figure of the tables, by IRI, in the corpus ``files`` of :func:`corpus_files`."""
    from kg.namespaces import KGR

    parts = {}
    for table in tables:
        if table.name not in ("sections", "figures"):
            continue
        for row in table.rows:
            cells = row.cells
            iri = KGR + cells[table.key]
            parent = KGR + cells["part_of"] if cells["part_of"] else None
            file = files[KGR + cells["report"]]
            parts[iri] = Part(iri, file, int(cells["source_line"]), parent, table.name == "figures")
    return parts


def project_spans(sources: Sources, *, tables: list[Table] | None = None) -> dict[str, Span]:
    """Compute the text span of every section and figure of the graph folder of ``sources``: of
    its ``tables/`` (or of ``tables``, read by :func:`kg.tables.load_tables`) in its reports' corpus files.

    >>> from kg.build import Sources
    >>> from kg.paths import project_home
    >>> span = project_spans(Sources.of(project_home()))["https://w3id.org/npa-cyber-kg/id/r5-sec-p1-2-3"]
    >>> span.file, span.start < span.end
    ('npa-r5-2023.txt', True)
    """
    tables = load_tables(sources.graph / "tables", home=sources.home) if tables is None else tables
    return source_spans(source_parts(tables, corpus_files(sources.graph)))


def source_spans(parts: dict[str, Part]) -> dict[str, Span]:
    """Compute the text span of every section and figure of ``parts`` (:func:`source_parts`)."""
    children: dict[str, set[str]] = {}
    for part in parts.values():
        if part.parent:
            children.setdefault(part.parent, set()).add(part.iri)

    def descendants(iri: str) -> set[str]:
        found, stack = set(), [iri]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found

    sections_by_file: dict[str, list[tuple[int, str]]] = {}
    for part in parts.values():
        if not part.figure:
            sections_by_file.setdefault(part.file, []).append((part.line, part.iri))
    spans: dict[str, Span] = {}
    for file, sections in sections_by_file.items():
        sections.sort()
        for line, iri in sections:
            inside = descendants(iri)
            later = [start for start, other in sections if start > line and other not in inside]
            spans[iri] = Span(file, line, later[0] if later else 10**9)
    for part in parts.values():
        if part.figure:
            holders = [(start, other) for start, other in sections_by_file.get(part.file, []) if start <= part.line]
            holder = spans[max(holders)[1]] if holders else Span(part.file, part.line, part.line + 1)
            spans[part.iri] = Span(part.file, min(holder.start, part.line), max(holder.end, part.line + 1))
    return spans


def find_in_span(printed: str, span: Span, corpus: Path) -> Evidence | None:
    """Find ``printed`` (NFKC) in a span of a corpus file.

    The span's lines are joined, blank lines and line-edge spaces dropped, because the 2021
    report's vertical layout splits sentences, and numbers, across lines.
    """
    lines = corpus_lines(corpus / span.file)
    needle = normalise(printed)
    text, starts = "", []
    for number in range(span.start, min(span.end, len(lines) + 1)):
        line = lines[number - 1].strip()
        if line:
            starts.append((len(text), number))
            text += line
    offset = text.find(needle)
    if offset < 0:
        return None
    first = max(number for start, number in starts if start <= offset)
    last = max(number for start, number in starts if start < offset + len(needle))
    return Evidence(span.file, first, "".join(lines[number - 1].strip() for number in range(first, last + 1)))


def find_in_parts(printed: str, parts: list[str], spans: dict[str, Span], corpus: Path) -> Evidence | None:
    """Find ``printed`` in the text of the first of ``parts`` that holds it."""
    for part in parts:
        if part in spans and (evidence := find_in_span(printed, spans[part], corpus)):
            return evidence
    return None


def change_value(printed: str) -> Decimal | None:
    """The signed change a printed change states (``前年と比べて1件減少`` is -1), or None."""
    try:
        value = printed_value(printed.split("比", 1)[-1] if "比" in printed else printed)
    except ValueError:
        return None  # a direction without a number (前年と比べて増加)
    return -value if normalise(printed).rstrip().endswith(DECREASE_WORDS) else value


#: Cells that quote the report besides the number and its change: each must occur in a cited part.
QUOTED_COLUMNS = ("printed_rounded", "trend_printed", "record_printed")


def quoted_problem(cells: dict[str, str], parts: list[str], spans: dict[str, Span], corpus: Path) -> str:
    """Say what is wrong with an observation's other quotations, in one line ('' when nothing is).

    Each of :data:`QUOTED_COLUMNS` must occur in a cited part; a rounded printing
    (``約87.3億円``) must round the stored value to its last printed digit; a trend and a
    record need the text that states them.
    """
    if rounded := cells.get("printed_rounded"):
        try:
            rounded_value = printed_value(rounded)
        except ValueError:
            return f"printed_rounded {rounded!r} is not a number"
        exponent = rounded_value.normalize().as_tuple().exponent
        assert isinstance(exponent, int), rounded  # a printed number is finite
        step = Decimal(10) ** exponent
        if abs(Decimal(cells["value"]) - rounded_value) * 2 > step:
            return f"printed_rounded {rounded!r} does not round value {cells['value']}"
    for column in QUOTED_COLUMNS:
        text = cells.get(column, "")
        if text and find_in_parts(text, parts, spans, corpus) is None:
            return f"{column} {text!r} not found in the cited section or figure"
    if cells.get("trend_direction") and not cells.get("trend_printed"):
        return "trend_direction without the trend_printed that states it"
    if cells.get("record") and not cells.get("record_printed"):
        return "record without the record_printed that states it"
    return ""


def check_derived(
    iri: str,
    cells: dict[str, str],
    values: dict[str, Decimal],
    parts: list[str],
    spans: dict[str, Span],
    corpus: Path,
    where: str,
) -> Finding:
    """Check a derived observation: recompute its value from what it is computed from.

    ``computation-previous-from-change``: the base's value less the change its
    ``derivation_printed`` states (which must occur in a cited part);
    ``computation-remainder``: the first observation (a total) less the others (its parts);
    ``computation-at-least-one``: 1, a lower bound (``bound-at-least``), where the
    ``derivation_printed`` (which must occur in a cited part) says some exist without a number.
    """
    inputs = cells["computed_from"].split()
    value = Decimal(cells["value"])
    text = cells["derivation_printed"] or cells["computation"]
    expected: Decimal | None = None
    evidence: Evidence | None = Evidence("", 0, "")
    if any(name not in values for name in inputs) or not inputs:
        evidence = None
    elif cells["computation"] == "computation-previous-from-change":
        evidence = (
            find_in_parts(cells["derivation_printed"], parts, spans, corpus) if cells["derivation_printed"] else None
        )
        change = change_value(cells["derivation_printed"])
        expected = values[inputs[0]] - change if change is not None else None
    elif cells["computation"] == "computation-at-least-one":
        evidence = (
            find_in_parts(cells["derivation_printed"], parts, spans, corpus) if cells["derivation_printed"] else None
        )
        expected = Decimal(1) if cells["bound"] == "bound-at-least" else None
    elif cells["computation"] == "computation-remainder":
        expected = values[inputs[0]] - sum((values[name] for name in inputs[1:]), Decimal(0))
    return Finding(iri, text, value, expected, evidence, where, derived=True)


def check_fidelity(
    sources: Sources, *, corpus: Path, observation: str | None = None, folder: Path | None = None
) -> list[Finding]:
    """Check every observation row of the tables of the graph folder of ``sources`` (or of the
    tables' folder ``folder``), or the one IRI ``observation``, against the report texts in the
    folder ``corpus``."""
    from kg.namespaces import KGR

    tables = load_tables(folder or sources.graph / "tables", home=sources.home)
    spans = project_spans(sources, tables=tables)
    findings = []
    values = {
        row.cells["observation"]: Decimal(row.cells["value"])
        for table in tables
        if table.name == "observations"
        for row in table.rows
    }
    for table in tables:
        if table.name != "observations":
            continue
        for row in table.rows:
            cells = row.cells
            iri = KGR + cells[table.key]
            if observation and iri != observation:
                continue
            parts = [KGR + source for source in cells["sources"].split()]
            where = f"{table.display}: row {row.line}"
            if not cells["printed"]:
                findings.append(check_derived(iri, cells, values, parts, spans, corpus, where))
                continue
            try:
                parsed: Decimal | None = printed_value(cells["printed"])
            except ValueError:
                parsed = None
            evidence = find_in_parts(cells["printed"], parts, spans, corpus)
            change = None
            if cells["change_printed"]:
                change = Change(
                    cells["change_printed"],
                    Decimal(cells["change"]) if cells["change"] else None,
                    change_value(cells["change_printed"]),
                    find_in_parts(cells["change_printed"], parts, spans, corpus),
                    cells["change_direction"],
                )
            quoted = quoted_problem(cells, parts, spans, corpus)
            findings.append(
                Finding(
                    iri,
                    cells["printed"],
                    Decimal(cells["value"]),
                    parsed,
                    evidence,
                    where,
                    change=change,
                    quoted=quoted,
                )
            )
    return findings
