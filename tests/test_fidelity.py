"""Every number in the graph is the number in the report: its printed text occurs in the cited
section or figure of the corpus (after NFKC), and its stored value equals that text's value."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path

import pytest

from kg.fidelity import Finding, Span, check_fidelity, find_in_span
from kg.namespaces import KGR
from kg.numerals import is_approximate, printed_value
from tests.helpers import SHIPPED


@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("約87.3億円", Decimal("8730000000")),
        ("119万6,390件", Decimal("1196390")),
        ("１４６件", Decimal("146")),
        ("9,144.6件", Decimal("9144.6")),
        ("401.9億円", Decimal("40190000000")),
        ("223億9,000万円", Decimal("22390000000")),
        ("2,979件(86.0%)", Decimal("2979")),
        ("0件", Decimal("0")),
        ("半額以上", Decimal("50")),  # a share in words, in percent
    ],
)
def test_printed_values(printed: str, value: Decimal) -> None:
    assert printed_value(printed) == value


def test_approximate_marker() -> None:
    assert is_approximate("約87.3億円") and not is_approximate("87.3億円")


def test_text_without_a_number_is_an_error() -> None:
    with pytest.raises(ValueError, match="no number"):
        printed_value("件数")


def test_every_observation_matches_the_corpus(corpus: Path) -> None:
    findings = check_fidelity(SHIPPED, corpus=corpus)
    assert len(findings) > 100
    problems = [finding.problem() for finding in findings if not finding.ok]
    assert problems == []


def test_a_wrong_number_is_caught(corpus: Path) -> None:
    # the 2023 report says 197 ransomware cases in its first part; 198 is not in that text
    span = Span("npa-r5-2023.txt", 119, 133)
    assert find_in_span("197件", span, corpus) is not None
    assert find_in_span("198件", span, corpus) is None


def test_numbers_split_across_lines_in_the_2021_report_are_found(corpus: Path) -> None:
    lines = (corpus / "npa-r3-2021.txt").read_text(encoding="utf-8").splitlines()
    # find a line ending in a digit whose next line starts with one: a number split by the layout
    for number, (line, following) in enumerate(itertools.pairwise(lines), 1):
        if line.rstrip()[-1:].isdigit() and following[:1].isdigit():
            joined = line.rstrip()[-2:] + following[:2]
            assert find_in_span(joined, Span("npa-r3-2021.txt", number, number + 2), corpus) is not None
            break
    else:
        pytest.skip("no number split across lines in this corpus")


def test_a_wrong_number_in_a_table_row_is_named_by_its_row(corpus: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(SHIPPED.graph / "tables", tmp_path / "tables")
    table = tmp_path / "tables" / "r5-2023" / "observations.csv"
    lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines) if line.startswith("r5-obs-ransomware-reports-2023,"))
    lines[number] = lines[number].replace(",197,", ",198,", 1).replace("前年比で14.3%減少", "前年比で14.3%増加")
    table.write_text("".join(lines), encoding="utf-8")
    [finding] = check_fidelity(
        SHIPPED,
        corpus=corpus,
        folder=tmp_path / "tables",
        observation="https://w3id.org/npa-cyber-kg/id/r5-obs-ransomware-reports-2023",
    )
    assert finding.problem().endswith("value 198 but '197件' means 197")
    assert f"observations.csv: row {number + 1} (r5-obs-ransomware-reports-2023)" in finding.problem()


@pytest.mark.parametrize(
    ("printed", "change"),
    [
        ("前年比で14.3%減少", Decimal("-14.3")),
        ("22万7,558件増加", Decimal("227558")),
        ("前年と比べて1件減少", Decimal("-1")),
    ],
)
def test_a_printed_change_is_read_with_its_sign(printed: str, change: Decimal) -> None:
    from kg.fidelity import change_value

    assert change_value(printed) == change


@pytest.mark.parametrize(
    ("observation", "old", "new", "problem"),
    [
        (
            "r5-obs-ransomware-reports-2023-sector-not-itemised",
            ",70,",
            ",71,",
            "value 71 but 'computation-remainder' gives 70",
        ),
        ("r5-obs-unauthorized-access-arrests-2022", ",522,", ",520,", "value 520 but '前年と比べて1件減少' gives 522"),
    ],
)
def test_a_derived_observation_is_recomputed(
    corpus: Path, tmp_path: Path, observation: str, old: str, new: str, problem: str
) -> None:
    assert _finding_after_editing(corpus, tmp_path, observation, old, new).problem().endswith(problem)


@pytest.mark.parametrize(
    ("observation", "old", "new", "problem"),
    [
        ("r5-obs-ib-fraud-losses-2023", ",約87.3億円,", ",約87.4億円,", "'約87.4億円' does not round value 8731300000"),
        ("r5-obs-ib-fraud-losses-2023", ",約87.3億円,", ",約87.30億円,", "printed_rounded '約87.30億円' not found"),
        (
            "r5-obs-sensor-accesses-2023",
            ",平成23年以降、増加の一途,",
            ",平成22年以降、増加の一途,",
            "trend_printed '平成22年以降、増加の一途' not found",
        ),
    ],
)
def test_other_quotations_of_an_observation_are_checked(
    corpus: Path, tmp_path: Path, observation: str, old: str, new: str, problem: str
) -> None:
    assert problem in _finding_after_editing(corpus, tmp_path, observation, old, new).problem()


def _finding_after_editing(corpus: Path, tmp_path: Path, observation: str, old: str, new: str) -> Finding:
    """Copy the tables, check that ``observation`` is faithful, replace ``old`` by ``new`` in its
    row of the 2023 observations table, and return the one finding the check then gives."""
    import shutil

    shutil.copytree(SHIPPED.graph / "tables", tmp_path / "tables")
    table = tmp_path / "tables" / "r5-2023" / "observations.csv"
    lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines) if line.startswith(observation + ","))
    assert check_fidelity(SHIPPED, corpus=corpus, folder=tmp_path / "tables", observation=KGR + observation)[0].ok
    assert old in lines[number]
    lines[number] = lines[number].replace(old, new, 1)
    table.write_text("".join(lines), encoding="utf-8")
    [finding] = check_fidelity(SHIPPED, corpus=corpus, folder=tmp_path / "tables", observation=KGR + observation)
    return finding


#: Printed texts of narrative facts, each of which must occur in a section its node cites.
PRINTED_IN_SECTION = """
SELECT ?node ?printed ?part WHERE {
  { ?node kg:datePrintedText ?printed } UNION { ?node a kg:Arrest ; kg:charge ?printed }
  ?node prov:wasDerivedFrom ?part .
}"""


def test_dates_and_charges_as_printed_occur_in_a_cited_section(graph, corpus: Path) -> None:
    from kg.fidelity import find_in_parts, project_spans

    spans = project_spans(SHIPPED)
    cited: dict[tuple[str, str], list[str]] = {}
    for node, printed, part in graph.query(PRINTED_IN_SECTION).lexical_rows():
        cited.setdefault((node, printed), []).append(part)
    assert len(cited) >= 19  # 17 printed charges on the arrests of both reports, 2 approximate dates
    missing = [key for key, parts in cited.items() if find_in_parts(key[1], parts, spans, corpus) is None]
    assert missing == []
