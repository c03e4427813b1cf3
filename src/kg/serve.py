"""Serve the built graph over the SPARQL 1.1 Protocol with Oxigraph's own HTTP server.

``kg serve`` runs the ``oxigraph`` server that the ``oxigraph`` package installs, on the store
``kg build`` wrote: ``oxigraph serve-read-only`` by default (updates get HTTP 403), or, with
``writable``, ``oxigraph serve`` on an in-memory copy that the built store is pushed into
(changes are lost when the server stops; the built store is never written).

Oxigraph provides the protocol, content negotiation, the graph store protocol, a query UI and a
time limit per query (``--timeout-s``, whole seconds, checked cooperatively by its evaluator).
It has no limit on the size of an answer, so when ``max_result_bytes`` is set, kg puts a small
relay in front of it (:class:`ResultLimit`, the standard library's HTTP server) that passes
requests through untouched and cuts an answer that grows past the limit, appending a line
that says so — the way Oxigraph itself ends an answer it stopped at its time limit.

>>> with serve(port=0) as service:                  # doctest: +SKIP
...     print(service.query_url)
http://127.0.0.1:41234/query
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from kg.errors import KgError

if TYPE_CHECKING:
    import subprocess
    from http.server import ThreadingHTTPServer

# http.server, subprocess and friends are imported where they are used: `kg --help` and every
# other command import this module's defaults, and should start fast

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30
DEFAULT_MAX_RESULT_MB = 32.0
#: How long a started server may take to accept connections.
STARTUP_SECONDS = 15.0
#: Headers that belong to one connection, not to the request or answer the relay passes on (the
#: relay reads a request's whole body before forwarding it, so `Expect: 100-continue` is spent).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "expect",
    }
)
EXAMPLE_QUERY = "SELECT ?class (COUNT(?x) AS ?n) WHERE { ?x a ?class } GROUP BY ?class ORDER BY DESC(?n) LIMIT 5"


def oxigraph_executable() -> str:
    """Return the path of the ``oxigraph`` server installed by the ``oxigraph`` package."""
    import shutil
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        files = distribution("oxigraph").files or []
    except PackageNotFoundError:
        files = []
    for file in files:
        if file.name in ("oxigraph", "oxigraph.exe") and file.parent.name in ("bin", "Scripts"):
            return str(Path(str(file.locate())).resolve())
    found = shutil.which("oxigraph")
    if found is None:
        raise KgError("the `oxigraph` server is not installed; run `pip install oxigraph`")
    return found


def free_port(host: str = DEFAULT_HOST) -> int:
    """Return a TCP port on ``host`` that nothing listens on right now.

    >>> 0 < free_port() < 65536
    True
    """
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def url_host(host: str) -> str:
    """Return ``host`` as written in a URL (IPv6 addresses in brackets), reachable when it is a wildcard.

    >>> url_host("::1"), url_host("0.0.0.0")
    ('[::1]', '127.0.0.1')
    """
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class OxigraphServer:
    """One ``oxigraph serve`` process on ``host:port``, started with a bounded wait and stopped by its PID.

    ``location`` is an Oxigraph database folder served read-only, or None for an empty,
    writable in-memory store. ``timeout`` is Oxigraph's per-query time limit in seconds.
    """

    def __init__(
        self, location: Path | None = None, *, host: str = DEFAULT_HOST, port: int = 0, timeout: int | None = None
    ) -> None:
        self.location = location
        self.host = host
        self.port = port or free_port(host)
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's base URL (``/query``, ``/update`` and ``/store`` lie under it)."""
        return f"http://{url_host(self.host)}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The server process's id while it runs."""
        return self.process.pid if self.process else None

    def command(self) -> list[str]:
        """Return the command line that starts the server."""
        mode = ["serve"] if self.location is None else ["serve-read-only", "--location", str(self.location)]
        limit = ["--timeout-s", str(self.timeout)] if self.timeout else []
        bind = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        return [oxigraph_executable(), *mode, "--bind", bind, *limit]

    def start(self, *, within: float = STARTUP_SECONDS) -> OxigraphServer:
        """Start the server and wait until it accepts connections, at most ``within`` seconds."""
        import socket
        import subprocess
        import tempfile

        # the server's output goes to a file, which cannot fill up and block it as a pipe would
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + within
        while True:
            if self.process.poll() is not None:
                output = self.output()
                self.stop()
                raise KgError(f"the oxigraph server did not start on {self.host}:{self.port}: {output or 'no message'}")
            try:
                with socket.create_connection((url_host(self.host).strip("[]"), self.port), timeout=0.5):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise KgError(
                        f"the oxigraph server did not answer on {self.host}:{self.port} within {within:g} s"
                    ) from None
                time.sleep(0.05)

    def output(self) -> str:
        """Return the last line the server printed (its error, when it failed)."""
        if self._log is None:
            return ""
        self._log.seek(0)
        lines = [line.strip() for line in self._log.read().decode("utf-8", "replace").splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def stop(self, *, grace: float = 5.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL after ``grace`` seconds) and wait for it to exit."""
        import subprocess

        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(grace)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> OxigraphServer:
        return self.start() if self.process is None else self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def relay_server(
    address: tuple[str, int], *, upstream: tuple[str, int], max_bytes: int, read_timeout: float | None
) -> ThreadingHTTPServer:
    """Return an HTTP server on ``address`` that passes each request to ``upstream`` unchanged and
    streams the answer back, cut at ``max_bytes``."""
    import http.client
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class RelayHandler(BaseHTTPRequestHandler):
        # the answer is streamed without a length, so the connection's end marks the answer's end
        protocol_version = "HTTP/1.0"

        def relay(self) -> None:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                self.send_error(411, "kg serve needs a Content-Length on request bodies")
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
            connection = http.client.HTTPConnection(*upstream, timeout=read_timeout)
            try:
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    response = connection.getresponse()
                except (OSError, http.client.HTTPException) as error:
                    self.send_error(502, f"the oxigraph server did not answer: {error}")
                    return
                self.send_response(response.status, response.reason)
                for name, value in response.getheaders():
                    if name.lower() not in HOP_BY_HOP and name.lower() not in ("server", "date"):
                        self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.copy(response)
            finally:
                connection.close()

        def copy(self, response: http.client.HTTPResponse) -> None:
            sent = 0
            try:
                while chunk := response.read1(65536):
                    if sent + len(chunk) > max_bytes:
                        self.wfile.write(chunk[: max_bytes - sent])
                        self.wfile.write(
                            f"\nAnswer cut by kg serve at {max_bytes} bytes (--max-result-mb "
                            f"{max_bytes / 1_000_000:g}); add a LIMIT to the query\n".encode()
                        )
                        return
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except TimeoutError:
                self.wfile.write(b"\nAnswer cut by kg serve: the oxigraph server stopped sending\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client went away; closing the upstream connection stops Oxigraph's work

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = relay

        def log_message(self, format: str, *args: Any) -> None:
            """Keep quiet: Oxigraph does not log requests either."""

    import socket

    class RelayServer(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        daemon_threads = True

    return RelayServer(address, RelayHandler)


class ResultLimit:
    """A relay on ``host:port`` in front of the server at ``upstream`` that cuts answers at ``max_bytes``."""

    def __init__(
        self, upstream: tuple[str, int], *, host: str, port: int, max_bytes: int, read_timeout: float | None = None
    ) -> None:
        import threading

        try:
            self.server = relay_server(
                (host.strip("[]"), port), upstream=upstream, max_bytes=max_bytes, read_timeout=read_timeout
            )
        except OSError as error:
            raise KgError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
        self.host = host
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, name="kg-serve-relay", daemon=True)

    def start(self) -> ResultLimit:
        """Start relaying in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop relaying and release the port."""
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()


@dataclass
class Service:
    """What :func:`serve` started: the URLs, what is served and the limits."""

    url: str
    build: Path
    triples: int
    writable: bool
    timeout: int
    max_result_bytes: int | None
    server: OxigraphServer
    relay: ResultLimit | None = field(default=None, repr=False)

    @property
    def query_url(self) -> str:
        """The SPARQL 1.1 query endpoint."""
        return f"{self.url}/query"

    @property
    def update_url(self) -> str:
        """The SPARQL 1.1 update endpoint (refused unless writable)."""
        return f"{self.url}/update"

    @property
    def store_url(self) -> str:
        """The SPARQL 1.1 graph store endpoint (read-only unless writable)."""
        return f"{self.url}/store"

    def banner(self) -> str:
        """Return what ``kg serve`` prints: where to send queries and an example to copy."""
        import shlex

        mode = "writable in-memory copy of" if self.writable else "read-only"
        limit = self.max_result_bytes
        size = f"answers are cut at {limit / 1_000_000:g} MB" if limit else "answers are not limited"
        curl = shlex.join(
            ["curl", "-s", self.query_url, "-H", "Accept: text/csv", "--data-urlencode", f"query={EXAMPLE_QUERY}"]
        )
        return "\n".join(
            [
                f"serving {self.triples} triples ({mode} {self.build}) at {self.url}/",
                f"  query endpoint  {self.query_url}",
                f"  graph store     {self.store_url}" + ("" if self.writable else " (read)"),
                f"  update          {self.update_url}" + ("" if self.writable else " (refused: read-only)"),
                f"  limits          queries stop after {self.timeout} s; {size}",
                "try:",
                f"  {curl}",
                f"  kg query --endpoint {self.query_url} 'SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }}'",
                "Press Ctrl-C to stop.",
            ]
        )

    def wait(self) -> None:
        """Block until the server stops; raise KgError if it stops by itself."""
        process = self.server.process
        if process is None:
            return
        code = process.wait()
        output = self.server.output() or "no message"
        raise KgError(f"the oxigraph server stopped by itself (exit code {code}): {output}")

    def stop(self) -> None:
        """Stop the relay and the server."""
        if self.relay is not None:
            self.relay.stop()
        self.server.stop()

    def __enter__(self) -> Service:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def serve(
    store: str | Path | None = None,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    timeout: int = DEFAULT_TIMEOUT,
    max_result_mb: float | None = DEFAULT_MAX_RESULT_MB,
    writable: bool = False,
) -> Service:
    """Start serving the built store (``store`` folder, default ``KG_STORE``) and return the service.

    ``port`` 0 picks a free port. ``max_result_mb`` None or 0 serves Oxigraph directly, with no
    limit on answer size. The caller stops the service (it is a context manager).
    """
    from kg.paths import store_home
    from kg.store.embedded import DATABASE, current_build, read_manifest

    home = Path(store) if store is not None else store_home()
    build = current_build(home)
    manifest = read_manifest(home)
    triples = int(manifest.get("asserted_triples", 0)) + int(manifest.get("inferred_triples", 0))
    if timeout < 1:
        raise KgError("the query time limit is in whole seconds, at least 1")
    if max_result_mb is not None and max_result_mb < 0:
        raise KgError("the answer size limit cannot be negative (0 turns it off)")
    max_bytes = int(max_result_mb * 1_000_000) if max_result_mb else None
    relay = None
    if max_bytes:
        # the relay takes the public address first, so a port in use is reported before anything starts
        server = OxigraphServer(None if writable else build / DATABASE, host="127.0.0.1", timeout=timeout)
        relay = ResultLimit(
            ("127.0.0.1", server.port), host=host, port=port, max_bytes=max_bytes, read_timeout=timeout + 30.0
        )
        public = f"http://{url_host(host)}:{relay.port}"
    else:
        server = OxigraphServer(None if writable else build / DATABASE, host=host, port=port, timeout=timeout)
        public = server.url
    try:
        server.start()
        if writable:
            from kg.push import push

            push(f"{server.url}/store", store=home)
        if relay is not None:
            relay.start()
    except BaseException:
        if relay is not None:
            relay.stop()
        server.stop()
        raise
    return Service(public, build, triples, writable, timeout, max_bytes, server, relay)
