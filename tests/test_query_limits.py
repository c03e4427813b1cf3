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


def thread_names(pid: int) -> dict[int, str]:
    """The threads of process ``pid``: id and name (/proc; the store's own are named ``rocksdb:…``,
    Python's inherit the process's name)."""
    names = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/comm", encoding="utf-8") as handle:
                names[int(task)] = handle.read().strip()
        except (FileNotFoundError, ProcessLookupError):  # the thread ended meanwhile
            continue
    return names


def query_threads(pid: int) -> list[int]:
    """The Python threads of process ``pid`` besides its main thread."""
    names = thread_names(pid)
    return [task for task, name in names.items() if task != pid and name == names.get(pid)]


def wait_for_query_thread(pid: int, within: float = 20) -> int:
    """Wait until `kg query` process ``pid`` computes its query: on a Python thread of its own
    that has used CPU (a thread of the store's is named like Python's until it renames itself,
    and then idles), never in another process; return the thread's id."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            computing = [thread for thread in query_threads(pid) if cpu_seconds(pid, thread) >= 0.1]
        except (FileNotFoundError, ProcessLookupError):
            break  # the process ended
        if computing:
            assert child_processes(pid) == []
            return computing[0]
        time.sleep(0.02)
    pytest.fail(f"process {pid} started no query thread within {within:g} s")


#: tgkill(2) by architecture: Python can signal a thread of its own process only.
TGKILL = {"x86_64": 234, "aarch64": 131}


def signal_thread(pid: int, thread: int, number: int) -> None:
    """Send signal ``number`` to one thread of process ``pid``, as the kernel may hand a
    process's signal to any of its threads."""
    import ctypes
    import platform

    if platform.machine() not in TGKILL:
        pytest.skip(f"tgkill's number on {platform.machine()} is not known here")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(TGKILL[platform.machine()], pid, thread, number) != 0:
        raise OSError(ctypes.get_errno(), f"tgkill {pid} {thread}")


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """The CPU time process ``pid`` (or only its thread ``thread``) has used: user and system,
    from /proc; 0 for a thread that has ended."""
    try:
        with open(
            f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat", encoding="ascii"
        ) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        if thread is None:
            raise
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_kg_query(env: dict[str, str], *options: str) -> subprocess.Popen[str]:
    """Start a `kg query` process computing :data:`CROSS_JOIN` (which runs for minutes)."""
    return subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "query", CROSS_JOIN, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_a_query_past_its_time_limit_stops_frees_the_cpu_and_exits_non_zero(kg_env: dict[str, str]) -> None:
    process = start_kg_query(kg_env, "--timeout", "2")
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
    process = start_kg_query(kg_env)
    wait_for_query_thread(process.pid)
    time.sleep(1)  # the query is computing now
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = process.communicate(timeout=30)
    assert time.monotonic() - sent < 1.5
    assert process.returncode == 130 and err == "kg query: interrupted\n"
    assert not process_exists(process.pid)


@pytest.mark.parametrize("receiver", ["the query's thread", "a thread of the store"])
def test_ctrl_c_handed_to_another_thread_than_the_main_one_stops_the_query_too(
    receiver: str, kg_env: dict[str, str]
) -> None:
    # Python handles signals on the main thread only; Linux gives a process's signal to another
    # thread whenever the main one blocks signals for an instant (starting a thread does). The
    # main thread's wait must still notice it, not sleep on until the time limit (60 s here).
    process = start_kg_query(kg_env)
    query_thread = wait_for_query_thread(process.pid)
    time.sleep(1)  # the main thread waits for the answer now
    threads = thread_names(process.pid)
    store_threads = [task for task, name in threads.items() if name.startswith("rocksdb")]
    assert store_threads, threads
    receiving = query_thread if receiver == "the query's thread" else store_threads[0]
    signal_thread(process.pid, receiving, signal.SIGINT)
    sent = time.monotonic()
    _, err = process.communicate(timeout=30)
    assert time.monotonic() - sent < 1.5
    assert process.returncode == 130 and err == "kg query: interrupted\n"


#: A Python process with a thread of its own (a notebook, a server) querying through the API,
#: which runs the query in a worker process; it prints the thread that Ctrl-C is to reach.
API_QUERY_BESIDE_A_THREAD = f"""
import sys, threading, kg
idle = threading.Thread(target=threading.Event().wait, daemon=True)
idle.start()
print(idle.native_id, flush=True)
try:
    kg.open_graph(sys.argv[1], timeout=None).query({CROSS_JOIN!r})
except KeyboardInterrupt:
    sys.exit("interrupted")
"""


def test_ctrl_c_handed_to_another_thread_stops_an_api_query_in_its_worker(store_home: Path, built: BuildReport) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", API_QUERY_BESIDE_A_THREAD, str(store_home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    idle = int(process.stdout.readline())
    worker = wait_for_child(process.pid)
    time.sleep(1)  # the query is computing now
    signal_thread(process.pid, idle, signal.SIGINT)
    sent = time.monotonic()
    _, err = process.communicate(timeout=30)
    assert time.monotonic() - sent < 1.5
    assert process.returncode == 1 and err == "interrupted\n"
    deadline = time.monotonic() + 5
    while process_exists(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_exists(worker)


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
