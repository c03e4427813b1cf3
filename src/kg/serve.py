"""Serve the built graph over the SPARQL 1.1 Protocol with Oxigraph's own HTTP server.

``kg serve`` runs the ``oxigraph`` server that the ``oxigraph`` package installs, on the store
``kg build`` wrote: ``oxigraph serve-read-only`` by default (updates get HTTP 403), or, with
``writable``, ``oxigraph serve`` on a temporary copy of the build made with the store's own
backup (:func:`copy_build`; changes are lost when the server stops; the built store is never
written).

Oxigraph provides the protocol, content negotiation, the graph store protocol, YASGUI and a
time limit per query (``--timeout-s``, checked cooperatively by its evaluator). It listens on a
random port of 127.0.0.1; kg's relay (:class:`Relay`, the standard library's threaded HTTP
server with a deep listen queue) takes the public address and, for every request:

* refuses what would make Oxigraph contact another server (``SERVICE``, ``LOAD``: HTTP 400),
  pages of other web origins and other host names (HTTP 403, unless ``allow_origins``);
* serves kg's query page at ``/`` (YASGUI with kg's prefixes and named queries);
* passes the rest through unchanged and streams the answer back, cut at ``max_result_bytes``;
* stops a query that runs past the time limit by restarting Oxigraph (:class:`Backend`), the
  only way to stop an evaluation that never checks the limit, and answers HTTP 503 naming it.

The build served is held (:func:`kg.store.builds.hold`) until the service stops. docs/serving.md
says what each promise means and which test shows it.

>>> import tempfile, kg
>>> from kg.build import Sources, build
>>> from kg.paths import project_home
>>> with tempfile.TemporaryDirectory() as folder:
...     _ = build(sources=Sources.of(project_home()), store=Path(folder), validate=False)
...     with serve(Path(folder), port=0, writable=True) as service:
...         print(service.query_url)
...         with kg.open_graph(endpoint=service.query_url) as graph:
...             graph.query("ASK { kgr:actor-blacktech a kg:ThreatActor }").boolean
http://127.0.0.1:.../query
True
"""

from __future__ import annotations

import os
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

    ``location`` is an Oxigraph database folder, served read-only unless ``writable``, or None
    for an empty, writable in-memory store. ``timeout`` is Oxigraph's per-query time limit in seconds.
    """

    def __init__(
        self,
        location: Path | None = None,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        timeout: int | None = None,
        writable: bool = False,
    ) -> None:
        self.location = location
        self.writable = writable or location is None
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
        mode = ["serve" if self.writable else "serve-read-only"]
        if self.location is not None:
            mode += ["--location", str(self.location)]
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


#: Seconds past the time limit before kg serve stops Oxigraph itself: its own limit is checked
#: cooperatively and some evaluations (a COUNT over a cross join) never look at it.
GRACE_SECONDS = 2.0
#: The largest request body the relay reads (a query or an update, not a data upload).
MAX_REQUEST_BYTES = 16_000_000
#: Connections the relay's listening socket queues before the threads accept them.
LISTEN_BACKLOG = 1024
#: Requests the relay passes to Oxigraph at once (the others wait, their time limit not started).
BACKEND_SLOTS = max(4, 2 * (os.cpu_count() or 1))
#: How long a request may wait for a slot before the relay answers that it is busy.
QUEUE_SECONDS = 120.0
#: The security policy of kg's query page: its scripts and styles come from this server only
#: (YASGUI, as Oxigraph ships it), and it sends queries nowhere else.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
STATIC = Path(__file__).parent / "serve_static"
#: Where Oxigraph answers queries and serves graphs: the answers the size limit applies to.
ANSWER_PATHS = ("/query", "/sparql", "/store", "/update")


def copy_build(database: Path, target: Path) -> Path:
    """Copy the Oxigraph database folder ``database`` into the new folder ``target`` with the
    store's own backup (hard links where both lie on one file system), and return ``target``.

    >>> import tempfile
    >>> import pyoxigraph as ox
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     store = ox.Store(f"{folder}/db")
    ...     store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal(1)))
    ...     store.flush(); del store
    ...     len(ox.Store(str(copy_build(Path(folder) / "db", Path(folder) / "copy"))))
    1
    """
    import pyoxigraph

    source = pyoxigraph.Store.read_only(str(database))
    try:
        source.backup(str(target))
    except OSError as error:
        raise KgError(f"cannot copy the build for --writable into {target}: {error}") from None
    finally:
        del source
    return target


class Backend:
    """The Oxigraph server behind the relay, restarted when a query overruns the time limit.

    Killing the process is the only way to stop an evaluation that does not check Oxigraph's own
    time limit; every request remembers which generation of the server it went to, so that one
    overrun restarts the server once however many requests notice it. A ``writable`` backend
    serves a temporary copy of ``location`` (:func:`copy_build`), made afresh at every start and
    removed at stop.
    """

    def __init__(self, location: Path, *, timeout: int, writable: bool = False) -> None:
        import threading

        self.location = location
        self.timeout = timeout
        self.writable = writable
        self.copy: Path | None = None
        self.generation = 0
        self.lock = threading.Lock()
        self.server = OxigraphServer(location, host="127.0.0.1", timeout=timeout)

    def start(self) -> None:
        """Start the server (on a fresh copy of the build, when writable)."""
        if self.writable:
            import tempfile

            self._remove_copy()
            self.copy = Path(tempfile.mkdtemp(prefix="kg-serve-"))
            database = copy_build(self.location, self.copy / "database")
            self.server = OxigraphServer(database, host="127.0.0.1", timeout=self.timeout, writable=True)
        self.server.start()

    def _remove_copy(self) -> None:
        import shutil

        if self.copy is not None:
            shutil.rmtree(self.copy, ignore_errors=True)
            self.copy = None

    def current(self) -> tuple[int, tuple[str, int]]:
        """Return the generation and address of the running server (waiting while it restarts)."""
        with self.lock:
            return self.generation, ("127.0.0.1", self.server.port)

    def overrun(self, generation: int) -> None:
        """Stop the server that ran an overrunning query, freeing its CPU, and start a fresh one."""
        with self.lock:
            if generation != self.generation:
                return  # another request restarted it already
            self.server.stop(grace=0)
            self.server = OxigraphServer(self.location, host="127.0.0.1", timeout=self.timeout)
            self.start()
            self.generation += 1

    def stop(self) -> None:
        """Stop the server (and remove the writable copy)."""
        with self.lock:
            self.server.stop()
            self._remove_copy()


def sparql_texts(method: str, target: str, content_type: str, body: bytes) -> list[tuple[str, bool]]:
    """Return the SPARQL operations a request carries, as ``(text, is_update)`` pairs.

    >>> sparql_texts("GET", "/query?query=ASK%7B%7D", "", b"")
    [('ASK{}', False)]
    >>> sparql_texts("POST", "/update", "application/sparql-update", b"LOAD <http://x/>")
    [('LOAD <http://x/>', True)]
    """
    import urllib.parse

    fields = urllib.parse.parse_qsl(urllib.parse.urlsplit(target).query, keep_blank_values=True)
    media = content_type.split(";")[0].strip().lower()
    if method == "POST":
        if media == "application/x-www-form-urlencoded":
            fields += urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        elif media == "application/sparql-query":
            fields.append(("query", body.decode("utf-8", "replace")))
        elif media == "application/sparql-update":
            fields.append(("update", body.decode("utf-8", "replace")))
    return [(value, name == "update") for name, value in fields if name in ("query", "update")]


@dataclass
class Policy:
    """Who may use the server: the host names it answers to and the web origins allowed to drive it."""

    hosts: frozenset[str] | None
    origins: frozenset[str] = frozenset()

    def refusal(self, headers: Any) -> str | None:
        """Return why a request is refused, or None when it may go on.

        A request whose ``Host`` is not one of the server's names is refused (a web page whose
        name was re-pointed to 127.0.0.1, "DNS rebinding"), and so is one that a browser sends
        for a page of another origin (``Origin`` or ``Sec-Fetch-Site`` says so) unless that origin
        was allowed with ``--allow-origin``.
        """
        host = (headers.get("Host") or "").strip().lower()
        if self.hosts is not None and host not in self.hosts:
            return f"requests for host {host or '(none)'!r} are refused: use {sorted(self.hosts)[0]}"
        origin = headers.get("Origin")
        site = (headers.get("Sec-Fetch-Site") or "").lower()
        own = f"http://{host}"
        if origin is not None and origin != own and origin not in self.origins:
            return (
                f"requests from web pages of other origins are refused (Origin: {origin}); "
                f"start kg serve with --allow-origin {origin} to allow that origin"
            )
        if origin is None and site in ("cross-site", "same-site"):
            return (
                "requests from web pages of other sites are refused; "
                "start kg serve with --allow-origin ORIGIN to allow one"
            )
        return None


def page_files(queries_folder: Path | None) -> dict[str, tuple[str, bytes]]:
    """Return kg's query page and its data, by path: (media type, content)."""
    import json

    from kg.namespaces import PREFIXES
    from kg.queries import catalog

    try:
        named = catalog(queries_folder) if queries_folder is not None else {}
    except KgError:
        named = {}
    queries = [
        {
            "name": query.name,
            "kind": query.kind,
            "question_en": query.question_en,
            "question_ja": query.question_ja,
            "text": query.text,
        }
        for query in named.values()
    ]
    data = json.dumps({"prefixes": PREFIXES, "queries": queries}, ensure_ascii=False).encode()
    page = (STATIC / "query.html").read_bytes()
    script = (STATIC / "query.js").read_bytes()
    return {
        "/": ("text/html; charset=utf-8", page),
        "/index.html": ("text/html; charset=utf-8", page),
        "/kg/query.js": ("text/javascript; charset=utf-8", script),
        "/kg/queries.json": ("application/json", data),
    }


def relay_server(
    address: tuple[str, int],
    *,
    backend: Backend,
    max_bytes: int | None,
    timeout: int,
    policy: Policy,
    pages: dict[str, tuple[str, bytes]],
) -> ThreadingHTTPServer:
    """Return an HTTP server on ``address`` that checks each request, passes it to ``backend``
    and streams the answer back, cut at ``max_bytes`` (None: no cut) and at the time limit."""
    import http.client
    import socket
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from kg.outbound import outbound_keywords

    slots = threading.BoundedSemaphore(BACKEND_SLOTS)

    class RelayHandler(BaseHTTPRequestHandler):
        # the answer is streamed without a length, so the connection's end marks the answer's end
        protocol_version = "HTTP/1.0"

        def plain(self, status: int, message: str, extra: dict[str, str] | None = None) -> None:
            """Answer with a one-line text/plain message, as SPARQL protocol errors are."""
            body = (message + "\n").encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def cross_origin_headers(self) -> dict[str, str]:
            origin = self.headers.get("Origin")
            if origin is not None and origin in policy.origins:
                return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
            return {"Vary": "Origin"} if policy.origins else {}

        def relay(self) -> None:
            if reason := policy.refusal(self.headers):
                self.plain(403, f"kg serve: {reason}")
                return
            if self.command == "OPTIONS" and self.headers.get("Access-Control-Request-Method"):
                self.plain(
                    204 if self.headers.get("Origin") in policy.origins else 403,
                    "",
                    {
                        **self.cross_origin_headers(),
                        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                        "Access-Control-Allow-Headers": "Accept, Content-Type",
                        "Access-Control-Max-Age": "600",
                    },
                )
                return
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                self.plain(411, "kg serve needs a Content-Length on request bodies")
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_REQUEST_BYTES:
                self.plain(
                    413 if length > 0 else 400,
                    f"kg serve reads request bodies of at most {MAX_REQUEST_BYTES} bytes, with a valid Content-Length",
                )
                return
            body = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            if self.command in ("GET", "HEAD") and path in pages:
                media, content = pages[path]
                self.send_response(200)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(content)))
                self.send_header("Content-Security-Policy", PAGE_POLICY)
                self.send_header("X-Content-Type-Options", "nosniff")
                self.end_headers()
                if self.command == "GET":
                    self.wfile.write(content)
                return
            operations = sparql_texts(self.command, self.path, self.headers.get("Content-Type", ""), body)
            for text, update in operations:
                if found := outbound_keywords(text, update=update):
                    self.plain(400, f"kg serve: {found[0]} is refused: this server makes no outbound requests")
                    return
            # answers are cut, not the query page's own scripts (YASGUI is larger than a small limit)
            answer = bool(operations) or path.startswith(ANSWER_PATHS)
            self.forward(body or None, max_bytes if answer else None)

        def forward(self, body: bytes | None, max_bytes: int | None) -> None:
            # a request waits for a slot before its time limit starts, so a burst queues here
            # instead of running past the limit inside Oxigraph (and being stopped with the others)
            if not slots.acquire(timeout=QUEUE_SECONDS):
                self.plain(
                    503,
                    f"kg serve is busy: {BACKEND_SLOTS} queries have been running for "
                    f"{QUEUE_SECONDS:g} s; send it again later",
                )
                return
            try:
                self.forward_now(body, max_bytes)
            finally:
                slots.release()

        def forward_now(self, body: bytes | None, max_bytes: int | None) -> None:
            import time

            headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
            generation, upstream = backend.current()
            deadline = time.monotonic() + timeout + GRACE_SECONDS
            connection = http.client.HTTPConnection(*upstream, timeout=timeout + GRACE_SECONDS)
            try:
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    response = connection.getresponse()
                except TimeoutError:
                    backend.overrun(generation)
                    self.plain(
                        503,
                        f"kg serve: the query was stopped at the time limit of {timeout} s "
                        "(--timeout) and its work cancelled; make it cheaper, or add a LIMIT",
                    )
                    return
                except (OSError, http.client.HTTPException):
                    self.plain(
                        503,
                        "kg serve: the query was interrupted: the server restarted after another "
                        "query overran the time limit; send it again",
                    )
                    return
                self.send_response(response.status, response.reason)
                for name, value in response.getheaders():
                    lower = name.lower()
                    if (
                        lower not in HOP_BY_HOP
                        and lower not in ("server", "date")
                        and not lower.startswith("access-control-")
                    ):
                        self.send_header(name, value)
                for name, value in self.cross_origin_headers().items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.copy(response, connection, generation, deadline, max_bytes)
            finally:
                connection.close()

        def copy(
            self,
            response: http.client.HTTPResponse,
            connection: http.client.HTTPConnection,
            generation: int,
            deadline: float,
            max_bytes: int | None,
        ) -> None:
            import time

            sent = 0
            try:
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    if connection.sock is not None:
                        connection.sock.settimeout(left)
                    chunk = response.read1(65536)
                    if not chunk:
                        return
                    if max_bytes is not None and sent + len(chunk) > max_bytes:
                        self.wfile.write(chunk[: max_bytes - sent])
                        self.wfile.write(
                            f"\nAnswer cut by kg serve at {max_bytes} bytes (--max-result-mb "
                            f"{max_bytes / 1_000_000:g}); add a LIMIT to the query\n".encode()
                        )
                        return
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except TimeoutError:
                backend.overrun(generation)
                self.wfile.write(
                    f"\nAnswer cut by kg serve at the time limit of {timeout} s (--timeout); "
                    "the query was cancelled\n".encode()
                )
            except (OSError, http.client.HTTPException):
                pass  # the client went away, or the server restarted; closing the connection ends it

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = relay

        def log_message(self, format: str, *args: Any) -> None:
            """Keep quiet: Oxigraph does not log requests either."""

    class RelayServer(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        daemon_threads = True
        request_queue_size = LISTEN_BACKLOG  # a burst of connections waits instead of being reset

    return RelayServer(address, RelayHandler)


class Relay:
    """The relay on ``host:port`` in front of the backend: checks, limits, kg's query page."""

    def __init__(
        self,
        backend: Backend,
        *,
        host: str,
        port: int,
        max_bytes: int | None,
        timeout: int,
        policy: Policy,
        pages: dict[str, tuple[str, bytes]],
    ) -> None:
        import threading

        try:
            self.server = relay_server(
                (host.strip("[]"), port),
                backend=backend,
                max_bytes=max_bytes,
                timeout=timeout,
                policy=policy,
                pages=pages,
            )
        except OverflowError:
            raise KgError(f"cannot listen on {host}:{port}: a port is a number from 0 to 65535") from None
        except OSError as error:
            raise KgError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
        self.host = host
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, name="kg-serve-relay", daemon=True)

    def start(self) -> Relay:
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
    backend: Backend
    relay: Relay = field(repr=False)
    origins: frozenset[str] = frozenset()
    hold: IO[str] | None = field(default=None, repr=False)

    @property
    def server(self) -> OxigraphServer:
        """The Oxigraph server running now (it is replaced when a query overruns the time limit)."""
        return self.backend.server

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

        mode = "writable copy of" if self.writable else "read-only"
        limit = self.max_result_bytes
        size = f"answers are cut at {limit / 1_000_000:g} MB" if limit else "answers are not limited"
        curl = shlex.join(
            ["curl", "-s", self.query_url, "-H", "Accept: text/csv", "--data-urlencode", f"query={EXAMPLE_QUERY}"]
        )
        origins = ", ".join(sorted(self.origins)) or "none (pages of other origins are refused)"
        return "\n".join(
            [
                f"serving {self.triples} triples ({mode} {self.build}) at {self.url}/",
                f"  query page      {self.url}/  (kg's prefixes and named queries)",
                f"  query endpoint  {self.query_url}",
                f"  graph store     {self.store_url}" + ("" if self.writable else " (read)"),
                f"  update          {self.update_url}" + ("" if self.writable else " (refused: read-only)"),
                f"  limits          queries stop after {self.timeout} s; {size}; SERVICE and LOAD are refused",
                f"  other origins   {origins}",
                "  this build is kept until kg serve stops; restart it to serve a newer build",
                "try:",
                f"  {curl}",
                f"  kg query --endpoint {self.query_url} 'SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }}'",
                "Press Ctrl-C to stop.",
            ]
        )

    def wait(self) -> None:
        """Block until the server stops by itself; raise KgError when it does."""
        while True:
            server = self.backend.server
            process = server.process
            if process is None:
                return
            code = process.wait()
            if server is not self.backend.server:
                continue  # replaced after a query overran the time limit
            with self.backend.lock:
                if server is not self.backend.server:
                    continue
            output = server.output() or "no message"
            raise KgError(f"the oxigraph server stopped by itself (exit code {code}): {output}")

    def stop(self) -> None:
        """Stop the relay and the server, and let a later build remove the build served."""
        self.relay.stop()
        self.backend.stop()
        if self.hold is not None:
            self.hold.close()
            self.hold = None

    def __enter__(self) -> Service:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def serve(
    store: str | Path,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    timeout: int = DEFAULT_TIMEOUT,
    max_result_mb: float | None = DEFAULT_MAX_RESULT_MB,
    writable: bool = False,
    allow_origins: tuple[str, ...] = (),
    queries_folder: Path | None = None,
) -> Service:
    """Start serving the store built in the folder ``store`` and return the service, with the
    named queries of ``queries_folder`` (a project's ``queries/``) on its query page.

    ``port`` 0 picks a free port. ``max_result_mb`` None or 0 does not limit the answers' size.
    ``allow_origins`` are the web origins (``https://example.org``) whose pages may query it.
    The build served is held until the service stops, so a rebuild does not remove it. The
    caller stops the service (it is a context manager).
    """
    import math

    from kg.store.builds import DATABASE, MANIFEST, hold_current

    home = Path(store)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise KgError("the query time limit is in whole seconds, at least 1")
    if max_result_mb is not None and not (math.isfinite(max_result_mb) and max_result_mb >= 0):
        raise KgError("the answer size limit is a number of MB, at least 0 (0 turns it off)")
    if not 0 <= port <= 65535:
        raise KgError(f"cannot listen on {host}:{port}: a port is a number from 0 to 65535")
    for origin in allow_origins:
        if not origin.startswith(("http://", "https://")) or origin.rstrip("/") != origin or origin.count("/") != 2:
            raise KgError(f"--allow-origin takes an origin such as https://example.org, got {origin!r}")
    max_bytes = int(max_result_mb * 1_000_000) if max_result_mb else None
    build, hold = hold_current(home)
    try:
        import json

        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
        triples = int(manifest.get("asserted_triples", 0)) + int(manifest.get("inferred_triples", 0))
        backend = Backend(build / DATABASE, timeout=timeout, writable=writable)
        policy = Policy(None, frozenset(allow_origins))
        # the relay takes the public address first, so a port in use is reported before anything starts
        relay = Relay(
            backend,
            host=host,
            port=port,
            max_bytes=max_bytes,
            timeout=timeout,
            policy=policy,
            pages=page_files(queries_folder),
        )
        if host in ("127.0.0.1", "localhost", "::1"):
            # a loopback server answers only to its own names (no DNS rebinding)
            policy.hosts = frozenset(f"{name}:{relay.port}" for name in ("127.0.0.1", "localhost", "[::1]"))
    except BaseException:
        hold.close()
        raise
    try:
        backend.start()
        relay.start()
    except BaseException:
        relay.stop()
        backend.stop()
        hold.close()
        raise
    return Service(
        f"http://{url_host(host)}:{relay.port}",
        build,
        triples,
        writable,
        timeout,
        max_bytes,
        backend,
        relay,
        frozenset(allow_origins),
        hold,
    )
