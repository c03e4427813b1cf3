"""`kg viz --timeline` in a real headless Chromium, as the network views are tested: offline (every
non-file request blocked and recorded), the expected number of facts, hostile labels shown as
inert text, dates drawn at their own precision, grouping, filters, zoom, the details panel, a
screenshot of each page in tests/artifacts/ for inspection, and the command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import kg
from kg.build import Sources
from kg.namespaces import KGR
from kg.viz.timeline import render_timeline, span, timeline_facts, write_timeline
from tests.browser import HOSTILE_LABELS, kg_in, opened, screenshot
from tests.viz_data import DATA, PROJECT, build_fixture_project

HOSTILE_FACT = KGR + "r5-incident-hostile"
HOSTILE_EN = HOSTILE_LABELS["en"].replace('"', '\\"')
#: A dated fact whose labels try to run script, about the hostile actor, dated by year only.
EXTRA = f"""
@prefix kg: <https://w3id.org/npa-cyber-kg/ontology#> .
@prefix kgr: <{KGR}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
kgr:r5-incident-hostile a kg:Incident ;
    rdfs:label "{HOSTILE_EN}"@en , "{HOSTILE_LABELS["ja"]}"@ja ;
    dcterms:date "2022"^^xsd:gYear ;
    kg:attributedTo kgr:actor-hostile ;
    prov:wasDerivedFrom kgr:r5-sec-p1-topic1 .
"""
ADVISORY_2023, ADVISORY_2021 = KGR + "advisory-2023-09-27-blacktech", KGR + "advisory-2021-07-apt40"
NO_PROBLEMS = {"requests": [], "errors": [], "dialogs": [], "csp": []}


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    extra = tmp_path_factory.mktemp("dated") / "extra.ttl"
    extra.write_text(EXTRA, encoding="utf-8")
    return kg.load([*Sources.of(PROJECT, graph=DATA).files, extra])


@pytest.fixture(scope="module")
def pages(dated: kg.KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("timeline")
    facts = timeline_facts(dated)
    return {lang: write_timeline(facts, folder / f"timeline-{lang}.html", lang=lang) for lang in ("en", "ja")}


def test_dates_keep_their_precision() -> None:
    assert span("2023-09-27") == ("2023-09-27", None, "day")
    assert span("2021-12") == ("2021-12-01", "2022-01-01", "month")
    assert span("2022") == ("2022-01-01", "2023-01-01", "year")
    assert span("2023-02-15", "2023-12-31") == ("2023-02-15", "2024-01-01", "day")


def test_timeline_facts_are_the_dated_things_and_the_reports(dated: kg.KnowledgeGraph) -> None:
    facts = timeline_facts(dated)
    by_id = {item["id"]: item for item in facts.items}
    assert set(by_id) == {
        ADVISORY_2023,
        ADVISORY_2021,
        KGR + "advisory-2023-05-ddos",
        HOSTILE_FACT,
        KGR + "report-r5-2023",
        KGR + "report-r3-2021",
    }
    assert (by_id[ADVISORY_2021]["start"], by_id[ADVISORY_2021]["end"]) == ("2021-07-01", "2021-08-01")
    assert by_id[ADVISORY_2023]["end"] is None and by_id[ADVISORY_2023]["kind"] == "PublicAttribution"
    assert by_id[HOSTILE_FACT]["actors"] == [KGR + "actor-hostile"]
    assert "2023 report, 第1部 トピック1" in by_id[ADVISORY_2023]["details_en"]
    assert by_id[ADVISORY_2023]["details_en"].split("\n")[:2] == [
        "Joint advisory on BlackTech (2023-09-27)",
        "BlackTechに関する合同の注意喚起（2023年9月27日）",
    ]
    only_2021 = timeline_facts(dated, report="2021")
    assert {item["id"] for item in only_2021.items} == {ADVISORY_2021, KGR + "report-r3-2021"}
    incidents = timeline_facts(dated, types=["Incident"])
    assert [item["id"] for item in incidents.items] == [HOSTILE_FACT]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_timeline_opens_offline_with_every_fact_and_hostile_labels_as_text(
    browser: Any, pages: dict[str, Path], lang: str
) -> None:
    html = pages[lang].read_text(encoding="utf-8")
    payload = HOSTILE_LABELS[lang]
    assert payload not in html and "https://" not in html.split('id="kg-data"')[0].split("<script>")[0]
    with opened(browser, pages[lang]) as page:
        assert page.evaluate("() => kgView.items.length") == 6
        assert page.evaluate("() => document.querySelectorAll('.vis-item .kg-item').length") == 6  # all drawn
        # the hostile label is an item's text, nothing ran, no element came of it
        texts = page.evaluate("() => [...document.querySelectorAll('.vis-item .kg-item')].map((e) => e.textContent)")
        assert payload in texts
        assert page.evaluate("() => document.querySelectorAll('img, svg image, iframe, object, embed').length") == 0
        assert page.evaluate("() => window.__xss === undefined")
        # a click on the fact shows it, with both labels and its citation
        page.page.click(f".vis-item:has(.kg-item:text-is({payload!r}))")
        details = page.page.text_content("#kg-details")
        assert payload in details and HOSTILE_LABELS["ja" if lang == "en" else "en"] in details
        assert ("2023 report" if lang == "en" else "2023年の報告") in details
        assert page.evaluate("() => document.getElementById('kg-details').children.length") == 0
        # grouped by actor, the hostile actor's name is a group label, as text
        page.evaluate("() => kgView.groupBy('actor')")
        groups = page.evaluate("() => [...document.querySelectorAll('.vis-label .kg-group')].map((e) => e.textContent)")
        assert (
            "<img src=x onerror=\"window.__xss='label'\">" in groups
            or "</script><script>window.__xss='ja'</script>" in groups
        )
        assert page.evaluate("() => window.__xss === undefined")
        screenshot(page, f"timeline-{lang}")
        assert page.problems() == NO_PROBLEMS


def test_timeline_spans_filters_and_zoom(browser: Any, pages: dict[str, Path]) -> None:
    with opened(browser, pages["en"]) as page:
        # a month is a bar across the month, a day a point, a year a bar across the year
        kinds = page.evaluate("""() => Object.fromEntries(kgView.items.get().map((e) => [e.fact, e.type]))""")
        assert kinds[ADVISORY_2021] == "range" and kinds[ADVISORY_2023] == "point" and kinds[HOSTILE_FACT] == "range"
        assert page.page.text_content("#kg-status") == "6 of 6 facts"
        page.page.uncheck("#kg-classes input[value=PublicAttribution]")
        assert page.page.text_content("#kg-status") == "5 of 6 facts"
        page.page.uncheck(f"#kg-reports input[value='{KGR}report-r3-2021']")
        assert page.page.text_content("#kg-status") == "3 of 6 facts"  # the 2021 advisory and report go
        page.page.click("#kg-all")
        page.page.check(f"#kg-reports input[value='{KGR}report-r3-2021']")
        assert page.page.text_content("#kg-status") == "6 of 6 facts"
        before = page.evaluate("() => { const w = kgView.timeline.getWindow(); return w.end - w.start; }")
        page.evaluate("() => kgView.timeline.zoomIn(0.5, {animation: false})")
        after = page.evaluate("() => { const w = kgView.timeline.getWindow(); return w.end - w.start; }")
        assert after < before * 0.75
        assert page.problems() == NO_PROBLEMS


def test_timeline_page_policy_allows_only_its_own_scripts(dated: kg.KnowledgeGraph) -> None:
    import base64
    import hashlib
    import re
    from html import unescape

    html = render_timeline(timeline_facts(dated))
    policy = unescape(re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)[1])
    scripts = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(scripts) == 2 and "default-src 'none'" in policy
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'" for script in scripts}
    assert set(re.findall(r"'sha256-[^']+'", policy)) == hashes


def test_kg_viz_timeline_command(browser: Any, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    env = build_fixture_project(tmp_path_factory.mktemp("timeline-cli"))
    result = kg_in(tmp_path, "viz", "--timeline", "--report", "2023", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("wrote views/timeline-2023.html: 3 dated facts")
    with opened(browser, tmp_path / "views" / "timeline-2023.html") as page:
        assert page.evaluate("() => kgView.items.length") == 3
        assert page.problems() == NO_PROBLEMS
    wrong = kg_in(tmp_path, "viz", "--timeline", "--focus", "BlackTech", env=env)
    assert wrong.returncode == 2 and wrong.stderr.startswith("kg viz: error: --focus does not apply to --timeline")
