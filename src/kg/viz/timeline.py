"""``kg viz --timeline``: the graph's dated facts on a time axis, as one offline HTML page.

The facts — advisories and public attributions, incidents, arrests, measures, operations,
public events and the reports' publication — are cut in SPARQL (:data:`DATED_QUERY`, starting
from those classes) and read with :func:`kg.network.instance_graph` for those things alone,
so their labels, types, properties and citations are the same as in the other views.

Dates keep their precision: a day is a point; a month or a year (``xsd:gYearMonth``,
``xsd:gYear``) is drawn as the span it covers, never as a made-up day; a fact with a
``kg:endDate`` spans from its date to the end of that one. The page groups the facts by kind or
by the threat actor they concern, filters them by report and by class, zooms and pans, and a
click shows the fact with its labels in both languages and where it comes from.

The page draws with vis-timeline 8.5.4 (dual-licensed Apache-2.0/MIT, from the npm registry,
vendored in ``static/vendor`` with its licence), inlined, under the same content-security policy
as the network views. Item and group contents are DOM nodes built with ``textContent`` by the
page's own templates, never HTML strings.

>>> span("2023-09-27"), span("2023-09"), span("2023"), span("2023-02-15", "2023-12")
(('2023-09-27', None, 'day'), ('2023-09-01', '2023-10-01', 'month'), ('2023-01-01', '2024-01-01', 'year'), \
('2023-02-15', '2024-01-01', 'day'))
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import InputError
from kg.namespaces import DCTERMS, KG
from kg.network import LANGUAGES, class_label, instance_graph, property_label, rows_about

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph
    from kg.store.base import SparqlStore

__all__ = ["DATED_CLASSES", "Timeline", "render_timeline", "span", "timeline_facts", "write_timeline"]

#: The classes whose things are drawn on the timeline, each with its own date.
DATED_CLASSES = ("Advisory", "Incident", "Arrest", "Measure", "Operation", "Event")
#: The most items a timeline draws; beyond it, a fair share of each kind (kg.viz.cut.bounded).
MAX_ITEMS = 3000

#: Dated things of one class (``?class`` bound), with an end date where they have one.
DATED_QUERY = """
SELECT ?fact ?date ?end WHERE {
  ?fact a ?class .
  ?fact dcterms:date ?date .
  OPTIONAL { ?fact kg:endDate ?end }
  FILTER(STRSTARTS(STR(?fact), STR(kgr:)))
}"""
#: The reports and their publication dates.
REPORTS_QUERY = """
SELECT ?report ?issued ?year WHERE {
  ?report a kg:Report ; dcterms:issued ?issued .
  OPTIONAL { ?report kg:coversYear ?year }
}"""
#: The threat actors some facts concern, either way round.
ACTORS_QUERY = """
SELECT DISTINCT ?subject ?actor WHERE {
  { ?subject ?link ?actor } UNION { ?actor ?link ?subject }
  ?actor a kg:ThreatActor .
}"""
#: The labels of some things.
LABELS_QUERY = """
SELECT ?subject ?label WHERE { ?subject rdfs:label ?label . }"""


def _next_month(year: int, month: int) -> str:
    return f"{year + 1:04d}-01-01" if month == 12 else f"{year:04d}-{month + 1:02d}-01"


def _bounds(text: str) -> tuple[str, str | None, str]:
    """(start, exclusive end or None for a day, precision) of a date as the graph writes it."""
    parts = text.strip()[:10].split("-")
    try:
        numbers = [int(part) for part in parts]
    except ValueError:
        raise InputError(f"not a date: {text!r}") from None
    if len(numbers) >= 3:
        return f"{numbers[0]:04d}-{numbers[1]:02d}-{numbers[2]:02d}", None, "day"
    if len(numbers) == 2:
        return f"{numbers[0]:04d}-{numbers[1]:02d}-01", _next_month(numbers[0], numbers[1]), "month"
    return f"{numbers[0]:04d}-01-01", f"{numbers[0] + 1:04d}-01-01", "year"


def span(date: str, end: str | None = None) -> tuple[str, str | None, str]:
    """Return where a fact sits on the axis: (start, exclusive end or None, precision of ``date``).

    A day is a point (no end); a month or a year covers its whole span; an end date extends the
    span to the end of the period it names.
    """
    start, stop, precision = _bounds(date)
    if end:
        last_start, last_stop, _ = _bounds(end)
        stop = last_stop or _day_after(last_start)
    return start, stop, precision


def _day_after(day: str) -> str:
    import datetime

    return (datetime.date.fromisoformat(day) + datetime.timedelta(days=1)).isoformat()


@dataclass
class Timeline:
    """The dated facts of a timeline page: ``items`` (one per fact), ``kinds``, ``reports`` and
    ``actors`` (the page's groups and filters), and the ``year`` of the report it is limited to."""

    items: list[dict[str, Any]] = field(default_factory=list)
    kinds: dict[str, dict[str, str]] = field(default_factory=dict)
    reports: dict[str, dict[str, str]] = field(default_factory=dict)
    actors: dict[str, dict[str, str]] = field(default_factory=dict)
    year: str | None = None
    total: int = 0


def _label_table(store: SparqlStore, things: set[str]) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows_about(store, LABELS_QUERY, things):
        lang = row["label"].get("xml:lang", "")
        current = labels[row["subject"]["value"]].get(lang)
        if current is None or row["label"]["value"] < current:
            labels[row["subject"]["value"]][lang] = row["label"]["value"]
    return {
        thing: {other: texts.get(other) or texts.get("") or next(iter(texts.values())) for other in LANGUAGES}
        for thing, texts in labels.items()
        if texts
    }


def timeline_facts(
    source: KnowledgeGraph | SparqlStore,
    *,
    report: str | None = None,
    types: list[str] | None = None,
    max_items: int = MAX_ITEMS,
) -> Timeline:
    """Read the dated facts (limited to one ``report`` and to some ``types`` if given)."""
    from kg.graph import KnowledgeGraph
    from kg.viz import cut

    store = source.store if isinstance(source, KnowledgeGraph) else source
    catalogue = cut.Catalogue(store)
    dates: dict[str, tuple[str, str | None]] = {}
    kinds: dict[str, str] = {}  # what the sample is shared by, known without reading each fact's classes
    for name in DATED_CLASSES:
        result = store.execute(DATED_QUERY, bindings={"class": {"type": "uri", "value": KG + name}})
        kind = cut.kind_of(catalogue, name)
        for row in result.bindings:
            fact, date = row["fact"]["value"], row["date"]["value"]
            kinds.setdefault(fact, kind)
            end = row.get("end", {}).get("value")
            if fact not in dates or (date, end or "") < (dates[fact][0], dates[fact][1] or ""):
                dates[fact] = (date, end)
    timeline = Timeline()
    report_rows = store.execute(REPORTS_QUERY).bindings
    report_labels = _label_table(store, {row["report"]["value"] for row in report_rows})
    for row in report_rows:
        iri = row["report"]["value"]
        timeline.reports[iri] = {
            "year": row.get("year", {}).get("value", ""),
            "issued": row["issued"]["value"],
            **{f"label_{lang}": report_labels.get(iri, {}).get(lang, iri) for lang in LANGUAGES},
        }
    if report:
        report_iri, timeline.year = cut.resolve_report(store, report)
        allowed = cut.report_nodes(store, report_iri)
        dates = {fact: value for fact, value in dates.items() if fact in allowed}
    chosen = set(catalogue.resolve(types)) if types is not None else None
    if chosen is not None:
        catalogue.learn(dates)
        dates = {fact: value for fact, value in dates.items() if catalogue.classes[fact] & chosen}
    timeline.total = len(dates)
    kept = cut.bounded(catalogue, set(dates), (), max_items, kinds=kinds)
    graph = instance_graph(store, nodes=kept)
    actors_of: dict[str, set[str]] = defaultdict(set)
    for row in rows_about(store, ACTORS_QUERY, kept):
        actors_of[row["subject"]["value"]].add(row["actor"]["value"])
    actor_labels = _label_table(store, set().union(*actors_of.values()) if actors_of else set())
    timeline.actors = {
        actor: {f"label_{lang}": texts[lang] for lang in LANGUAGES} for actor, texts in sorted(actor_labels.items())
    }
    for fact in sorted(kept, key=lambda item: (dates[item][0], item)):
        if fact not in graph:
            continue
        data = graph.nodes[fact]
        group = data["type"] if data["kind"] == "Advisory" else data["kind"]
        start, stop, precision = span(*dates[fact])
        timeline.kinds.setdefault(group, {f"label_{lang}": class_label(graph, group, lang) for lang in LANGUAGES})
        timeline.items.append(
            {
                "id": fact,
                "kind": group,
                "start": start,
                "end": stop,
                "precision": precision,
                "date": dates[fact][0],
                "until": dates[fact][1],
                "reports": data["reports"],
                "actors": sorted(actors_of.get(fact, ())),
                "type": data["type"],
                **{f"label_{lang}": data[f"label_{lang}"] for lang in LANGUAGES},
                **{f"details_{lang}": _details(graph, fact, lang, dates[fact]) for lang in LANGUAGES},
            }
        )
    if chosen is None or "Report" in chosen:
        for iri, info in sorted(timeline.reports.items()):
            if report and iri != report_iri:
                continue
            start, stop, precision = span(info["issued"])
            timeline.kinds.setdefault("Report", {"label_en": "report published", "label_ja": "報告書の公表"})
            timeline.items.append(
                {
                    "id": iri,
                    "kind": "Report",
                    "start": start,
                    "end": stop,
                    "precision": precision,
                    "date": info["issued"],
                    "until": None,
                    "reports": [iri],
                    "actors": [],
                    "type": "Report",
                    **{f"label_{lang}": info[f"label_{lang}"] for lang in LANGUAGES},
                    **{f"details_{lang}": _report_details(info, lang) for lang in LANGUAGES},
                }
            )
            timeline.total += 1
    return timeline


WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Timeline of the reported facts",
        "date": "Date",
        "until": "until",
        "type": "Type",
        "source": "Source",
        "published": "Published",
        "group": "Group by",
        "kind": "kind",
        "actor": "threat actor",
        "reports": "Reports",
        "classes": "Classes",
        "noActor": "no threat actor named",
        "all": "All",
        "none": "None",
        "details": "Click a fact to see it here, with its labels and where it comes from.",
        "shown": "{items} of {total} facts",
        "fit": "Show all",
        "report": " — {year} report",
        "span": "A bar is a month or a year (as precise as the report); a dot is a day.",
        "truncated": "Showing {shown} of {total} facts: a sample of each kind; narrow it with --report or --types.",
        "precision_day": "day",
        "precision_month": "month",
        "precision_year": "year",
    },
    "ja": {
        "title": "報告された事実の年表",
        "date": "日付",
        "until": "まで",
        "type": "種別",
        "source": "出典",
        "published": "公表",
        "group": "グループ",
        "kind": "種別",
        "actor": "攻撃主体",
        "reports": "報告書",
        "classes": "クラス",
        "noActor": "攻撃主体の記載なし",
        "all": "すべて",
        "none": "なし",
        "details": "事実をクリックすると、日英のラベルと出典をここに表示します。",
        "shown": "{total}件中{items}件を表示",
        "fit": "全体を表示",
        "report": "（{year}年の報告）",
        "span": "帯は月または年（報告書の精度のまま）、点は日を表します。",
        "truncated": "{total}件中{shown}件を表示（種別ごとに抽出）。--report、--types で絞り込んでください。",
        "precision_day": "日",
        "precision_month": "月",
        "precision_year": "年",
    },
}


def _details(graph: Any, fact: str, lang: str, dates: tuple[str, str | None]) -> str:
    """The fact as the details panel shows it: both labels, type, key facts (as in the network
    views' tooltips) and its citations, with its date sure to be there."""
    from kg.viz.render import node_tooltip

    lines = node_tooltip(graph, fact, lang).split("\n")
    date_label = property_label(graph, DCTERMS + "date", lang)
    if not any(line.startswith(f"{date_label}: ") for line in lines):
        where = next((index + 1 for index, line in enumerate(lines) if line.startswith(WORDS[lang]["type"])), 1)
        lines.insert(where, f"{date_label}: {dates[0]}" + (f" – {dates[1]}" if dates[1] else ""))
    return "\n".join(lines)


def _report_details(info: dict[str, str], lang: str) -> str:
    words = WORDS[lang]
    other = "ja" if lang == "en" else "en"
    return "\n".join([info[f"label_{lang}"], info[f"label_{other}"], f"{words['published']}: {info['issued']}"])


def render_timeline(timeline: Timeline, *, lang: str = "en") -> str:
    """Return the timeline page (see the module documentation)."""
    from kg.viz.render import STATIC, _asset, _check_lang, render_page

    _check_lang(lang)
    words = WORDS[lang]
    vendor = STATIC / "vendor"
    library, library_style = (
        _asset(vendor / "vis-timeline-graph2d.min.js"),
        _asset(vendor / "vis-timeline-graph2d.min.css"),
    )
    page_script, page_style = _asset(STATIC / "timeline.js"), _asset(STATIC / "view.css")
    title = words["title"] + (words["report"].format(year=timeline.year) if timeline.year else "")
    notice = ""
    if timeline.total > len(timeline.items):
        notice = words["truncated"].format(shown=f"{len(timeline.items):,}", total=f"{timeline.total:,}")
    data = {
        "items": timeline.items,
        "kinds": timeline.kinds,
        "reports": timeline.reports,
        "actors": timeline.actors,
        "lang": lang,
        "strings": words,
    }
    return render_page(
        "timeline.html",
        lang=lang,
        title=title,
        data=data,
        words=words,
        notice=notice,
        library=library,
        library_style=library_style,
        page_script=page_script,
        page_style=page_style,
    )


def write_timeline(timeline: Timeline, path: str | Path, *, lang: str = "en") -> Path:
    """Write the timeline page to ``path`` atomically and return the path."""
    from kg.viz.render import write_page

    return write_page(render_timeline(timeline, lang=lang), path)
