"""Benchmark kg at growing sizes against plain in-memory rdflib, and print the figures.

``python -m bench.run [--sizes 10k,100k,1m] [--repeat N] [--output bench/results/latest.json]``

For each size it generates a graph (:mod:`bench.generate`) into a scratch project whose
``ontology/`` and ``queries/`` are the real ones, then measures, each in a fresh child process
(:mod:`bench.measure`) so that peak memory is the child's own:

* ``kg build`` without validation (``--repeat`` runs) and with it, and the build's steps;
* store open time, and the latency of every named query (``kg.queries.catalog(folder)`` at run
  time) and of the co-issuance query (``bench/co-issuance.rq``) on the kg store and on an
  rdflib ``Graph`` holding the same triples, interleaved in one process, with the speed-up;
* the peak memory of a process that runs every query, and a ``kg query`` from a fresh process;
* with ``kg serve``: requests per second and median latency of a named query over loopback;
* at the sizes ``--virtuoso`` names (1M by default), Virtuoso beside the embedded store
  (:mod:`bench.virtuoso` in a child process: the graph exported as Turtle and bulk-loaded into a
  private Virtuoso 7.2, every competency query timed on both, their answers compared).

Then, once: the cold start of ``kg query <named query>`` on the shipped graph and the modules
it imports, and ``kg viz`` HTML generation at 1k, 5k and 20k nodes. Progress goes to stderr;
the tables (Markdown) to stdout; the figures to ``--output`` as JSON. ``--report FILE`` prints
the tables of an earlier run without measuring anything.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import platform
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import launch
from bench.generate import MIN_SYNTHETIC, SEED, generate, parse_size, read_included, size_label
from bench.measure import HEAVY_MODULES, WRITE_STRATEGIES
from bench.virtuoso import medians as virtuoso_medians
from bench.virtuoso import render as render_virtuoso
from kg.errors import InputError, KgError

PROJECT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
CO_ISSUANCE = BENCH / "co-issuance.rq"
DEFAULT_OUTPUT = BENCH / "results" / "latest.json"
#: Bump when the JSON's structure changes.
SCHEMA = 1
#: The named query whose cold start is measured, when the catalog has it.
PREFERRED_QUERY = "cq-r5a-blacktech-advisory-issuers"
#: The query served by ``kg serve`` in the throughput test.
SERVED_QUERY = "bench-co-issuance"


class BenchError(KgError):
    """A measurement could not be made (a child failed or ran out of time)."""


def log(message: str) -> None:
    """Print progress to stderr."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- child processes ----------------------------------------------------------------------------


@dataclass
class Child:
    """A finished child process: its JSON events, wall time, peak memory and stderr."""

    exit_code: int
    seconds: float
    peak_rss_mb: float
    events: list[dict[str, Any]] = field(default_factory=list)
    stderr: str = ""
    timed_out: bool = False

    def done(self) -> dict[str, Any] | None:
        """The child's final ``done`` event, or None when it did not finish."""
        return next((event for event in reversed(self.events) if event.get("event") == "done"), None)

    def failure(self) -> str:
        """One line saying why the child did not finish."""
        errors = [event["message"] for event in self.events if event.get("event") == "error"]
        if errors:
            return errors[-1]
        if self.timed_out:
            return f"no answer within the time limit (after {self.seconds:.0f} s)"
        tail = self.stderr.strip().splitlines()[-1:] or [f"exit code {self.exit_code}"]
        return tail[0][:300]


def run_child(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    idle_timeout: float | None = None,
    events: bool = True,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> Child:
    """Run ``argv`` and wait for it; its wall time and peak RSS are its own.

    The child is started through :mod:`bench.launch`, a small process of its own: a child forked
    straight from this one, once it has grown, would report this process's high-water mark as
    its peak (Linux carries it over at ``exec``). The launcher times the child from its start to
    its end, so its own start-up is not counted.

    With ``events``, stdout is read as JSON lines, each handed to ``on_event`` as it comes;
    otherwise stdout is discarded. The child (its whole process group: the launcher, the command
    and any worker it started) is killed after ``timeout`` seconds in all, or ``idle_timeout``
    seconds without a line.
    """
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process, report = launch.start(
            argv,
            stdout=subprocess.PIPE if events else subprocess.DEVNULL,
            stderr=errors,
            env=env,
            cwd=PROJECT,
            text=True,
            encoding="utf-8",
        )

        def kill() -> None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        seen: list[dict[str, Any]] = []
        timed_out = False
        if events:
            assert process.stdout is not None
            lines: queue.Queue[str | None] = queue.Queue()

            def read(stream: Any = process.stdout) -> None:
                for line in stream:
                    lines.put(line)
                lines.put(None)

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            last = started
            while True:
                limits = [
                    limit for limit in (timeout and started + timeout, idle_timeout and last + idle_timeout) if limit
                ]
                try:
                    line = lines.get(timeout=max(0.0, min(limits) - time.perf_counter()) if limits else None)
                except queue.Empty:
                    timed_out = True
                    kill()
                    break
                if line is None:
                    break
                last = time.perf_counter()
                if line.startswith("{"):
                    seen.append(json.loads(line))
                    if on_event:
                        on_event(seen[-1])
        else:
            killer = threading.Timer(timeout, kill) if timeout else None
            if killer:
                killer.start()
        _, status, _ = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if not events and killer:
            killer.cancel()
            timed_out = process.returncode < 0 and seconds >= (timeout or 0)
        if process.stdout:
            process.stdout.close()
        # nothing when the launcher was killed: the time is then this side's, the peak unknown
        launched = launch.figures(report)
        errors.seek(0)
        stderr = errors.read().decode("utf-8", errors="replace")
    exit_code = launched.get("exit_code", process.returncode)
    # Linux reports ru_maxrss in KiB.
    peak = launched["peak_rss_kb"] / 1024 if "peak_rss_kb" in launched else float("nan")
    return Child(exit_code, launched.get("seconds", seconds), peak, seen, stderr, timed_out)


def child_env(**variables: str) -> dict[str, str]:
    """The environment of a child: this one, with the project importable and ``variables`` set."""
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), env.get("PYTHONPATH")]))
    env.update(variables)
    return env


def measure(task: str, options: dict[str, Any], env: dict[str, str], **limits: Any) -> Child:
    """Run one :mod:`bench.measure` task in a fresh process (``limits`` go to :func:`run_child`)."""
    return run_child([sys.executable, "-m", "bench.measure", task, json.dumps(options)], env=env, **limits)


def kg_command() -> list[str]:
    """The ``kg`` command installed beside this Python, as a user runs it."""
    script = Path(sys.executable).with_name("kg")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "kg.cli"]


def median(values: Sequence[float]) -> float:
    """The median, rounded for the report.

    >>> median([3.0, 1.0, 2.0])
    2.0
    """
    return round(statistics.median(values), 4)


# --- settings -----------------------------------------------------------------------------------


@dataclass
class Settings:
    """What to measure and how long to wait for it."""

    sizes: list[int]
    repeat: int = 5
    budget: float = 20.0
    query_timeout: float = 300.0
    #: seconds after which an rdflib reference query is stopped and counted as "more than" this
    rdflib_limit: float = 30.0
    validate_timeout: float = 3_600.0
    kinds: tuple[str, ...] = ("cq", "qc", "bench")
    viz_nodes: list[int] = field(default_factory=lambda: [1_000, 5_000, 20_000])
    serve_requests: int = 200
    shipped_store: Path | None = None
    seed: int = SEED
    #: Turtle files that every generated graph includes (the shipped graph), or None.
    include: Path | None = PROJECT / "graph"
    #: the largest size at which pySHACL, the reference validator, is timed beside the SPARQL
    #: engine (about 100 s at a million triples)
    pyshacl_max: int = 100_000
    #: the sizes at which Virtuoso is measured beside the embedded store (when it is installed)
    virtuoso: list[int] = field(default_factory=lambda: [1_000_000])


def named_queries(kinds: Sequence[str]) -> list[dict[str, str]]:
    """The queries to time: the catalog as it is now, and the co-issuance query."""
    from kg.queries import catalog

    found = [
        {"name": query.name, "kind": query.kind, "path": str(query.path)}
        for query in catalog(PROJECT / "queries").values()
        if query.kind in kinds
    ]
    if "bench" in kinds:
        found.append({"name": SERVED_QUERY, "kind": "bench", "path": str(CO_ISSUANCE)})
    return found


# --- one size -------------------------------------------------------------------------------------


def scratch_project(folder: Path) -> None:
    """Make ``folder`` a project whose ontology and queries are the real ones."""
    folder.mkdir(parents=True)
    for name in ("ontology", "queries"):
        (folder / name).symlink_to(PROJECT / name)


def summarise_builds(children: list[Child]) -> dict[str, Any]:
    """Medians of the build steps over the runs, the load rate and peak memory."""
    finished = [child.done() or {} for child in children]
    steps = sorted({step for done in finished for step in done["seconds"]})
    seconds = {step: median([done["seconds"][step] for done in finished if step in done["seconds"]]) for step in steps}
    asserted, inferred = finished[0]["asserted"], finished[0]["inferred"]
    return {
        "runs": len(children),
        "seconds": seconds,
        "asserted_triples": asserted,
        "inferred_triples": inferred,
        "files": finished[0]["files"],
        "load_triples_per_second": round(asserted / seconds["parse"]) if seconds.get("parse") else None,
        "build_triples_per_second": round(asserted / seconds["total"]),
        "peak_rss_mb": median([child.peak_rss_mb for child in children]),
        "peak_rss_mb_max": round(max(child.peak_rss_mb for child in children), 1),
    }


def measure_builds(env: dict[str, str], store: Path, settings: Settings, *, validate: bool) -> dict[str, Any]:
    """Build ``--repeat`` times (validated builds stop early once ``--budget`` is spent)."""
    children: list[Child] = []
    spent = 0.0
    while len(children) < settings.repeat:
        # Each build starts from no store, as a first build does; it also keeps two builds in one
        # second from sharing a build folder name (kg.build names them to the second).
        shutil.rmtree(store, ignore_errors=True)
        child = measure(
            "build",
            {"store": str(store), "validate": validate},
            env,
            timeout=settings.validate_timeout if validate else None,
        )
        if not child.done():
            if validate and child.timed_out:
                log(f"  validated build did not finish in {settings.validate_timeout:.0f} s")
                return {"runs": 0, "timed_out_after_seconds": settings.validate_timeout}
            raise BenchError(f"kg build{'' if validate else ' --no-validate'} failed: {child.failure()}")
        children.append(child)
        spent += child.seconds
        if validate and spent > settings.budget:
            break
    return summarise_builds(children)


def measure_compare(
    queries: list[dict[str, str]], env: dict[str, str], options: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    """Time the queries on both sides; a query that hangs is recorded as timed out and the
    comparison goes on with the rest in a new process."""
    results: dict[str, dict[str, Any]] = {}
    summary: dict[str, Any] = {}
    started: dict[str, dict[str, Any]] = {}
    remaining = list(queries)

    def record(event: dict[str, Any]) -> None:
        if event["event"] == "loaded" and "rdflib_load_seconds" not in summary:
            summary.update({key: value for key, value in event.items() if key != "event"})
            log(f"  rdflib loaded {event['rdflib_triples']} triples in {event['rdflib_load_seconds']:.2f} s")
        elif event["event"] == "opened" and "store_open_ms" not in summary:
            summary.update({key: value for key, value in event.items() if key != "event"})
        elif event["event"] == "kg":
            started[event["name"]] = event
        elif event["event"] == "query":
            results[event["name"]] = event
            if "rdflib_ms" in event:
                rdflib = f"{event['rdflib_ms']:.2f} ms"
            elif "rdflib_timed_out_after_seconds" in event:
                rdflib = f"stopped after {event['rdflib_timed_out_after_seconds']:g} s"
            else:
                rdflib = event.get("rdflib_error", "-")
            log(f"  {event['name']}: kg {event['kg_ms']:.2f} ms, rdflib {rdflib}")

    while remaining:
        child = measure(
            "compare", {**options, "queries": remaining}, env, idle_timeout=settings.query_timeout, on_event=record
        )
        remaining = [query for query in remaining if query["name"] not in results]
        if child.done():
            break
        if not child.timed_out or not any(event["event"] == "opened" for event in child.events):
            raise BenchError(f"the comparison failed: {child.failure()}")
        stuck = remaining.pop(0)
        if stuck["name"] in started:
            side, measured = "rdflib", started[stuck["name"]]
        else:
            side, measured = "kg", {"name": stuck["name"]}
        log(f"  {stuck['name']}: {side} gave no answer in {settings.query_timeout:.0f} s; going on without it")
        results[stuck["name"]] = {**measured, f"{side}_timed_out_after_seconds": settings.query_timeout}
    rows = []
    for query in queries:
        found = results[query["name"]]
        row = {"name": query["name"], "kind": query["kind"]}
        row.update({key: value for key, value in found.items() if key not in ("event", "name")})
        if row.get("kg_ms") and row.get("rdflib_ms"):
            row["speedup"] = round(row["rdflib_ms"] / row["kg_ms"], 1)
        elif row.get("kg_ms") and "rdflib_timed_out_after_seconds" in row:
            # a lower bound: rdflib took at least this long
            row["speedup_at_least"] = round(row["rdflib_timed_out_after_seconds"] * 1_000 / row["kg_ms"], 1)
        if "kg_rows" in row and "rdflib_rows" in row:
            row["rows_match"] = row["kg_rows"] == row["rdflib_rows"]
        rows.append(row)
    return {**summary, "queries": rows}


def measure_size(target: int, work: Path, settings: Settings, queries: list[dict[str, str]]) -> dict[str, Any]:
    """Everything measured on a generated graph of about ``target`` triples."""
    label = size_label(target)
    project = work / label
    store = project / ".kg"
    scratch_project(project)
    log(f"[{label}] generating a graph of about {target} triples")
    started = time.perf_counter()
    include, shipped = settings.include, None
    if include is not None:
        included = read_included(include).triples
        if target < included + MIN_SYNTHETIC:
            # the shipped graph alone is about this size: a graph of this size is synthetic only
            shipped = f"left out: it holds {included} triples, the size {label} leaves no room beside it"
            log(f"[{label}] the shipped graph ({included} triples) is left out of a graph this small")
            include = None
    made = generate(target, project, seed=settings.seed, include=include)
    result: dict[str, Any] = {
        "target_triples": target,
        "generated": {
            "triples": made.triples,
            "files": len(made.files),
            "seconds": round(time.perf_counter() - started, 3),
            "counts": made.counts,
            **({"shipped_graph": shipped} if shipped else {}),
        },
    }
    env = child_env(KG_HOME=str(project), KG_STORE=str(store))

    log(f"[{label}] kg build --no-validate x{settings.repeat}")
    result["build"] = measure_builds(env, store, settings, validate=False)
    log(f"[{label}] kg build (with validation)")
    result["validated_build"] = measure_builds(env, store, settings, validate=True)
    result["validation"] = {}
    for engine in ("sparql", "pyshacl"):
        if engine == "pyshacl" and target > settings.pyshacl_max:
            result["validation"][engine] = {"skipped": f"larger than --pyshacl-max {size_label(settings.pyshacl_max)}"}
            continue
        log(f"[{label}] validation alone, {engine} engine")
        child = measure("validate", {"engine": engine}, env, timeout=settings.validate_timeout)
        done = child.done()
        if not done:
            raise BenchError(f"validation with {engine} failed: {child.failure()}")
        result["validation"][engine] = {
            **done["seconds"],
            "violations": done["violations"],
            "peak_rss_mb": round(child.peak_rss_mb, 1),
        }
    log(f"[{label}] writing the store each way Oxigraph offers")
    child = measure("write", {"repeat": 1, "dir": str(project)}, env)
    if not child.done():
        raise BenchError(f"the write comparison failed: {child.failure()}")
    result["write_strategies"] = {
        event["strategy"]: event["seconds"] for event in child.events if event["event"] == "write"
    }

    log(f"[{label}] one process running every query once (peak memory)")
    child = measure("queries", {"store": str(store), "queries": queries}, env, timeout=settings.query_timeout * 4)
    if not child.done():
        raise BenchError(f"running the queries failed: {child.failure()}")
    result["query_process"] = {
        "peak_rss_mb": round(child.peak_rss_mb, 1),
        "seconds": round(child.seconds, 3),
        "queries": len(queries),
    }
    runs = [
        run_child(
            [*kg_command(), "query", str(CO_ISSUANCE), "--store", str(store), "--format", "csv"],
            env=env,
            events=False,
            timeout=settings.query_timeout,
        )
        for _ in range(settings.repeat)
    ]
    if any(run.exit_code for run in runs):
        raise BenchError(f"kg query failed: {next(run for run in runs if run.exit_code).failure()}")
    result["kg_query_process"] = {
        "query": SERVED_QUERY,
        "median_ms": round(median([run.seconds for run in runs]) * 1_000, 1),
        "peak_rss_mb": round(max(run.peak_rss_mb for run in runs), 1),
        "runs": len(runs),
    }

    log(f"[{label}] comparing {len(queries)} queries with rdflib (interleaved, x{settings.repeat})")
    from kg.export import export_triples

    ntriples = project / "graph.nt"
    result["exported_triples"] = export_triples(ntriples, fmt="nt", store=store)
    result["compare"] = measure_compare(
        queries,
        env,
        {
            "store": str(store),
            "ntriples": str(ntriples),
            "repeat": settings.repeat,
            "budget": settings.budget,
            "rdflib_limit": settings.rdflib_limit,
        },
        settings,
    )
    ntriples.unlink()
    if target in settings.virtuoso:
        result["virtuoso"] = measure_virtuoso(project, env, settings)
    result["serve"] = measure_serve(store, env, settings)
    return result


def measure_virtuoso(project: Path, env: dict[str, str], settings: Settings) -> dict[str, Any]:
    """Virtuoso beside the embedded store on the graph of ``project``'s store: :mod:`bench.virtuoso`
    in a child process, bulk-loaded from Turtle, without the Graph Store Protocol push."""
    from kg.virtuoso import installed

    if reason := installed():
        log(f"Virtuoso is not measured: {reason}")
        return {"skipped": reason}
    output = project / "virtuoso.json"
    argv = [
        sys.executable,
        "-m",
        "bench.virtuoso",
        "--store",
        str(project / ".kg"),
        "--no-push",
        "--repeat",
        str(settings.repeat),
        "--work",
        str(project / "virtuoso"),
        "--output",
        str(output),
    ]
    log(f"[{project.name}] Virtuoso beside the embedded store: bulk load, then every competency query on both")
    child = run_child(argv, env=env, events=False, timeout=settings.validate_timeout)
    if child.exit_code:
        raise BenchError(f"the Virtuoso comparison failed: {child.failure()}")
    measured: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return measured


# --- kg serve -------------------------------------------------------------------------------------


def serve_available() -> str | None:
    """Why ``kg serve`` cannot be measured, or None when it can."""
    import importlib.util

    if importlib.util.find_spec("kg.commands.serve") is None:
        return "kg serve is not available in this checkout (no kg.commands.serve)"
    return None


def wait_for_port(port: int, process: subprocess.Popen[bytes], within: float) -> None:
    """Wait until something accepts connections on 127.0.0.1:``port``, or ``process`` exits."""
    deadline = time.monotonic() + within
    while True:
        if process.poll() is not None:
            raise BenchError(f"kg serve exited with code {process.returncode} before it answered")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise BenchError(f"kg serve did not answer on port {port} within {within:g} s") from None
            time.sleep(0.05)


def client_loop(url: str, query: str, *, requests: int, budget: float, timeout: float) -> dict[str, Any]:
    """Send ``query`` to ``url`` one request after another (one warm-up first), at most
    ``requests`` times or until ``budget`` seconds are spent, reading every answer whole."""
    body = urllib.parse.urlencode({"query": query}).encode()
    headers = {"Accept": "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded"}

    def ask() -> int:
        request = urllib.request.Request(url, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return len(json.loads(response.read())["results"]["bindings"])
        except (OSError, ValueError, KeyError) as error:
            raise BenchError(f"kg serve did not answer the query at {url}: {error}") from None

    ask()
    latencies: list[float] = []
    started = time.perf_counter()
    while len(latencies) < requests and (not latencies or time.perf_counter() - started < budget):
        begun = time.perf_counter()
        rows = ask()
        latencies.append(time.perf_counter() - begun)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "median_ms": round(statistics.median(latencies) * 1_000, 2),
        "p90_ms": round(latencies[int(0.9 * (len(latencies) - 1))] * 1_000, 2),
        "rows": rows,
    }


def measure_serve(store: Path, env: dict[str, str], settings: Settings) -> dict[str, Any]:
    """Start ``kg serve`` on loopback and time a bounded loop of requests for the co-issuance
    query: as shipped (kg's relay cuts big answers) and with ``--max-result-mb 0`` (Oxigraph's
    server alone)."""
    reason = serve_available()
    if reason:
        log(f"  skipping kg serve: {reason}")
        return {"skipped": reason}
    from kg.namespaces import sparql_prologue
    from kg.serve import free_port

    query = sparql_prologue() + CO_ISSUANCE.read_text(encoding="utf-8")
    found: dict[str, Any] = {"query": SERVED_QUERY}
    for mode, options in (("relay", []), ("direct", ["--max-result-mb", "0"])):
        port = free_port()
        log(f"  kg serve {' '.join(options) or '(as shipped)'}: up to {settings.serve_requests} requests")
        with tempfile.TemporaryFile() as output:
            server = subprocess.Popen(
                [*kg_command(), "serve", "--store", str(store), "--port", str(port), *options],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=PROJECT,
            )
            try:
                wait_for_port(port, server, 30)
                found[mode] = client_loop(
                    f"http://127.0.0.1:{port}/query",
                    query,
                    requests=settings.serve_requests,
                    budget=settings.budget,
                    timeout=settings.query_timeout,
                )
            finally:
                server.terminate()
                try:
                    server.wait(15)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
    found.update(requests_per_second=found["relay"]["requests_per_second"], median_ms=found["relay"]["median_ms"])
    return found


# --- once per run ---------------------------------------------------------------------------------


def build_shipped(work: Path, settings: Settings) -> Path:
    """Return a built store of the shipped graph: ``--shipped-store`` or a fresh build."""
    if settings.shipped_store:
        return settings.shipped_store
    store = work / "shipped"
    for attempt in range(1, 4):
        child = measure("build", {"store": str(store), "validate": False}, child_env(KG_HOME=str(PROJECT)))
        if child.done():
            return store
        log(f"  building the shipped graph failed (attempt {attempt}): {child.failure()}")
        if attempt < 3:
            time.sleep(30)
    raise BenchError(f"cannot build the shipped graph: {child.failure()}")


def query_file(name: str) -> Path:
    """The file of a named query (or the co-issuance query)."""
    if name == SERVED_QUERY:
        return CO_ISSUANCE
    from kg.queries import catalog

    return catalog(PROJECT / "queries")[name].path


def measure_cold_start(store: Path, settings: Settings, queries: list[dict[str, str]]) -> dict[str, Any]:
    """Wall time of ``kg query <named query>`` on the ``store`` of the shipped graph from a fresh
    process, what it is made of, and the heavy modules it imports."""
    names = [query["name"] for query in queries if query["kind"] == "cq"]
    name = PREFERRED_QUERY if PREFERRED_QUERY in names else (names or [SERVED_QUERY])[0]
    spec = str(CO_ISSUANCE) if name == SERVED_QUERY else name
    env = child_env()
    runs = max(10, settings.repeat)
    # kg's bytecode compiled, as an installed kg has it: with PYTHONDONTWRITEBYTECODE set (as on
    # the shared machine) every run would otherwise compile kg's modules again, and the bare
    # floor imports none of them
    import compileall

    import kg

    compileall.compile_dir(str(Path(kg.__file__).parent), quiet=1)
    # The steps a `kg query` process goes through, each alone, to tell where its time goes.
    steps = {
        "python -c pass": [sys.executable, "-c", "pass"],
        # the floor: bare pyoxigraph opening the store, running the same query, printing CSV
        "bare pyoxigraph": [sys.executable, str(BENCH / "bare_query.py"), str(store), str(query_file(name))],
        "import kg": [sys.executable, "-c", "import kg"],
        "import kg.cli and build its parser": [sys.executable, "-c", "import kg.cli; kg.cli.parser()"],
        "kg query": [*kg_command(), "query", spec, "--store", str(store), "--format", "csv"],
    }
    log(f"cold start: kg query {name} x{runs}, and its steps")
    timings: dict[str, list[Child]] = {step: [] for step in steps}
    for _ in range(runs):
        # round robin, so that load from elsewhere on the machine falls on every step alike
        for step, argv in steps.items():
            timings[step].append(run_child(argv, env=env, events=False, timeout=60))
    failed = [child for children in timings.values() for child in children if child.exit_code]
    if failed:
        raise BenchError(f"kg query {name} failed: {failed[0].failure()}")
    imports = measure("imports", {"argv": ["query", spec, "--store", str(store)]}, env, timeout=60).done() or {}
    queried = timings["kg query"]
    return {
        "query": name,
        "runs": runs,
        "median_ms": round(median([child.seconds for child in queried]) * 1_000, 1),
        "min_ms": round(min(child.seconds for child in queried) * 1_000, 1),
        "steps_median_ms": {
            step: round(median([child.seconds for child in children]) * 1_000, 1) for step, children in timings.items()
        },
        "python_startup_ms": round(median([child.seconds for child in timings["python -c pass"]]) * 1_000, 1),
        "bare_ms": round(median([child.seconds for child in timings["bare pyoxigraph"]]) * 1_000, 1),
        "ratio_to_bare": round(
            median([child.seconds for child in queried])
            / median([child.seconds for child in timings["bare pyoxigraph"]]),
            2,
        ),
        "peak_rss_mb": round(max(child.peak_rss_mb for child in queried), 1),
        "heavy_modules": imports.get("heavy_modules"),
    }


def measure_viz(settings: Settings, stores: dict[str, Path], shipped: Path) -> dict[str, Any]:
    """``kg viz``: the store-to-networkx conversion on the largest store, then HTML pages of
    ``--viz-nodes`` nodes cut from it (a breadth-first neighbourhood of the hub agency)."""
    import importlib.util

    if importlib.util.find_spec("kg.viz") is None or importlib.util.find_spec("kg.viz.render") is None:
        reason = "kg viz is not available in this checkout (no kg.viz.render)"
        log(f"skipping kg viz: {reason}")
        return {"skipped": reason}
    label, store = list(stores.items())[-1]
    log(f"kg viz: converting the {label} store, then views of {', '.join(map(str, settings.viz_nodes))} nodes")
    with tempfile.TemporaryDirectory(prefix="kg-bench-viz-") as folder:
        child = measure(
            "viz",
            {"store": str(store), "nodes": settings.viz_nodes, "repeat": settings.repeat, "folder": folder},
            child_env(),
            idle_timeout=settings.query_timeout * 4,
        )
    if not child.done():
        raise BenchError(f"kg viz failed: {child.failure()}")
    converted = next(event for event in child.events if event["event"] == "converted")
    log(f"kg viz --output on the shipped graph x{settings.repeat}")
    with tempfile.TemporaryDirectory(prefix="kg-bench-viz-") as folder:
        page = Path(folder) / "overview.html"
        runs = [
            run_child(
                [*kg_command(), "viz", "--store", str(shipped), "--output", str(page)],
                env=child_env(),
                events=False,
                timeout=settings.query_timeout,
            )
            for _ in range(settings.repeat)
        ]
        if any(run.exit_code for run in runs):
            raise BenchError(f"kg viz failed: {next(run for run in runs if run.exit_code).failure()}")
        command = {
            "median_seconds": median([run.seconds for run in runs]),
            "runs": len(runs),
            "peak_rss_mb": round(max(run.peak_rss_mb for run in runs), 1),
            "html_mb": round(page.stat().st_size / 2**20, 2),
        }
    views = [
        {key: value for key, value in event.items() if key != "event"}
        for event in child.events
        if event["event"] == "view"
    ]
    return {
        "store": label,
        "conversion": {key: value for key, value in converted.items() if key != "event"},
        "views": views,
        "command_on_shipped_graph": command,
        "peak_rss_mb": round(child.peak_rss_mb, 1),
    }


# --- targets and tables ---------------------------------------------------------------------------


def _largest(results: dict[str, Any]) -> tuple[str, dict[str, Any]] | tuple[None, None]:
    sizes = results.get("sizes", {})
    if not sizes:
        return None, None
    label = max(sizes, key=lambda key: sizes[key]["target_triples"])
    return label, sizes[label]


def evaluate_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Compare the measurements with the issue's targets (1M-triple ones at the largest size)."""
    label, largest = _largest(results)
    targets: list[dict[str, Any]] = []

    def target(
        name: str,
        measured: float | None,
        limit: float,
        unit: str,
        *,
        at_least: bool = False,
        at: str | None = None,
        note: str = "",
    ) -> None:
        met = None if measured is None else (measured >= limit if at_least else measured < limit)
        targets.append(
            {
                "target": name,
                "limit": limit,
                "at_least": at_least,
                "unit": unit,
                "measured": measured,
                "met": met,
                "at": at,
                "note": note,
            }
        )

    if largest:
        build = largest["build"]
        target("load (parse) rate", build.get("load_triples_per_second"), 250_000, "triples/s", at_least=True, at=label)
        target(
            "whole build rate, no validation",
            build.get("build_triples_per_second"),
            250_000,
            "triples/s",
            at_least=True,
            at=label,
            note="parse + infer + write; the issue's 'loading' read strictly",
        )
        competency = [row for row in largest["compare"]["queries"] if row["kind"] == "cq"]
        # a query rdflib never finished counts with its lower bound
        speedups = [row.get("speedup", row.get("speedup_at_least")) for row in competency]
        speedups = [value for value in speedups if value is not None]
        latencies = [row["kg_ms"] for row in competency if "kg_ms" in row]
        target(
            "slowest competency query vs rdflib (smallest speed-up)",
            min(speedups, default=None),
            10,
            "x",
            at_least=True,
            at=label,
        )
        target("slowest competency query, median", max(latencies, default=None), 100, "ms", at=label)
        # a listing whose answer grows with the graph is paged (kg query --limit): its first page
        answered = [row.get("kg_first_page_ms", row.get("kg_ms")) for row in competency]
        target(
            "slowest competency query or, for a listing, its first page",
            max((value for value in answered if value is not None), default=None),
            100,
            "ms",
            at=label,
            note="listings of more than 1,000 rows: the first 100 (kg query --limit 100)",
        )
        validated = largest["validated_build"]
        if validated.get("seconds", {}).get("validate") and build["seconds"].get("total"):
            target(
                "validation time / the build it checks (no-validate total)",
                round(validated["seconds"]["validate"] / build["seconds"]["total"], 2),
                1,
                "x",
                at=label,
                note="SPARQL engine: shapes + quality queries",
            )
        target(
            "whole validating build rate",
            round(build["asserted_triples"] / validated["seconds"]["total"]) if validated.get("seconds") else None,
            250_000,
            "triples/s",
            at_least=True,
            at=label,
        )
        target(
            "peak memory of kg build (with validation, the default)",
            validated.get("peak_rss_mb_max"),
            1_024,
            "MB",
            at=label,
            note="timed out" if validated.get("timed_out_after_seconds") else "",
        )
        target("peak memory of kg build --no-validate", build.get("peak_rss_mb_max"), 1_024, "MB", at=label)
        target(
            "peak memory of a query process (every query, one process)",
            largest["query_process"]["peak_rss_mb"],
            200,
            "MB",
            at=label,
        )
        target(
            "peak memory of kg query (co-issuance, fresh process)",
            largest["kg_query_process"]["peak_rss_mb"],
            200,
            "MB",
            at=label,
        )
        beside = largest.get("virtuoso", {})
        if beside.get("queries"):
            embedded, remote = virtuoso_medians(beside)
            target(
                "Virtuoso parity: median competency query, Virtuoso ms / embedded ms",
                round(remote / embedded, 2) if embedded else None,
                1,
                "x",
                at_least=True,
                at=label,
                note=f"medians of the per-query medians: embedded {embedded:.2f} ms, Virtuoso {remote:.2f} ms",
            )
    cold = results.get("cold_start", {})
    target("kg query cold start (shipped graph)", cold.get("median_ms"), 500, "ms", at="shipped")
    target(
        "kg query cold start / bare pyoxigraph (same store, query, CSV)",
        cold.get("ratio_to_bare"),
        2,
        "x",
        at="shipped",
    )
    viz = {row["nodes"]: row for row in results.get("viz", {}).get("views", [])}
    target("5k-node view generated", viz.get(5_000, {}).get("seconds"), 2, "s", at="5k nodes")
    return targets


def _number(value: Any, digits: int = 3) -> str:
    """Format a figure for a table: 3 significant digits, thousands separated.

    >>> _number(1234567.8), _number(0.012345), _number(None), _number(12.5)
    ('1,234,568', '0.0123', '-', '12.5')
    """
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or abs(value) >= 10**digits:
        return f"{round(value):,}"
    return f"{value:.{digits}g}"


def _joined(*values: Any, suffix: str = "") -> str:
    """Figures that share a table cell, formatted and joined by slashes.

    >>> _joined(1.5, 2000, None, suffix="×")
    '1.5× / 2,000× / -×'
    """
    return " / ".join(f"{_number(value)}{suffix}" for value in values)


def _query_cell(found: dict[str, Any]) -> str:
    """One query at one size: kg ms / rdflib ms / speed-up, saying what timed out or failed.

    >>> _query_cell({"kg_ms": 2.0, "rdflib_ms": 50.0, "speedup": 25.0, "kg_rows": 3, "rdflib_rows": 3})
    '2 / 50 / 25×'
    >>> _query_cell({"kg_ms": 2.0, "rdflib_timed_out_after_seconds": 300, "speedup_at_least": 150000.0})
    '2 / > 300,000 / > 150,000×'
    """
    if "kg_timed_out_after_seconds" in found:
        return f"timed out (> {found['kg_timed_out_after_seconds']:.0f} s)"
    if "kg_ms" not in found:
        return "not measured"
    if "rdflib_error" in found:
        return f"{_number(found['kg_ms'])} / rdflib error / -"
    if "rdflib_timed_out_after_seconds" in found:
        rdflib = f"> {_number(found['rdflib_timed_out_after_seconds'] * 1_000)}"
        return f"{_number(found['kg_ms'])} / {rdflib} / > {_number(found['speedup_at_least'])}×"
    mismatch = "" if found.get("kg_rows") == found.get("rdflib_rows") else f" (rdflib: {found.get('rdflib_rows')} rows)"
    return f"{_number(found['kg_ms'])} / {_number(found['rdflib_ms'])} / {_number(found['speedup'])}×{mismatch}"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += [
        "| " + " | ".join(cell if isinstance(cell, str) else _number(cell) for cell in row) + " |" for row in rows
    ]
    return "\n".join(lines) + "\n"


def render(results: dict[str, Any]) -> str:
    """The results as Markdown tables."""
    out = []
    machine = results.get("machine", {})
    out.append(
        f"Measured {results.get('finished', '')} on {machine.get('cpu', '?')} ({machine.get('cores', '?')} cores, "
        f"{machine.get('memory_gb', '?')} GB RAM), {machine.get('os', '')}, Python {machine.get('python', '')}; "
        + ", ".join(f"{name} {version}" for name, version in machine.get("packages", {}).items())
        + f". Medians of {results.get('settings', {}).get('repeat', '?')} runs unless noted"
        + (
            f"; load average {results['load_average_at_start'][0]} at the start, "
            f"{results['load_average_at_end'][0]} at the end"
            if "load_average_at_end" in results
            else ""
        )
        + ".\n"
    )
    sizes = results.get("sizes", {})
    if sizes:
        labels = list(sizes)

        def row(title: str, get: Callable[[dict[str, Any]], Any]) -> list[Any]:
            cells = []
            for label in labels:
                try:
                    cells.append(get(sizes[label]))
                except (KeyError, IndexError, StopIteration, TypeError, ValueError):
                    # a figure this run did not measure (fewer kinds of queries, a skipped step)
                    cells.append(None)
            return [title, *cells]

        def competency(size: dict[str, Any], key: str) -> list[float]:
            found = (
                query.get(key, query.get(f"{key}_at_least"))
                for query in size["compare"]["queries"]
                if query["kind"] == "cq"
            )
            return sorted(value for value in found if value is not None)

        def co_issuance(size: dict[str, Any]) -> dict[str, Any]:
            return next(query for query in size["compare"]["queries"] if query["name"] == SERVED_QUERY)

        def spread(values: list[float]) -> tuple[float, float, float]:
            return values[0], statistics.median(values), values[-1]

        def serving(size: dict[str, Any], mode: str) -> str:
            served = size["serve"]
            return (
                "skipped"
                if "skipped" in served
                else _joined(served[mode]["requests_per_second"], served[mode]["median_ms"])
            )

        def other_steps(build: dict[str, Any]) -> float:
            return round(build["total"] - sum(value for key, value in build.items() if key != "total"), 3)

        rows = [
            row("triples generated", lambda size: size["generated"]["triples"]),
            row(
                "triples in the store (asserted + inferred)",
                lambda size: size["build"]["asserted_triples"] + size["build"]["inferred_triples"],
            ),
            row("kg build --no-validate, total (s)", lambda size: size["build"]["seconds"]["total"]),
            row("— parse (s)", lambda size: size["build"]["seconds"]["parse"]),
            row("— load rate (asserted triples/s)", lambda size: size["build"]["load_triples_per_second"]),
            row("— infer (s)", lambda size: size["build"]["seconds"]["infer"]),
            row("— write store (s)", lambda size: size["build"]["seconds"]["write"]),
            row("— other: digest, class counts (s)", lambda size: other_steps(size["build"]["seconds"])),
            row("kg build --no-validate, peak RSS (MB)", lambda size: size["build"]["peak_rss_mb_max"]),
            row("kg build (validating), total (s)", lambda size: size["validated_build"]["seconds"]["total"]),
            row(
                "— validate: shapes (SPARQL engine) + quality queries (s)",
                lambda size: size["validated_build"]["seconds"]["validate"],
            ),
            row("kg build (validating), peak RSS (MB)", lambda size: size["validated_build"]["peak_rss_mb_max"]),
            row(
                "validation alone, SPARQL engine: shapes / quality queries (s)",
                lambda size: _joined(size["validation"]["sparql"]["shapes"], size["validation"]["sparql"]["quality"]),
            ),
            row(
                "validation alone, pySHACL (reference): shapes / quality queries (s)",
                lambda size: _joined(size["validation"]["pyshacl"]["shapes"], size["validation"]["pyshacl"]["quality"]),
            ),
            row(
                "write the store: bulk_extend batches / N-Quads file + bulk_load / N-Quads bytes + bulk_load (s)",
                lambda size: _joined(*(size["write_strategies"][name] for name in WRITE_STRATEGIES)),
            ),
            row("store open (ms)", lambda size: size["compare"]["store_open_ms"]),
            row(
                "competency queries, kg: median / slowest (ms)",
                lambda size: _joined(statistics.median(competency(size, "kg_ms")), competency(size, "kg_ms")[-1]),
            ),
            row(
                "competency queries on an in-memory copy: median / slowest (ms)",
                lambda size: _joined(
                    statistics.median(competency(size, "kg_memory_ms")), competency(size, "kg_memory_ms")[-1]
                ),
            ),
            row(
                "listings (> 1,000 rows): first page of 100, slowest (ms)",
                lambda size: max(competency(size, "kg_first_page_ms")),
            ),
            row(
                "speed-up over rdflib, competency queries: min / median / max",
                lambda size: _joined(*spread(competency(size, "speedup")), suffix="×"),
            ),
            row(
                "co-issuance query: kg ms / rdflib ms / speed-up",
                lambda size: _query_cell(co_issuance(size)),
            ),
            row("process running every query, peak RSS (MB)", lambda size: size["query_process"]["peak_rss_mb"]),
            row(
                "kg query co-issuance, fresh process: wall (ms) / peak RSS (MB)",
                lambda size: _joined(size["kg_query_process"]["median_ms"], size["kg_query_process"]["peak_rss_mb"]),
            ),
            row(
                "rdflib: parse N-Triples (s) / peak RSS (MB)",
                lambda size: _joined(size["compare"]["rdflib_load_seconds"], size["compare"]["rdflib_peak_rss_mb"]),
            ),
            row("kg serve, co-issuance over HTTP: requests/s / median (ms)", lambda size: serving(size, "relay")),
            row("— with --max-result-mb 0 (Oxigraph alone, no relay)", lambda size: serving(size, "direct")),
        ]
        out.append("### Build, load, memory and queries by size\n")
        out.append(_table(["", *labels], rows))

        names = [query["name"] for query in sizes[labels[0]]["compare"]["queries"]]
        header = ["query", "rows"] + [f"{label} kg ms / rdflib ms / ×" for label in labels]
        query_rows = []
        for name in names:
            cells: list[Any] = [name]
            rows_at_largest = None
            for label in labels:
                found = next((q for q in sizes[label]["compare"]["queries"] if q["name"] == name), {})
                rows_at_largest = found.get("kg_rows", rows_at_largest)
                cells.append(_query_cell(found))
            cells.insert(1, rows_at_largest)
            query_rows.append(cells)
        out.append("\n### Every query: kg latency, rdflib latency, speed-up (rows at the largest size)\n")
        out.append(_table(header, query_rows))

    for label, measured in sizes.items():
        beside = measured.get("virtuoso")
        if beside:
            out.append(f"\n### Virtuoso beside the embedded store ({label})\n")
            out.append(f"Skipped: {beside['skipped']}\n" if "skipped" in beside else render_virtuoso(beside))

    cold = results.get("cold_start")
    if cold:
        out.append("\n### Cold start of `kg query` on the shipped graph\n")
        heavy = ", ".join(cold.get("heavy_modules") or []) or "none of " + ", ".join(HEAVY_MODULES)
        out.append(
            f"`kg query {cold['query']}` from a fresh process: median {_number(cold['median_ms'])} ms "
            f"(min {_number(cold['min_ms'])} ms) over {cold['runs']} runs, peak RSS {_number(cold['peak_rss_mb'])} MB; "
            f"heavy modules imported: {heavy}. Each step alone, from a fresh process (median ms):\n\n"
        )
        steps = cold.get("steps_median_ms", {})
        out.append(_table(list(steps), [list(steps.values())]))
    viz = results.get("viz")
    if viz:
        out.append("\n### `kg viz` HTML generation\n")
        if "skipped" in viz:
            out.append(f"Skipped: {viz['skipped']}\n")
        else:
            conversion, command = viz["conversion"], viz.get("command_on_shipped_graph")
            text = (
                f"Views cut from the {viz['store']} store (a breadth-first neighbourhood of the NPA), written with "
                "`kg.viz.write_html`. Converting that whole store to networkx first (`kg.viz.instance_graph`, which "
                f"every `kg viz` does) took {_number(conversion['seconds'])} s for {_number(conversion['nodes'])} "
                f"nodes and {_number(conversion['edges'])} edges; that process peaked at "
                f"{_number(viz['peak_rss_mb'])} MB."
            )
            if command:
                text += (
                    f" `kg viz --output` on the shipped graph, from a fresh process: "
                    f"{_number(command['median_seconds'])} s, {_number(command['html_mb'])} MB of HTML, "
                    f"{_number(command['peak_rss_mb'])} MB peak RSS."
                )
            out.append(text + "\n\n")
            out.append(
                _table(
                    ["nodes", "edges", "generate HTML (s)", "HTML size (MB)"],
                    [[row["nodes"], row["edges"], row["seconds"], row["html_mb"]] for row in viz["views"]],
                )
            )
    targets = evaluate_targets(results) if sizes or results.get("cold_start") else []
    if targets:
        out.append("\n### Targets\n")
        out.append(
            _table(
                ["target", "limit", "measured", "at", "met"],
                [
                    [
                        row["target"],
                        f"{'≥' if row['at_least'] else '<'} {_number(row['limit'])} {row['unit']}",
                        f"{_number(row['measured'])} {row['unit']}" if row["measured"] is not None else "not measured",
                        row["at"] or "",
                        {True: "yes", False: "**no**", None: "-"}[row["met"]],
                    ]
                    for row in targets
                ],
            )
        )
    return "\n".join(out)


# --- the run --------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """The machine and the versions the figures were measured with."""
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    packages = {}
    for name in ("kg", "pyoxigraph", "rdflib", "pyshacl", "oxrdflib", "networkx", "pyvis"):
        try:
            packages[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            packages[name] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": packages,
    }


def write_json(results: dict[str, Any], output: Path) -> None:
    """Write the results to ``output`` atomically (:func:`kg.atomic.write_text`), so no half-written file stays."""
    from kg.atomic import write_text

    output.parent.mkdir(parents=True, exist_ok=True)
    write_text(output, json.dumps(results, ensure_ascii=False, indent=1) + "\n")


def run(settings: Settings, output: Path, *, work: Path | None = None) -> dict[str, Any]:
    """Measure every size, then the cold start, viz; write ``output``; return the results."""
    scratch = Path(tempfile.mkdtemp(prefix="kg-bench-", dir=work))
    queries = named_queries(settings.kinds)
    results: dict[str, Any] = {
        "schema": SCHEMA,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "machine": machine(),
        "settings": {
            "sizes": [size_label(size) for size in settings.sizes],
            "repeat": settings.repeat,
            "budget_seconds": settings.budget,
            "rdflib_limit_seconds": settings.rdflib_limit,
            "query_timeout_seconds": settings.query_timeout,
            "seed": settings.seed,
            "kinds": list(settings.kinds),
        },
        "queries": len(queries),
        "sizes": {},
    }
    try:
        stores: dict[str, Path] = {}
        for size in sorted(settings.sizes):
            results["sizes"][size_label(size)] = measure_size(size, scratch, settings, queries)
            stores[size_label(size)] = scratch / size_label(size) / ".kg"
            write_json(results, output)
        shipped = build_shipped(scratch, settings)
        results["cold_start"] = measure_cold_start(shipped, settings, queries)
        results["viz"] = measure_viz(settings, stores, shipped)
        results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        # other work on the machine during the run shows here, and in the spread of the figures
        results["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]
        results["targets"] = evaluate_targets(results)
        write_json(results, output)
    finally:
        if work is None:
            shutil.rmtree(scratch, ignore_errors=True)
    return results


def parse_sizes(text: str) -> list[int]:
    """Read ``--sizes``: comma-separated sizes such as ``10k,100k,1m``.

    >>> parse_sizes("10k, 1m")
    [10000, 1000000]
    """
    sizes = [parse_size(part) for part in text.split(",") if part.strip()]
    if not sizes:
        raise InputError("--sizes needs at least one size, e.g. 10k")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    """The ``python -m bench.run`` command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__.split("\n\n")[0],
        epilog="example: python -m bench.run --sizes 10k --repeat 3 --output /tmp/bench.json",
    )
    parser.add_argument("--sizes", default="10k,100k,1m", help="graph sizes in triples (default 10k,100k,1m)")
    defaults = Settings(sizes=[])
    parser.add_argument(
        "--repeat",
        type=int,
        default=defaults.repeat,
        help=f"runs per measurement; medians are reported (default {defaults.repeat})",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"JSON file to write (default {DEFAULT_OUTPUT.relative_to(PROJECT)})",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=defaults.budget,
        help="seconds after which a query (per side), a validated build or the kg serve loop is "
        f"not run again (default {defaults.budget:g})",
    )
    parser.add_argument(
        "--query-timeout",
        type=float,
        default=defaults.query_timeout,
        help=f"seconds before a hung query is given up (default {defaults.query_timeout:g})",
    )
    parser.add_argument(
        "--rdflib-limit",
        type=float,
        default=defaults.rdflib_limit,
        help="seconds after which an rdflib reference query is stopped and reported as taking more "
        f"than that, the speed-up as at least the ratio (0: no limit; default {defaults.rdflib_limit:g})",
    )
    parser.add_argument(
        "--validate-timeout",
        type=float,
        default=defaults.validate_timeout,
        help=f"seconds before a validating build is given up (default {defaults.validate_timeout:g})",
    )
    parser.add_argument("--kinds", default=",".join(defaults.kinds), help="which queries: cq, qc, bench (default all)")
    parser.add_argument("--viz-nodes", default="1k,5k,20k", help="view sizes in nodes for kg viz (default 1k,5k,20k)")
    parser.add_argument(
        "--serve-requests",
        type=int,
        default=defaults.serve_requests,
        help=f"requests in the kg serve loop (default {defaults.serve_requests})",
    )
    parser.add_argument(
        "--synthetic-only", action="store_true", help="generate graphs without the shipped graph/ in them"
    )
    parser.add_argument(
        "--shipped-store", type=Path, help="a built store of the shipped graph, for the cold start (default: build one)"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the generated projects in a new folder under this one "
        "(default: a temporary folder, removed at the end)",
    )
    parser.add_argument(
        "--pyshacl-max",
        default="100k",
        help="the largest size at which pySHACL, the reference validator, is timed too (default 100k)",
    )
    parser.add_argument(
        "--virtuoso",
        default="1m",
        help="sizes at which Virtuoso is measured beside the embedded store, when installed (none: never; default 1m)",
    )
    parser.add_argument("--report", type=Path, metavar="JSON", help="print the tables of an earlier run and exit")
    arguments = parser.parse_args(argv)
    try:
        if arguments.report:
            try:
                print(render(json.loads(arguments.report.read_text(encoding="utf-8"))))
            except (OSError, ValueError) as error:
                raise InputError(f"cannot read the results: {error}", path=str(arguments.report)) from None
            return 0
        if arguments.repeat < 1:
            raise InputError("--repeat must be 1 or more")
        if arguments.rdflib_limit < 0:
            raise InputError("--rdflib-limit must be 0 (no limit) or more")
        kinds = tuple(kind.strip() for kind in arguments.kinds.split(",") if kind.strip())
        if unknown := set(kinds) - {"cq", "qc", "bench"}:
            raise InputError(f"--kinds: unknown {', '.join(sorted(unknown))}; choose from cq, qc, bench")
        settings = Settings(
            sizes=parse_sizes(arguments.sizes),
            repeat=arguments.repeat,
            budget=arguments.budget,
            query_timeout=arguments.query_timeout,
            rdflib_limit=arguments.rdflib_limit,
            validate_timeout=arguments.validate_timeout,
            kinds=kinds,
            viz_nodes=parse_sizes(arguments.viz_nodes),
            serve_requests=arguments.serve_requests,
            shipped_store=arguments.shipped_store,
            include=None if arguments.synthetic_only else PROJECT / "graph",
            pyshacl_max=parse_size(arguments.pyshacl_max),
            virtuoso=[] if arguments.virtuoso.strip() == "none" else parse_sizes(arguments.virtuoso),
        )
        if arguments.workdir:
            arguments.workdir.mkdir(parents=True, exist_ok=True)
        results = run(settings, arguments.output.resolve(), work=arguments.workdir)
    except KgError as error:
        print(f"python -m bench.run: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("python -m bench.run: interrupted", file=sys.stderr)
        return 130
    print(render(results))
    log(f"wrote {arguments.output}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
