"""Compare a statistic across the reports' years.

Every report's observations of one thing share a :class:`kg:StatisticalSeries`, so a year-by-
year comparison is one query: the value of the series, in one unit, for one breakdown category
(or the series total), in each year that a report covers.

>>> import kg
>>> from kg.build import Sources
>>> from kg.paths import project_home
>>> with kg.load(Sources.of(project_home()).files) as graph:        # or kg.open_graph(): the built store
...     by_year(graph, "kgr:series-ransomware-reports")
{'2021': 146, '2023': 197}
"""

from __future__ import annotations

from decimal import Decimal

from kg.graph import KnowledgeGraph

_BY_YEAR = """
SELECT ?year ?value WHERE {
  ?report a kg:Report ; kg:coversYear ?period .
  ?observation qb:dataSet ?series ; kg:unit ?unit ; kg:period ?period ; kg:value ?value ;
      kg:reportedIn ?report .
  %s
  BIND(STR(?period) AS ?year)
}
ORDER BY ?year"""

TOTAL = _BY_YEAR % "FILTER NOT EXISTS { ?observation kg:category ?anyCategory }"
FOR_CATEGORY = _BY_YEAR % "?observation kg:category ?category ."


def by_year(
    graph: KnowledgeGraph, series: str, *, unit: str = "kgv:unit-case", category: str | None = None
) -> dict[str, int | Decimal]:
    """Return ``{year: value}`` of ``series`` in ``unit`` (the series total, or one ``category``),
    for each year a report covers. Series, unit and category are IRIs or prefixed names."""
    bindings = {"series": series, "unit": unit}
    if category:
        bindings["category"] = category
    result = graph.query(FOR_CATEGORY if category else TOTAL, bindings=bindings)
    return dict(result.rows)


def change(values: dict[str, int | Decimal], start: str, end: str) -> Decimal:
    """Return the change from year ``start`` to ``end`` in percent, rounded to one decimal.

    >>> change({"2021": 146, "2023": 197}, "2021", "2023")
    Decimal('34.9')
    """
    first, last = Decimal(values[start]), Decimal(values[end])
    return ((last - first) / first * 100).quantize(Decimal("0.1"))
