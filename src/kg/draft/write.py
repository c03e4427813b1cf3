"""Write a draft into a folder: the graph's tables, review files, a Turtle report resource, a summary.

The folder appears complete or not at all: everything is written into a temporary sibling
folder, which is renamed to the output folder at the end. The tables have exactly the columns
of ``graph/tables/schemas/`` (CONVENTIONS.md "Tables"), so reviewed rows move into
``graph/tables/<report>/`` as they are; what the drafter knows beyond those columns — the line
of every row, the ranked candidates, what it was unsure about — is in ``review/``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from kg.draft import Draft, Located
from kg.errors import InputError

SECTION_COLUMNS = ("section", "report", "path", "title_ja", "title_en", "source_line", "part_of")
FOOTNOTE_COLUMNS = ("footnote", "report", "marker", "part_of", "source_line", "defines", "label_en", "label_ja")
FIGURE_COLUMNS = ("figure", "report", "number", "title_ja", "title_en", "source_line", "part_of", "data_source")
OBSERVATION_COLUMNS = tuple(
    [
        "observation",
        "series",
        "period",
        "period_end",
        "categories",
        "total",
        "value",
        "unit",
        "approximate",
        "bound",
        "printed",
        "change",
        "change_unit",
        "change_printed",
        "change_direction",
        "share_of",
        "share_base",
        "computed_from",
        "computation",
        "derivation_printed",
        "sources",
        "data_source",
        "comment_en",
        "comment_ja",
    ]
)
#: The columns of each drafted table, as the graph's schemas had them when this was written;
#: :func:`schema_columns` reads the current ones from ``graph/tables/schemas/``.
COLUMNS = {
    "sections": SECTION_COLUMNS,
    "figures": FIGURE_COLUMNS,
    "footnotes": FOOTNOTE_COLUMNS,
    "observations": OBSERVATION_COLUMNS,
}
KGR = "https://w3id.org/npa-cyber-kg/id/"


def schema_columns(schemas: Path) -> dict[str, tuple[str, ...]]:
    """Return the columns of each drafted table from the CSV on the Web schemas in ``schemas``.

    A table whose schema is missing keeps the columns above; a schema that names none of a
    table's key columns is an error, since the draft could not fill it.
    """
    import json

    columns = dict(COLUMNS)
    for table in COLUMNS:
        path = schemas / f"{table}.json"
        if not path.is_file():
            continue
        try:
            names = tuple(
                column["name"]
                for column in json.loads(path.read_text(encoding="utf-8"))["columns"]
                if not column.get("virtual")
            )
        except (ValueError, KeyError, TypeError) as error:
            raise InputError(f"not a CSV on the Web table schema ({error})", path=str(path)) from None
        if COLUMNS[table][0] not in names:
            raise InputError(f"the schema has no {COLUMNS[table][0]!r} column", path=str(path))
        columns[table] = names
    return columns


def _where(located: Located) -> dict[str, object]:
    """The cells every review row starts with: the report line and the section."""
    return {"line": located.line, "section": located.section.key if located.section else ""}


def _local(iri: str) -> str:
    return iri.removeprefix(KGR)


def _csv(rows: Iterable[dict[str, object]], columns: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: "" if row.get(column) is None else row.get(column) for column in columns})
    return buffer.getvalue()


def observation_rows(draft: Draft, units: set[str]) -> tuple[list[dict], list[dict]]:
    """Return the observation rows (table columns) and their review rows."""
    table, review = [], []
    counts: Counter[str] = Counter()
    printed_before: dict[tuple[object, ...], int] = {}
    figures_by_section: dict[str, list[str]] = {}
    for figure in draft.structure.figures:
        if figure.section:
            figures_by_section.setdefault(figure.section.key, []).append(f"{draft.prefix}-fig-{figure.number}")
    for located in draft.numbers:
        number = located.item
        candidates = number.series_candidates
        uncertain = list(number.uncertain)
        if candidates and candidates[0][1] >= 0.5:
            chosen = _local(candidates[0][0])
            if len(candidates) > 1 and candidates[1][1] >= candidates[0][1] - 0.1:
                uncertain.append("series: close candidates")
        else:
            chosen = "series-new-" + f"l{located.line}"
            uncertain.append("series: no known series fits; name a new one or pick one")
        if number.unit and number.unit not in units:
            uncertain.append(f"unit not in the vocabulary yet: kgv:{number.unit}")
        period = number.period + (f"-{number.period_end}" if number.period_end else "")
        base = f"{draft.prefix}-obs-{chosen.removeprefix('series-')}-{period}-l{located.line}"
        counts[base] += 1
        key = base + (f"-{counts[base]}" if counts[base] > 1 else "")
        same = (number.printed, number.value, number.period)
        if same in printed_before:
            uncertain.append(
                f"also printed at line {printed_before[same]}: one observation citing both sections? (CONVENTIONS.md)"
            )
        printed_before.setdefault(same, located.line)
        section = located.section.key if located.section else ""
        table.append(
            {
                "observation": key,
                "series": chosen,
                "period": number.period,
                "period_end": number.period_end,
                "value": number.value,
                "unit": number.unit,
                "approximate": "true" if number.approximate else "",
                "printed": number.printed,
                "change": number.change if number.change is not None else "",
                "change_unit": number.change_unit,
                "change_printed": number.change_printed,
                "change_direction": number.change_direction,
                "bound": number.bound,
                "sources": section,
                "data_source": " ".join(_local(iri) for iri in number.data_source),
            }
        )
        review.append(
            {
                "observation": key,
                "line": located.line,
                "section": section,
                "printed": number.printed,
                "context": number.context,
                "series_candidates": " ".join(f"{_local(i)}={s}" for i, s in candidates),
                "figures_nearby": " ".join(figures_by_section.get(section, [])),
                "uncertain": " | ".join(uncertain),
            }
        )
    return table, review


def report_turtle(draft: Draft, publisher: str | None) -> str:
    """Return the draft Turtle of the report resource, serialised by rdflib."""
    from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, XSD

    kg = Namespace("https://w3id.org/npa-cyber-kg/ontology#")
    graph = Graph()
    graph.bind("kg", kg)
    graph.bind("kgr", KGR)
    graph.bind("dcterms", DCTERMS)
    report = URIRef(f"{KGR}report-{draft.report_id}")
    title = next((section.title for section in draft.structure.sections if section.marker == "表題"), "")
    graph.add((report, RDF.type, kg.Report))
    if title:
        graph.add((report, RDFS.label, Literal(title, lang="ja")))
        graph.add((report, DCTERMS.title, Literal(title, lang="ja")))
    if publisher:
        graph.add((report, DCTERMS.publisher, URIRef(publisher)))
    issued = next(
        (located.item for located in draft.dates if located.item.datatype == "date" and located.line <= 40), None
    )
    if issued is not None:
        graph.add((report, DCTERMS.issued, Literal(issued.value, datatype=XSD.date)))
    graph.add((report, kg.coversYear, Literal(str(draft.year), datatype=XSD.gYear)))
    graph.add((report, kg.corpusFile, Literal(Path(draft.text.path).name)))
    header = (
        f"# Draft of the report resource for {draft.report_id}, written by `kg draft`.\n"
        "# Review it (add the English title and label), then move it into graph/common/reports.ttl.\n"
    )
    return header + graph.serialize(format="turtle")


#: The note of a mention a rule made (kg.draft.rules): the text describes the thing, not names it.
RULE_MADE = "linked by rule, not by a printed name"


def uncertainty_reasons(rows: Iterable[dict[str, object]]) -> Counter[str]:
    """Count the kinds of uncertainty in review rows (the words before each note's colon)."""
    reasons: Counter[str] = Counter()
    for row in rows:
        for note in str(row.get("uncertain") or "").split(" | "):
            if note:
                reasons[re.sub(r"\d+", "N", re.split(r"[:(]", note, maxsplit=1)[0].strip())] += 1
    return reasons


def review_markdown(
    draft: Draft,
    counts: dict[str, int],
    uncertain: dict[str, int],
    candidates: list[Located],
    reasons: Counter[str] | None = None,
) -> str:
    """Return the review summary as Markdown."""
    lines = [
        f"# Draft of {draft.report_id}: review summary",
        "",
        f"From `{draft.text.path}` ({len(draft.text.lines)} lines).",
        "",
    ]
    lines += ["| table | rows | uncertain |", "| --- | --- | --- |"]
    lines += [f"| {name} | {count} | {uncertain.get(name, 0)} |" for name, count in counts.items()]
    if reasons:
        lines += ["", "## What the drafter was unsure about", "", "| note | rows |", "| --- | --- |"]
        lines += [f"| {reason} | {count} |" for reason, count in reasons.most_common()]
    lines += [
        "",
        "## New-entity candidates",
        "",
        "| line | section | name | looks like | why |",
        "| --- | --- | --- | --- | --- |",
    ]
    seen = set()
    for located in candidates:
        candidate = located.item
        key = (candidate.text, candidate.kind)
        if key in seen:
            continue
        seen.add(key)
        section = located.section.key if located.section else ""
        lines.append(f"| {located.line} | {section} | {candidate.text} | {candidate.kind} | {candidate.reason} |")
    lines += [
        "",
        "## Next steps",
        "",
        "1. Review `tables/` with `review/` beside it: accept, correct or drop each row;",
        "   fill `title_en`, pick each observation's series, unit and categories.",
        "2. Move the rows into `graph/tables/<report>/` and `report.ttl` into `graph/common/reports.ttl`.",
        '3. `kg tables compile`, `kg build`, `kg validate`, and the fidelity test (CONVENTIONS.md "Drafts").',
        "",
    ]
    return "\n".join(lines)


def draft_files(
    draft: Draft,
    *,
    units: set[str],
    organisations: set[str],
    columns: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, str]:
    """Return every file of the draft folder, by relative path; tables in ``columns`` (default :data:`COLUMNS`)."""
    columns = columns or COLUMNS
    rid, prefix = draft.report_id, draft.prefix
    sections = [
        {
            "section": s.key,
            "report": f"report-{rid}",
            "path": s.path,
            "title_ja": s.title,
            "title_en": "",
            "source_line": s.line,
            "part_of": s.parent.key if s.parent else "",
        }
        for s in draft.structure.sections
    ]
    section_review = [
        {
            "section": s.key,
            "source_line": s.line,
            "kind": s.kind,
            "end_line": s.end,
            "uncertain": " | ".join(s.uncertain),
        }
        for s in draft.structure.sections
    ]
    figures, figure_review = [], []
    mentions_by_line: dict[int, set[str]] = {}
    for located in draft.mentions:
        mentions_by_line.setdefault(located.line, set()).add(located.item.thing)
    for figure in draft.structure.figures:
        sources = sorted(
            thing for thing in mentions_by_line.get(figure.credit_line or -1, set()) if thing in organisations
        )
        key = f"{prefix}-fig-{figure.number}"
        figures.append(
            {
                "figure": key,
                "report": f"report-{rid}",
                "number": figure.number,
                "title_ja": figure.title,
                "title_en": "",
                "source_line": figure.line,
                "part_of": figure.section.key if figure.section else "",
                "data_source": " ".join(_local(s) for s in sources),
            }
        )
        figure_review.append(
            {
                "figure": key,
                "source_line": figure.line,
                "credit": figure.credit,
                "credit_line": figure.credit_line or "",
                "uncertain": " | ".join(figure.uncertain),
            }
        )
    footnotes, footnote_review = [], []
    keys: Counter[str] = Counter()
    for note in draft.structure.footnotes:
        base = f"{prefix}-note-{note.marker.lstrip('*')}"
        keys[base] += 1
        key = base if keys[base] == 1 else f"{base}-{keys[base]}"
        footnotes.append(
            {
                "footnote": key,
                "report": f"report-{rid}",
                "marker": note.marker,
                "part_of": note.section.key if note.section else "",
                "source_line": note.line,
                "label_en": "",
                "label_ja": note.term or note.text[:40],
            }
        )
        footnote_review.append(
            {
                "footnote": key,
                "source_line": note.line,
                "reference_line": note.reference_line or "",
                "term": note.term,
                "text": note.text,
                "uncertain": "" if note.reference_line else "no reference to the marker found",
            }
        )
    observations, observation_review = observation_rows(draft, units)
    # ``how``: the form of the name matched, or (in brackets) the rule that linked a thing the
    # text does not name, which the reviewer confirms.
    mentions = [
        {
            **_where(m),
            "text": m.item.text,
            "thing": _local(m.item.thing),
            "class": m.item.kind,
            "how": m.item.name,
            "uncertain": RULE_MADE if m.item.name.startswith("(") else "",
        }
        for m in draft.mentions
    ]
    candidates = [
        {**_where(c), "text": c.item.text, "looks_like": c.item.kind, "why": c.item.reason} for c in draft.candidates
    ]
    dates = [
        {
            **_where(d),
            "printed": d.item.printed,
            "value": d.item.value,
            "datatype": f"xsd:{d.item.datatype}",
            "end": d.item.end_value,
            "note": d.item.note,
        }
        for d in draft.dates
    ]
    counts = {
        "sections": len(sections),
        "figures": len(figures),
        "footnotes": len(footnotes),
        "observations": len(observations),
        "dates": len(dates),
        "mentions": len(mentions),
        "new-entity candidates": len(candidates),
    }
    uncertain = {
        "sections": sum(1 for row in section_review if row["uncertain"]),
        "figures": sum(1 for row in figure_review if row["uncertain"]),
        "footnotes": sum(1 for row in footnote_review if row["uncertain"]),
        "observations": sum(1 for row in observation_review if row["uncertain"]),
        "dates": sum(1 for row in dates if row["note"]),
        "mentions": sum(1 for row in mentions if row["uncertain"]),
    }
    publisher = f"{KGR}org-npa" if any("警察庁" in line for line in draft.text.lines[:40]) else None
    return {
        f"tables/{rid}/sections.csv": _csv(sections, columns["sections"]),
        f"tables/{rid}/figures.csv": _csv(figures, columns["figures"]),
        f"tables/{rid}/footnotes.csv": _csv(footnotes, columns["footnotes"]),
        f"tables/{rid}/observations.csv": _csv(observations, columns["observations"]),
        "review/footnotes.csv": _csv(
            footnote_review, ("footnote", "source_line", "reference_line", "term", "text", "uncertain")
        ),
        "review/sections.csv": _csv(section_review, ("section", "source_line", "kind", "end_line", "uncertain")),
        "review/figures.csv": _csv(figure_review, ("figure", "source_line", "credit", "credit_line", "uncertain")),
        "review/observations.csv": _csv(
            observation_review,
            (
                "observation",
                "line",
                "section",
                "printed",
                "context",
                "series_candidates",
                "figures_nearby",
                "uncertain",
            ),
        ),
        "review/mentions.csv": _csv(mentions, ("line", "section", "text", "thing", "class", "how", "uncertain")),
        "review/candidates.csv": _csv(candidates, ("line", "section", "text", "looks_like", "why")),
        "review/dates.csv": _csv(dates, ("line", "section", "printed", "value", "datatype", "end", "note")),
        "report.ttl": report_turtle(draft, publisher),
        "REVIEW.md": review_markdown(
            draft,
            counts,
            uncertain,
            draft.candidates,
            uncertainty_reasons([*section_review, *figure_review, *footnote_review, *observation_review, *mentions]),
        ),
    }


def check_output(output: Path, graph_dir: Path) -> None:
    """Refuse an output folder inside ``graph/`` or one that exists already."""
    resolved = output.resolve()
    if resolved == graph_dir.resolve() or graph_dir.resolve() in resolved.parents:
        raise InputError("a draft is never written into graph/; choose a folder outside it", path=str(output))
    if output.exists():
        raise InputError("exists already; remove it or choose another output folder", path=str(output))
    if not output.parent.is_dir():
        raise InputError("the folder that should hold the output does not exist", path=str(output.parent))


def write_folder(files: dict[str, str], output: Path) -> None:
    """Write ``files`` into ``output`` atomically: a temporary sibling folder, renamed at the end."""
    temporary = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent))
    try:
        for relative, content in files.items():
            target = temporary / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        os.rename(temporary, output)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
