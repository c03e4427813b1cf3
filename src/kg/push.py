"""Push the built graph (ontology, facts and materialised inferences) into a remote SPARQL store.

Two standard protocols, because servers differ in what they offer:

* ``gsp`` (default), the SPARQL 1.1 Graph Store HTTP Protocol: ``PUT`` the graph to the graph
  store URL with ``?graph=IRI`` (or ``?default``), which replaces that graph;
* ``update``, SPARQL 1.1 Update: ``DROP SILENT GRAPH`` and ``INSERT DATA`` posted to the update URL.

Either way the named graph (or the default graph) is *replaced*, so pushing twice leaves the
same store. A graph larger than ``batch_size`` triples goes in several requests — the first
replaces, the others add — and ``progress`` hears of each; only a push that fits in one batch is
atomic on the server. Triples that mention a blank node all travel in the first request, because
a blank node's label only means the same node within one request.

Every triple of the built store goes into the one target graph, whichever graph of the store
holds it (asserted and inferred alike). Afterwards kg asks the server how many triples the
target graph holds — a ``COUNT`` query to ``count_url`` when given (the server's query URL),
else the graph itself read back through the Graph Store Protocol (``gsp``) or a ``COUNT`` sent
to the update URL (``update``) — and fails unless it is the number sent: a server that answered
"success" without writing (or a redirect that dropped the data) is caught.

The shipped graph, built into a store of its own and pushed to an Oxigraph server:

>>> import tempfile
>>> from kg.build import Sources, build
>>> from kg.paths import project_home
>>> from kg.serve import OxigraphServer
>>> with tempfile.TemporaryDirectory() as folder, OxigraphServer().start() as server:
...     _ = build(sources=Sources.of(project_home()), store=Path(folder), validate=False)
...     report = push(f"{server.url}/store", graph="https://example.org/kg", store=folder)
>>> report.held == report.triples > 10_000, report.requests
(True, 1)
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import InputError
from kg.namespaces import PREFIXES
from kg.store.transport import Credentials, check_url, credentials_for, display_url, send
from kg.terms import graph_iri, to_ntriples

if TYPE_CHECKING:
    import pyoxigraph

PROTOCOLS = ("gsp", "update")
DEFAULT_BATCH = 100_000
DEFAULT_TIMEOUT = 300.0

Progress = Callable[[str], None]


@dataclass
class PushReport:
    """What a push sent: where, into which graph, by which protocol, how much, in how many requests."""

    url: str
    graph: str | None
    protocol: str
    triples: int
    requests: int
    seconds: float
    #: How many triples the server said the graph holds afterwards (equal to ``triples``, or the push failed).
    held: int = 0

    def summary(self) -> str:
        """One line for the user."""
        into = f"graph <{self.graph}>" if self.graph else "the default graph"
        requests = f"{self.requests} request{'s' if self.requests != 1 else ''}"
        how = f"{self.protocol}, {requests}, {self.seconds:.1f} s"
        return f"pushed {self.triples} triples to {into} at {self.url} ({how}); the server holds {self.held}"


def gsp_target(url: str, graph: str | None) -> str:
    """Return the graph store URL that names ``graph`` (``?graph=``) or the default graph (``?default``).

    >>> gsp_target("http://127.0.0.1:7878/store", "https://example.org/g?x=1")
    'http://127.0.0.1:7878/store?graph=https%3A%2F%2Fexample.org%2Fg%3Fx%3D1'
    >>> gsp_target("https://gdb.example.org/repositories/kg/rdf-graphs/service", None)
    'https://gdb.example.org/repositories/kg/rdf-graphs/service?default'
    """
    parts = urllib.parse.urlsplit(url)
    named = "default" if graph is None else urllib.parse.urlencode({"graph": graph})
    query = f"{parts.query}&{named}" if parts.query else named
    return urllib.parse.urlunsplit(parts._replace(query=query))


def update_request(triples: bytes, graph: str | None, *, replace: bool) -> str:
    """Return the SPARQL Update that (replaces the graph with, or) adds N-Triples ``triples``.

    >>> print(update_request(b"<urn:a> <urn:b> <urn:c> .\\n", "urn:g", replace=True))
    DROP SILENT GRAPH <urn:g> ;
    INSERT DATA { GRAPH <urn:g> {
    <urn:a> <urn:b> <urn:c> .
    } }
    """
    # the graph name is a validated IRI written by Oxigraph; the data is Oxigraph's N-Triples
    target = to_ntriples({"type": "uri", "value": graph}) if graph else None
    drop = (f"DROP SILENT GRAPH {target} ;\n" if target else "DROP SILENT DEFAULT ;\n") if replace else ""
    data = triples.decode("utf-8")
    if target:
        return f"{drop}INSERT DATA {{ GRAPH {target} {{\n{data}}} }}"
    return f"{drop}INSERT DATA {{\n{data}}}"


def batches(store: pyoxigraph.Store, size: int) -> Iterator[list[pyoxigraph.Quad]]:
    """Yield the store's triples (of every graph, each once) in lists of about ``size``, blank-node triples first.

    Always yields at least one list, so that pushing an empty graph still replaces the remote one.
    """
    import pyoxigraph

    graphs = [pyoxigraph.DefaultGraph(), *sorted(store.named_graphs(), key=str)]

    def triples() -> Iterator[Any]:
        # each distinct triple once: a triple in an earlier graph of the store is not sent again
        for index, graph in enumerate(graphs):
            for quad in store.quads_for_pattern(None, None, None, graph):
                triple = quad.triple
                if index and any(
                    pyoxigraph.Quad(triple.subject, triple.predicate, triple.object, earlier) in store
                    for earlier in graphs[:index]
                ):
                    continue
                yield triple

    def blank(triple: Any) -> bool:
        return isinstance(triple.subject, pyoxigraph.BlankNode) or isinstance(triple.object, pyoxigraph.BlankNode)

    current = [triple for triple in triples() if blank(triple)]
    yielded = False
    for triple in triples():
        if blank(triple):
            continue
        current.append(triple)
        if len(current) >= size:
            yield current
            yielded, current = True, []
    if current or not yielded:
        yield current


def push(
    url: str,
    *,
    graph: str | None = None,
    protocol: str = "gsp",
    store: str | Path,
    batch_size: int = DEFAULT_BATCH,
    timeout: float = DEFAULT_TIMEOUT,
    credentials: Credentials | None = None,
    count_url: str | None = None,
    progress: Progress | None = None,
) -> PushReport:
    """Replace ``graph`` (None: the default graph) at ``url`` with the triples of the store built
    in the folder ``store``.

    ``url`` is the graph store endpoint for ``protocol="gsp"`` and the update endpoint for
    ``protocol="update"``; ``count_url`` the query URL on which the result is counted (see the
    module's notes for the default). Credentials default to those
    :func:`kg.store.transport.credentials_for` finds. Raises :class:`~kg.errors.EndpointError`
    (naming the URL and how far the push got) when the server refuses or cannot be reached, or
    holds another number of triples afterwards.
    """
    import pyoxigraph

    from kg.errors import EndpointError, KgError
    from kg.store.embedded import EmbeddedStore

    if protocol not in PROTOCOLS:
        raise InputError(f"unknown protocol {protocol!r}; choose from {', '.join(PROTOCOLS)}")
    if batch_size < 1:
        raise InputError("the batch size must be at least 1 triple")
    check_url(url)
    if count_url is not None:
        check_url(count_url)
    graph = graph_iri(graph) if graph else None
    credentials = credentials or credentials_for(url)
    embedded = EmbeddedStore(Path(store))
    from kg.store.solutions import count

    total = count(embedded.store)  # the default graph: asserted and inferred triples
    where = display_url(url)
    started = time.perf_counter()
    sent = requests = 0
    into = f"graph <{graph}>" if graph else "the default graph"
    if progress:
        progress(f"pushing {total} triples into {into} at {where} ({protocol})")
    try:
        for batch in batches(embedded.store, batch_size):
            first = requests == 0
            if protocol == "gsp":
                body = pyoxigraph.serialize(batch, format=pyoxigraph.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
                send(
                    gsp_target(url, graph),
                    body,
                    method="PUT" if first else "POST",
                    content_type="text/turtle; charset=utf-8",
                    credentials=credentials,
                    timeout=timeout,
                )
            else:
                ntriples = pyoxigraph.serialize(batch, format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
                form = urllib.parse.urlencode({"update": update_request(ntriples, graph, replace=first)})
                send(
                    url,
                    form.encode("ascii"),
                    method="POST",
                    content_type="application/x-www-form-urlencoded",
                    credentials=credentials,
                    timeout=timeout,
                )
            requests += 1
            sent += len(batch)
            if progress:
                progress(f"sent {sent}/{total} triples ({requests} request{'s' if requests != 1 else ''})")
    except KgError as error:
        if requests:
            raise EndpointError(
                f"{error}; this was after {sent} of {total} triples were sent, so the remote "
                "graph is incomplete: push again"
            ) from None
        raise
    finally:
        embedded.close()
    if progress:
        progress(f"counting the triples of {into} at {display_url(count_url or url)}")
    held = remote_count(url, graph, protocol=protocol, count_url=count_url, credentials=credentials, timeout=timeout)
    if held != sent:
        raise EndpointError(
            f"{where}: the server holds {held} triples in {into} after the push, not the {sent} "
            "sent: it did not store the graph as sent (check its logs and permissions), then push "
            "again"
        )
    return PushReport(where, graph, protocol, sent, requests, time.perf_counter() - started, held)


def bulk_push(
    url: str,
    *,
    graph: str,
    folder: Path,
    sql_port: int = 1111,
    store: str | Path,
    credentials: Credentials | None = None,
    count_url: str | None = None,
    timeout: float = 3600.0,
    progress: Progress | None = None,
) -> PushReport:
    """Replace ``graph`` on a Virtuoso of this host with the built store through Virtuoso's bulk loader.

    The store is written as Turtle into ``folder`` (which the server's ``DirsAllowed`` must list),
    loaded with ``ld_dir`` + ``rdf_loader_run`` through ``isql-vt`` on ``sql_port`` as the
    credentials' user, and removed; then the graph is counted as :func:`push` does (``url`` is the
    graph store URL, ``count_url`` the query URL). Only for a server on this host: the server reads
    the file itself. isql gets the password on its standard input (:func:`kg.virtuoso.run_isql`),
    never on its command line.
    """
    import secrets
    import urllib.parse as parse

    from kg.errors import EndpointError
    from kg.export import export_triples
    from kg.virtuoso import bulk_load

    check_url(url)
    if count_url is not None:
        check_url(count_url)
    graph = graph_iri(graph)
    host = parse.urlsplit(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise InputError(f"--bulk loads a file the server reads itself: only for a server on this host, not {host}")
    credentials = credentials or credentials_for(url)
    if credentials is None or not credentials.user:
        raise InputError(
            "--bulk needs the Virtuoso account's user and password "
            "(KG_ENDPOINT_USER/KG_ENDPOINT_PASSWORD or the credentials file)"
        )
    if not folder.is_dir():
        raise InputError("not a folder", path=str(folder))
    started = time.perf_counter()
    file = folder / f".kg-bulk-{secrets.token_hex(8)}.ttl"  # written whole by export_triples
    try:
        if progress:
            progress(f"writing the store as Turtle to {file}")
        sent = export_triples(file, fmt="turtle", store=store)
        file.chmod(0o644)  # the server's own account reads it
        if progress:
            progress(f"bulk loading {sent} triples into graph <{graph}> through isql on port {sql_port}")
        bulk_load(sql_port, file, graph, user=credentials.user, password=credentials.password or "", timeout=timeout)
    finally:
        file.unlink(missing_ok=True)
    held = remote_count(url, graph, protocol="gsp", count_url=count_url, credentials=credentials, timeout=timeout)
    if held != sent:
        raise EndpointError(
            f"{display_url(url)}: the server holds {held} triples in graph <{graph}> after the bulk "
            f"load, not the {sent} written: check the server's log, then push again"
        )
    return PushReport(display_url(url), graph, "bulk", sent, 1, time.perf_counter() - started, held)


def count_query(graph: str | None) -> str:
    """Return the query that counts the triples of ``graph`` (None: the default graph).

    >>> count_query("urn:g")
    'SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:g> { ?s ?p ?o } }'
    """
    target = to_ntriples({"type": "uri", "value": graph}) if graph else None
    pattern = f"GRAPH {target} {{ ?s ?p ?o }}" if target else "?s ?p ?o"
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"


def remote_count(
    url: str,
    graph: str | None,
    *,
    protocol: str,
    count_url: str | None = None,
    credentials: Credentials | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> int:
    """Return how many triples the server holds in ``graph``: a COUNT query to ``count_url`` (or, with
    the update protocol, to ``url``), else the graph read back through the Graph Store Protocol."""
    import pyoxigraph

    from kg.errors import EndpointError, KgError

    if count_url is None and protocol == "gsp":
        body = send(
            gsp_target(url, graph),
            None,
            method="GET",
            credentials=credentials,
            timeout=timeout,
            accept="application/n-triples, text/turtle;q=0.9",
        )
        try:
            # N-Triples is Turtle, and some servers answer Turtle whatever is asked
            return sum(1 for _ in pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.TURTLE))
        except SyntaxError as error:
            raise EndpointError(
                f"{display_url(url)}: cannot count the pushed graph: the graph read back does not "
                f"parse ({error}); give the server's query URL with --count-endpoint"
            ) from None
    target = count_url or url
    form = urllib.parse.urlencode({"query": count_query(graph)}).encode("ascii")
    try:
        body = send(
            target,
            form,
            method="POST",
            content_type="application/x-www-form-urlencoded",
            credentials=credentials,
            timeout=timeout,
            accept="application/sparql-results+json",
        )
        bindings = json.loads(body)["results"]["bindings"]
        return int(bindings[0]["n"]["value"]) if bindings else 0
    except (ValueError, KeyError, TypeError, IndexError):
        raise EndpointError(
            f"{display_url(target)}: cannot count the pushed graph: the answer to COUNT is not SPARQL "
            "results JSON; give the server's query URL to count on (--count-endpoint)"
        ) from None
    except KgError as error:
        if count_url is None:
            raise EndpointError(
                f"{error}; kg counts the pushed graph there: give the server's query URL with --count-endpoint"
            ) from None
        raise
