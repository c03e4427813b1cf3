"""The process that runs queries on the built store for :class:`~kg.store.embedded.EmbeddedStore`.

An Oxigraph evaluation cannot be interrupted from Python (Ctrl-C waits for it, and pyoxigraph
has no time limit), so the embedded store runs each query in this child process and kills it
at the time limit or on Ctrl-C: the work stops and the CPU is freed at once. The child opens
the database read-only, reads one request per line on standard input and answers on standard
output; it dies with its parent.

Request: one JSON line ``{"query": …, "max_bytes": …}``. Answer: one JSON line — ``{"kind":
"select"|"graph", "size": N}`` followed by N bytes (SPARQL results JSON, or N-Triples),
``{"kind": "ask", "boolean": …}``, or ``{"error": …, "syntax": bool}`` — an answer that would
pass ``max_bytes`` is an error, so no answer is ever held whole beyond that size. A database
that cannot be opened answers every request with ``{"error": …, "open": true}``.

:func:`start` forks this process from the caller when the caller is single-threaded (what
``kg query`` is): the child already has Python and pyoxigraph loaded, so it only opens the
database; a ``python -m kg.store.worker`` process started afresh spent half of ``kg query``'s
cold start starting Python and importing again. Otherwise (a notebook, a server: threads that
a fork would copy in whatever state they are in) it starts ``python -m kg.store.worker``.
"""

from __future__ import annotations

import io
import os
import sys

from kg.errors import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import IO, Any

    import pyoxigraph
    from typing_extensions import Buffer


class TooLarge(Exception):
    """The answer grew past the limit."""


class CappedBuffer(io.BytesIO):
    """A writable buffer that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int | None) -> None:
        super().__init__()
        self.limit = limit

    def write(self, data: Buffer, /) -> int:
        size = memoryview(data).nbytes
        if self.limit is not None and self.tell() + size > self.limit:
            raise TooLarge
        return super().write(data)


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (no orphan keeps computing)."""
    import signal

    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def answer(
    store: pyoxigraph.Store, query: str, max_bytes: int | None, prefixes: dict[str, str]
) -> tuple[dict[str, Any], bytes]:
    """Run ``query`` and return the answer's header and body."""
    import pyoxigraph

    try:
        result = store.query(query, prefixes=prefixes)
        if isinstance(result, pyoxigraph.QueryBoolean):
            return {"kind": "ask", "boolean": bool(result)}, b""
        buffer = CappedBuffer(max_bytes)
        if isinstance(result, pyoxigraph.QuerySolutions):
            result.serialize(buffer, format=pyoxigraph.QueryResultsFormat.JSON)
            kind = "select"
        else:
            result.serialize(buffer, format=pyoxigraph.RdfFormat.N_TRIPLES)
            kind = "graph"
    except SyntaxError as error:
        return {"error": str(error.msg if hasattr(error, "msg") else error), "syntax": True}, b""
    except TooLarge:
        return {"error": "too large"}, b""
    except (OSError, ValueError, RuntimeError) as error:
        if isinstance(error.__context__, TooLarge) or "TooLarge" in str(error):
            return {"error": "too large"}, b""
        return {"error": str(error) or type(error).__name__}, b""
    body = buffer.getvalue()
    return {"kind": kind, "size": len(body)}, body


def serve_requests(database: str, source: IO[bytes], sink: IO[bytes]) -> None:
    """Answer requests from ``source`` on ``sink`` until ``source`` ends."""
    import json

    import pyoxigraph

    from kg.namespaces import PREFIXES

    try:
        store: pyoxigraph.Store | None = pyoxigraph.Store.read_only(database)
        failure: dict[str, Any] = {}
    except (OSError, ValueError, RuntimeError) as error:
        store = None
        failure = {"error": str(error).splitlines()[0] if str(error) else type(error).__name__, "open": True}
    for line in source:
        request = json.loads(line)
        if store is None:
            header, body = failure, b""
        else:
            header, body = answer(store, request["query"], request.get("max_bytes"), PREFIXES)
        sink.write(json.dumps(header).encode() + b"\n" + body)
        sink.flush()


def end_with(life: int) -> None:
    """End this process when the file ``life`` (a pipe's reading end whose other end only the
    parent holds) ends, that is when the parent does, even in the middle of a query: a thread
    waits on it (:func:`die_with_parent` without ctypes, whose import was a tenth of a forked
    worker's start)."""
    import threading

    def wait() -> None:
        try:
            os.read(life, 1)
        finally:
            os._exit(0)

    threading.Thread(target=wait, name="kg-worker-parent", daemon=True).start()


def work(database: str, source: IO[bytes], sink: IO[bytes], parent: int | None = None, life: int | None = None) -> None:
    """Serve requests as the worker: Ctrl-C left to the parent, dead with the parent (through
    ``life``, see :func:`end_with`, else :func:`die_with_parent`; ``parent``: its process id,
    when the parent may have died before that was set up)."""
    import contextlib
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C stops
    if life is None:
        die_with_parent()
    else:
        end_with(life)
    if parent is not None and os.getppid() != parent:
        return
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        serve_requests(database, source, sink)


class ForkedWorker:
    """A worker forked from this process, with the part of :class:`subprocess.Popen` that
    :class:`~kg.store.embedded.EmbeddedStore` uses (``pid``, ``stdin``, ``stdout``, ``poll``,
    ``kill``, ``wait``)."""

    def __init__(self, pid: int, stdin: IO[bytes], stdout: IO[bytes], life: int) -> None:
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.returncode: int | None = None
        self.life: int | None = life  # the writing end of the worker's life pipe (see end_with)

    def _release(self) -> None:
        if self.life is not None:
            os.close(self.life)
            self.life = None

    def poll(self) -> int | None:
        """The exit status once the worker has ended, else None."""
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                self._release()
        return self.returncode

    def kill(self) -> None:
        """Kill the worker (its query stops at once)."""
        import contextlib
        import signal

        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        self._release()

    def wait(self) -> int:
        """Wait for the worker to end and return its exit status."""
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        self._release()
        return self.returncode

    def abandon(self) -> None:
        """Leave a killed worker to end on its own: it is reaped when the next worker starts."""
        if self.poll() is None:
            ABANDONED.append(self)


#: Killed forked workers not reaped yet (:func:`start` reaps those that have ended).
ABANDONED: list[ForkedWorker] = []


def single_threaded() -> bool:
    """Tell whether this process has one thread (Linux only: False where that cannot be read),
    the one state in which a fork without exec is safe."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def start(database: str, log: IO[bytes]) -> Any:
    """Start a worker on ``database`` with its messages to ``log``: forked when this process
    is single-threaded, else ``python -m kg.store.worker``. Returns a process object with
    ``pid``, ``stdin``, ``stdout``, ``poll``, ``kill`` and ``wait``."""
    if not single_threaded():
        import subprocess

        return subprocess.Popen(
            [sys.executable, "-m", "kg.store.worker", database],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            bufsize=0,
        )
    import pyoxigraph  # noqa: F401 - loaded once, before the fork, for both processes

    ABANDONED[:] = [worker for worker in ABANDONED if worker.poll() is None]

    requests, request_end = os.pipe()
    answer_end, answers = os.pipe()
    life_end, life = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child, which never returns (coverage does not follow it)
        import contextlib

        code = 0
        try:
            os.dup2(requests, 0)
            os.dup2(answers, 1)
            os.dup2(log.fileno(), 2)
            os.dup2(life_end, 3)
            os.closerange(4, 1 << 16)  # the parent's files (its build lock, its terminal) are its own
            with open(0, "rb", closefd=False) as source, open(1, "wb", buffering=0, closefd=False) as sink:
                work(database, source, sink, parent, life=3)
        except BaseException:  # the child reports and ends: it never returns to the caller
            import traceback

            with contextlib.suppress(BaseException):
                os.write(2, traceback.format_exc().encode())
            code = 1
        finally:
            os._exit(code)
    os.close(requests)
    os.close(answers)
    os.close(life_end)
    return ForkedWorker(pid, open(request_end, "wb", buffering=0), open(answer_end, "rb", buffering=0), life)


def main() -> None:
    """Run as ``python -m kg.store.worker DATABASE``."""
    work(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
