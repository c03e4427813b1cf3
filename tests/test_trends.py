"""Year-by-year comparisons over the statistical series of both reports."""

from __future__ import annotations

from decimal import Decimal

import kg
from kg.trends import by_year, change


def test_series_total_by_year(graph: kg.KnowledgeGraph) -> None:
    assert by_year(graph, "kgr:series-ransomware-reports") == {"2021": 146, "2023": 197}
    assert by_year(graph, "kgr:series-phishing-reports") == {"2021": 526504, "2023": 1196390}


def test_category_and_unit_select_one_breakdown(graph: kg.KnowledgeGraph) -> None:
    vpn = by_year(
        graph,
        "kgr:series-ransomware-infection-vectors",
        unit="kgv:unit-percent",
        category="kgr:cat-infection-vector-vpn",
    )
    assert vpn == {"2021": 54, "2023": 63}
    foreign = by_year(
        graph,
        "kgr:series-sensor-accesses",
        unit="kgv:unit-access-per-ip-per-day",
        category="kgr:cat-access-origin-foreign",
    )
    assert foreign == {"2021": Decimal("7301.6"), "2023": Decimal("9091.4")}


def test_change_in_percent() -> None:
    assert change({"2021": 584, "2023": 5578}, "2021", "2023") == Decimal("855.1")
