"""The kg graph as networkx graphs: the conversion and the communities that ``kg viz`` and
``kg analyze`` both use (neither imports the other).

:func:`instance_graph` reads any store (embedded or remote) through two SPARQL queries and
returns a :class:`networkx.MultiDiGraph`:

* **nodes** are the things in the graph (``kgr:`` IRIs with a kg class). Classes are not
  nodes: each node carries ``type`` (its most specific class), ``kind`` (the most general kg
  class above it, which views colour by) and ``classes`` (all of them, by local name).
  Literals are not nodes either: ``label_en``, ``label_ja``, ``aliases`` and ``properties``
  (``(property IRI, value, language)`` triples) are attributes, and so are vocabulary terms
  such as a measure's kind.
* **edges** are the relations between things, keyed by the property IRI, with ``label_en`` and
  ``label_ja``. What inference added is not drawn twice: a pair of inverse properties is kept
  in the direction the ontology declares (``kg:issuedBy``, not ``kg:issued``), a super-property
  is dropped where its sub-property holds, and property-chain shortcuts (``kg:reportedIn``)
  and other links from things to reports (``kg:mentionedIn``) are left out.
* **provenance**: ``sources`` lists the sections and figures a node is derived from (with the
  report year, section path or figure number and their labels) and ``reports`` the reports it
  comes from. The sections, figures and reports themselves are nodes only with ``sources=True``.

The other functions read the nodes' attributes, split the graph into communities or derive
the co-issuance network of agencies; the views (:mod:`kg.viz.network`) cut graphs out of a
store before converting them. Everything here is plain networkx, so the same graphs serve the
HTML views, the analysis and notebooks:

>>> import pyoxigraph
>>> from kg.build import load_sources
>>> from kg.infer import materialise
>>> from kg.paths import ontology_dir
>>> from kg.store.embedded import OxigraphStore
>>> store = load_sources(sorted(ontology_dir().glob("*.ttl")))
>>> store.load('''@prefix kg: <https://w3id.org/npa-cyber-kg/ontology#> .
... @prefix kgr: <https://w3id.org/npa-cyber-kg/id/> .
... @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
... kgr:adv a kg:Advisory ; rdfs:label "Advisory"@en ; kg:issuedBy kgr:a , kgr:b .
... kgr:a a kg:PoliceOrganisation ; rdfs:label "A"@en , "甲"@ja .
... kgr:b a kg:GovernmentAgency ; rdfs:label "B"@en .''', format=pyoxigraph.RdfFormat.TURTLE)
>>> _ = materialise(store)                                  # adds kg:issued, the inverse
>>> graph = instance_graph(OxigraphStore(store))
>>> sorted((compact_iri(s), compact_iri(p), compact_iri(o)) for s, o, p in graph.edges(keys=True))
[('kgr:adv', 'kg:issuedBy', 'kgr:a'), ('kgr:adv', 'kg:issuedBy', 'kgr:b')]
>>> kgr = "https://w3id.org/npa-cyber-kg/id/"
>>> node = graph.nodes[kgr + "a"]
>>> node["type"], node["kind"], node["label_ja"]
('PoliceOrganisation', 'Organisation', '甲')
>>> co = co_issuance_graph(graph)
>>> co.edges[kgr + "a", kgr + "b"]["weight"]
1
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kg.namespaces import DCTERMS, KG, KGR, OWL, PROV, QB, RDF, RDFS, SKOS
from kg.results import Term, compact_iri

if TYPE_CHECKING:
    import networkx as nx

    from kg.graph import KnowledgeGraph
    from kg.store.base import SparqlStore

__all__ = [
    "LANGUAGES",
    "citations",
    "class_entry",
    "class_label",
    "co_issuance_graph",
    "communities",
    "instance_graph",
    "label",
    "property_label",
    "simple_graph",
]

LANGUAGES = ("en", "ja")

#: The ontology's terms: labels, hierarchies, inverses, chains and symmetric properties. It
#: starts from the declared terms and the vocabularies' concepts, so that it costs the ontology's
#: size, not the graph's.
SCHEMA_QUERY = """
SELECT ?term ?relation ?value WHERE {
  {
    VALUES ?declared { owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty rdf:Property
                       owl:SymmetricProperty owl:TransitiveProperty skos:ConceptScheme rdfs:Class }
    ?term a ?declared .
  } UNION { ?term skos:inScheme ?scheme . }
  ?term ?relation ?value .
  FILTER(?relation IN (rdfs:label, skos:prefLabel, rdfs:subClassOf, rdfs:subPropertyOf, owl:inverseOf,
                       owl:propertyChainAxiom, rdf:type))
  FILTER(isIRI(?term) && !STRSTARTS(STR(?term), STR(kgr:)))
  FILTER(?relation != rdf:type || ?value = owl:SymmetricProperty)
}"""
#: Every statement about a thing; report quotations and corpus line numbers are left out
#: because a view has no room for them.
FACTS_QUERY = """
SELECT ?subject ?predicate ?object WHERE {
  ?subject ?predicate ?object .
  FILTER(STRSTARTS(STR(?subject), STR(kgr:)))
  FILTER(?predicate NOT IN (kg:quotedText, kg:sourceLine, kg:corpusFile))
}"""

LABELS = (RDFS + "label", SKOS + "prefLabel")
ALIAS = SKOS + "altLabel"
DERIVED_FROM = PROV + "wasDerivedFrom"
IN_REPORT = KG + "inReport"
REPORTED_IN = KG + "reportedIn"
ISSUED_BY = KG + "issuedBy"
#: The kinds whose instances are provenance: cited by nodes rather than drawn.
PROVENANCE_KINDS = ("SourcePart", "Report")
#: Labels for the standard terms the graph uses, which the ontology does not label itself
#: (labels found in the store win).
STANDARD_LABELS: dict[str, dict[str, str]] = {
    DCTERMS + "date": {"en": "date", "ja": "日付"},
    DCTERMS + "description": {"en": "description", "ja": "説明"},
    DCTERMS + "identifier": {"en": "identifier", "ja": "識別子"},
    DCTERMS + "isPartOf": {"en": "part of", "ja": "上位の節"},
    DCTERMS + "issued": {"en": "issued on", "ja": "公表日"},
    DCTERMS + "publisher": {"en": "publisher", "ja": "発行者"},
    DCTERMS + "title": {"en": "title", "ja": "題名"},
    PROV + "wasDerivedFrom": {"en": "derived from", "ja": "出典"},
    QB + "dataSet": {"en": "statistical series", "ja": "統計系列"},
    RDFS + "comment": {"en": "comment", "ja": "注記"},
    RDFS + "seeAlso": {"en": "see also", "ja": "参照"},
    SKOS + "broader": {"en": "broader", "ja": "上位概念"},
    SKOS + "inScheme": {"en": "in scheme", "ja": "所属する体系"},
    SKOS + "related": {"en": "related", "ja": "関連"},
}


@dataclass
class _Schema:
    """What the conversion needs to know about the ontology's terms."""

    labels: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    parents: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    super_properties: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    inverse_declared: set[tuple[str, str]] = field(default_factory=set)
    chains: set[str] = field(default_factory=set)
    symmetric: set[str] = field(default_factory=set)

    def primaries(self) -> dict[str, str]:
        """Map each property that has an inverse to the one of the pair that views draw.

        The drawn one is the one whose declaration says ``owl:inverseOf``; when both do, the one
        whose IRI sorts first.
        """
        return {
            second: first
            for first, second in self.inverse_declared
            if first != second and ((second, first) not in self.inverse_declared or first < second)
        }


def _local(iri: str) -> str:
    return iri[len(KG) :] if iri.startswith(KG) else compact_iri(iri)


def _closure(start: Iterable[str], parents: Mapping[str, set[str]]) -> set[str]:
    """Return ``start`` and everything above it (cycle-safe)."""
    seen: set[str] = set()
    stack = list(start)
    while stack:
        item = stack.pop()
        if item not in seen:
            seen.add(item)
            stack.extend(parents.get(item, ()))
    return seen


def _depth(term: str, parents: Mapping[str, set[str]], seen: frozenset[str] = frozenset()) -> int:
    above = [parent for parent in parents.get(term, ()) if parent not in seen]
    return 1 + max((_depth(parent, parents, seen | {term}) for parent in above), default=0)


def _in_language(texts: Mapping[str, str], lang: str, fallback: str) -> str:
    """Pick the text in ``lang``, else untagged, else the other language, else ``fallback``."""
    for key in (lang, "", *LANGUAGES):
        if texts.get(key):
            return texts[key]
    return fallback


def _best_labels(pairs: Iterable[tuple[str, Term]]) -> dict[str, str]:
    """Return one label per language from (property, literal) pairs: rdfs:label before
    skos:prefLabel, then the smallest text, so that every run picks the same one."""
    best: dict[str, tuple[int, str]] = {}
    for prop, value in pairs:
        if prop in LABELS and value.get("type") == "literal":
            rank = (LABELS.index(prop), value["value"])
            lang = value.get("xml:lang", "")
            if lang not in best or rank < best[lang]:
                best[lang] = rank
    return {lang: text for lang, (_, text) in best.items()}


def _read_schema(store: SparqlStore) -> _Schema:
    schema = _Schema()
    label_pairs: dict[str, list[tuple[str, Term]]] = defaultdict(list)
    for row in store.execute(SCHEMA_QUERY).bindings:
        term, relation, value = row["term"]["value"], row["relation"]["value"], row["value"]
        if relation in LABELS:
            label_pairs[term].append((relation, value))
        elif relation == OWL + "propertyChainAxiom":
            schema.chains.add(term)
        elif value.get("type") != "uri":
            continue
        elif relation == RDFS + "subClassOf" and value["value"].startswith(KG) and term.startswith(KG):
            schema.parents[term].add(value["value"])
        elif relation == RDFS + "subPropertyOf":
            schema.super_properties[term].add(value["value"])
        elif relation == OWL + "inverseOf":
            schema.inverse_declared.add((term, value["value"]))
        elif relation == RDF + "type":
            schema.symmetric.add(term)
    schema.labels.update({term: _best_labels(pairs) for term, pairs in label_pairs.items()})
    return schema


def _node_classes(direct: frozenset[str], schema: _Schema) -> tuple[str, str, list[str]]:
    """Return (most specific class, most general kg class, all classes), by local name."""
    everything = _closure(direct, schema.parents)
    above_others = set().union(*(_closure(schema.parents.get(item, ()), schema.parents) for item in everything))
    specific = min(everything - above_others or everything, key=lambda item: (-_depth(item, schema.parents), item))
    roots = [item for item in _closure([specific], schema.parents) if not schema.parents.get(item)]
    return _local(specific), _local(min(roots)), sorted(_local(item) for item in everything)


def class_entry(name: str, schema: _Schema) -> dict[str, Any]:
    """What a graph's ``classes`` table says of the kg class ``name`` (local name): its IRI,
    parents and labels."""
    iri = KG + name
    return {
        "iri": iri,
        "parents": sorted(_local(parent) for parent in schema.parents.get(iri, ())),
        **{f"label_{lang}": _in_language(schema.labels.get(iri, {}), lang, name) for lang in LANGUAGES},
    }


def _drop_super_properties(pairs: set[tuple[str, str]], schema: _Schema) -> set[tuple[str, str]]:
    """Drop (property, value) pairs implied by a (sub-property, value) pair of the same set."""
    implied = {
        (parent, value)
        for prop, value in pairs
        for parent in _closure(schema.super_properties.get(prop, ()), schema.super_properties)
        if parent != prop
    }
    return pairs - implied


#: Facts about a given set of things (the subjects come in a ``VALUES`` block).
FACTS_OF_QUERY = """
SELECT ?subject ?predicate ?object WHERE {
  ?subject ?predicate ?object .
  FILTER(?predicate NOT IN (kg:quotedText, kg:sourceLine, kg:corpusFile))
}"""
#: What a citation shows of the sections, figures and reports some things are derived from.
CITATION_FACTS_QUERY = """
SELECT ?subject ?predicate ?object WHERE {
  ?subject ?predicate ?object .
  FILTER(?predicate IN (rdf:type, rdfs:label, skos:prefLabel, kg:sectionPath, kg:figureNumber, kg:inReport,
                        kg:coversYear))
}"""
#: What the co-issuance network needs of an advisory: its class, labels, date, title and issuers.
BRIEF_FACTS_QUERY = """
SELECT ?subject ?predicate ?object WHERE {
  ?subject ?predicate ?object .
  FILTER(?predicate IN (rdf:type, rdfs:label, skos:prefLabel, dcterms:date, dcterms:title, kg:issuedBy))
}"""
#: The labels of things a view refers to without drawing them (a series, a category).
LABELS_OF_QUERY = """
SELECT ?subject ?predicate ?object WHERE {
  ?subject ?predicate ?object .
  FILTER(?predicate IN (rdfs:label, skos:prefLabel))
}"""
#: How many subjects go into one ``VALUES`` block.
BATCH = 500
DATASET = QB + "dataSet"
CATEGORY = KG + "category"
PERIOD, PERIOD_END = KG + "period", KG + "periodEnd"
PRINTED, VALUE, UNIT, APPROXIMATE = KG + "printedText", KG + "value", KG + "unit", KG + "approximate"


def values_block(variable: str, iris: Iterable[str]) -> str:
    """Return a ``VALUES ?variable { … }`` block of IRIs, each written (and escaped) by Oxigraph,
    so that no IRI can change the query's structure."""
    from kg.terms import to_ntriples

    terms = " ".join(to_ntriples({"type": "uri", "value": iri}) for iri in iris)
    return f"VALUES ?{variable} {{ {terms} }}"


def with_values(query: str, variable: str, iris: Iterable[str]) -> str:
    """Return ``query`` with a ``VALUES`` block of ``iris`` for ``variable`` first in its WHERE group."""
    from kg.terms import where_clause_start

    start = where_clause_start(query)
    assert start is not None, "the query has a WHERE group"
    return f"{query[:start]} {values_block(variable, iris)}{query[start:]}"


def rows_about(
    store: SparqlStore, query: str, iris: Iterable[str], variable: str = "subject", *, batch: int = BATCH
) -> Iterator[dict[str, Term]]:
    """Run ``query`` once per ``batch`` of ``iris`` bound to ``variable`` and yield every row."""
    ordered = sorted(set(iris))
    for start in range(0, len(ordered), batch):
        yield from store.execute(with_values(query, variable, ordered[start : start + batch])).bindings


def instance_graph(
    source: KnowledgeGraph | SparqlStore,
    *,
    sources: bool = False,
    nodes: Collection[str] | None = None,
    brief: Collection[str] = (),
    schema: _Schema | None = None,
) -> nx.MultiDiGraph:
    """Read the things in ``source`` and the relations between them as a MultiDiGraph.

    ``source`` is a :class:`~kg.graph.KnowledgeGraph` or any :class:`~kg.store.base.SparqlStore`
    (so a remote endpoint works too). With ``sources=True`` report sections, figures and reports
    are nodes as well, linked by ``prov:wasDerivedFrom``, ``kg:inReport`` and ``dcterms:isPartOf``.
    With ``nodes``, only those things are read (the store is asked about them alone, and about
    the sections, figures and reports they cite — only what a citation shows of them, unless
    ``sources``), which is how views stay fast on a big graph; those of them in ``brief`` are
    read for their class, labels, date, title and issuers only (the co-issuance network's
    advisories: a fifth of the rows). ``schema``, the ontology as read by a cut, saves reading
    it again. See the module documentation for the attributes.
    """
    import networkx as nx

    from kg.graph import KnowledgeGraph
    from kg.terms import to_ntriples

    store = source.store if isinstance(source, KnowledgeGraph) else source
    schema = schema or _read_schema(store)
    types: dict[str, set[str]] = defaultdict(set)
    literals: dict[str, list[tuple[str, Term]]] = defaultdict(list)
    links: set[tuple[str, str, str]] = set()

    def take(rows: Iterable[Mapping[str, Term]]) -> None:
        for row in rows:
            subject, predicate, value = row["subject"]["value"], row["predicate"]["value"], row["object"]
            if predicate == RDF + "type":
                if value["type"] == "uri" and value["value"].startswith(KG):
                    types[subject].add(value["value"])
            elif value["type"] == "literal":
                literals[subject].append((predicate, value))
            elif value["type"] == "uri":
                links.add((subject, predicate, value["value"]))

    if nodes is None:
        take(store.execute(FACTS_QUERY).bindings)
    else:
        wanted = {node for node in nodes if node.startswith(KGR)}
        # an inverse that inference added is read from the other side, which is in the view too:
        # a hub's thousands of kg:issued links are never read
        inverses = sorted(set(schema.primaries()) | schema.chains | {KG + "mentionedIn"})
        facts_of = FACTS_OF_QUERY.replace(
            "kg:corpusFile)",
            "kg:corpusFile" + "".join(", " + to_ntriples({"type": "uri", "value": iri}) for iri in inverses) + ")",
        )
        briefly = {node for node in brief if node in wanted}
        take(rows_about(store, facts_of, wanted - briefly))
        take(rows_about(store, BRIEF_FACTS_QUERY, briefly))
        # the sections and figures they cite, and the reports those are in
        parts = {target for subject, predicate, target in links if predicate == DERIVED_FROM} - set(types)
        cited = FACTS_OF_QUERY if sources else CITATION_FACTS_QUERY
        take(rows_about(store, cited, parts))
        reports = {target for subject, predicate, target in links if predicate in (IN_REPORT, REPORTED_IN)}
        take(rows_about(store, cited, reports - set(types)))
        provenance = parts | reports
        if sources:
            wanted |= provenance
        else:
            # what the provenance itself points at (its publisher, its parent section) stays out
            links = {link for link in links if link[0] in wanted or link[2] in provenance}
        for thing in list(types):
            if thing not in wanted and thing not in provenance:
                del types[thing]

    graph = nx.MultiDiGraph(view="overview", classes={}, properties={}, reports={})
    classes_of: dict[frozenset[str], tuple[str, str, list[str]]] = {}
    for node in sorted(types):
        direct = frozenset(types[node])
        if direct not in classes_of:
            classes_of[direct] = _node_classes(direct, schema)
            for name in classes_of[direct][2]:
                graph.graph["classes"][name] = class_entry(name, schema)
        node_type, kind, classes = classes_of[direct]
        labels = _best_labels(literals[node])
        graph.add_node(
            node,
            label_en=labels.get("en") or labels.get(""),
            label_ja=labels.get("ja") or labels.get(""),
            aliases=sorted({value["value"] for prop, value in literals[node] if prop == ALIAS}),
            type=node_type,
            kind=kind,
            classes=list(classes),
            properties=[],
            sources=[],
            reports=[],
        )

    outgoing: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for subject, predicate, target in links:
        outgoing[subject].append((predicate, target))
    _fill_labels(graph, store, literals, outgoing, schema)
    for subject, predicate, target in sorted(_relations(links, graph, schema)):
        graph.add_edge(subject, target, key=predicate, predicate=predicate, **_labels_for(predicate, graph, schema))
    _add_properties(graph, literals, outgoing, schema)
    _add_provenance(graph, literals, outgoing)
    if not sources:
        graph.remove_nodes_from([node for node, kind in graph.nodes(data="kind") if kind in PROVENANCE_KINDS])
    return graph


def _fill_labels(
    graph: nx.MultiDiGraph,
    store: SparqlStore,
    literals: Mapping[str, list[tuple[str, Term]]],
    outgoing: Mapping[str, list[tuple[str, str]]],
    schema: _Schema,
) -> None:
    """Give every node a label in both languages, never an IRI.

    A node labelled in one language only shows that label in the other. A node with no label
    at all gets one composed from what it is: an observation from its series, period, breakdown
    and value (``Ransomware reports 2023, VPN: 63 cases``), anything else from its class and
    its date or title.
    """
    missing = [node for node, data in graph.nodes(data=True) if not (data["label_en"] and data["label_ja"])]
    named = {target for node in missing for prop, target in outgoing.get(node, ()) if prop in (DATASET, CATEGORY)}
    unknown = {target for target in named if target not in graph}
    names: dict[str, dict[str, str]] = {
        target: {"en": graph.nodes[target]["label_en"] or "", "ja": graph.nodes[target]["label_ja"] or ""}
        for target in named
        if target in graph
    }
    found: dict[str, list[tuple[str, Term]]] = defaultdict(list)
    for row in rows_about(store, LABELS_OF_QUERY, unknown):
        found[row["subject"]["value"]].append((row["predicate"]["value"], row["object"]))
    names.update({target: _best_labels(pairs) for target, pairs in found.items()})
    for node in missing:
        data = graph.nodes[node]
        if data["label_en"] or data["label_ja"]:
            data["label_en"] = data["label_en"] or data["label_ja"]
            data["label_ja"] = data["label_ja"] or data["label_en"]
            continue
        for lang in LANGUAGES:
            data[f"label_{lang}"] = _composed_label(
                graph, node, lang, literals.get(node, []), outgoing.get(node, []), names, schema
            )


def _literal_values(pairs: Iterable[tuple[str, Term]], prop: str) -> list[str]:
    return sorted(value["value"] for key, value in pairs if key == prop)


def _composed_label(
    graph: nx.MultiDiGraph,
    node: str,
    lang: str,
    pairs: list[tuple[str, Term]],
    links: list[tuple[str, str]],
    names: Mapping[str, Mapping[str, str]],
    schema: _Schema,
) -> str:
    """Compose a label for a thing the graph does not label (see :func:`_fill_labels`)."""

    def name(target: str) -> str:
        return _in_language(names.get(target, {}), lang, "") or _in_language(
            schema.labels.get(target, {}), lang, compact_iri(target).partition(":")[2]
        )

    data = graph.nodes[node]
    period = "–".join(_literal_values(pairs, PERIOD)[:1] + _literal_values(pairs, PERIOD_END)[:1])
    if data["kind"] == "Observation":
        series = [name(target) for prop, target in sorted(links) if prop == DATASET]
        categories = [name(target) for prop, target in sorted(links) if prop == CATEGORY]
        printed = _literal_values(pairs, PRINTED)
        if lang == "ja" and printed:
            amount = printed[0]
        else:
            value = _literal_values(pairs, VALUE)
            units = [name(target) for prop, target in links if prop == UNIT]
            about = ("about " if lang == "en" else "約") if "true" in _literal_values(pairs, APPROXIMATE) else ""
            amount = about + " ".join(filter(None, [_number(value[0]) if value else "", *units[:1]]))
        head = " ".join(filter(None, [*series[:1], period]))
        if categories:
            head += (", " if lang == "en" else "、") + (" / " if lang == "en" else "・").join(categories)
        return f"{head}: {amount}" if amount.strip() else head or class_label(graph, data["type"], lang)
    when = (_literal_values(pairs, DCTERMS + "date") or [period])[:1]
    titles = [
        value["value"] for key, value in pairs if key == DCTERMS + "title" and value.get("xml:lang", lang) in (lang, "")
    ]
    return " ".join(filter(None, [class_label(graph, data["type"], lang), *titles[:1], *when]))


def _number(text: str) -> str:
    """Write a number for an English label: thousands separators, and millions or billions for
    big ones, all digits kept.

    >>> _number("8731300000"), _number("1196390"), _number("27"), _number("94.9")
    ('8.7313 billion', '1.19639 million', '27', '94.9')
    """
    try:
        number = float(text)
    except ValueError:
        return text
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if abs(number) >= size:
            return f"{number / size:,.12g} {word}"
    return f"{int(number):,}" if number.is_integer() else f"{number:,}"


def _labels_for(prop: str, graph: nx.MultiDiGraph, schema: _Schema) -> dict[str, str]:
    """Return a property's labels, remembering them in the graph's ``properties`` table."""
    if prop in graph.graph["properties"]:
        return graph.graph["properties"][prop]
    known = {**STANDARD_LABELS.get(prop, {}), **schema.labels.get(prop, {})}
    labels = {f"label_{lang}": _in_language(known, lang, compact_iri(prop)) for lang in LANGUAGES}
    graph.graph["properties"][prop] = labels
    return labels


def _relations(links: set[tuple[str, str, str]], graph: nx.MultiDiGraph, schema: _Schema) -> set[tuple[str, str, str]]:
    """Return the links between nodes as edges, each relation once (see the module documentation)."""
    primaries = schema.primaries()
    canonical: set[tuple[str, str, str]] = set()
    for subject, predicate, target in links:
        if subject not in graph or target not in graph or predicate in schema.chains:
            continue
        if graph.nodes[target]["kind"] == "Report" and graph.nodes[subject]["kind"] not in PROVENANCE_KINDS:
            continue  # which report a thing is in (kg:reportedIn, kg:mentionedIn) is provenance, not a relation
        if (primary := primaries.get(predicate)) is not None:
            subject, predicate, target = target, primary, subject
        elif predicate in schema.symmetric and target < subject:
            subject, target = target, subject
        canonical.add((subject, predicate, target))
    by_pair: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for subject, predicate, target in canonical:
        by_pair[subject, target].add((predicate, target))
    return {
        (subject, predicate, target)
        for (subject, _), pairs in by_pair.items()
        for predicate, target in _drop_super_properties(pairs, schema)
    }


def _add_properties(
    graph: nx.MultiDiGraph,
    literals: Mapping[str, list[tuple[str, Term]]],
    outgoing: Mapping[str, list[tuple[str, str]]],
    schema: _Schema,
) -> None:
    """Set each node's ``properties``: its literals (not labels) and its links to non-nodes."""
    for node, data in graph.nodes(data=True):
        values: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
        for prop, value in literals.get(node, []):
            if prop not in LABELS and prop != ALIAS:
                values[prop, value["value"]].add((value["value"], value.get("xml:lang", "")))
        for prop, target in outgoing.get(node, []):
            if target in graph or prop in schema.chains or target.startswith(KGR):
                continue  # a thing outside the view is not a property of this one
            # a vocabulary term (a kind of measure, a unit) shows as its labels; anything else as its IRI
            named = schema.labels.get(target)
            values[prop, target] |= {(text, lang) for lang, text in named.items()} if named else {(target, "")}
        kept = _drop_super_properties(set(values), schema)
        data["properties"] = sorted((prop, text, lang) for prop, key in kept for text, lang in values[prop, key])
        for prop, _ in kept:
            _labels_for(prop, graph, schema)


def _add_provenance(
    graph: nx.MultiDiGraph,
    literals: Mapping[str, list[tuple[str, Term]]],
    outgoing: Mapping[str, list[tuple[str, str]]],
) -> None:
    """Set each node's ``sources`` and ``reports``, and the graph's ``reports`` table."""

    def literal(node: str, prop: str) -> str | None:
        return min((value["value"] for key, value in literals.get(node, []) if key == prop), default=None)

    def targets(node: str, prop: str) -> list[str]:
        return sorted(target for key, target in outgoing.get(node, []) if key == prop)

    for node, kind in graph.nodes(data="kind"):
        if kind == "Report":
            graph.graph["reports"][node] = {
                "year": literal(node, KG + "coversYear") or compact_iri(node),
                "label_en": graph.nodes[node]["label_en"],
                "label_ja": graph.nodes[node]["label_ja"],
            }
    report_of = {node: min(targets(node, IN_REPORT)) for node in graph if targets(node, IN_REPORT)}
    for node, data in graph.nodes(data=True):
        parts = [part for part in targets(node, DERIVED_FROM) if part in graph]
        data["sources"] = [
            {
                "part": part,
                "report": report_of.get(part),
                "year": graph.graph["reports"].get(report_of.get(part, ""), {}).get("year"),
                "path": literal(part, KG + "sectionPath"),
                "figure": literal(part, KG + "figureNumber"),
                "label_en": graph.nodes[part]["label_en"],
                "label_ja": graph.nodes[part]["label_ja"],
            }
            for part in parts
        ]
        # sections in report order of their paths, then figures by number
        data["sources"].sort(key=_source_order)
        reports = {report_of[part] for part in [node, *parts] if part in report_of}
        reports.update(targets(node, REPORTED_IN))
        if data["kind"] == "Report":
            reports.add(node)
        data["reports"] = sorted(reports)


def _source_order(source: Mapping[str, Any]) -> tuple[Any, ...]:
    """Sections by path, then figures by number, report by report."""
    figure = str(source["figure"] or "")
    number = int(figure) if figure.isdigit() else 0
    return (source["year"] or "", bool(figure), source["path"] or "", number, source["part"])


# --- reading the attributes ------------------------------------------------------------


def label(graph: nx.Graph, node: str, lang: str) -> str:
    """Return a node's label in ``lang`` (``en`` or ``ja``); nodes always have both."""
    return graph.nodes[node][f"label_{lang}"]


def class_label(graph: nx.Graph, name: str, lang: str) -> str:
    """Return the label of a kg class (by local name) in ``lang``."""
    return graph.graph["classes"].get(name, {}).get(f"label_{lang}", name)


def property_label(graph: nx.Graph, iri: str, lang: str) -> str:
    """Return the label of a property in ``lang``."""
    labels = graph.graph["properties"].get(iri)
    return labels[f"label_{lang}"] if labels and f"label_{lang}" in labels else compact_iri(iri)


def citations(graph: nx.Graph, node: str, lang: str) -> list[str]:
    """Return where a node comes from, one line per section or figure, in ``lang``.

    Sections cite their path and heading (``2023 report, 第1部 トピック1 “Topic 1 …”``), figures
    their caption (``2023 report, Figure 1 …``).
    """
    lines = []
    for source in graph.nodes[node]["sources"]:
        english = lang == "en"
        year, heading, figure = source["year"], source[f"label_{lang}"], source["figure"]
        report = (f"{year} report" if english else f"{year}年の報告") if year else ""
        if figure is not None:
            part = heading or (f"Figure {figure}" if english else f"図表{figure}")
        else:
            part = " ".join(filter(None, (source["path"], f"“{heading}”" if english else f"「{heading}」")))
        lines.append((", " if english else " ").join(filter(None, (report, part))))
    return lines


# --- structure ---------------------------------------------------------------------------


def simple_graph(graph: nx.Graph) -> nx.Graph:
    """Return ``graph`` as a simple undirected graph (one edge per linked pair, no self-loops),
    the shape centrality and community measures expect; node attributes are kept."""
    import networkx as nx

    simple = nx.Graph(graph.to_undirected(as_view=True) if graph.is_directed() else graph)
    simple.remove_edges_from(list(nx.selfloop_edges(simple)))
    return simple


def communities(graph: nx.Graph, *, seed: int = 7) -> list[set[str]]:
    """Return the graph's communities, largest first: Louvain modularity communities (seeded, so
    runs agree), each split into its connected parts so that every community hangs together.

    >>> import networkx as nx
    >>> two_triangles = nx.Graph([(1, 2), (2, 3), (3, 1), (4, 5), (5, 6), (6, 4), (3, 4)])
    >>> communities(two_triangles)
    [{1, 2, 3}, {4, 5, 6}]
    """
    import networkx as nx

    simple = simple_graph(graph)
    found = [
        set(part)
        for group in nx.community.louvain_communities(simple, seed=seed)
        for part in nx.connected_components(simple.subgraph(group))
    ]
    return sorted(found, key=lambda group: (-len(group), min(group)))


def co_issuance_graph(graph: nx.MultiDiGraph) -> nx.Graph:
    """Return the agencies that issued advisories (public attributions included), linked when
    they issued one together.

    Node attributes are those of :func:`instance_graph` plus ``advisories`` (what the agency
    issued); an edge's ``weight`` counts the joint issues and ``advisories`` lists them, in date
    order. The graph's ``advisories`` table gives each advisory's labels and date; its
    ``colour_by`` says that views tell agencies apart by their own class (police, government…).
    """
    import networkx as nx

    issuers: dict[str, list[str]] = defaultdict(list)
    for advisory, issuer, key in graph.edges(keys=True):
        if key == ISSUED_BY:
            issuers[advisory].append(issuer)
    co = nx.Graph(**{**graph.graph, "view": "co-issuance", "advisories": {}, "colour_by": "type"})

    def issued_on(advisory: str) -> str:
        dates = (text for prop, text, _ in graph.nodes[advisory]["properties"] if prop == DCTERMS + "date")
        return min(dates, default="")

    for advisory in sorted(issuers, key=lambda item: (issued_on(item), item)):
        data = graph.nodes[advisory]
        co.graph["advisories"][advisory] = {
            "label_en": data["label_en"],
            "label_ja": data["label_ja"],
            "date": issued_on(advisory),
            "type": data["type"],
        }
        agencies = sorted(set(issuers[advisory]))
        for agency in agencies:
            if agency not in co:
                co.add_node(agency, **graph.nodes[agency], advisories=[])
            co.nodes[agency]["advisories"].append(advisory)
        for index, first in enumerate(agencies):
            for second in agencies[index + 1 :]:
                if co.has_edge(first, second):
                    co.edges[first, second]["weight"] += 1
                    co.edges[first, second]["advisories"].append(advisory)
                else:
                    co.add_edge(first, second, weight=1, advisories=[advisory])
    return co
