"""The two jobs of ``kg draft``, as functions: draft one report into a folder; compare drafts of
the corpus reports with the curated graph. The store is passed in; nothing here reads the
environment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kg.draft import Draft, check_is_report, draft_report, report_year
from kg.draft.compare import Score, compare_draft
from kg.draft.entities import Gazetteer
from kg.draft.numbers import Series
from kg.draft.text import read_report
from kg.draft.write import check_output, draft_files, schema_columns, write_folder
from kg.errors import InputError
from kg.store.base import SparqlStore

KGR = "https://w3id.org/npa-cyber-kg/id/"
REPORTS = "SELECT ?report ?file WHERE { ?report a kg:Report ; kg:corpusFile ?file } ORDER BY ?report"
SERIES = """
SELECT ?series ?label (GROUP_CONCAT(DISTINCT STR(?unit)) AS ?units) WHERE {
  ?series a kg:StatisticalSeries ; rdfs:label ?label FILTER(lang(?label) = "ja")
  OPTIONAL { ?observation qb:dataSet ?series ; kg:unit ?unit }
} GROUP BY ?series ?label"""


def known_series(store: SparqlStore) -> list[Series]:
    """Return the graph's statistical series with their Japanese labels and units."""
    rows = store.execute(SERIES).bindings
    return [
        Series(
            row["series"]["value"],
            row["label"]["value"],
            frozenset(unit.rsplit("/", 1)[-1] for unit in row.get("units", {}).get("value", "").split()),
        )
        for row in rows
    ]


UNITS = "SELECT ?unit WHERE { ?unit a kg:Unit }"
ORGANISATIONS = "SELECT ?org WHERE { ?org a kg:Organisation }"


def known_reports(store: SparqlStore) -> dict[str, str]:
    """Return the reports the store holds: report id → corpus file name."""
    rows = store.execute(REPORTS).bindings
    return {row["report"]["value"].removeprefix(f"{KGR}report-"): row["file"]["value"] for row in rows}


def draft_to_folder(
    report_file: Path,
    report_id: str,
    output: Path,
    store: SparqlStore,
    *,
    graph_dir: Path,
    progress: Callable[[str], None] | None = None,
) -> tuple[Draft, dict[str, str]]:
    """Draft ``report_file`` as ``report_id`` into the new folder ``output``; return the draft and its files."""
    report_year(report_id)
    if report_id in known_reports(store) or (graph_dir / "tables" / report_id).exists():
        raise InputError(f"report {report_id} is in the graph already; choose the id of a new report")
    check_output(output, graph_dir)
    text = read_report(report_file)
    check_is_report(text)
    if progress:
        progress(f"read {report_file} ({len(text.lines)} lines); building the gazetteer from the graph")
    gazetteer = Gazetteer.from_store(store)
    draft = draft_report(text, report_id, gazetteer, series=known_series(store), progress=progress)
    units = {row["unit"]["value"].rsplit("/", 1)[-1] for row in store.execute(UNITS).bindings}
    organisations = {row["org"]["value"] for row in store.execute(ORGANISATIONS).bindings}
    columns = schema_columns(graph_dir / "tables" / "schemas")
    files = draft_files(draft, units=units, organisations=organisations, columns=columns)
    write_folder(files, output)
    return draft, files


def compare_corpus(
    store: SparqlStore, corpus: Path, *, progress: Callable[[str], None] | None = None
) -> dict[str, dict[str, Score]]:
    """Draft every report of the store from its corpus text and score it against the curated graph."""
    gazetteer = Gazetteer.from_store(store)
    series = known_series(store)
    results: dict[str, dict[str, Score]] = {}
    for report_id, file in sorted(known_reports(store).items(), reverse=True):
        if progress:
            progress(f"drafting {report_id} from {corpus / file}")
        if not (corpus / file).is_file():
            raise InputError(
                "corpus file not found; set KG_CORPUS to the folder holding the report texts", path=str(corpus / file)
            )
        draft = draft_report(read_report(corpus / file), report_id, gazetteer, series=series)
        results[report_id], _ = compare_draft(draft, store, f"{KGR}report-{report_id}")
    return results
