"""Measure a draft against the curated graph, table by table: recall and precision.

- **sections**: a curated section is found when the draft has a section at the same line whose
  parent is at the same line as the curated parent (both top-level counts as the same parent).
- **figures**: same figure number and the same title (compared without spaces and brackets,
  which the 2021 layout displaces).
- **observations**: the draft's printed number is the curated ``kg:printedText``'s number, the
  value is the same, and the draft found it inside the text of a section or figure the curated
  observation cites (that part's span, as :func:`kg.fidelity.source_spans` defines it). A
  curated "change" observation (the older pattern that ``kg:change`` replaces) is found when the
  draft read the same printed change beside its number.
  Of those found, ``period_agrees`` is the share whose drafted period is the curated one and
  ``series_agrees`` the share whose first-ranked series candidate is the curated series.
- **mentions**: a thing of a named class (:data:`MENTION_CLASSES`) that a curated fact cites
  from a section (:data:`CITED_MENTIONS`) is found when the draft links the same IRI on a line
  of that section's span. The recall under the older, joined reading (:data:`MENTIONS`, which
  also credits a section with whatever an entity it names is linked to) is reported beside it
  as ``with_entity_links``; a draft link counts as right (precision) under either reading.

- **footnotes** (beyond the issue's four): same marker and line.
- **new_entities** (beyond the issue's four): the report drafted as if it were new — without
  the things only it mentions in the gazetteer — should propose those things as candidates.

Precision counts the draft rows that match some curated row. The draft sees the whole graph's
gazetteer, so the mentions figure measures linking, not the discovery of new things.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from kg.draft import Draft, Located
from kg.draft.entities import NAMED_CLASSES, Gazetteer, compact
from kg.draft.numbers import Number
from kg.fidelity import Part, Span, source_spans
from kg.numerals import normalise
from kg.store.base import SparqlStore

#: The classes whose instances count as mentions: the things the report names.
MENTION_CLASSES = (
    "Organisation",
    "ThreatActor",
    "Malware",
    "Tool",
    "Vulnerability",
    "Product",
    "Law",
    "Operation",
    "Event",
)

#: The same, as the most specific classes the gazetteer gives its names (Country, RansomwareGroup…).
NAMED_KINDS = frozenset(NAMED_CLASSES[: NAMED_CLASSES.index("Event") + 1]) - {"IntrusionVector", "Technique"}

SECTIONS = """
SELECT ?part ?line ?parentLine WHERE {
  ?part a kg:ReportSection ; kg:inReport ?report ; kg:sourceLine ?line .
  OPTIONAL { ?part dcterms:isPartOf ?parent . ?parent kg:sourceLine ?parentLine }
}"""
FIGURES = """
SELECT ?part ?number ?title WHERE {
  ?part a kg:Figure ; kg:inReport ?report ; kg:figureNumber ?number .
  OPTIONAL { ?part dcterms:title ?t FILTER(lang(?t) = "ja") }
  OPTIONAL { ?part rdfs:label ?l FILTER(lang(?l) = "ja") }
  BIND(COALESCE(?t, ?l) AS ?title)
}"""
FOOTNOTES = """
SELECT ?marker ?line WHERE {
  ?note a kg:Footnote ; kg:inReport ?report ; kg:footnoteMarker ?marker ; kg:sourceLine ?line .
}"""
OBSERVATIONS = """
SELECT ?observation ?printed ?value ?part ?period ?dataset WHERE {
  ?observation a kg:Observation ; kg:printedText ?printed ; kg:value ?value ; prov:wasDerivedFrom ?part .
  ?part kg:inReport ?report .
  OPTIONAL { ?observation kg:period ?period }
  OPTIONAL { ?observation qb:dataSet ?dataset }
}"""
MENTIONS = """
SELECT DISTINCT ?part ?thing WHERE {
  ?part kg:inReport ?report .
  ?fact prov:wasDerivedFrom ?part ; ?property ?thing .
  FILTER(isIRI(?thing) && ?property != prov:wasDerivedFrom)
  ?thing a ?class .
  FILTER(?class IN (%s))
}"""
#: The fair reading of "cited from a section": a fact (not itself a named thing) derived from the
#: section points at the thing, or the thing itself cites the section. A named thing (an
#: organisation, an actor…) cites every section that names it, but its links to other things
#: (kg:participatedIn, kg:subOrganisationOf…) carry no section of their own, so MENTIONS, which
#: joins the two, credits each of those sections with every thing the entity is linked to
#: (operation-cronos "cited" by 39 sections of which one names it). Both figures are reported.
CITED_MENTIONS = """
SELECT DISTINCT ?part ?thing WHERE {
  ?part kg:inReport ?report .
  {
    ?fact prov:wasDerivedFrom ?part ; ?property ?thing .
    FILTER(isIRI(?thing) && ?property != prov:wasDerivedFrom)
    FILTER NOT EXISTS { ?fact a ?factClass FILTER(?factClass IN (%s)) }
  } UNION {
    ?thing prov:wasDerivedFrom ?part .
  }
  ?thing a ?class .
  FILTER(?class IN (%s))
}"""


@dataclass(frozen=True)
class Score:
    """Recall and precision of one table; for mentions also the recall over those the text names."""

    found: int
    expected: int
    matched_draft: int
    drafted: int
    named_found: int | None = None
    named_expected: int | None = None
    #: For mentions: found and expected under the joined reading (:data:`MENTIONS`), which also
    #: counts what a cited entity is linked to.
    joined_found: int | None = None
    joined_expected: int | None = None
    period_agrees: int | None = None
    series_agrees: int | None = None

    @property
    def recall(self) -> float:
        """Share of curated rows the draft found."""
        return self.found / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        """Share of draft rows that match a curated row."""
        return self.matched_draft / self.drafted if self.drafted else 1.0

    @property
    def named_recall(self) -> float | None:
        """For mentions: the share found of those whose thing is named in the section's text."""
        if self.named_expected is None or self.named_found is None:
            return None
        return self.named_found / self.named_expected if self.named_expected else 1.0

    def as_json(self) -> dict[str, object]:
        """The score as the JSON of ``kg draft --compare`` writes it."""
        document: dict[str, object] = {
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
            "found": self.found,
            "expected": self.expected,
            "drafted": self.drafted,
        }
        if self.period_agrees is not None:
            document["period_agrees"] = round(self.period_agrees / self.found, 4) if self.found else 1.0
        if self.series_agrees is not None:
            document["series_agrees"] = round(self.series_agrees / self.found, 4) if self.found else 1.0
        if self.named_recall is not None:
            document["named_in_text"] = {
                "recall": round(self.named_recall, 4),
                "found": self.named_found,
                "expected": self.named_expected,
            }
        if self.joined_found is not None and self.joined_expected:
            document["with_entity_links"] = {
                "recall": round(self.joined_found / self.joined_expected, 4),
                "found": self.joined_found,
                "expected": self.joined_expected,
            }
        return document


def _bind(report_iri: str) -> dict[str, dict[str, str]]:
    return {"report": {"type": "uri", "value": report_iri}}


def _title_key(title: str) -> str:
    title = re.sub(r"^図表\s*\d+\s*[:：]?\s*", "", normalise(title).strip())
    return re.sub(r"[\s【】「」()（）]", "", title)


def compare_sections(draft: Draft, store: SparqlStore, report_iri: str) -> tuple[Score, list[str]]:
    """Score the draft's section tree against the curated one."""
    rows = store.execute(SECTIONS, bindings=_bind(report_iri)).bindings
    curated = Counter(
        (int(row["line"]["value"]), int(row["parentLine"]["value"]) if "parentLine" in row else None) for row in rows
    )
    drafted = Counter((section.line, section.parent_line) for section in draft.structure.sections)
    common = curated & drafted
    missed = [
        f"section at line {line} (parent line {parent}) not drafted"
        for line, parent in sorted((curated - drafted).elements(), key=str)
    ]
    total = sum(common.values())
    return Score(total, sum(curated.values()), total, sum(drafted.values())), missed


def compare_figures(draft: Draft, store: SparqlStore, report_iri: str) -> tuple[Score, list[str]]:
    """Score the draft's figures (number and title) against the curated ones."""
    rows = store.execute(FIGURES, bindings=_bind(report_iri)).bindings
    curated = Counter((int(row["number"]["value"]), _title_key(row.get("title", {}).get("value", ""))) for row in rows)
    drafted = Counter((figure.number, _title_key(figure.title)) for figure in draft.structure.figures)
    common = curated & drafted
    missed = [f"figure {number} {title!r} not drafted" for number, title in sorted((curated - drafted).elements())]
    total = sum(common.values())
    return Score(total, sum(curated.values()), total, sum(drafted.values())), missed


def compare_footnotes(draft: Draft, store: SparqlStore, report_iri: str) -> tuple[Score, list[str]]:
    """Score the draft's footnotes (marker and line) against the curated ones.

    The graph keeps only footnotes that define a term or state a fact; the draft lists every
    footnote, so precision is low by design.
    """
    rows = store.execute(FOOTNOTES, bindings=_bind(report_iri)).bindings
    curated = Counter((row["marker"]["value"], int(row["line"]["value"])) for row in rows)
    drafted = Counter((note.marker, note.line) for note in draft.structure.footnotes)
    common = curated & drafted
    missed = [
        f"footnote {marker} at line {line} not drafted" for marker, line in sorted((curated - drafted).elements())
    ]
    total = sum(common.values())
    return Score(total, sum(curated.values()), total, sum(drafted.values())), missed


def _core(printed: str) -> str:
    """The number of a printed text without its unit: ``約87.3億円`` → ``87.3億``."""
    match = re.search(r"\d[\d,.\s兆億万]*", normalise(printed))
    return re.sub(r"\s", "", match.group()).rstrip(".,") if match else printed


def compare_observations(
    draft: Draft, store: SparqlStore, report_iri: str, spans: dict[str, Span]
) -> tuple[Score, list[str]]:
    """Score the draft's numbers against the curated observations."""
    rows = store.execute(OBSERVATIONS, bindings=_bind(report_iri)).bindings
    curated: dict[str, tuple[str, str, list[Span], str, str]] = {}
    for row in rows:
        key = row["observation"]["value"]
        printed = re.sub(r"\s", "", normalise(row["printed"]["value"]))
        period = row.get("period", {}).get("value", "")
        series = row.get("dataset", {}).get("value", "")
        entry = curated.setdefault(key, (printed, row["value"]["value"], [], period, series))
        if row["part"]["value"] in spans:
            entry[2].append(spans[row["part"]["value"]])
    used: set[int] = set()
    found = periods = series_right = 0
    missed = []
    for key, (printed, value, parts, period, series) in sorted(curated.items()):
        hits = [
            index
            for index, located in enumerate(draft.numbers)
            if _matches(located, printed, normalise_decimal(value), parts)
        ]
        if hits:
            found += 1
            used.update(hits)  # a number printed twice (summary and detail) is one observation
            if any(_top_series(draft.numbers[index]) == series for index in hits):
                series_right += 1
            if any(_period_of(draft.numbers[index]) == period for index in hits):
                periods += 1
            else:
                missed.append(f"{key.rsplit('/', 1)[-1]}: found, but its period is not {period}")
        else:
            missed.append(f"{key.rsplit('/', 1)[-1]}: {printed} = {value} not drafted in its section")
    score = Score(found, len(curated), len(used), len(draft.numbers), period_agrees=periods, series_agrees=series_right)
    return score, missed


def _top_series(located: Located[Number]) -> str:
    number = located.item
    return number.series_candidates[0][0] if number.series_candidates else ""


def _period_of(located: Located[Number]) -> str:
    number = located.item
    return number.period


def _matches(located: Located[Number], printed: str, value: str, parts: list[Span]) -> bool:
    number = located.item
    as_number = str(number.value) == value and _core(number.printed) == _core(printed)
    # A change the graph records as an observation of its own (the pattern kg:change replaces)
    # is found when the draft read it as the printed change of its number.
    as_change = (
        number.change is not None
        and normalise_decimal(str(abs(number.change))) == value
        and _core(number.change_printed) == _core(printed)
    )
    if not (as_number or as_change):
        return False
    return any(span.start <= located.line < span.end or span.start <= located.last_line < span.end for span in parts)


def normalise_decimal(value: str) -> str:
    """Return a decimal literal in the form :func:`kg.numerals.printed_value` gives (``9.0`` → ``9``)."""
    from decimal import Decimal

    number = Decimal(value)
    return str(number.normalize() if number != number.to_integral_value() else number.quantize(Decimal(1)))


def compare_mentions(
    draft: Draft, store: SparqlStore, report_iri: str, spans: dict[str, Span]
) -> tuple[Score, list[str]]:
    """Score the draft's links against the things curated facts cite from each section.

    Expected are the pairs of :data:`CITED_MENTIONS`; the recall over the pairs of
    :data:`MENTIONS` (which add what cited entities are linked to) is reported beside it.
    """
    classes = ", ".join(f"kg:{name}" for name in MENTION_CLASSES)
    entities = ", ".join(f"kg:{name}" for name in NAMED_CLASSES)
    rows = store.execute(CITED_MENTIONS % (entities, classes), bindings=_bind(report_iri)).bindings
    joined_rows = store.execute(MENTIONS % classes, bindings=_bind(report_iri)).bindings
    by_thing: dict[str, list[int]] = {}
    for located in draft.mentions:
        by_thing.setdefault(located.item.thing, []).append(located.line)

    def linked_lines(part: str, thing: str) -> list[int]:
        span = spans[part]
        return [line for line in by_thing.get(thing, []) if span.start <= line < span.end]

    found = named_found = named_expected = 0
    missed = []
    matched_lines: set[tuple[str, int]] = set()
    pairs = {(row["part"]["value"], row["thing"]["value"]) for row in rows if row["part"]["value"] in spans}
    joined = {(row["part"]["value"], row["thing"]["value"]) for row in joined_rows if row["part"]["value"] in spans}
    forms = _forms_by_thing(store)
    for part, thing in sorted(pairs):
        span = spans[part]
        lines = linked_lines(part, thing)
        text = compact("".join(draft.text.lines[span.start - 1 : min(span.end, len(draft.text.lines) + 1) - 1]))
        named = any(form in text for form in forms.get(thing, ()))
        named_expected += named
        if lines:
            found += 1
            named_found += named
            matched_lines |= {(thing, line) for line in lines}
        else:
            why = "named in its text" if named else "not named in its text"
            missed.append(f"{thing.rsplit('/', 1)[-1]} not linked in {part.rsplit('/', 1)[-1]} ({why})")
    joined_found = 0
    for part, thing in joined:
        lines = linked_lines(part, thing)
        joined_found += bool(lines)
        matched_lines |= {(thing, line) for line in lines}
    mentioned = [located for located in draft.mentions if located.item.kind in NAMED_KINDS]
    matched = sum(1 for located in mentioned if (located.item.thing, located.line) in matched_lines)
    score = Score(found, len(pairs), matched, len(mentioned), named_found, named_expected, joined_found, len(joined))
    return score, missed


def _forms_by_thing(store: SparqlStore) -> dict[str, set[str]]:
    """Every form each thing of the gazetteer is matched by (to tell whether a section's text names it)."""
    forms: dict[str, set[str]] = {}
    for form, things in Gazetteer.from_store(store).by_form.items():
        for thing, _kind in things:
            forms.setdefault(thing, set()).add(form)
    return forms


PARTS = """
SELECT ?part ?file ?line ?parent ?figure WHERE {
  { ?part a kg:ReportSection } UNION { ?part a kg:Figure }
  ?part kg:inReport ?report ; kg:sourceLine ?line .
  ?report kg:corpusFile ?file .
  OPTIONAL { ?part dcterms:isPartOf ?parent }
  BIND(EXISTS { ?part a kg:Figure } AS ?figure)
}"""


def store_spans(store: SparqlStore) -> dict[str, Span]:
    """Return the text span of every section and figure the store holds (as the fidelity check counts them)."""
    rows = store.execute(PARTS).bindings
    parts = {
        row["part"]["value"]: Part(
            row["part"]["value"],
            row["file"]["value"],
            int(row["line"]["value"]),
            row["parent"]["value"] if "parent" in row else None,
            row["figure"]["value"] == "true",
        )
        for row in rows
    }
    return source_spans(parts)


ONLY_IN = """
SELECT ?thing WHERE {
  ?thing kg:mentionedIn ?report .
  MINUS { ?thing kg:mentionedIn ?other FILTER(?other != ?report) }
}"""


def compare_new_entities(draft: Draft, store: SparqlStore, report_iri: str) -> tuple[Score, list[str]]:
    """Score the new-entity candidates as if the report were new.

    The report is drafted again with a gazetteer that leaves out every thing only this report
    mentions; those of them that the text names (organisations, actors, malware, tools,
    vulnerabilities, products, laws, operations, events) should come back as candidates. A
    candidate is right when it names a thing the curated graph holds.
    """
    from kg.draft import draft_report

    only = frozenset(row["thing"]["value"] for row in store.execute(ONLY_IN, bindings=_bind(report_iri)).bindings)
    redrafted = draft_report(draft.text, draft.report_id, Gazetteer.from_store(store, without=only))
    full = Gazetteer.from_store(store)
    kinds = NAMED_KINDS
    forms: dict[str, set[str]] = {}
    for form, things in full.by_form.items():
        for thing, kind in things:
            if kind in kinds:
                forms.setdefault(thing, set()).add(form)
    body = compact("".join(draft.text.lines))
    expected = {thing: {form for form in forms.get(thing, ()) if form in body} for thing in only}
    expected = {thing: named for thing, named in expected.items() if named}
    candidates = {compact(located.item.text) for located in redrafted.candidates}

    def names(candidate: str, form: str) -> bool:
        return candidate == form or (len(candidate) >= 3 and (candidate in form or form in candidate))

    found = {thing for thing, named in expected.items() if any(names(c, f) for c in candidates for f in named)}
    every_form = [form for values in forms.values() for form in values]
    right = {c for c in candidates if any(names(c, form) for form in every_form)}
    missed = [
        f"{thing.rsplit('/', 1)[-1]} ({sorted(expected[thing])[0]}) not proposed"
        for thing in sorted(set(expected) - found)
    ]
    return Score(len(found), len(expected), len(right), len(candidates)), missed


def compare_draft(draft: Draft, store: SparqlStore, report_iri: str) -> tuple[dict[str, Score], dict[str, list[str]]]:
    """Compare one draft with the curated graph of ``report_iri``: scores and what was missed, per table."""
    spans = store_spans(store)
    scores, misses = {}, {}
    for name, function in (
        ("sections", compare_sections),
        ("figures", compare_figures),
        ("footnotes", compare_footnotes),
    ):
        scores[name], misses[name] = function(draft, store, report_iri)
    for name, spanned in (("observations", compare_observations), ("mentions", compare_mentions)):
        scores[name], misses[name] = spanned(draft, store, report_iri, spans)
    scores["new_entities"], misses["new_entities"] = compare_new_entities(draft, store, report_iri)
    return scores, misses
