"""`kg query` and the Python API on the built store are bounded: a time limit that stops the work,
Ctrl-C that stops it at once, an answer-size cap with a message, and no outbound requests.

Real `kg query` processes and the real worker process; CPU and processes are read from /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import kg
from kg.build import BuildReport
from kg.errors import KgError
from kg.store.embedded import QueryTimeout
from tests.helpers import run_kg
from tests.oxigraph_server import child_processes, process_exists

CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def wait_for_child(pid: int, within: float = 20) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if children := child_processes(pid):
            return children[0]
        time.sleep(0.05)
    pytest.fail(f"process {pid} started no query process within {within:g} s")


def wait_for_query_thread(pid: int, within: float = 20) -> None:
    """Wait until `kg query` process ``pid`` runs its query: on a thread of its own (a second
    thread in /proc), never in another process."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if len(os.listdir(f"/proc/{pid}/task")) > 1:
                assert child_processes(pid) == []
                return
        except FileNotFoundError:
            break
        time.sleep(0.02)
    pytest.fail(f"process {pid} started no query thread within {within:g} s")


def cpu_seconds(pid: int) -> float:
    """The CPU time process ``pid`` has used (user and system, /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_query_past_its_time_limit_stops_frees_the_cpu_and_exits_non_zero(kg_env: dict[str, str]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "query", CROSS_JOIN, "--timeout", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=kg_env,
    )
    wait_for_query_thread(process.pid)
    started = time.monotonic()
    time.sleep(1)
    assert cpu_seconds(process.pid) > 0.3  # the query is computing
    out, err = process.communicate(timeout=30)
    assert time.monotonic() - started < 5
    assert process.returncode == 2 and out == ""
    assert err == (
        "kg query: error: query: stopped at the time limit of 2 s (--timeout); make the query cheaper "
        "(a LIMIT, fewer cross joins) or raise the limit\n"
    )
    assert not process_exists(process.pid)  # the process that computed is gone, its CPU freed


def test_ctrl_c_stops_a_running_query_at_once(kg_env: dict[str, str]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "query", CROSS_JOIN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=kg_env,
    )
    wait_for_query_thread(process.pid)
    time.sleep(1)  # the query is computing now
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = process.communicate(timeout=30)
    assert time.monotonic() - sent < 1.5
    assert process.returncode == 130 and err == "kg query: interrupted\n"
    assert not process_exists(process.pid)


#: A Python process querying the built store through the API (whose queries run in a worker process).
API_QUERY = f"import kg, sys; kg.open_graph(sys.argv[1], timeout=None).query({CROSS_JOIN!r})"


def test_the_api_s_query_process_ends_with_its_caller_even_mid_query(store_home: Path, built: BuildReport) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", API_QUERY, str(store_home)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    worker = wait_for_child(process.pid)
    time.sleep(1)  # the query is computing now
    process.kill()  # no Ctrl-C, no clean-up: the worker must notice on its own
    process.wait()
    deadline = time.monotonic() + 5
    while process_exists(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_exists(worker)


def test_the_api_has_a_time_limit_too_and_the_graph_answers_afterwards(built: BuildReport, store_home: Path) -> None:
    with kg.open_graph(store_home, timeout=1) as graph:
        graph.query("ASK { ?s ?p ?o }")
        worker = graph.store._worker.pid  # type: ignore[attr-defined]
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="stopped at the time limit of 1 s"):
            graph.query(CROSS_JOIN)
        assert time.monotonic() - started < 3
        assert not process_exists(worker)
        assert graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows == [(built.triples,)]


def test_the_worker_is_forked_alone_and_started_afresh_beside_threads(built: BuildReport, store_home: Path) -> None:
    from kg.store.worker import ForkedWorker, single_threaded

    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    if single_threaded():
        with kg.open_graph(store_home) as graph:
            assert graph.query(count).rows == [(built.triples,)]
            assert isinstance(graph.store._worker, ForkedWorker)  # type: ignore[attr-defined]
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with kg.open_graph(store_home) as graph:
            assert graph.query(count).rows == [(built.triples,)]
            worker = graph.store._worker  # type: ignore[attr-defined]
            assert isinstance(worker, subprocess.Popen)
        assert not process_exists(worker.pid)
    finally:
        stop.set()
        thread.join()


def test_a_huge_answer_is_refused_with_a_message_not_an_out_of_memory_crash(kg_env: dict[str, str]) -> None:
    result = run_kg("query", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", "--max-result-mb", "5", env=kg_env)
    assert result.returncode == 2
    assert result.stderr == (
        "kg query: error: query: the answer is larger than 5 MB (--max-result-mb); "
        "add a LIMIT to the query, or raise the limit\n"
    )


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_bad_limits_are_refused(value: str, kg_env: dict[str, str]) -> None:
    for option in ("--timeout", "--max-result-mb"):
        result = run_kg("query", "ASK {}", option, value, env=kg_env)
        assert result.returncode == 2
        assert result.stderr.strip().splitlines()[-1] == (
            f"kg query: error: argument {option}: a number above 0, got {value!r}"
        )
    with pytest.raises(KgError):
        kg.open_graph(timeout=float(value) if value != "soon" else -1)
