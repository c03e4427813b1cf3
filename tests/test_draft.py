"""`kg draft`: drafting a report's tables from its text, and the scores that hold drafting up.

The targets of the issue (sections ≥ 0.95 recall, figures 1.0, observations ≥ 0.90, mentions
≥ 0.90) are checked on both corpus reports. Mentions are every thing a curated fact cites from a
section, some of them named nowhere in that text: the police's own unnamed subject, an operation
described by who took part and what it addressed, the law behind an offence name and the like
are linked by rule (kg.draft.rules); the rest are implied by an earlier section or the
reviewer's knowledge.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import kg
from kg.draft import draft_report, report_year
from kg.draft.compare import compare_draft
from kg.draft.dates import find_dates
from kg.draft.entities import Gazetteer
from kg.draft.numbers import find_numbers
from kg.draft.run import known_series
from kg.draft.structure import parse_structure
from kg.draft.text import ReportText, read_report
from kg.errors import InputError

KGR = "https://w3id.org/npa-cyber-kg/id/"
REPORTS = {"r5-2023": "npa-r5-2023.txt", "r3-2021": "npa-r3-2021.txt"}
#: Mentions recall: the issue's target, met on both reports (0.965 and 0.943 when it was set,
#: from 0.840 and 0.854 before the rules of kg.draft.rules, the conjoined and elliptic names of
#: the gazetteer and the summaries of kg.draft.summed_up). What is left are descriptions a curator
#: read (複数の行政機関等 for the bodies hit through an e-mail system).
MENTION_FLOOR = {"r5-2023": 0.90, "r3-2021": 0.90}

#: New-entity candidates: of the things only a report mentions, the share proposed when the
#: report is drafted as if it were new (no target in the issue; held where it is).
NEW_ENTITY_FLOOR = {"r5-2023": 0.85, "r3-2021": 0.80}


@pytest.fixture(scope="module")
def scores(graph: kg.KnowledgeGraph, corpus: Path) -> dict[str, dict]:
    gazetteer = Gazetteer.from_store(graph.store)
    series = known_series(graph.store)
    results = {}
    for report_id, file in REPORTS.items():
        draft = draft_report(read_report(corpus / file), report_id, gazetteer, series=series)
        results[report_id], _ = compare_draft(draft, graph.store, f"{KGR}report-{report_id}")
    return results


@pytest.mark.slow  # drafts both whole reports (over a minute)
@pytest.mark.parametrize("report_id", sorted(REPORTS))
def test_drafting_meets_the_targets(scores: dict[str, dict], report_id: str) -> None:
    score = scores[report_id]
    assert score["sections"].recall >= 0.95, score["sections"]
    assert score["figures"].recall == 1.0, score["figures"]
    assert score["observations"].recall >= 0.90, score["observations"]
    assert score["observations"].period_agrees >= 0.9 * score["observations"].found, score["observations"]
    assert score["observations"].series_agrees >= 0.5 * score["observations"].found, score["observations"]
    assert score["footnotes"].recall == 1.0, score["footnotes"]
    assert score["mentions"].named_recall >= 0.90, score["mentions"]
    assert score["mentions"].recall >= MENTION_FLOOR[report_id], score["mentions"]
    # Expected mentions are what facts cite from a section: fewer than the joined reading counts.
    assert score["mentions"].expected < score["mentions"].joined_expected, score["mentions"]
    assert score["new_entities"].recall >= NEW_ENTITY_FLOOR[report_id], score["new_entities"]
    for table in score.values():
        assert 0 < table.precision <= 1


def test_footnotes_find_their_reference_and_term(corpus: Path) -> None:
    structure = parse_structure(read_report(corpus / "npa-r5-2023.txt"), "r9")
    note = next(note for note in structure.footnotes if note.marker == "*2")
    assert note.term == "犯罪実行者募集情報" and note.reference_line is not None
    assert note.section is not None and note.section.line <= note.reference_line < note.section.end


def _text(body: str) -> ReportText:
    return ReportText("test.txt", body.splitlines())


def test_numbering_places_sections_and_restarts_make_an_untitled_division() -> None:
    report = _text(
        "第1部 総論\n\n1 概況\n\n(1) 被害\n\nア 件数\n\nイ 特徴\n\n○ 二重恐喝\n\n(2) 対策\n\n"
        "【トピック1 取組】\n\n1 検討会\n\n2 要請\n\n(3) 検挙\n\n1 別表\n"
    )
    sections = {section.line: section for section in parse_structure(report, "r9").sections}
    assert sections[5].parent_line == 3 and sections[9].parent_line == 5  # (1) under 1; イ after ア
    assert sections[11].parent_line == 9  # ○ under イ
    assert sections[13].parent_line == 3  # (2) continues (1): ○ and イ are closed
    assert sections[17].parent_line == 15 and sections[19].parent_line == 15  # numbered inside the topic box
    assert sections[21].parent_line == 3  # (3) continues (2) and closes the box
    restarted = [section for section in parse_structure(report, "r9").sections if section.line == 23]
    assert [section.kind for section in restarted] == ["division", "number"]  # a second 1 under 第1部
    assert "untitled division" in restarted[0].uncertain[0]


def test_wrapped_lines_split_numbers_and_footnote_lines_rejoin() -> None:
    lines = [
        "中国人民解放軍が関与している可能性の高いサイバー攻撃集団が、平成" + "あ" * 3,
        "*10",
        "",
        "28年６月から12月にかけて約",
        "",
        "223億9,000万円と、前年比で１．５ポイント増加した。",
    ] * 12
    report = _text("\n".join(lines))
    piece = report.flow(1, 7)
    assert "平成あああ28年6月" in piece.text and "約223億9,000万円" in piece.text
    numbers = find_numbers(piece.text, find_dates(piece.text, 2021), 2021)
    amount = next(number for number in numbers if number.unit == "unit-yen")
    assert str(amount.value) == "22390000000" and amount.approximate
    assert str(amount.change) == "1.5" and amount.change_unit == "unit-percentage-point"
    assert piece.line_at(piece.text.index("223億")) == 6


def test_dates_at_their_printed_precision() -> None:
    found = find_dates("令和5年9月27日、令和4年上半期、平成23年以降、同年11月、令和5年1月から9月まで", 2023)
    assert [(date.value, date.datatype, date.end_value) for date in found] == [
        ("2023-09-27", "date", ""),
        ("2022-01", "gYearMonth", "2022-06"),
        ("2011", "gYear", ""),
        ("2011-11", "gYearMonth", ""),
        ("2023-01", "gYearMonth", "2023-09"),
    ]


def test_decreases_are_negative_and_dates_are_not_numbers() -> None:
    numbers = find_numbers(
        "令和5年の被害件数は197件(前年比で14.3%減少)", find_dates("令和5年の被害件数は197件", 2023), 2023
    )
    assert [(n.printed, str(n.change), n.change_unit) for n in numbers] == [("197件", "-14.3", "unit-percent")]


def test_gazetteer_links_names_and_ids_from_the_graph(graph: kg.KnowledgeGraph) -> None:
    gazetteer = Gazetteer.from_store(graph.store)
    things = {m.thing.removeprefix(KGR) for m in gazetteer.find("米国連邦捜査局（FBI）及びBlackTech、CVE-2023-27997")}
    assert {"org-fbi", "actor-blacktech", "vuln-cve-2023-27997"} <= things


def test_report_id_must_be_an_era_year() -> None:
    assert report_year("r6-2024") == 2024
    with pytest.raises(InputError, match="令和6年 is 2024"):
        report_year("r6-2023")


def _kg(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", "draft", *arguments], capture_output=True, text=True, env=env, timeout=300
    )


def test_kg_draft_writes_a_complete_folder(kg_env: dict[str, str], corpus: Path, tmp_path: Path) -> None:
    output = tmp_path / "r6-2024"
    result = _kg(str(corpus / "npa-r5-2023.txt"), "--report-id", "r6-2024", "--output", str(output), env=kg_env)
    assert result.returncode == 0, result.stderr
    assert "drafting: section" not in result.stderr  # progress bars only on a terminal (tests/test_progress.py)
    assert "| sections |" in result.stdout
    with (output / "tables" / "r6-2024" / "observations.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    schema = json.loads((Path(__file__).parents[1] / "graph/tables/schemas/observations.json").read_text())
    columns = [column["name"] for column in schema["columns"] if not column.get("virtual")]
    assert list(rows[0]) == columns
    fraud = next(row for row in rows if row["printed"] == "約87.3億円")
    assert fraud["value"] == "8730000000" and fraud["unit"] == "unit-yen" and fraud["approximate"] == "true"
    with (output / "review" / "observations.csv").open(encoding="utf-8") as handle:
        review = {row["observation"]: row for row in csv.DictReader(handle)}
    assert review[fraud["observation"]]["line"] == "14"
    assert (output / "REVIEW.md").read_text(encoding="utf-8").startswith("# Draft of r6-2024")
    # A link a rule made (the police behind 要請し…) says so, and is left for the reviewer to confirm.
    with (output / "review" / "mentions.csv").open(encoding="utf-8") as handle:
        mentions = list(csv.DictReader(handle))
    implied = [row for row in mentions if row["how"] == "(警察: implied)"]
    assert implied and all(row["uncertain"] for row in implied)
    assert not any(row["uncertain"] for row in mentions if not row["how"].startswith("("))
    assert "| linked by rule, not by a printed name |" in (output / "REVIEW.md").read_text(encoding="utf-8")
    turtle = (output / "report.ttl").read_text(encoding="utf-8")
    assert "kgr:report-r6-2024" in turtle and '"2024-03-14"^^xsd:date' in turtle
    assert not list(tmp_path.glob(".*partial"))


@pytest.mark.parametrize(
    ("content", "report_id", "message"),
    [
        ("令和6年".encode("shift_jis") * 200, "r6-2024", "not UTF-8"),
        (b"", "r6-2024", "empty"),
        (b"hello world\n" * 50, "r6-2024", "not a report"),
        ("令和5年\n".encode() * 10, "r5-2023", "in the graph already"),
        ("令和5年\n".encode() * 10, "six", "not of the form"),
    ],
)
def test_bad_input_gets_one_line_and_no_folder(
    kg_env: dict[str, str], tmp_path: Path, content: bytes, report_id: str, message: str
) -> None:
    source = tmp_path / "report.txt"
    source.write_bytes(content)
    output = tmp_path / "out"
    result = _kg(str(source), "--report-id", report_id, "--output", str(output), env=kg_env)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not output.exists() and not list(tmp_path.glob(".*partial"))


def test_never_writes_into_graph(kg_env: dict[str, str], corpus: Path) -> None:
    target = Path(__file__).parents[1] / "graph" / "draft-here"
    result = _kg(str(corpus / "npa-r5-2023.txt"), "--report-id", "r6-2024", "--output", str(target), env=kg_env)
    assert result.returncode == 2 and "never written into graph/" in result.stderr
    assert not target.exists()


def test_compare_writes_json_shaped_per_report_and_table(kg_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "scores.json"
    result = _kg("--compare", "--json", str(target), "--quiet", env=kg_env)
    assert result.returncode == 0, result.stderr
    document = json.loads(target.read_text(encoding="utf-8"))
    assert set(document) == {"r5-2023", "r3-2021"}
    assert set(document["r3-2021"]) >= {"sections", "figures", "observations", "mentions"}
    assert set(document["r3-2021"]["sections"]) >= {"recall", "precision"}
    assert "named_in_text" in document["r5-2023"]["mentions"]
    assert "r3-2021   sections" in result.stdout


def test_rewrapping_the_2023_text_like_the_2021_layout_loses_nothing(graph: kg.KnowledgeGraph, corpus: Path) -> None:
    # The 2021 layout (short lines, a blank line after each, numbers split across lines) is
    # handled by measured rules, not by knowing the report: the 2023 text wrapped the same way
    # yields the same numbers and figures.
    lines = (corpus / "npa-r5-2023.txt").read_text(encoding="utf-8").splitlines()
    wrapped: list[str] = []
    for line in lines:
        if len(line) > 34 and "\t" not in line and not line.lstrip().startswith(("【", "(", "○", "-", "第")):
            for start in range(0, len(line), 33):
                wrapped += [line[start : start + 33], ""]
        else:
            wrapped += [line, ""]
    gazetteer = Gazetteer.from_store(graph.store)
    original = draft_report(read_report(corpus / "npa-r5-2023.txt"), "r5-2023", gazetteer)
    rewrapped = draft_report(ReportText("wrapped.txt", wrapped), "r5-2023", gazetteer)
    assert rewrapped.text.wrap_width is not None and original.text.wrap_width is None
    numbers = {(n.item.printed.replace(" ", ""), n.item.value) for n in original.numbers}  # type: ignore[union-attr]
    again = {(n.item.printed.replace(" ", ""), n.item.value) for n in rewrapped.numbers}  # type: ignore[union-attr]
    assert len(numbers - again) <= 0.02 * len(numbers), sorted(numbers - again)
    assert [(f.number, f.title) for f in rewrapped.structure.figures] == [
        (f.number, f.title) for f in original.structure.figures
    ]


@pytest.mark.slow
def test_a_reviewed_draft_compiles_with_the_tables_compiler(
    kg_env: dict[str, str], corpus: Path, tmp_path: Path
) -> None:
    # What a reviewer must decide is simulated (an English title on every row, a known series
    # and unit on every observation kept); everything else is the draft as written.
    import shutil

    from kg.build import Sources
    from kg.tables import compile_tables
    from tests.helpers import PROJECT

    output = tmp_path / "draft"
    result = _kg(str(corpus / "npa-r5-2023.txt"), "--report-id", "r6-2024", "--output", str(output), env=kg_env)
    assert result.returncode == 0, result.stderr
    project = Path(__file__).parents[1]
    graph = tmp_path / "graph"
    shutil.copytree(project / "graph", graph)
    shutil.copy(output / "report.ttl", graph / "common" / "report-r6-2024.ttl")
    target = graph / "tables" / "r6-2024"
    target.mkdir()
    series = {row["series"] for row in csv.DictReader((graph / "tables/common/series.csv").open(encoding="utf-8"))}
    units = set(re.findall(r"kgv:(unit-[a-z-]+) a kg:Unit", (project / "ontology/vocabularies.ttl").read_text()))
    for table in ("sections", "figures", "footnotes", "observations"):
        with (output / "tables" / "r6-2024" / f"{table}.csv").open(encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows, columns = list(reader), reader.fieldnames or []
        for row in rows:
            for column in ("title_en", "label_en"):
                if column in row:
                    row[column] = "(English title by the reviewer)"
        if table == "observations":
            rows = [row for row in rows if row["series"] in series and row["unit"] in units]
            assert len(rows) > 50
        with (target / f"{table}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    metadata = json.loads((graph / "tables" / "csv-metadata.json").read_text(encoding="utf-8"))
    metadata["tables"] += [
        {"url": f"r6-2024/{table}.csv", "tableSchema": f"schemas/{table}.json"}
        for table in ("sections", "figures", "footnotes", "observations")
    ]
    (graph / "tables" / "csv-metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    outputs = compile_tables(Sources.of(PROJECT, graph=graph))
    compiled = {path.relative_to(graph).as_posix(): text for path, text in outputs.items()}
    assert "kgr:r6-sec-p2-3" in compiled["r6-2024/sections.ttl"]
    assert "kgr:r6-fig-51" in compiled["r6-2024/figures.ttl"]
    assert '"約87.3億円"' in compiled["r6-2024/observations.ttl"]


def test_unnamed_subject_of_an_action_is_the_police(graph: kg.KnowledgeGraph) -> None:
    gazetteer = Gazetteer.from_store(graph.store)
    text = "令和4年9月、総務省と連携し、携帯電話事業者に対して本人確認の強化を要請した。"
    implied = {mention.thing for mention in gazetteer.implied_author(text, gazetteer.find(text))}
    assert implied == {f"{KGR}org-npa", f"{KGR}org-prefectural-police"}
    named = "インドネシア国家警察が同被疑者を逮捕した。"
    assert gazetteer.implied_author(named, gazetteer.find(named)) == []


def test_a_products_vulnerability_is_linked_from_the_graph(graph: kg.KnowledgeGraph) -> None:
    gazetteer = Gazetteer.from_store(graph.store)
    text = "コンテンツ管理システムの一種であるMovable Type、Apache Log4j 等のぜい弱性に関する注意喚起"
    things = {mention.thing for mention in gazetteer.find(text)}
    assert {f"{KGR}vuln-movable-type-2021", f"{KGR}vuln-cve-2021-44228"} <= things


def test_a_list_of_makers_names_each_makers_product_and_its_vulnerability(graph: kg.KnowledgeGraph) -> None:
    gazetteer = Gazetteer.from_store(graph.store)
    text = "A社製、B社製及びC社製のWi-Fiルーターへのアクセスにおいて狙われたぜい弱性は、令和5年に公開されたもの"
    things = {mention.thing for mention in gazetteer.find(text)}
    assert {f"{KGR}vuln-wifi-router-company-{maker}" for maker in "abc"} <= things
    assert f"{KGR}vuln-wifi-router-company-d" not in things


def test_rules_link_what_a_sentence_describes_without_naming_it(graph: kg.KnowledgeGraph) -> None:
    from kg.draft.rules import described

    gazetteer = Gazetteer.from_store(graph.store)

    def linked(text: str) -> set[str]:
        return {mention.thing for mention in described(gazetteer, text, gazetteer.find(text))}

    operation = (
        "サイバー特別捜査隊等がEUROPOL等との国際共同捜査を推進した結果、"
        "攻撃グループ「LockBit」の一員とみられる被疑者2名を逮捕した。"
    )
    assert f"{KGR}operation-cronos" in linked(operation)
    assert f"{KGR}operation-cronos" not in linked("LockBitによる被害が多数確認された。")
    assert f"{KGR}law-penal-code" in linked("令和3年6月、男を詐欺等で検挙した。")
    # 詐欺罪 is an offence (kg:Offence) the Penal Code defines, not a law of its own: the 2023
    # charge links its law as the 2021 one does, as the arrests of both reports are kg:underLaw it.
    assert f"{KGR}law-penal-code" in linked("令和5年1月、同男2名を詐欺罪で逮捕した。")
    assert f"{KGR}law-penal-code" not in linked("特殊詐欺等の被害が多い。")
    statement = "英国、米国等は、APT40の背景に中国政府があると指摘し、中国を非難する声明を発表した。"
    assert {f"{KGR}org-government-gb", f"{KGR}org-government-us"} <= linked(statement)
    assert f"{KGR}org-government-gb" not in linked(
        "米国、英国、ドイツを始めとした複数の国々にサイバー攻撃を行っていた。"
    )


def test_a_list_cut_short_names_the_rest_of_the_list_printed_in_full(graph: kg.KnowledgeGraph) -> None:
    from types import SimpleNamespace

    from kg.draft.rules import listings, unabridged

    gazetteer = Gazetteer.from_store(graph.store)
    full = (
        "警察庁は、内閣サイバーセキュリティセンター（NISC）、米国国家安全保障局（NSA）、"
        "米国連邦捜査局（FBI）及びCISAとともに注意喚起を実施した。"
    )
    short = "内閣サイバーセキュリティセンター（NISC）、米国連邦捜査局（FBI）等とともに注意喚起を実施した。"
    placed = [
        SimpleNamespace(item=listing, line=line)
        for line, text in ((1, full), (2, short))
        for listing in listings(text, gazetteer.find(text))
    ]
    assert {(where.line, mention.thing) for where, mention in unabridged(placed)} == {
        (2, f"{KGR}org-nsa"),
        (2, f"{KGR}org-cisa"),
    }


def test_a_summary_links_what_the_section_it_sums_up_names(graph: kg.KnowledgeGraph, corpus: Path) -> None:
    # 第1部 ○ 情報窃取を企図した不正アクセス等 (line 49) sums up 第2部 (1) 情報窃取を企図した
    # 不正アクセスの事例 (line 216), which names the victims the overview only calls 民間企業等.
    draft = draft_report(read_report(corpus / "npa-r5-2023.txt"), "r5-2023", Gazetteer.from_store(graph.store))
    summary = {m.item.thing: m.item.name for m in draft.mentions if m.line == 49}
    assert summary[f"{KGR}org-r5-electronic-components-company"].startswith("(summed up: line 2")
    # Sections under other headings get nothing from it.
    assert not any(m.item.name.startswith("(summed up") for m in draft.mentions if m.line in (5, 9, 17))
