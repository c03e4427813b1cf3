"""The process that runs queries on the built store for :class:`~kg.store.embedded.EmbeddedStore`.

An Oxigraph evaluation cannot be interrupted from Python (Ctrl-C waits for it, and pyoxigraph
has no time limit), so the embedded store runs each query in this child process and kills it
at the time limit or on Ctrl-C: the work stops and the CPU is freed at once. The child opens
the database read-only, reads one request per line on standard input and answers on standard
output; it dies with its parent.

Request: one JSON line ``{"query": …, "max_bytes": …}``. Answer: one JSON line — ``{"kind":
"select"|"graph", "size": N}`` followed by N bytes (SPARQL results JSON, or N-Triples),
``{"kind": "ask", "boolean": …}``, or ``{"error": …, "syntax": bool}`` — an answer that would
pass ``max_bytes`` is an error, so no answer is ever held whole beyond that size.
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
import sys
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    import pyoxigraph

    from kg.namespaces import PREFIXES

    store = pyoxigraph.Store.read_only(database)
    for line in source:
        request = json.loads(line)
        header, body = answer(store, request["query"], request.get("max_bytes"), PREFIXES)
        sink.write(json.dumps(header).encode() + b"\n" + body)
        sink.flush()


def main() -> None:
    """Run as ``python -m kg.store.worker DATABASE``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C stops
    die_with_parent()
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        serve_requests(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
