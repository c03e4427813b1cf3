"""The embedded store: an on-disk Oxigraph database written by ``kg build``.

The store home's layout, and the rules that keep builds and readers from stepping on each other,
are in :mod:`kg.store.builds`: ``current`` links to the build to read, and a reader holds that
build (a shared lock) for as long as it is open, so a rebuild never removes it under the reader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from kg.errors import TYPE_CHECKING, InputError, KgError, QuerySyntaxError, StoreMissingError
from kg.namespaces import PREFIXES
from kg.outbound import refuse_outbound
from kg.results import QueryResult, Term
from kg.sparql_text import is_update, undeclared_prefixes
from kg.store.base import SparqlStore, is_ordered
from kg.store.builds import BUILDS, CURRENT, DATABASE, MANIFEST, current_build, hold_current
from kg.terms import with_bindings

if TYPE_CHECKING:
    from typing import Any

    import pyoxigraph

__all__ = ["BUILDS", "CURRENT", "DATABASE", "MANIFEST", "EmbeddedStore", "OxigraphStore", "current_build"]

ERROR_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)


def read_manifest(home: Path) -> dict[str, Any]:
    """Return the manifest of the current build (inputs digest, counts, timings)."""
    import json

    return json.loads((current_build(home) / MANIFEST).read_text(encoding="utf-8"))


def syntax_error(error: SyntaxError, source: str | None, query: str = "") -> QuerySyntaxError:
    """Turn Oxigraph's SPARQL syntax error into a one-line error with line and column.

    A prefix that is neither declared nor one of kg's is named as such, instead of the
    parser's list of the characters it expected.
    """
    message = str(error.msg if hasattr(error, "msg") else error)
    where = source or "query"
    if "Prefix not found" in message and (unknown := undeclared_prefixes(query, known=frozenset(PREFIXES))):
        return QuerySyntaxError(
            f"unknown prefix {unknown[0]}: (declare it with PREFIX, or use one of kg's: "
            f"{', '.join(f'{name}:' for name in PREFIXES)})",
            path=where,
        )
    message = " ".join(message.split())
    if len(message) > 300:
        message = message[:300] + " …"
    if match := ERROR_POSITION.match(message):
        line, column, expected = match.groups()
        return QuerySyntaxError(f"SPARQL syntax error at column {column}: {expected}", path=where, line=int(line))
    return QuerySyntaxError(f"SPARQL syntax error: {message}", path=where)


def check_query(query: str, where: str) -> None:
    """Refuse what a query on the built store must not do: update it, or contact another server."""
    if is_update(query):
        raise InputError(
            "updates are not accepted: kg reads the built store only; change the files in graph/ and run `kg build`",
            path=where,
        )
    refuse_outbound(query, where=where)


class OxigraphStore(SparqlStore):
    """Any pyoxigraph store, in memory or on disk, behind the :class:`SparqlStore` contract."""

    def __init__(self, store: pyoxigraph.Store, location: str = "memory") -> None:
        self._store: pyoxigraph.Store | None = store
        self.location = location

    @property
    def store(self) -> pyoxigraph.Store:
        """The pyoxigraph store; once :meth:`close` has released it, a :class:`~kg.errors.KgError`."""
        if self._store is None:
            raise KgError(f"{self.location}: the store is closed")
        return self._store

    @store.setter
    def store(self, value: pyoxigraph.Store | None) -> None:
        self._store = value

    def execute(
        self, query: str, *, bindings: Mapping[str, Term] | None = None, source: str | None = None
    ) -> QueryResult:
        """Run a query on the store; see :meth:`SparqlStore.execute`."""
        check_query(query, source or "query")
        try:
            answer = self.store.query(with_bindings(query, bindings), prefixes=PREFIXES)
        except SyntaxError as error:
            raise syntax_error(error, source, query) from None
        except (OSError, ValueError, RuntimeError) as error:
            raise KgError(f"{source or 'query'}: query failed: {error}") from None
        return QueryResult.from_oxigraph(answer, ordered=is_ordered(query))

    def close(self) -> None:
        """Release the database."""
        self.store = None


#: Seconds a query on the built store may run before it is stopped (``kg query --timeout``).
DEFAULT_TIMEOUT = 60.0
#: The largest answer a query on the built store may give, in MB (``kg query --max-result-mb``).
DEFAULT_MAX_RESULT_MB = 100.0
#: The longest a wait for an answer blocks at a time. Python runs a signal handler only in the
#: main thread, and Linux may hand Ctrl-C to any thread of the process (the store's own, the
#: query's, or any while the main thread briefly blocks signals, as in starting a thread): the
#: main thread's wait is then not interrupted, and Ctrl-C would wait for the time limit.
WAKE_SECONDS = 0.1


class QueryTimeout(KgError):
    """A query ran past its time limit and was stopped."""


class EmbeddedStore(OxigraphStore):
    """The built Oxigraph store, opened read-only so that several readers can share it.

    Queries run in a child process (:mod:`kg.store.worker`) that is killed when a query passes
    ``timeout`` seconds or the user presses Ctrl-C, so the work really stops; an answer larger
    than ``max_result_mb`` is refused with a message instead of filling the memory.

    With ``in_process``, for a process that ends once its query is answered or stopped (the
    ``kg query`` program, :func:`kg.cli.console`), queries run on a thread of this process
    instead: the time limit and Ctrl-C stop the waiting, with the same errors, and ending the
    process stops the work (a query left computing keeps its CPU until then). Starting the
    worker was a tenth of ``kg query``'s cold start.

    >>> import tempfile
    >>> from kg.build import Sources, build
    >>> from kg.paths import project_home
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     report = build(sources=Sources.of(project_home()), store=Path(folder), validate=False)
    ...     with EmbeddedStore(Path(folder)) as store:
    ...         store.execute("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows == [(report.triples,)]
    True
    """

    def __init__(
        self,
        home: Path,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_result_mb: float | None = DEFAULT_MAX_RESULT_MB,
        in_process: bool = False,
    ) -> None:
        import _thread  # threading's Lock without threading's import
        import math

        if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
            raise InputError(f"the time limit is a number of seconds above 0, got {timeout!r}")
        if max_result_mb is not None and not (math.isfinite(max_result_mb) and max_result_mb > 0):
            raise InputError(f"the answer size limit is a number of MB above 0, got {max_result_mb!r}")
        self.timeout = timeout
        self.max_bytes = int(max_result_mb * 1_000_000) if max_result_mb else None
        self._hold = None
        self._worker: Any = None
        self._worker_log: Any = None
        self._lock = _thread.allocate_lock()
        self.in_process = in_process
        self.home = Path(home)
        if self.home.exists() and not self.home.is_dir():
            raise StoreMissingError(
                f"{self.home} is not a store folder: name the folder a build writes "
                "(the kg commands: --store or KG_STORE, default .kg)"
            )
        self.build, self._hold = hold_current(self.home)
        self._store: pyoxigraph.Store | None = None
        self._closed = False
        self.location = str(self.home)

    @property
    def store(self) -> pyoxigraph.Store:
        """The database, opened read-only in this process at first use (queries run in the
        worker, which opens its own, so ``kg query`` opens it once: opening is most of a small
        query's time); once :meth:`close` has released it, a :class:`~kg.errors.KgError`."""
        if self._closed:
            raise KgError(f"{self.location}: the store is closed")
        if self._store is None:
            import pyoxigraph

            try:
                self._store = pyoxigraph.Store.read_only(str(self.build / DATABASE))
            except (OSError, ValueError, RuntimeError) as error:
                raise self._cannot_open(str(error).splitlines()[0] if str(error) else type(error).__name__) from None
        return self._store

    @store.setter
    def store(self, value: pyoxigraph.Store | None) -> None:
        self._store = value
        self._closed = value is None

    def _cannot_open(self, reason: str) -> KgError:
        return KgError(f"cannot open the store in {self.build}: {reason}; run `kg build --force` to rebuild it")

    def execute(
        self, query: str, *, bindings: Mapping[str, Term] | None = None, source: str | None = None
    ) -> QueryResult:
        """Run a query in the worker process; see :meth:`SparqlStore.execute`.

        Raises :class:`QueryTimeout` at the time limit; Ctrl-C stops the query at once.
        """
        where = source or "query"
        check_query(query, where)
        text = with_bindings(query, bindings)
        with self._lock:
            header, body = self._ask_here(text, where) if self.in_process else self._ask(text, where)
        if "error" in header:
            if header.get("open"):
                raise self._cannot_open(header["error"])
            if header.get("syntax"):
                raise syntax_error(SyntaxError(header["error"]), source, query)
            if header["error"] == "too large" and self.max_bytes is not None:
                raise KgError(
                    f"{where}: the answer is larger than {self.max_bytes / 1_000_000:g} MB "
                    "(--max-result-mb); add a LIMIT to the query, or raise the limit"
                )
            raise KgError(f"{where}: query failed: {header['error']}")
        ordered = is_ordered(query)
        if header["kind"] == "ask":
            return QueryResult(boolean=bool(header["boolean"]))
        if header["kind"] == "graph":
            return QueryResult(graph=body)
        return QueryResult.from_results_json(body, ordered=ordered)

    def _start_worker(self) -> Any:
        import os

        from kg.store.worker import start

        if hasattr(os, "memfd_create"):  # a file in memory, without tempfile's imports
            self._worker_log = open(os.memfd_create("kg-worker-log"), "w+b")  # noqa: SIM115 - closed with the worker
        else:  # pragma: no cover - not Linux
            import tempfile

            self._worker_log = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the worker
        self._worker = start(str(self.build / DATABASE), self._worker_log)
        return self._worker

    def _ask(self, text: str, where: str) -> tuple[dict[str, Any], bytes]:
        import json
        import time

        worker = self._worker if self._worker is not None and self._worker.poll() is None else self._start_worker()
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        try:
            worker.stdin.write(json.dumps({"query": text, "max_bytes": self.max_bytes}).encode() + b"\n")
            header = json.loads(self._read(worker, None, deadline, where))
            body = self._read(worker, int(header.get("size", 0)), deadline, where) if "size" in header else b""
        except BaseException:
            self._stop_worker()
            raise
        return header, body

    def _ask_here(self, text: str, where: str) -> tuple[dict[str, Any], bytes]:
        """Answer on a thread of this process (``in_process``), waiting until the time limit."""
        import _thread
        import time

        from kg.store.worker import answer

        store = self.store
        done = _thread.allocate_lock()
        done.acquire()
        reply: list[Any] = []

        def run() -> None:
            try:
                reply.append(answer(store, text, self.max_bytes, PREFIXES))
            except BaseException as error:  # raised again by the waiting thread
                reply.append(error)
            finally:
                done.release()

        _thread.start_new_thread(run, ())
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while not done.acquire(timeout=WAKE_SECONDS):  # between waits, Python handles Ctrl-C
            if deadline is not None and time.monotonic() >= deadline:
                raise self._timed_out(where)
        if isinstance(reply[0], BaseException):
            raise reply[0]
        return reply[0]

    def _timed_out(self, where: str) -> QueryTimeout:
        return QueryTimeout(
            f"{where}: stopped at the time limit of {self.timeout:g} s (--timeout); "
            "make the query cheaper (a LIMIT, fewer cross joins) or raise the limit"
        )

    def _read(self, worker: Any, size: int | None, deadline: float | None, where: str) -> bytes:
        """Read a line (``size`` None) or ``size`` bytes from the worker, before ``deadline``."""
        import os
        import select
        import time

        chunks: list[bytes] = []
        got = 0
        descriptor = worker.stdout.fileno()
        while True:
            if size is None and chunks and chunks[-1].endswith(b"\n"):
                break
            if size is not None and got >= size:
                break
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise self._timed_out(where)
            ready, _, _ = select.select([descriptor], [], [], WAKE_SECONDS if left is None else min(left, WAKE_SECONDS))
            if not ready:
                continue
            want = 1 if size is None else min(size - got, 1 << 20)
            chunk = os.read(descriptor, want) if size is not None else os.read(descriptor, 1)
            if not chunk:
                raise KgError(f"{where}: the query process ended unexpectedly: {self._worker_message()}")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _worker_message(self) -> str:
        if self._worker_log is None:
            return "no message"
        self._worker_log.seek(0)
        lines = [line for line in self._worker_log.read().decode("utf-8", "replace").splitlines() if line.strip()]
        return lines[-1] if lines else "no message"

    def _stop_worker(self, *, wait: bool = True) -> None:
        """Kill the worker; without ``wait``, a forked worker is reaped later (its end, which
        frees the database's memory, took a tenth of ``kg query``'s start)."""
        worker, self._worker = self._worker, None
        if worker is not None:
            if worker.poll() is None:
                worker.kill()
            if wait or not hasattr(worker, "abandon"):
                worker.wait()
            else:
                worker.abandon()
            for stream in (worker.stdin, worker.stdout):
                if stream is not None:
                    stream.close()
        if self._worker_log is not None:
            self._worker_log.close()
            self._worker_log = None

    def close(self) -> None:
        """Stop the worker, release the database and the build it reads (a later build may remove it)."""
        self._stop_worker(wait=False)
        super().close()
        if self._hold is not None:
            self._hold.close()
            self._hold = None
