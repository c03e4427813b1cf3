"""The benchmark (bench/) at its smallest: a smoke run so that it never rots, and the generator
it relies on. Nothing here asserts a timing; the figures are checked for shape and sanity only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench.generate import generate, parse_size, size_label
from bench.run import SERVED_QUERY, run_child

from kg.build import BuildReport, Sources, build
from kg.errors import InputError
from kg.queries import catalog

# The whole benchmark at 10k, and builds of generated graphs: minutes, not seconds.
pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[1]


def bench(*arguments: str, env: dict[str, str], timeout: float = 1_200) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bench.run`` in a fresh process, from the project folder."""
    return subprocess.run(
        [sys.executable, "-m", "bench.run", *arguments],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory, built: BuildReport, store_home: Path) -> Iterator[dict[str, Any]]:
    """One benchmark run at 10k triples, one repeat, with its own temporary folder."""
    folder = tmp_path_factory.mktemp("bench-smoke")
    scratch = folder / "tmp"
    scratch.mkdir()
    output = folder / "results.json"
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONPATH": str(PROJECT)}
    result = bench(
        "--sizes",
        "10k",
        "--repeat",
        "1",
        "--budget",
        "2",
        "--query-timeout",
        "20",
        "--viz-nodes",
        "100,300",
        "--serve-requests",
        "20",
        "--shipped-store",
        str(store_home),
        "--virtuoso",
        "10k",
        "--output",
        str(output),
        env=env,
    )
    assert result.returncode == 0, result.stderr[-4_000:]
    yield {
        "results": json.loads(output.read_text(encoding="utf-8")),
        "stdout": result.stdout,
        "stderr": result.stderr,
        "scratch": scratch,
    }


def test_smoke_run_writes_every_section(smoke: dict[str, Any]) -> None:
    results = smoke["results"]
    assert results["schema"] == 1
    assert set(results["sizes"]) == {"10k"}
    assert {"cold_start", "viz", "targets", "machine", "finished"} <= set(results)
    assert results["machine"]["cores"] >= 1 and results["machine"]["packages"]["pyoxigraph"]
    size = results["sizes"]["10k"]
    assert {"generated", "build", "validated_build", "query_process", "kg_query_process", "compare", "serve"} <= set(
        size
    )


def test_build_figures_are_positive_and_consistent(smoke: dict[str, Any]) -> None:
    size = smoke["results"]["sizes"]["10k"]
    assert 8_000 <= size["generated"]["triples"] <= 12_000
    build_figures = size["build"]
    # the store holds the ontology too, and inference adds to what was asserted
    assert build_figures["asserted_triples"] >= size["generated"]["triples"] * 0.95
    assert build_figures["inferred_triples"] > 0
    assert {"parse", "infer", "write", "total"} <= set(build_figures["seconds"])
    assert all(seconds > 0 for seconds in build_figures["seconds"].values())
    assert build_figures["seconds"]["total"] >= build_figures["seconds"]["parse"] + build_figures["seconds"]["write"]
    assert build_figures["load_triples_per_second"] > 0
    assert 10 < build_figures["peak_rss_mb"] < 4_096
    validated = size["validated_build"]
    assert validated["seconds"]["validate"] > 0
    assert validated["asserted_triples"] == build_figures["asserted_triples"]


def test_every_named_query_is_compared_with_rdflib(smoke: dict[str, Any]) -> None:
    compared = {row["name"]: row for row in smoke["results"]["sizes"]["10k"]["compare"]["queries"]}
    # the catalog may have grown since the run started, never shrunk below what it measured
    assert set(compared) - {SERVED_QUERY} <= set(catalog(PROJECT / "queries"))
    assert SERVED_QUERY in compared
    for row in compared.values():
        if "timed_out_after_seconds" in row:
            continue
        assert row["kg_ms"] > 0 and row["kg_runs"] >= 1, row
        assert row.get("rdflib_ms", 1) > 0, row
    co_issuance = compared[SERVED_QUERY]
    # both engines find the same co-issuing pairs in the generated graph
    assert co_issuance["kg_rows"] == co_issuance["rdflib_rows"] > 0
    assert co_issuance["speedup"] == pytest.approx(co_issuance["rdflib_ms"] / co_issuance["kg_ms"], rel=0.01)
    opened = smoke["results"]["sizes"]["10k"]["compare"]
    assert opened["store_open_ms"] > 0 and opened["rdflib_triples"] > opened["rdflib_load_seconds"] > 0


def test_memory_cold_start_viz_and_serve_are_measured_or_skipped_with_a_reason(smoke: dict[str, Any]) -> None:
    results = smoke["results"]
    size = results["sizes"]["10k"]
    assert 10 < size["query_process"]["peak_rss_mb"] < 4_096
    assert size["kg_query_process"]["median_ms"] > 0
    cold = results["cold_start"]
    assert cold["median_ms"] >= cold["min_ms"] > cold["python_startup_ms"] > 0
    assert isinstance(cold["heavy_modules"], list)
    for section in (results["viz"], size["serve"]):
        if "skipped" in section:
            assert "kg " in section["skipped"]
    if "views" in results["viz"]:
        assert [view["nodes"] for view in results["viz"]["views"]] == [100, 300]
        assert all(view["html_mb"] > 0 and view["seconds"] > 0 for view in results["viz"]["views"])
    if "skipped" not in size["serve"]:
        assert size["serve"]["requests_per_second"] > 0 and size["serve"]["median_ms"] > 0


def test_virtuoso_is_measured_beside_the_embedded_store_in_the_same_run(smoke: dict[str, Any]) -> None:
    from kg.queries import catalog

    beside = smoke["results"]["sizes"]["10k"]["virtuoso"]
    assert "skipped" not in beside, beside.get("skipped")
    competency = sorted(name for name, query in catalog(PROJECT / "queries").items() if query.kind == "cq")
    assert [query["name"] for query in beside["queries"]] == competency
    assert beside["queried_graph"] == "bulk" and beside["export_turtle_s"] > 0
    assert "push_gsp_s" not in beside  # the Graph Store Protocol push is left out of the whole run
    # the same graph on both: its triples, and (nearly) every answer the same
    assert beside["bulk_load_triples"] == beside["triples"] > 9_000
    assert all(query["embedded_ms"] > 0 and query["virtuoso_ms"] > 0 for query in beside["queries"])
    # (the same rows in another order: SPARQL leaves rows tying on ORDER BY, and literals of unlike
    # datatypes, to the engine's order)
    differing = [
        query["name"] for query in beside["queries"] if query["same_answer"] not in (True, "ties", "other order")
    ]
    assert differing == [], differing
    parity = next(row for row in smoke["results"]["targets"] if row["target"].startswith("Virtuoso parity"))
    assert parity["at"] == "10k" and parity["measured"] > 0 and "embedded" in parity["note"]
    assert "### Virtuoso beside the embedded store (10k)" in smoke["stdout"]


def test_targets_and_tables_are_printed(smoke: dict[str, Any]) -> None:
    targets = smoke["results"]["targets"]
    assert {row["met"] for row in targets} <= {True, False, None}
    assert any(row["target"].startswith("kg query cold start") and row["measured"] for row in targets)
    assert "### Targets" in smoke["stdout"] and "| 10k |" in smoke["stdout"]
    assert "[10k] generating" in smoke["stderr"]


def test_smoke_run_leaves_nothing_behind(smoke: dict[str, Any]) -> None:
    assert list(smoke["scratch"].iterdir()) == []


def test_report_prints_the_tables_of_an_earlier_run(smoke: dict[str, Any], tmp_path: Path) -> None:
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps(smoke["results"]), encoding="utf-8")
    result = bench("--report", str(saved), env={**os.environ, "PYTHONPATH": str(PROJECT)}, timeout=60)
    assert result.returncode == 0
    assert "### Build, load, memory and queries by size" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--sizes", "ten"], "not a size: 'ten'"),
        (["--repeat", "0"], "--repeat must be 1 or more"),
        (["--kinds", "cq,xx"], "--kinds: unknown xx"),
        (["--report", "/nonexistent/results.json"], "/nonexistent/results.json: cannot read the results"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(arguments: list[str], message: str) -> None:
    result = bench(*arguments, env={**os.environ, "PYTHONPATH": str(PROJECT)}, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and message in result.stderr


# --- the generator ------------------------------------------------------------------------------


def test_sizes_read_and_write_alike() -> None:
    assert [parse_size(text) for text in ("10k", "1m", "2.5k", "750")] == [10_000, 1_000_000, 2_500, 750]
    assert [size_label(size) for size in (10_000, 1_000_000, 2_500, 750)] == ["10k", "1m", "2.5k", "750"]
    with pytest.raises(InputError):
        parse_size("1g")


def test_the_same_seed_writes_the_same_files_and_another_seed_others(tmp_path: Path) -> None:
    first, second, other = (
        generate(5_000, tmp_path / name, seed=seed) for name, seed in (("a", 1), ("b", 1), ("c", 2))
    )
    assert first.triples == second.triples
    relative = [path.relative_to(first.folder) for path in first.files]
    assert relative == [path.relative_to(second.folder) for path in second.files]
    assert all((first.folder / path).read_bytes() == (second.folder / path).read_bytes() for path in relative)
    assert any((first.folder / path).read_bytes() != (other.folder / path).read_bytes() for path in relative)


def generated_project(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project of the generated graph with the real ontology and queries; KG_HOME points at it."""
    for name in ("ontology", "queries"):
        (folder / name).symlink_to(PROJECT / name)
    monkeypatch.setenv("KG_HOME", str(folder))
    monkeypatch.setenv("KG_STORE", str(folder / ".kg"))
    return folder


def test_a_generated_graph_conforms_to_the_shapes_and_quality_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = generate(6_000, tmp_path)
    generated_project(tmp_path, monkeypatch)
    # validates; raises ValidationFailed otherwise
    report = build(sources=Sources.of(tmp_path), store=tmp_path / ".kg", force=True)
    assert report.built
    assert report.class_counts["kg:Advisory"] == made.counts["kg:Advisory"] + made.counts["kg:PublicAttribution"]
    assert report.class_counts["kg:Observation"] == made.counts["kg:Observation"] > 0


def test_an_included_graph_is_reused_not_redefined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built: BuildReport
) -> None:
    made = generate(built.asserted_triples + 5_000, tmp_path, include=PROJECT / "graph")
    synthetic = [path for path in made.files if "included" not in path.parts]
    text = "".join(path.read_text(encoding="utf-8") for path in synthetic)
    # the shipped graph defines the hub agency; the synthetic facts cite it but do not describe it again
    assert "\nkgr:org-npa a " not in text and "kgr:org-npa" in text
    assert made.counts["included_triples"] > 0
    generated_project(tmp_path, monkeypatch)
    assert build(sources=Sources.of(tmp_path), store=tmp_path / ".kg", force=True).built


def test_a_graph_smaller_than_what_it_includes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="at least 1k synthetic triples"):
        generate(2_000, tmp_path, include=PROJECT / "graph")


# --- the child processes --------------------------------------------------------------------------


def test_a_child_reports_its_own_peak_memory() -> None:
    child = run_child([sys.executable, "-c", "block = bytearray(150 * 2**20)"], events=False)
    assert child.exit_code == 0
    assert child.peak_rss_mb >= 150


def test_a_child_started_late_does_not_inherit_the_benchs_peak_memory() -> None:
    # Linux hands a forked child its parent's high-water mark at exec: without bench.launch in
    # between, this small child would report at least the 400 MB this process holds
    grown = bytearray(400 * 2**20)
    grown[::4096] = b"x" * len(grown[::4096])  # touch every page, so that it is resident
    child = run_child([sys.executable, "-c", "raise SystemExit(3)"], events=False)
    del grown
    assert child.exit_code == 3
    assert 1 < child.peak_rss_mb < 100
    assert 0 < child.seconds < 10


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, ended but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_a_timed_out_child_is_killed_with_the_workers_it_started() -> None:
    script = (
        "import json, subprocess, sys, time\n"
        "worker = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(json.dumps({'event': 'worker', 'pid': worker.pid}), flush=True)\n"
        "time.sleep(60)\n"
    )
    child = run_child([sys.executable, "-c", script], idle_timeout=2)
    assert child.timed_out and child.seconds < 30
    (started,) = [event["pid"] for event in child.events if event["event"] == "worker"]
    for _ in range(50):
        if not _alive(started):
            break
        time.sleep(0.1)
    assert not _alive(started)


def test_a_silent_child_is_stopped_at_its_time_limit() -> None:
    child = run_child([sys.executable, "-c", "import time; time.sleep(60)"], idle_timeout=1)
    assert child.timed_out and child.done() is None
    assert child.seconds < 30
    assert "no answer within the time limit" in child.failure()


def test_the_bench_modules_examples_run() -> None:
    # pytest collects doctests from src/ only; the benchmark's own examples are run here
    import doctest

    import bench.generate
    import bench.launch
    import bench.measure
    import bench.run
    import bench.virtuoso

    for module in (bench.generate, bench.launch, bench.measure, bench.run, bench.virtuoso):
        outcome = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        assert outcome.attempted > 0 and outcome.failed == 0, module.__name__
