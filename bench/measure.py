"""The measurements that run in a child process of their own.

``python -m bench.measure TASK OPTIONS_JSON`` runs one task and prints JSON lines on stdout: a
line per finished step (so that a parent can tell progress from a hang) and a last line with
``"event": "done"``. Running each task in a fresh process keeps its peak memory
(``ru_maxrss``, which :mod:`bench.launch`, the small process that starts it, reads with
``os.wait4``; this process's own ``RUSAGE_SELF`` is as clean) its own, and keeps one side's heap from
slowing the other's garbage collector.

Tasks:

``build``
    ``kg.build.build`` on the project named by ``KG_HOME``, into ``options["store"]``.
``compare``
    Load the same triples into a plain in-memory rdflib ``Graph``, open the built store through
    ``kg.open_graph``, and time every query on both sides, interleaved, in this one process.
``queries``
    Open the store through ``kg.open_graph`` and run every query once: the parent reads this
    process's peak memory as the memory a query needs.
``viz``
    Convert the store to networkx (``kg.viz.instance_graph``), then write HTML pages
    (``kg.viz.write_html``) of views cut from it at the asked numbers of nodes.
``imports``
    Run the ``kg`` command line in-process and list the heavy modules it imported.
``validate``
    Load and infer the project's sources, then validate them with ``options["engine"]``
    (``sparql``, the default, or ``pyshacl``, the reference), timing each part.
``write``
    Load and infer the sources, then write the on-disk store each way Oxigraph offers, timed.
"""

from __future__ import annotations

import gc
import json
import signal
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Modules that the query path must not import: validation, views, notebooks' stack.
HEAVY_MODULES = (
    "rdflib",
    "pyshacl",
    "networkx",
    "pyvis",
    "pandas",
    "matplotlib",
    "IPython",
    "nbclient",
    "jinja2",
    "SPARQLWrapper",
)


def emit(event: str, **fields: Any) -> None:
    """Print one JSON line for the parent and flush it at once."""
    print(json.dumps({"event": event, **fields}, ensure_ascii=False), flush=True)


def median_ms(seconds: list[float]) -> float:
    """Return the median of timings in seconds, in milliseconds.

    >>> median_ms([0.001, 0.003, 0.002])
    2.0
    """
    return round(statistics.median(seconds) * 1_000, 3)


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``action`` and return (seconds it took, what it returned)."""
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def repeated(action: Callable[[], Any], repeat: int, budget: float) -> tuple[list[float], Any]:
    """Time ``action`` ``repeat`` times, stopping early once ``budget`` seconds are spent (at
    least one run); return the timings and the last value.

    >>> times, value = repeated(lambda: 42, 3, 10.0)
    >>> len(times), value
    (3, 42)
    """
    times: list[float] = []
    value = None
    while len(times) < max(1, repeat):
        seconds, value = timed(action)
        times.append(seconds)
        if sum(times) > budget:
            break
    return times, value


class TooSlow(BaseException):
    """Raised inside a reference query that ran past its time limit. A BaseException, so that
    rdflib's own ``except Exception`` handlers do not swallow it."""


def within(seconds: float, action: Callable[[], Any]) -> Any:
    """Run ``action``, interrupting it with :class:`TooSlow` after ``seconds`` (0: no limit).

    rdflib evaluates SPARQL in pure Python, so a timer signal stops it between two bytecodes and
    leaves the graph as it was: the next query runs on the same loaded graph, with no reload.

    >>> within(5.0, lambda: 42)
    42
    >>> import time
    >>> within(0.05, lambda: time.sleep(2))
    Traceback (most recent call last):
    ...
    bench.measure.TooSlow
    """
    if not seconds:
        return action()

    def stop(signum: int, frame: Any) -> None:
        raise TooSlow

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return action()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def project_sources() -> Any:
    """Return the sources of the project this worker's ``KG_HOME`` names: the worker is a command's
    edge, the one place that reads the environment (:class:`kg.build.Sources`)."""
    from kg.build import Sources
    from kg.paths import project_home

    return Sources.of(project_home())


def task_build(options: dict[str, Any]) -> None:
    """Build the store and report the build's own timings of its steps."""
    from kg.build import build

    sources = project_sources()
    seconds, report = timed(
        lambda: build(sources=sources, store=Path(options["store"]), force=True, validate=options["validate"])
    )
    emit(
        "done",
        seconds={**report.seconds, "total": seconds},
        asserted=report.asserted_triples,
        inferred=report.inferred_triples,
        files=report.files,
    )


def task_validate(options: dict[str, Any]) -> None:
    """Validate the loaded, inferred sources with one engine; report its parts' seconds."""
    from kg.build import prepare
    from kg.store.embedded import OxigraphStore
    from kg.validate import quality_violations, shacl_violations

    sources = project_sources()
    store, _, asserted, inferred, seconds = prepare(sources)
    shapes_seconds, violations = timed(lambda: shacl_violations(store, sources.shapes, engine=options["engine"]))
    quality_seconds, quality = timed(lambda: quality_violations(OxigraphStore(store), sources.queries))
    emit(
        "done",
        engine=options["engine"],
        seconds={**seconds, "shapes": shapes_seconds, "quality": quality_seconds},
        asserted=asserted,
        inferred=inferred,
        violations=len(violations) + len(quality),
    )


#: The ways of writing the built in-memory store to disk that ``write`` compares.
WRITE_STRATEGIES = ("bulk_extend in batches", "N-Quads file, bulk_load", "N-Quads in memory, bulk_load")


def task_write(options: dict[str, Any]) -> None:
    """Time each way of writing the in-memory store to a new on-disk store (``backup`` works only
    from an on-disk store, so it is not a way to write an in-memory one)."""
    import shutil
    import tempfile

    import pyoxigraph

    from kg.build import copy_quads, prepare

    store, *_ = prepare(project_sources())
    folder = Path(tempfile.mkdtemp(prefix="kg-write-", dir=options.get("dir")))

    def write(strategy: str) -> None:
        target = pyoxigraph.Store(str(folder / "store"))
        if strategy == "bulk_extend in batches":
            copy_quads(store, target)
        elif strategy == "N-Quads file, bulk_load":
            dump = folder / "dump.nq"
            store.dump(str(dump), format=pyoxigraph.RdfFormat.N_QUADS)
            target.bulk_load(path=str(dump), format=pyoxigraph.RdfFormat.N_QUADS)
            dump.unlink()
        else:
            target.bulk_load(store.dump(format=pyoxigraph.RdfFormat.N_QUADS), format=pyoxigraph.RdfFormat.N_QUADS)
        target.flush()
        del target

    try:
        for strategy in WRITE_STRATEGIES:
            times = []
            for _ in range(options.get("repeat", 1)):
                shutil.rmtree(folder / "store", ignore_errors=True)
                seconds, _ = timed(lambda strategy=strategy: write(strategy))
                times.append(seconds)
            emit("write", strategy=strategy, seconds=round(statistics.median(times), 3), runs=len(times))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    emit("done", quads=len(store))


def task_compare(options: dict[str, Any]) -> None:
    """Time every query on the kg store and on plain in-memory rdflib, interleaved."""
    import resource

    import rdflib

    from kg.namespaces import PREFIXES

    reference = rdflib.Graph()
    load_seconds, _ = timed(lambda: reference.parse(options["ntriples"], format="nt"))
    emit(
        "loaded",
        rdflib_load_seconds=load_seconds,
        rdflib_triples=len(reference),
        rdflib_peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    # rdflib's graph is millions of Python objects: keep the collector from re-scanning them on
    # every kg allocation, which would bill rdflib's heap to kg's timings.
    gc.collect()
    gc.freeze()

    import kg

    opens = []
    for _ in range(max(3, options["repeat"])):
        seconds, graph = timed(lambda: kg.open_graph(options["store"]))
        graph.close()
        opens.append(seconds)
    emit("opened", store_open_ms=median_ms(opens), store_open_runs=len(opens))

    namespaces = dict(PREFIXES)
    budget, repeat, limit = options["budget"], options["repeat"], options.get("rdflib_limit", 0)
    # the same store in memory: what the on-disk store's lookups cost (the query process's own
    # memory target rules this out as the default at a million triples)
    from kg.paging import page
    from kg.store.embedded import OxigraphStore

    with kg.open_graph(options["store"]) as disk:
        import pyoxigraph

        memory_store = pyoxigraph.Store()
        memory_store.bulk_extend(disk.store.store)
    in_memory = OxigraphStore(memory_store)
    with kg.open_graph(options["store"]) as graph:
        for query in options["queries"]:
            text = Path(query["path"]).read_text(encoding="utf-8")
            kg_times, kg_rows = repeated(
                lambda text=text, path=query["path"]: len(graph.store.execute(text, source=path)), repeat, budget
            )
            fields: dict[str, Any] = {
                "name": query["name"],
                "kg_ms": median_ms(kg_times),
                "kg_runs": len(kg_times),
                "kg_rows": kg_rows,
            }
            memory_times, _ = repeated(lambda text=text: len(in_memory.execute(text)), repeat, budget)
            fields["kg_memory_ms"] = median_ms(memory_times)
            if kg_rows > options.get("page_rows", 1_000) and query["kind"] == "cq":
                # a listing that grows with the graph: its first page, as `kg query --limit` asks for it
                paged = page(text, limit=options.get("page_rows", 1_000) // 10)
                page_times, _ = repeated(lambda paged=paged: len(graph.store.execute(paged)), repeat, budget)
                fields["kg_first_page_ms"] = median_ms(page_times)
                fields["kg_page_rows"] = options.get("page_rows", 1_000) // 10
            # kg's side is reported before rdflib starts, so it survives an rdflib query that never ends
            emit("kg", **fields)
            try:
                rdflib_times, rdflib_rows = repeated(
                    lambda text=text: within(limit, lambda: len(list(reference.query(text, initNs=namespaces)))),
                    repeat,
                    budget,
                )
            except TooSlow:
                fields["rdflib_timed_out_after_seconds"] = limit
            except Exception as error:
                fields["rdflib_error"] = f"{type(error).__name__}: {error}"[:300]
            else:
                fields.update(rdflib_ms=median_ms(rdflib_times), rdflib_runs=len(rdflib_times), rdflib_rows=rdflib_rows)
            emit("query", **fields)
    emit("done")


def task_queries(options: dict[str, Any]) -> None:
    """Run every query once through the public API, as a user's process would."""
    import kg

    with kg.open_graph(options["store"]) as graph:
        for query in options["queries"]:
            seconds, result = timed(lambda path=query["path"]: graph.query(path))
            emit("query", name=query["name"], rows=len(result), ms=round(seconds * 1_000, 3))
    emit("done")


def task_viz(options: dict[str, Any]) -> None:
    """Time the conversion of the whole store, then HTML pages of growing views of it."""
    import networkx as nx

    import kg
    from kg.namespaces import KGR
    from kg.viz import instance_graph, write_html

    # the whole store in one answer is far above the 100 MB a query may return by default
    with kg.open_graph(options["store"], max_result_mb=None) as graph:
        seconds, full = timed(lambda: instance_graph(graph))
    emit("converted", seconds=round(seconds, 3), nodes=full.number_of_nodes(), edges=full.number_of_edges())
    # A view is what a user asks for around one thing: the nodes nearest the hub agency, in
    # breadth-first order, then (for views bigger than its component) the best connected rest.
    undirected = full.to_undirected(as_view=True)
    hub = KGR + "org-npa" if KGR + "org-npa" in full else max(full, key=undirected.degree)
    order = list(nx.bfs_tree(undirected, hub))
    reached = set(order)
    order += sorted((node for node in full if node not in reached), key=lambda node: -undirected.degree(node))
    for size in options["nodes"]:
        view = full.subgraph(order[:size]).copy()
        path = Path(options["folder"]) / f"view-{size}.html"
        times, _ = repeated(lambda view=view, path=path: write_html(view, path), options["repeat"], 60.0)
        emit(
            "view",
            asked=size,
            nodes=view.number_of_nodes(),
            edges=view.number_of_edges(),
            seconds=round(statistics.median(times), 4),
            runs=len(times),
            html_mb=round(path.stat().st_size / 2**20, 2),
        )
    emit("done")


def task_imports(options: dict[str, Any]) -> None:
    """Run ``kg`` with ``options["argv"]`` (its output discarded) and list the heavy modules loaded."""
    import contextlib
    import io

    from kg.cli import main

    with contextlib.redirect_stdout(io.StringIO()):
        code = main(options["argv"])
    loaded = sorted(name for name in HEAVY_MODULES if name in sys.modules)
    emit("done", exit_code=code, heavy_modules=loaded, modules=len(sys.modules))


TASKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "build": task_build,
    "compare": task_compare,
    "queries": task_queries,
    "viz": task_viz,
    "imports": task_imports,
    "validate": task_validate,
    "write": task_write,
}


def main(argv: list[str] | None = None) -> int:
    """Run one task; a kg error becomes an ``error`` line and exit code 2."""
    from kg.errors import KgError

    name, options = (argv if argv is not None else sys.argv[1:])[:2]
    try:
        TASKS[name](json.loads(options))
    except KgError as error:
        emit("error", message=str(error))
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
