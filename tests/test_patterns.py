"""One pattern per kind of statistical and section fact (issue #19 §2), each enforced by a shape
or a quality query: every old pattern, as a FAIL fixture, trips exactly the rule meant for it."""

from __future__ import annotations

from pathlib import Path

import pytest

import kg
from kg.namespaces import DCTERMS, KG, KGR, PROV
from kg.queries import catalog
from kg.validate import shacl_violations
from tests.helpers import SHIPPED

DATA = Path(__file__).parent / "data" / "patterns"
QUALITY = {query.name: query for query in catalog(SHIPPED.queries).values() if query.kind == "qc"}


def loaded(*fixtures: str) -> kg.KnowledgeGraph:
    return kg.load([*SHIPPED.modules, DATA / "base.ttl", *(DATA / name for name in fixtures)])


def shape_violations(*fixtures: str) -> set[tuple[str, str]]:
    with loaded(*fixtures) as graph:
        violations = shacl_violations(graph.store.store, SHIPPED.shapes)  # type: ignore[attr-defined]
    return {(violation.focus, violation.path) for violation in violations}


def quality_rows(query: str, *fixtures: str) -> set[str]:
    with loaded(*fixtures) as graph:
        result = graph.store.execute(QUALITY[query].text)
    return {row["focus"]["value"] for row in result.bindings}


def test_the_base_fixture_follows_every_pattern() -> None:
    assert shape_violations() == set()
    for name in QUALITY:
        assert quality_rows(name) == set(), name


def test_a_change_kept_as_an_observation_of_its_own_is_caught() -> None:
    rows = quality_rows("change-as-observation-violation", "change-as-observation.ttl")
    assert rows == {KGR + "test-change-observation"}


def test_two_changes_on_one_observation_are_caught() -> None:
    focus = KGR + "test-total-b"
    assert shape_violations("two-changes.ttl") == {
        (focus, KG + "change"),
        (focus, KG + "changeUnit"),
        (focus, KG + "changePrintedText"),
    }


def test_a_change_states_its_direction_and_agrees_with_its_sign() -> None:
    assert shape_violations("change-sign.ttl") == {
        (KGR + "test-total-a", ""),  # +12 but a decrease
        (KGR + "test-misuse-a", KG + "changePrintedText"),  # a direction without the text that states it
    }


def test_a_total_without_the_flag_is_caught() -> None:
    assert shape_violations("implicit-total.ttl") == {(KGR + "test-implicit-total", "")}


def test_a_share_whose_base_is_a_comment_is_caught() -> None:
    assert shape_violations("share-without-base.ttl") == {(KGR + "test-share-in-comment", "")}


def test_a_derived_observation_says_how_and_is_not_printed() -> None:
    assert shape_violations("derived-unmarked.ttl") == {
        (KGR + "test-derived-how", KG + "computation"),
        (KGR + "test-derived-printed", KG + "printedText"),
    }


def test_a_thing_without_a_source_is_caught() -> None:
    assert shape_violations("unsourced-thing.ttl") == {
        (KGR + "test-unsourced-org", PROV + "wasDerivedFrom"),
        (KGR + "test-unsourced-technique", PROV + "wasDerivedFrom"),
    }


def test_a_section_without_a_title_is_caught() -> None:
    focus = KGR + "test-untitled-section"
    assert shape_violations("untitled-section.ttl") == {(focus, DCTERMS + "title")}


def test_a_breakdown_tagged_differently_in_the_other_report_is_caught() -> None:
    rows = quality_rows("breakdown-tagging-violation", "breakdown-untagged.ttl")
    assert rows == {KGR + "test-weak-b"}


def test_parts_that_do_not_add_up_without_a_remainder_are_caught() -> None:
    assert quality_rows("breakdown-gap-violation", "breakdown-gap.ttl") == {KGR + "test-misuse-a"}


def test_one_indicator_in_two_series_is_caught() -> None:
    rows = quality_rows("duplicate-series-violation", "one-indicator-two-series.ttl")
    assert rows == {KGR + "test-series", KGR + "test-series-2023"}


def test_a_subset_larger_than_its_population_or_inside_its_own_series_is_caught() -> None:
    rows = quality_rows("subset-population-violation", "subset-population.ttl")
    assert rows == {KGR + "test-answers-larger", KGR + "test-part-as-subset"}


def test_a_change_in_its_own_unit_without_the_previous_period_is_caught() -> None:
    rows = quality_rows("previous-period-missing-violation", "previous-period-missing.ttl")
    assert rows == {KGR + "test-reports-with-change"}


def test_two_categories_of_one_dimension_are_caught() -> None:
    assert quality_rows("category-dimension-violation", "two-categories-one-dimension.ttl") == {KGR + "test-weak-a"}


def test_an_incomparability_without_a_reason_is_caught() -> None:
    assert shape_violations("incomparable-without-reason.ttl") == {(KGR + "test-incomparable", KG + "reason")}


def test_the_old_name_of_the_period_end_is_caught() -> None:
    assert quality_rows("undeclared-term-violation", "period-end-old-name.ttl") == {KG + "periodEnd"}


@pytest.mark.parametrize(
    ("series", "other"),
    [
        ("series-cybercrime-arrests", "series-cyber-case-arrests"),
        ("series-credit-card-number-theft-losses", "series-credit-card-fraud-losses"),
    ],
)
def test_indicators_that_differ_in_definition_are_linked_as_not_comparable(graph, series: str, other: str) -> None:
    query = "SELECT ?why WHERE { ?a kg:notComparableWith ?b . ?i kg:series ?a , ?b ; kg:reason ?why }"
    result = graph.query(query, bindings={"a": f"kgr:{series}", "b": f"kgr:{other}"})
    assert len(result) == 1, f"{series} and {other} must be linked as not comparable, with a reason"


def test_a_level_trend_written_as_a_change_is_caught() -> None:
    assert shape_violations("level-as-change.ttl") == {(KGR + "test-total-a", KG + "changeDirection")}


def test_a_comparison_says_what_it_compares_with_and_its_result() -> None:
    comparison = KGR + "test-comparison"
    assert shape_violations("comparison-incomplete.ttl") == {
        (comparison, KG + "comparisonResult"),
        (comparison, ""),  # neither an observation nor a series and period compared with
    }


def test_an_indictment_names_who_charged_and_counts_as_a_number() -> None:
    indictment = KGR + "test-indictment"
    assert shape_violations("indictment-incomplete.ttl") == {
        (indictment, KG + "chargedBy"),
        (indictment, KG + "numberCharged"),
    }


def test_a_charge_kept_as_a_law_or_as_text_is_caught() -> None:
    rows = quality_rows("charge-pattern-violation", "charge-as-law.ttl")
    assert rows == {
        KGR + "test-arrest-offence-as-law",  # 詐欺罪 a law of its own, no offence
        KGR + "test-arrest-charge-as-text",  # 詐欺等 beside the Penal Code, no offence
        KGR + "test-arrest-law-missing",  # charged with theft, not under the Penal Code
    }


def test_an_offence_kept_as_a_law_is_caught_by_its_shape() -> None:
    assert shape_violations("offence-as-law.ttl") == {
        (KGR + "test-offence-fraud", ""),  # an offence that is also a law
        (KGR + "test-offence-fraud", KG + "definedInLaw"),  # and names no law that defines it
    }


def test_an_approximate_date_without_its_period_or_words_is_caught() -> None:
    focus = KGR + "test-possible-leak"
    assert shape_violations("approximate-date-as-prose.ttl") == {
        (focus, DCTERMS + "date"),
        (focus, KG + "datePrintedText"),
    }
