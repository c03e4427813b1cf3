"""Virtuoso beside the embedded store: load a generated graph into a private Virtuoso, run every named query on both.

``python -m bench.virtuoso [--size 1m] [--repeat 3] [--work DIR] [--store DIR] [--no-push]
[--output bench/results/virtuoso.json]``

``python -m bench.run`` runs it at 1M, with ``--store`` and ``--no-push``, so that both engines
are measured in the same run as the rest.

It generates the graph (:mod:`bench.generate`, the same seed as ``bench.run``, the shipped graph
included) into a scratch project whose ontology and queries are the real ones, builds it without validation, starts a
private Virtuoso (:class:`kg.virtuoso.VirtuosoServer`, the settings printed with the figures)
and measures, in this one run:

* loading the built store into a named graph with ``kg push`` (Graph Store Protocol, HTTP Digest,
  batches of 100 000 triples; ``--no-push`` leaves it out), and with Virtuoso's bulk loader
  (``ld_dir`` + ``rdf_loader_run`` through ``isql-vt``, from the Turtle ``kg export`` writes, timed
  apart: Turtle, because Virtuoso's loaders store the quoted integers of N-Triples above 2³¹ as
  ``xsd:decimal``, which changes ten answers at 1M);
* every named query (``kg.queries.catalog(PROJECT / "queries")``): the median of ``--repeat`` runs on the embedded
  store and on Virtuoso (``RemoteStore`` on ``/sparql``, the graph as ``default-graph-uri``), and
  whether the two answers are the same (:func:`kg.answers.answer_key`).

Progress goes to stderr, the Markdown table to stdout, the figures to ``--output`` as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.generate import SEED, generate, parse_size, size_label

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "virtuoso.json"
GRAPH = "https://w3id.org/npa-cyber-kg/bench/graph"
#: Virtuoso's memory for the run: 8 KiB pages (about 1.3 GB), three quarters of them allowed dirty.
BUFFERS = 170_000


def log(message: str) -> None:
    """Print progress to stderr."""
    print(f"bench.virtuoso: {message}", file=sys.stderr, flush=True)


def median_ms(run: Any, repeat: int) -> tuple[float, Any]:
    """Run ``run()`` ``repeat`` times; return the median milliseconds and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def prepare(size: int, work: Path) -> tuple[Path, int]:
    """Generate and build the graph of ``size`` triples under ``work``; return the store folder and its triples."""
    import os

    from kg.build import Sources, build

    project = work / "project"
    project.mkdir(parents=True)
    for name in ("ontology", "queries"):
        (project / name).symlink_to(PROJECT / name)
    made = generate(size, project, seed=SEED, include=PROJECT / "graph")  # as bench.run: the shipped graph too
    log(f"generated {made.triples} triples; building")
    os.environ["KG_HOME"] = str(project)
    report = build(sources=Sources.of(project), store=project / ".kg", force=True, validate=False)
    return project / ".kg", report.triples


def measure(
    size: int,
    repeat: int,
    work: Path,
    built: Path | None = None,
    *,
    push_graph: bool = True,
) -> dict[str, Any]:
    """Load the graph into Virtuoso and time every named query on both stores.

    ``built``: a store of the generated graph built earlier, instead of generating and building
    one; ``push_graph``: also load it with ``kg push`` (the Graph Store Protocol).
    """
    import kg
    from kg.answers import answer_key
    from kg.export import export_triples
    from kg.push import push
    from kg.queries import catalog
    from kg.store.remote import RemoteStore
    from kg.store.transport import Credentials
    from kg.virtuoso import DBA, VirtuosoServer, bulk_load

    if built is None:
        store, triples = prepare(size, work)
    else:
        with kg.open_graph(built) as opened:
            store, triples = built, int(opened.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0])
    server = VirtuosoServer(work / "virtuoso", buffers=BUFFERS, max_rows=1_000_000)
    results: dict[str, Any] = {"size": size_label(size), "triples": triples, "settings": server_settings(server)}
    with server.start(within=120):
        queried = GRAPH + "/bulk"
        if push_graph:
            log(f"Virtuoso {server.pid} on {server.base_url}; pushing {triples} triples (Graph Store Protocol, Digest)")
            started = time.perf_counter()
            pushed = push(
                server.graph_store_url,
                graph=GRAPH,
                store=store,
                count_url=server.sparql_url,
                credentials=Credentials(user=DBA[0], password=DBA[1], scheme="digest"),
                progress=log,
            )
            results["push_gsp_s"] = time.perf_counter() - started
            results["push_gsp_requests"] = pushed.requests
            log(f"pushed in {results['push_gsp_s']:.1f} s")
            queried = GRAPH
        # the bulk loader reads only the folders its ini allows: the server's own
        loaded = server.folder / "kg.ttl"
        started = time.perf_counter()
        export_triples(loaded, fmt="turtle", store=store)
        results["export_turtle_s"] = time.perf_counter() - started
        log(f"exported in {results['export_turtle_s']:.1f} s")
        log(f"bulk loading the graph from {loaded.name} (ld_dir + rdf_loader_run)")
        started = time.perf_counter()
        bulk_load(server.sql_port, loaded, GRAPH + "/bulk")
        results["bulk_load_s"] = time.perf_counter() - started
        loaded.unlink()
        log(f"bulk loaded in {results['bulk_load_s']:.1f} s")
        bulk_count = (
            RemoteStore(server.sparql_url, graph=GRAPH + "/bulk", timeout=300)
            .execute("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
            .rows[0][0]
        )
        results["bulk_load_triples"] = bulk_count
        results["queried_graph"] = "bulk" if queried != GRAPH else "push"
        remote = RemoteStore(server.sparql_url, graph=queried, timeout=300)
        queries = []
        with kg.open_graph(store) as embedded:
            for name, query in sorted(catalog(PROJECT / "queries").items()):
                if query.kind != "cq":
                    continue  # the quality checks run at build time, on the embedded store
                local_ms, local = median_ms(lambda text=query.text: embedded.store.execute(text), repeat)
                try:
                    remote_ms, answered = median_ms(lambda text=query.text: remote.execute(text), repeat)
                    same = compare(answer_key(local), answer_key(answered), query.text)
                except Exception as error:  # a failure is a figure too
                    remote_ms, same = float("nan"), f"error: {error}"
                queries.append(
                    {
                        "name": name,
                        "embedded_ms": local_ms,
                        "virtuoso_ms": remote_ms,
                        "rows": len(local) if local.kind == "select" else None,
                        "same_answer": same,
                    }
                )
                log(f"{name}: embedded {local_ms:.1f} ms, Virtuoso {remote_ms:.1f} ms, same: {same}")
        results["queries"] = queries
    return results


def compare(embedded: Any, remote: Any, text: str) -> bool | str:
    """Compare two :func:`~kg.answers.answer_key` answers to query ``text``: True when they are the
    same; "ties" when they hold the same rows and only rows that tie on the ORDER BY keys come in
    another order (SPARQL leaves that order to the engine); "other order" when the same rows come
    in another order that the keys do order (or keys this cannot read), as when the engines order
    terms of different kinds or datatypes their own ways; False otherwise.

    >>> def answer(*rows):
    ...     return ("select", ["x", "y"], True, [tuple(("literal", v, "", "") for v in row) for row in rows])
    >>> compare(answer("1a", "2b"), answer("1a", "2b"), "SELECT * {} ORDER BY ?x")
    True
    >>> compare(answer("1a", "2b"), answer("1a", "2c"), "SELECT * {} ORDER BY ?x")
    False
    >>> compare(answer(("1", "a"), ("1", "b")), answer(("1", "b"), ("1", "a")), "SELECT * {} ORDER BY ?x")
    'ties'
    >>> compare(answer(("1", "a"), ("2", "b")), answer(("2", "b"), ("1", "a")), "SELECT * {} ORDER BY ?x")
    'other order'
    """
    from kg.sparql_text import order_keys

    if embedded == remote:
        return True
    if not (embedded[0] == remote[0] == "select" and embedded[2] and sorted(embedded[3]) == sorted(remote[3])):
        return False
    keys = order_keys(text)
    names = embedded[1]
    if keys is None or any(name not in names for name, _ in keys):
        return "other order"
    columns = [(names.index(name), as_string) for name, as_string in keys]

    def sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(row[column][1] if as_string else row[column] for column, as_string in columns)

    same_keys = [sort_key(row) for row in embedded[3]] == [sort_key(row) for row in remote[3]]
    return "ties" if same_keys else "other order"


def server_settings(server: Any) -> dict[str, Any]:
    """The Virtuoso settings the figures were measured with."""
    import subprocess

    version = subprocess.run(["virtuoso-t", "--version"], capture_output=True, text=True, check=False)
    line = next((text for text in (version.stdout + version.stderr).splitlines() if text.startswith("Version")), "")
    return {
        "version": line.strip(),
        "NumberOfBuffers": server.buffers,
        "MaxDirtyBuffers": server.buffers * 3 // 4,
        "ResultSetMaxRows": server.max_rows,
    }


def medians(results: dict[str, Any]) -> tuple[float, float]:
    """The median of the per-query medians on the embedded store and on Virtuoso (NaN when Virtuoso
    answered none), the figures the parity target compares.

    >>> nan = float("nan")
    >>> medians({"queries": [{"embedded_ms": 1.0, "virtuoso_ms": 4.0}, {"embedded_ms": 3.0, "virtuoso_ms": nan}]})
    (2.0, 4.0)
    """
    queries = results["queries"]
    embedded = statistics.median(query["embedded_ms"] for query in queries)
    answered = [query["virtuoso_ms"] for query in queries if query["virtuoso_ms"] == query["virtuoso_ms"]]  # not NaN
    return embedded, statistics.median(answered) if answered else float("nan")


def render(results: dict[str, Any]) -> str:
    """The figures as Markdown."""
    settings = results["settings"]
    queries = results["queries"]
    same = sum(1 for query in queries if query["same_answer"] is True)
    ties = sum(1 for query in queries if query["same_answer"] == "ties")
    reordered = sum(1 for query in queries if query["same_answer"] == "other order")
    embedded, remote = medians(results)
    steps = []
    if "push_gsp_s" in results:
        steps.append(
            f"| `kg push` (Graph Store Protocol, Digest, {results['push_gsp_requests']} requests, count checked) | "
            f"{results['push_gsp_s']:.1f} |"
        )
    if "export_turtle_s" in results:
        steps.append(f"| `kg export --format turtle` (input of the bulk loader) | {results['export_turtle_s']:.1f} |")
    steps.append(
        f"| bulk loader (`ld_dir` + `rdf_loader_run` + `checkpoint`, {results['bulk_load_triples']} triples) | "
        f"{results['bulk_load_s']:.1f} |"
    )
    queried = "the bulk-loaded graph" if results.get("queried_graph") == "bulk" else "the pushed graph"
    lines = [
        f"Virtuoso ({settings['version']}; NumberOfBuffers {settings['NumberOfBuffers']}, MaxDirtyBuffers "
        f"{settings['MaxDirtyBuffers']}, ResultSetMaxRows {settings['ResultSetMaxRows']}) beside the embedded store, "
        f"generated graph of {results['size']} ({results['triples']} triples with inferences):",
        "",
        "| step | seconds |",
        "| --- | --- |",
        *steps,
        "",
        f"Queried on Virtuoso: {queried}, over HTTP. {same} of {len(queries)} named queries give the same answer on "
        f"both, {ties} more the same rows with only rows that tie on ORDER BY in another order, {reordered} the same "
        f"rows in an order the ORDER BY keys set otherwise; median of the per-query medians: embedded {embedded:.1f} "
        f"ms, Virtuoso {remote:.1f} ms.",
        "",
        "| query | rows | embedded ms | Virtuoso ms | same answer |",
        "| --- | --- | --- | --- | --- |",
    ]
    for query in queries:
        lines.append(
            f"| {query['name']} | {query['rows'] if query['rows'] is not None else '—'} | "
            f"{query['embedded_ms']:.1f} | {query['virtuoso_ms']:.1f} | {query['same_answer']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bench.virtuoso``: measure and print."""
    parser = argparse.ArgumentParser(prog="python -m bench.virtuoso", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1m", help="about how many triples to generate (default 1m)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each query on each store (default 3)")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one, removed afterwards)")
    parser.add_argument(
        "--store",
        type=Path,
        metavar="DIR",
        help="a store built from `python -m bench.generate SIZE` (skips generating and building)",
    )
    parser.add_argument(
        "--no-push",
        dest="push",
        action="store_false",
        help="leave out loading the graph with kg push (Graph Store Protocol); query the bulk-loaded copy",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"JSON figures (default {DEFAULT_OUTPUT})")
    parser.add_argument("--report", type=Path, metavar="JSON", help="print the tables of an earlier run and stop")
    arguments = parser.parse_args(argv)
    if arguments.report:
        sys.stdout.write(render(json.loads(arguments.report.read_text(encoding="utf-8"))))
        return 0
    from kg.virtuoso import installed

    if reason := installed():
        parser.exit(2, f"python -m bench.virtuoso: error: {reason}\n")
    if arguments.store and not arguments.store.is_dir():
        parser.error(f"--store {arguments.store}: no such folder")
    size, store = parse_size(arguments.size), arguments.store
    if arguments.work:
        results = measure(size, arguments.repeat, arguments.work, store, push_graph=arguments.push)
    else:
        with tempfile.TemporaryDirectory(prefix="kg-bench-virtuoso-") as folder:
            results = measure(size, arguments.repeat, Path(folder), store, push_graph=arguments.push)
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(render(results))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
