"""Counts that show how much of each report the graph covers (``kg stats``)."""

from __future__ import annotations

from dataclasses import dataclass

from kg.infer import INFERRED_GRAPH
from kg.results import compact_iri
from kg.store.base import SparqlStore

PER_CLASS = """
SELECT ?class (COUNT(DISTINCT ?item) AS ?count) WHERE {
  ?item a ?class . FILTER(STRSTARTS(STR(?class), STR(kg:)))
} GROUP BY ?class ORDER BY DESC(?count) ?class
"""

PER_REPORT = """
SELECT ?class ?report (COUNT(DISTINCT ?item) AS ?count) WHERE {
  { ?item kg:reportedIn ?report } UNION { ?item kg:inReport ?report } UNION { ?item kg:mentionedIn ?report }
  ?item a ?class . FILTER(STRSTARTS(STR(?class), STR(kg:)))
} GROUP BY ?class ?report ORDER BY ?class ?report
"""

TOTAL = "SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }"

#: The inferred triples of a store kg built (a pushed copy holds them in its one graph).
INFERRED = f"SELECT (COUNT(*) AS ?triples) WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}"


@dataclass
class GraphStats:
    """Triples in all (and how many of them inference added), instances per class, and per
    class per report."""

    triples: int
    per_class: dict[str, int]
    per_report: dict[str, dict[str, int]]
    inferred: int = 0

    @property
    def asserted(self) -> int:
        """The triples the sources state (ontology and graph/)."""
        return self.triples - self.inferred

    def table(self, *, width: int | None = None) -> str:
        """Render the counts as a table, one row per class and one column per report, wrapped to
        ``width`` terminal columns when given."""
        from kg.output import text_table

        reports = sorted({report for counts in self.per_report.values() for report in counts})
        header = ["class", "total", *reports]
        rows = [
            [name, str(count), *(str(self.per_report.get(name, {}).get(report, "")) for report in reports)]
            for name, count in self.per_class.items()
        ]
        split = f" ({self.asserted} asserted, {self.inferred} inferred)" if self.inferred else ""
        footer = f"({len(rows)} row{'s' if len(rows) != 1 else ''})"
        return f"{self.triples} triples{split}\n" + text_table(header, rows, width=width) + f"\n{footer}\n"


def class_counts(store: SparqlStore) -> dict[str, int]:
    """Return how many instances each kg class has, largest first (``kg stats``, ``kg build``)."""
    return {compact_iri(name): count for name, count in store.execute(PER_CLASS).rows}


def graph_stats(store: SparqlStore) -> GraphStats:
    """Count the store's triples, instances per kg class, and instances per class per report."""
    triples = store.execute(TOTAL).rows[0][0]
    inferred = store.execute(INFERRED).rows[0][0]
    per_class = class_counts(store)
    per_report: dict[str, dict[str, int]] = {}
    for name, report, count in store.execute(PER_REPORT).rows:
        per_report.setdefault(compact_iri(name), {})[compact_iri(report).removeprefix("kgr:report-")] = count
    return GraphStats(triples, per_class, per_report, inferred)
