"""Draft the graph of a new report from its text, for a reviewer to accept, correct or drop.

:func:`draft_report` reads a report text (:mod:`kg.draft.text`), finds its section tree and
figures (:mod:`kg.draft.structure`), its numbers (:mod:`kg.draft.numbers`) and dates
(:mod:`kg.draft.dates`), links the names it prints to the things the graph knows
(:mod:`kg.draft.entities`), and returns a :class:`Draft`; :mod:`kg.draft.write` writes it as
the graph's tables plus review files, :mod:`kg.draft.compare` measures it against the curated
graph. Every row keeps the line of the report it came from.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from kg.draft.dates import DateMention, find_dates
from kg.draft.entities import ORGANISATION_KINDS, Candidate, Gazetteer, Mention, find_candidates
from kg.draft.numbers import UNITS, Number, Series, find_numbers, rank_series
from kg.draft.rules import Listing, described, listings, unabridged
from kg.draft.structure import Section, Structure, parse_structure
from kg.draft.text import ReportText
from kg.errors import InputError
from kg.numerals import normalise

Item = TypeVar("Item")
REPORT_ID = re.compile(r"^r(\d+)-(\d{4})$")


@dataclass
class Located(Generic[Item]):
    """An extracted item with the report line and the section it sits in."""

    item: Item
    line: int
    section: Section | None
    last_line: int = 0


@dataclass
class Draft:
    """Everything drafted from one report."""

    report_id: str
    year: int
    text: ReportText
    structure: Structure
    numbers: list[Located[Number]] = field(default_factory=list)
    dates: list[Located[DateMention]] = field(default_factory=list)
    mentions: list[Located[Mention]] = field(default_factory=list)
    candidates: list[Located[Candidate]] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        """The prefix of the report's section and figure keys (``r6`` for ``r6-2024``)."""
        return self.report_id.split("-")[0]


def report_year(report_id: str) -> int:
    """Return the year a report covers from its id (``r6-2024`` → 2024); the era year must agree.

    >>> report_year("r6-2024")
    2024
    """
    match = REPORT_ID.match(report_id)
    if not match:
        raise InputError(f"report id {report_id!r} is not of the form rN-YYYY (e.g. r6-2024: 令和6年, 2024)")
    era, year = int(match.group(1)), int(match.group(2))
    if 2018 + era != year:
        raise InputError(f"report id {report_id!r}: 令和{era}年 is {2018 + era}, not {year}")
    return year


def check_is_report(text: ReportText) -> None:
    """Raise :class:`InputError` unless the text looks like a threat report (headings and numbers)."""
    body = "".join(text.lines)
    if len(body) < 200 or not re.search(r"(令和|平成)\s*(元|\d+)\s*年", body):
        raise InputError("not a report text: no era dates (令和/平成) in it", path=text.path)


def draft_report(
    text: ReportText,
    report_id: str,
    gazetteer: Gazetteer,
    *,
    series: list[Series] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Draft:
    """Draft ``text`` as report ``report_id`` (``rN-YYYY``), linking names with ``gazetteer``.

    With ``series`` (the graph's statistical series), each number gets its ranked candidates.
    """
    year = report_year(report_id)
    check_is_report(text)
    structure = parse_structure(text, report_id.split("-")[0])
    if len(structure.sections) < 3:
        raise InputError(f"not a report text: only {len(structure.sections)} headings found", path=text.path)
    draft = Draft(report_id, year, text, structure)
    skip = set(structure.heading_lines)
    skip |= {figure.credit_line for figure in structure.figures if figure.credit_line}
    starts = sorted({section.line for section in structure.sections})
    bodies = list(zip(starts, [*starts[1:], len(text.lines) + 1], strict=True))
    if starts and starts[0] > 1:
        bodies.insert(0, (1, starts[0]))
    lists: list[Located[Listing]] = []
    for index, (start, end) in enumerate(bodies, start=1):
        if progress and (index % 25 == 0 or index == len(bodies)):
            progress(f"drafting: section {index} of {len(bodies)} (line {start})")
        _draft_body(draft, gazetteer, start, end, frozenset(skip), lists)
    # A list cut short with 等 (NISC、FBI等とともに) names the rest of the list the report prints in full.
    for listed, mention in unabridged(lists):
        draft.mentions.append(Located(mention, listed.line, listed.section))
    draft.mentions += summed_up(draft)
    # Headings name things too (○ BlackTechに対する…): link them, but find no numbers there.
    captions = {figure.line for figure in structure.figures}
    credits = {figure.credit_line for figure in structure.figures if figure.credit_line}
    for line in sorted({section.line for section in structure.sections} | captions | credits):
        for mention in gazetteer.find(text.line(line)):
            draft.mentions.append(Located(mention, line, structure.section_at(line)))
    # One link a thing and line (a heading is read alone and with its body).
    unique = {(located.line, located.item.thing): located for located in reversed(draft.mentions)}
    draft.mentions = sorted(unique.values(), key=lambda located: located.line)
    for located in draft.numbers:
        number = located.item
        section = located.section
        headings = "".join(part.title for part in [section, *section.ancestors()]) if section else ""
        number.series_candidates = rank_series(number, headings, series or [])
    return draft


#: What a heading ends in that a summary's heading leaves out or adds (…の事例, …等).
_HEADING_TAIL = re.compile(r"(?:の事例|の状況|の傾向|等)+$")


def summed_up(draft: Draft) -> list[Located[Mention]]:
    """Link, in a section that sums up a later one, the things that later section names.

    The overview of a report (第1部) restates the headings of the part it sums up (○ 情報窃取を
    企図した不正アクセス等 for (1) 情報窃取を企図した不正アクセスの事例) and names less: what
    the later section names under the same heading (less …の事例, …等) is what its summary
    speaks of. Only the later section's own text counts, not its subsections'.
    """
    sections = sorted(draft.structure.sections, key=lambda section: section.line)
    starts = [section.line for section in sections]
    by_heading: dict[str, list[Section]] = {}
    for section in sections:
        core = _HEADING_TAIL.sub("", normalise(section.title).strip())
        if len(core) >= 8:
            by_heading.setdefault(core, []).append(section)
    linked = []
    for same in by_heading.values():
        for summary, detail in itertools.pairwise(same):
            if summary in detail.ancestors() or detail in summary.ancestors():
                continue
            after = [line for line in starts if line > detail.line]
            end = after[0] if after else len(draft.text.lines) + 1
            seen = set()
            for located in draft.mentions:
                item = located.item
                if detail.line <= located.line < end and item.thing not in seen and not item.name.startswith("("):
                    seen.add(item.thing)
                    mention = Mention(
                        item.start, item.end, item.text, item.thing, item.kind, f"(summed up: line {located.line})"
                    )
                    linked.append(Located(mention, summary.line, summary))
    return linked


#: A unit named in a table's column heading (件数, 人数, 金額(円)…).
UNIT_IN_HEADING = re.compile(r"件|人|円|%")

#: How the reports credit another organisation's figures: 「フィッシング対策協議会によれば、…」.
CREDITED = re.compile(r"(によれば|によると|の調査によると|の調査では|の統計では|の資料によると)")


def credited_sources(context: str, gazetteer: Gazetteer) -> list[str]:
    """Return the organisations a sentence credits for its figures (the last named before によれば)."""
    credits = list(CREDITED.finditer(context))
    if not credits:
        return []
    credit = credits[-1]
    named = [m for m in gazetteer.find(context[: credit.start()]) if m.kind in ORGANISATION_KINDS]
    if not named:
        return []
    last = max(mention.end for mention in named)
    return sorted({mention.thing for mention in named if mention.end == last})


def table_period(dates: list[DateMention]) -> tuple[str, str] | None:
    """Return the period of a table from the dates printed before it in its section.

    A table sums up its section, so it covers the widest range printed before it (the one that
    starts first); without a range, the last year printed; else None.
    """
    ranges = [date for date in dates if date.end_value]
    if ranges:
        widest = min(ranges, key=lambda date: date.value)
        return widest.value, widest.end_value
    years = [date for date in dates if date.datatype == "gYear"]
    return (years[-1].value, "") if years else None


def _draft_body(
    draft: Draft, gazetteer: Gazetteer, start: int, end: int, skip: frozenset[int], lists: list[Located[Listing]]
) -> None:
    text, structure = draft.text, draft.structure
    prose_skip = skip | {n for n in range(start, end) if "\t" in text.raw[n - 1]}
    piece = text.flow(start, end, skip=frozenset(prose_skip))
    dates = find_dates(piece.text, draft.year)
    for date in dates:
        line = piece.line_at(date.start)
        draft.dates.append(Located(date, line, structure.section_at(line), piece.line_at(date.end - 1)))
    for number in find_numbers(piece.text, dates, draft.year):
        number.data_source = credited_sources(number.context, gazetteer)
        line = piece.line_at(number.start)
        draft.numbers.append(Located(number, line, structure.section_at(line), piece.line_at(number.end - 1)))
    mentions = gazetteer.find(piece.text)
    implied = [*gazetteer.implied_author(piece.text, mentions), *described(gazetteer, piece.text, mentions)]
    for mention in [*mentions, *implied]:
        line = piece.line_at(mention.start)
        draft.mentions.append(Located(mention, line, structure.section_at(line)))
    for listing in listings(piece.text, mentions):
        line = piece.line_at(listing.end - 1)
        lists.append(Located(listing, line, structure.section_at(line)))
    for candidate in find_candidates(piece.text, mentions):
        line = piece.line_at(candidate.start)
        draft.candidates.append(Located(candidate, line, structure.section_at(line)))
    # A heading names things too (linked line by line in draft_report), and a hard-wrapped layout
    # may wrap it into its body (「ランサムウェアに関するＧ７高 | 級実務者会合」): what starts on
    # a wrapped heading is read with the body.
    if start in prose_skip and text.continues(start):
        headed = text.flow(start, end, skip=frozenset(prose_skip - {start}))
        named = gazetteer.find(headed.text)
        for mention in named:
            if headed.line_at(mention.start) == start:
                draft.mentions.append(Located(mention, start, structure.section_at(start)))
        for candidate in find_candidates(headed.text, named):
            if headed.line_at(candidate.start) == start:
                draft.candidates.append(Located(candidate, start, structure.section_at(start)))
    # Tables that survived as text: one row a line, cells split by tabs, the first row the
    # column headings when it holds no numbers. A cell is read with its column's heading, its
    # row's label and the caption above the table.
    header: list[str] = []
    captions = {figure.line: figure.title for figure in structure.figures}
    for number_line in range(start, end):
        raw = text.raw[number_line - 1]
        if "\t" not in raw or number_line in skip:
            if text.line(number_line):
                header = []
            continue
        row = text.line(number_line)
        cells = [normalise(cell).strip() for cell in raw.split("\t")]
        if not header and not any(re.search(r"\d", cell) for cell in cells[1:]):
            header = cells
            continue
        caption = next((captions[n] for n in range(number_line, start - 1, -1) if n in captions), "")
        period = table_period([date for date in dates if piece.line_at(date.start) < number_line])
        for column, cell in enumerate(cells):
            heading = header[column] if column < len(header) else ""
            for number in find_numbers(cell, [], draft.year, table=True, period=period):
                number.context = f"{caption}{heading}{cells[0]}"[-80:]
                if not number.unit and (unit := UNIT_IN_HEADING.search(heading)):
                    number.unit = UNITS[unit.group()]
                    number.uncertain = [note for note in number.uncertain if not note.startswith("table cell")]
                    number.uncertain.append(f"unit from the column heading {heading!r}")
                draft.numbers.append(Located(number, number_line, structure.section_at(number_line), number_line))
        for mention in gazetteer.find(row):
            draft.mentions.append(Located(mention, number_line, structure.section_at(number_line)))
