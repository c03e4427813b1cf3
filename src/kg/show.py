"""``kg show``: one entity's card — who or what it is, how it is linked, and where that comes from.

:func:`entity_card` reads one thing from any store in a handful of SPARQL queries, each bound to
that thing (no user text is ever pasted into a query), and returns a :class:`Card`: labels and
aliases in both languages, type, external identifiers (ATT&CK, CVE, see-also pages), dates,
other properties, relations grouped by kind (attributed to, targets, uses, advised about by,
countered by, arrested in, …) with the things at their other end, and citations — report,
section path and heading, figure, and the corpus file and line where the part starts.

What inference added is not shown twice: a relation that has a declared inverse is shown from
this thing's side only, super-properties implied by a sub-property and property-chain shortcuts
are left out.

On the shipped graph, in memory (``kg.open_graph()`` is the built store), by ATT&CK ID:

>>> import kg
>>> from kg.build import Sources
>>> from kg.paths import project_home
>>> with kg.load(Sources.of(project_home()).files) as graph:
...     [card] = entity_cards(graph, "G0098")                  # a name, an alias, an IRI or an ID
>>> print(card_text(card, lang="ja"))
BlackTech
=========
種別          特定の集団 (NamedGroup)
IRI           kgr:actor-blacktech
別名          ブラックテック
識別子        ATT&CK G0098
...
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kg.errors import InputError
from kg.namespaces import DCTERMS, KG, PROV, RDF, RDFS, SKOS
from kg.results import Term, compact_iri, display_width

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph
    from kg.store.base import SparqlStore

__all__ = ["Card", "card_text", "entity_card", "entity_cards"]

LANGUAGES = ("en", "ja")
#: Relations listed per kind in the text card before "… and N more" (JSON lists them all).
SHOWN_PER_RELATION = 12
#: The most things read at the other end of one kind of relation.
RELATED_LIMIT = 1000

OUTGOING_QUERY = """
SELECT ?predicate ?object WHERE { ?thing ?predicate ?object . }"""
INCOMING_QUERY = """
SELECT ?subject ?predicate WHERE {
  ?subject ?predicate ?thing .
  FILTER(isIRI(?subject) && STRSTARTS(STR(?subject), STR(kgr:)))
}"""
ABOUT_QUERY = """
SELECT ?subject ?predicate ?object WHERE {
  ?subject ?predicate ?object .
  FILTER(?predicate IN (rdfs:label, rdf:type, kg:sectionPath, kg:figureNumber, kg:sourceLine, kg:inReport,
                        kg:corpusFile, kg:coversYear, dcterms:date))
}"""

IDENTIFIERS = {
    KG + "attackId": "ATT&CK",
    KG + "cveId": "CVE",
    DCTERMS + "identifier": "identifier",
    RDFS + "seeAlso": "see also",
}
DATES = (
    DCTERMS + "date",
    DCTERMS + "issued",
    KG + "endDate",
    KG + "offenceDate",
    KG + "period",
    KG + "periodEnd",
    KG + "active",
)
NAMES = (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel")
LEFT_OUT = {
    RDF + "type",
    PROV + "wasDerivedFrom",
    KG + "mentionedIn",
    KG + "quotedText",
    KG + "corpusFile",
    KG + "sourceLine",
    KG + "reportedIn",
}

WORDS = {
    "en": {
        "type": "Type",
        "aliases": "Also known as",
        "ids": "Identifiers",
        "dates": "Dates",
        "facts": "Facts",
        "relations": "Relations",
        "sources": "Sources",
        "more": "… and {n} more",
        "line": "line",
        "report": "{year} report",
        "figure": "Figure {n}",
        "iri": "IRI",
        "none": "(none)",
    },
    "ja": {
        "type": "種別",
        "aliases": "別名",
        "ids": "識別子",
        "dates": "日付",
        "facts": "事実",
        "relations": "関係",
        "sources": "出典",
        "more": "…ほか{n}件",
        "line": "行",
        "report": "{year}年の報告",
        "figure": "図表{n}",
        "iri": "IRI",
        "none": "（なし）",
    },
}


@dataclass
class Card:
    """One thing, as ``kg show`` prints it; every text in both languages where the graph has it."""

    iri: str
    labels: dict[str, str]
    aliases: dict[str, list[str]]
    type: dict[str, str]
    classes: list[str]
    identifiers: list[dict[str, str]] = field(default_factory=list)
    dates: list[dict[str, str]] = field(default_factory=list)
    facts: list[dict[str, str]] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The card as a JSON-ready dict."""
        return asdict(self)


def _bound(iri: str) -> dict[str, dict[str, str]]:
    return {"thing": {"type": "uri", "value": iri}}


def _texts(pairs: Iterable[Term]) -> dict[str, str]:
    """One text per language (the smallest, so runs agree), untagged text standing in for both."""
    best: dict[str, str] = {}
    for term in pairs:
        lang = term.get("xml:lang", "")
        if lang not in best or term["value"] < best[lang]:
            best[lang] = term["value"]
    return {lang: best.get(lang) or best.get("") or next(iter(best.values()), "") for lang in LANGUAGES} if best else {}


def entity_cards(source: KnowledgeGraph | SparqlStore, name: str) -> list[Card]:
    """Return the card of every thing ``name`` designates (see :func:`kg.viz.lookup.find_things`)."""
    from kg.graph import KnowledgeGraph
    from kg.viz.lookup import find_things

    store = source.store if isinstance(source, KnowledgeGraph) else source
    return [entity_card(store, iri) for iri in find_things(store, name)]


def entity_card(source: KnowledgeGraph | SparqlStore, iri: str) -> Card:
    """Return the card of the thing ``iri``."""
    from kg.graph import KnowledgeGraph
    from kg.network import _drop_super_properties, _node_classes, _read_schema, rows_about

    store = source.store if isinstance(source, KnowledgeGraph) else source
    schema = _read_schema(store)
    outgoing = store.execute(OUTGOING_QUERY, bindings=_bound(iri)).bindings
    if not outgoing:
        raise InputError(f"{compact_iri(iri)} is not in this graph")
    incoming = store.execute(INCOMING_QUERY, bindings=_bound(iri)).bindings
    inverse = {first: second for first, second in schema.inverse_declared} | {
        second: first for first, second in schema.inverse_declared
    }

    literals: dict[str, list[Term]] = defaultdict(list)
    links: set[tuple[str, str]] = set()
    types: set[str] = set()
    for row in outgoing:
        prop, value = row["predicate"]["value"], row["object"]
        if prop == RDF + "type" and value["value"].startswith(KG):
            types.add(value["value"])
        elif value["type"] == "literal":
            literals[prop].append(value)
        elif value["type"] == "uri" and prop not in schema.chains:
            links.add((prop, value["value"]))
    links = set(_drop_super_properties(links, schema))
    # a link in with no declared inverse is shown as "← <relation>": which way it points matters
    backwards = {
        (row["predicate"]["value"], row["subject"]["value"])
        for row in incoming
        if row["predicate"]["value"] not in inverse
        and row["predicate"]["value"] not in schema.chains
        and row["predicate"]["value"] not in LEFT_OUT
    }
    backwards = set(_drop_super_properties(backwards, schema))
    parts = sorted(target for prop, target in links if prop == PROV + "wasDerivedFrom")
    related = {target for prop, target in links if prop not in LEFT_OUT} | {subject for _, subject in backwards}

    about: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for row in rows_about(store, ABOUT_QUERY, set(parts) | related):
        about[row["subject"]["value"]][row["predicate"]["value"]].append(row["object"])
    reports = {term["value"] for part in parts for term in about[part].get(KG + "inReport", [])}
    for row in rows_about(store, ABOUT_QUERY, reports):
        about[row["subject"]["value"]][row["predicate"]["value"]].append(row["object"])

    def label_of(thing: str) -> dict[str, str]:
        found = _texts(about[thing].get(RDFS + "label", [])) or _texts(
            {"value": text, "xml:lang": lang} for lang, text in schema.labels.get(thing, {}).items()
        )
        return found or {lang: compact_iri(thing) for lang in LANGUAGES}

    def term_label(term: str) -> dict[str, str]:
        from kg.network import STANDARD_LABELS

        known = {**STANDARD_LABELS.get(term, {}), **schema.labels.get(term, {})}
        return {lang: known.get(lang) or known.get("") or compact_iri(term) for lang in LANGUAGES}

    specific, _, classes = _node_classes(frozenset(types), schema) if types else ("Thing", "Thing", [])
    labels = _texts(literals.get(RDFS + "label", []) or literals.get(SKOS + "prefLabel", []))
    card = Card(
        iri=iri,
        labels=labels or {lang: compact_iri(iri) for lang in LANGUAGES},
        aliases={
            lang: sorted(
                {
                    term["value"]
                    for term in literals.get(SKOS + "altLabel", [])
                    if term.get("xml:lang", "") in (lang, "")
                }
            )
            for lang in LANGUAGES
        },
        type={"name": specific, **term_label(KG + specific)},
        classes=classes,
    )
    for prop, name in IDENTIFIERS.items():
        values = [term["value"] for term in literals.get(prop, [])] + sorted(
            target for key, target in links if key == prop
        )
        card.identifiers += [{"scheme": name, "value": value} for value in sorted(set(values))]
    for prop in DATES:
        card.dates += [
            {"property": compact_iri(prop), **term_label(prop), "value": term["value"]}
            for term in sorted(literals.get(prop, []), key=lambda term: term["value"])
        ]
    for prop in sorted(literals):
        if prop in NAMES or prop in IDENTIFIERS or prop in DATES or prop in LEFT_OUT:
            continue
        texts = _texts(literals[prop])
        card.facts.append(
            {"property": compact_iri(prop), **{f"label_{lang}": term_label(prop)[lang] for lang in LANGUAGES}, **texts}
        )
    by_relation: dict[tuple[str, str], list[str]] = defaultdict(list)
    for prop, target in links:
        if prop not in LEFT_OUT and prop not in IDENTIFIERS and target in related:
            by_relation[prop, "out"].append(target)
    for prop, subject in backwards:
        by_relation[prop, "in"].append(subject)
    for (prop, direction), things in sorted(
        by_relation.items(), key=lambda item: (term_label(item[0][0])["en"], item[0][1])
    ):
        names = term_label(prop)
        card.relations.append(
            {
                "property": compact_iri(prop),
                "direction": direction,
                # a link that comes in, with no inverse to say it from this side: "← about" (an advisory about it)
                **{f"label_{lang}": ("" if direction == "out" else "← ") + names[lang] for lang in LANGUAGES},
                "count": len(things),
                "things": [
                    {"iri": thing, **label_of(thing), "type": _local_type(about[thing].get(RDF + "type", []), schema)}
                    for thing in sorted(things, key=lambda thing: (label_of(thing)["en"], thing))[:RELATED_LIMIT]
                ],
            }
        )
    for part in parts:
        facts = about[part]
        report = min((term["value"] for term in facts.get(KG + "inReport", [])), default=None)
        card.sources.append(
            {
                "part": part,
                "report": report,
                "year": min((term["value"] for term in about[report].get(KG + "coversYear", [])), default=None)
                if report
                else None,
                "path": min((term["value"] for term in facts.get(KG + "sectionPath", [])), default=None),
                "figure": min((term["value"] for term in facts.get(KG + "figureNumber", [])), default=None),
                "heading": _texts(facts.get(RDFS + "label", [])),
                "file": min((term["value"] for term in about[report].get(KG + "corpusFile", [])), default=None)
                if report
                else None,
                "line": min((int(term["value"]) for term in facts.get(KG + "sourceLine", [])), default=None),
            }
        )
    card.sources.sort(
        key=lambda source: (
            source["year"] or "",
            source["figure"] is not None,
            source["path"] or "",
            int(source["figure"] or 0),
            source["part"],
        )
    )
    return card


def _local_type(types: list[Term], schema: Any) -> str:
    from kg.network import _node_classes

    direct = frozenset(term["value"] for term in types if term["value"].startswith(KG))
    return _node_classes(direct, schema)[0] if direct else ""


def card_text(card: Card, *, lang: str = "en") -> str:
    """The card as the terminal shows it: a heading, then aligned sections."""
    if lang not in LANGUAGES:
        raise InputError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    words = WORDS[lang]
    other = "ja" if lang == "en" else "en"
    title = card.labels.get(lang, "")
    lines = [title]
    if card.labels.get(other) and card.labels[other] != title:
        lines.append(card.labels[other])
    lines.append("=" * min(72, max(display_width(line) for line in lines)))
    rows: list[tuple[str, str]] = [
        (words["type"], f"{card.type[lang]} ({card.type['name']})"),
        (words["iri"], compact_iri(card.iri)),
    ]
    aliases = list(dict.fromkeys(card.aliases[lang] + card.aliases[other]))
    if aliases:
        rows.append((words["aliases"], ", ".join(aliases)))
    rows += [(words["ids"], f"{entry['scheme']} {entry['value']}") for entry in card.identifiers]
    rows += [(f"{entry[lang]}", entry["value"]) for entry in card.dates]
    lines += _aligned(rows)
    if card.facts:
        lines += ["", words["facts"]]
        lines += _aligned(
            [
                (entry[f"label_{lang}"], " ".join((entry.get(lang) or entry.get(other) or "").split()))
                for entry in card.facts
            ],
            indent="  ",
        )
    if card.relations:
        lines += ["", words["relations"]]
        for relation in card.relations:
            lines.append(f"  {relation[f'label_{lang}']} ({relation['count']})")
            for thing in relation["things"][:SHOWN_PER_RELATION]:
                lines.append(f"    • {thing[lang]}  [{compact_iri(thing['iri'])}]")
            if relation["count"] > SHOWN_PER_RELATION:
                lines.append("    " + words["more"].format(n=relation["count"] - SHOWN_PER_RELATION))
    lines += ["", words["sources"]]
    if not card.sources:
        lines.append("  " + words["none"])
    for source in card.sources:
        report = words["report"].format(year=source["year"]) if source["year"] else ""
        if source["figure"] is not None:
            part = source["heading"].get(lang) or words["figure"].format(n=source["figure"])
        else:
            heading = source["heading"].get(lang, "")
            part = " ".join(filter(None, (source["path"], f"“{heading}”" if lang == "en" else f"「{heading}」")))
        where = f"{source['file']}:{source['line']}" if source["file"] and source["line"] else ""
        lines.append("  • " + ", ".join(filter(None, (report, part))) + (f"  ({where})" if where else ""))
    return "\n".join(lines) + "\n"


def _aligned(rows: list[tuple[str, str]], indent: str = "") -> list[str]:
    from kg.output import text_table

    return text_table([], rows, indent=indent).splitlines() if rows else []
