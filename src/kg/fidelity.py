"""Check the graph's numbers against the report texts.

Every observation records its number as printed (``kg:printedText``) and the section or figure
it comes from. :func:`check_fidelity` reads the corpus (``KG_CORPUS``) and confirms, for each
observation, that the printed text occurs in the cited part's text after NFKC normalisation and
that the stored ``kg:value`` equals what that text says.

A section's text runs from its heading line (``kg:sourceLine``) to the next heading that is not
one of its own subsections; a figure's text is the text of the section that holds its caption.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from kg.errors import InputError
from kg.numerals import normalise, printed_value
from kg.paths import corpus_dir
from kg.store.base import SparqlStore

PARTS = """
SELECT ?part ?file ?line ?parent ?figure WHERE {
  ?part a kg:SourcePart ; kg:inReport ?report ; kg:sourceLine ?line .
  ?report kg:corpusFile ?file .
  OPTIONAL { ?part dcterms:isPartOf ?parent }
  BIND(EXISTS { ?part a kg:Figure } AS ?figure)
}"""

OBSERVATIONS = """
SELECT ?observation ?printed ?value ?part WHERE {
  ?observation a kg:Observation ; kg:printedText ?printed ; kg:value ?value ; prov:wasDerivedFrom ?part .
  FILTER(!BOUND(?only) || ?observation = ?only)
} ORDER BY ?observation"""


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
class Finding:
    """The check of one observation: ``ok`` when the text was found and the value matches."""

    observation: str
    printed: str
    value: Decimal
    printed_value: Decimal | None
    evidence: Evidence | None

    @property
    def value_matches(self) -> bool:
        """True when the stored value equals the value of the printed text."""
        return self.printed_value is not None and self.printed_value == self.value

    @property
    def ok(self) -> bool:
        """True when the printed text is in the cited source and the value matches it."""
        return self.evidence is not None and self.value_matches

    def problem(self) -> str:
        """Say what is wrong, in one line ('' when nothing is)."""
        if self.evidence is None:
            return f"{self.observation}: printed text {self.printed!r} not found in the cited section or figure"
        if not self.value_matches:
            return f"{self.observation}: kg:value {self.value} but {self.printed!r} means {self.printed_value}"
        return ""


@cache
def corpus_lines(file: Path) -> tuple[str, ...]:
    """Return the NFKC-normalised lines of a corpus file (cached)."""
    if not file.is_file():
        raise InputError("corpus file not found; set KG_CORPUS to the folder holding the report texts", path=str(file))
    return tuple(normalise(line) for line in file.read_text(encoding="utf-8").splitlines())


def source_spans(store: SparqlStore) -> dict[str, Span]:
    """Compute the text span of every section and figure in the store."""
    rows = store.execute(PARTS).bindings
    info = {row["part"]["value"]: row for row in rows}
    children: dict[str, set[str]] = {}
    for part, row in info.items():
        if "parent" in row:
            children.setdefault(row["parent"]["value"], set()).add(part)

    def descendants(part: str) -> set[str]:
        found, stack = set(), [part]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found

    sections_by_file: dict[str, list[tuple[int, str]]] = {}
    for part, row in info.items():
        if row["figure"]["value"] != "true":
            sections_by_file.setdefault(row["file"]["value"], []).append((int(row["line"]["value"]), part))
    spans: dict[str, Span] = {}
    for file, sections in sections_by_file.items():
        sections.sort()
        for line, part in sections:
            inside = descendants(part)
            later = [start for start, other in sections if start > line and other not in inside]
            spans[part] = Span(file, line, later[0] if later else 10**9)
    for part, row in info.items():
        if row["figure"]["value"] == "true":
            file, line = row["file"]["value"], int(row["line"]["value"])
            holders = [(start, other) for start, other in sections_by_file.get(file, []) if start <= line]
            holder = spans[max(holders)[1]] if holders else Span(file, line, line + 1)
            spans[part] = Span(file, min(holder.start, line), max(holder.end, line + 1))
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


def check_fidelity(store: SparqlStore, *, corpus: Path | None = None, observation: str | None = None) -> list[Finding]:
    """Check every observation (or the one IRI ``observation``) against the corpus."""
    corpus = corpus or corpus_dir()
    spans = source_spans(store)
    bindings = {"only": {"type": "uri", "value": observation}} if observation else None
    rows = store.execute(OBSERVATIONS, bindings=bindings).bindings
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for row in rows:
        key = (row["observation"]["value"], row["printed"]["value"], row["value"]["value"])
        grouped.setdefault(key, []).append(row["part"]["value"])
    findings = []
    for (iri, printed, value), parts in grouped.items():
        try:
            parsed: Decimal | None = printed_value(printed)
        except ValueError:
            parsed = None
        evidence = None
        for part in parts:
            if part in spans and (evidence := find_in_span(printed, spans[part], corpus)):
                break
        findings.append(Finding(iri, printed, Decimal(value), parsed, evidence))
    return findings
