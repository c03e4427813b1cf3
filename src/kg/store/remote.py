"""A remote SPARQL 1.1 endpoint (Fuseki, GraphDB, Virtuoso, Neptune, an Oxigraph server) as a store.

:class:`RemoteStore` sends queries through SPARQLWrapper using the SPARQL 1.1 Protocol and
returns the same :class:`~kg.results.QueryResult` as the embedded store:

>>> import tempfile
>>> from pathlib import Path
>>> from kg.build import Sources, build
>>> from kg.paths import project_home
>>> from kg.serve import serve
>>> with tempfile.TemporaryDirectory() as folder:
...     report = build(sources=Sources.of(project_home()), store=Path(folder), validate=False)
...     with serve(Path(folder), port=0) as service:
...         store = RemoteStore(service.query_url)
...         store.execute("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows == [(report.triples,)]
True

What it does to make a remote answer equal the embedded one:

* the project's prefixes (``kg:``, ``kgr:``, …) are declared before the query, except those the
  query declares itself;
* bindings become a VALUES block of escaped terms (:func:`kg.terms.with_bindings`), exactly as
  on the embedded store;
* ``graph`` selects a named graph as the default graph (the protocol's ``default-graph-uri``);
* every answer is re-read by Oxigraph, so servers' dialects of the result formats (Virtuoso's
  ``typed-literal``, an explicit ``xsd:string``, XML results, Turtle for N-Triples) come out
  identical.

What it cannot do: it only runs queries (updates are refused, use ``kg push``); answers are held
in memory; it cannot make a server evaluate the same entailment regime as the build (push the
materialised graph, and use a repository without its own reasoning, to get equal answers).

Credentials, the checks on URLs, the guarded transport and the error messages are
:mod:`kg.store.transport`'s; here SPARQLWrapper composes each request and authenticates it
(``setCredentials`` and ``setHTTPAuth`` for Basic and Digest, a header for Bearer), and its
exception classes are mapped to kg's one-line errors.

A server that cuts answers at a row cap without an error (Virtuoso's ``ResultSetMaxRows``,
announced in its ``X-SPARQL-MaxRows`` header) never yields a silently incomplete answer: when a
SELECT comes back at the cap, kg counts the full answer with one ``COUNT`` query and fails,
naming the cap, if rows are missing.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import warnings
from collections.abc import Mapping
from typing import Any

from kg.errors import EndpointError, InputError, KgError, QuerySyntaxError
from kg.namespaces import sparql_prologue
from kg.results import QueryResult, Term
from kg.sparql_text import is_distinct, is_update, query_form
from kg.store.base import SparqlStore, is_ordered
from kg.store.embedded import ERROR_POSITION as _OXIGRAPH_POSITION
from kg.store.transport import (
    Credentials,
    ServerError,
    check_url,
    clean_text,
    credentials_for,
    display_url,
    endpoint_error,
    http_status_error,
    opener,
    redact,
    same_origin,
    server_message,
)
from kg.terms import graph_iri, with_bindings

__all__ = ["RemoteStore"]

#: What kg asks for: SPARQL results JSON for SELECT/ASK, N-Triples (else Turtle) for graphs.
ACCEPT = (
    "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8, "
    "application/sparql-results+xml;q=0.5, application/rdf+xml;q=0.4"
)

_DECLARED_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:", re.IGNORECASE)
_COMMENT_LINE = re.compile(r"(?m)^\s*#.*$")
_PROLOGUE_NAME = re.compile(r"^PREFIX ([^:]*):")
_TIME_LIMIT = re.compile(r"cancel|time ?out|timed out|time limit", re.IGNORECASE)
#: The header in which Virtuoso says it applied its ResultSetMaxRows cap to the answer.
ROW_CAP_HEADER = "X-SPARQL-MaxRows"
_PROLOGUE = re.compile(r"\A(?:\s+|#[^\n]*\n|PREFIX\s+[^:\s]*:\s*<[^>]*>|BASE\s*<[^>]*>)*", re.IGNORECASE)
# A reason a server appended to an answer it cut short: text after the last JSON punctuation or
# line break, e.g. Oxigraph's `…}}The SPARQL operation has been cancelled`.
_TRAILING_REASON = re.compile(r'[\[{},\n]\s*([A-Za-z][^"{}\[\]\n]{4,300}?)\s*$')


def incomplete_reason(body: bytes) -> str | None:
    """Return the reason a server appended to an answer it cut short, if it gave one.

    >>> incomplete_reason(b'{"head":{"vars":["n"]},"results":{"bindings":[The SPARQL operation has been cancelled')
    'The SPARQL operation has been cancelled'
    >>> print(incomplete_reason(b'{"results":{"bindings":[{"n":{"type":"uri","value":"http://ex'))
    None
    """
    match = _TRAILING_REASON.search(body[-400:].decode("utf-8", "replace"))
    return match[1] if match else None


def prologue_for(query: str) -> str:
    """Return PREFIX lines for the project's prefixes that ``query`` does not declare itself.

    >>> prologue_for("PREFIX kg: <urn:other#> SELECT * WHERE { ?s kg:p ?o }").startswith("PREFIX kgr:")
    True
    """
    declared = {name or "" for name in _DECLARED_PREFIX.findall(_COMMENT_LINE.sub("", query))}
    lines = sparql_prologue().splitlines(keepends=True)
    return "".join(line for line in lines if (name := _PROLOGUE_NAME.match(line)) and name[1] not in declared)


def result_from_answer(
    body: bytes, media_type: str, *, ordered: bool, where: str, credentials: Credentials | None = None
) -> QueryResult:
    """Read an endpoint's answer (any SPARQL results format, or an RDF graph) into a QueryResult.

    >>> result_from_answer(b'{"head":{},"boolean":true}', "application/sparql-results+json",
    ...                    ordered=False, where="http://127.0.0.1:7878/query").boolean
    True
    >>> result_from_answer(b"<html>", "text/html", ordered=False, where="http://127.0.0.1:7878/")
    Traceback (most recent call last):
    kg.errors.EndpointError: http://127.0.0.1:7878/: unexpected answer of type text/html: <html>
    """
    try:
        return _read_answer(body, media_type, ordered=ordered)
    except SyntaxError:
        pass  # raised below, once the half-read answer is released in this thread
    except ValueError:
        raise EndpointError(
            f"{where}: unexpected answer of type {clean_text(media_type) or 'unknown'}: "
            f"{server_message(body, credentials)}"
        ) from None
    reason = incomplete_reason(body)
    reason = redact(clean_text(reason), credentials) if reason else None
    if reason and _TIME_LIMIT.search(reason):
        raise EndpointError(f"{where}: the endpoint stopped the query at its time limit ({reason})")
    raise EndpointError(f"{where}: the answer is incomplete" + (f": {reason}" if reason else " (it ends mid-way)"))


def _read_answer(body: bytes, media_type: str, *, ordered: bool) -> QueryResult:
    import pyoxigraph

    results_format = pyoxigraph.QueryResultsFormat.from_media_type(media_type)
    if results_format is None:
        graph_format = pyoxigraph.RdfFormat.from_media_type(media_type)
        if graph_format is None:
            raise ValueError(media_type)
        triples = pyoxigraph.parse(body, format=graph_format)
        return QueryResult(graph=pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b"")
    return QueryResult.from_oxigraph(pyoxigraph.parse_query_results(body, format=results_format), ordered=ordered)


class RemoteStore(SparqlStore):
    """A SPARQL 1.1 query endpoint behind the :class:`SparqlStore` contract.

    ``endpoint`` is the query URL (Oxigraph ``/query``, Fuseki ``/<dataset>/sparql``, GraphDB
    ``/repositories/<id>``, Virtuoso and Neptune ``/sparql``); ``graph`` the named graph that
    holds kg (None: the endpoint's default graph); ``timeout`` how many seconds to wait for an
    answer; ``credentials`` override the environment and the credentials file.
    """

    def __init__(
        self, endpoint: str, *, graph: str | None = None, timeout: float = 60.0, credentials: Credentials | None = None
    ) -> None:
        self.endpoint = check_url(endpoint)
        self.location = display_url(endpoint)
        self.graph = graph_iri(graph) if graph else None
        self.timeout = timeout
        self.credentials = credentials or credentials_for(endpoint)

    def execute(
        self, query: str, *, bindings: Mapping[str, Term] | None = None, source: str | None = None
    ) -> QueryResult:
        """Run a query on the endpoint; see :meth:`SparqlStore.execute`."""
        text = with_bindings(query, bindings)
        prologue = prologue_for(text)
        body, media_type, cap = self._send(prologue + text, source=source, prologue=prologue)
        result = result_from_answer(
            body, media_type, ordered=is_ordered(query), where=self.location, credentials=self.credentials
        )
        if cap is not None and result.kind == "select" and len(result.bindings) >= cap:
            self._check_complete(prologue + text, len(result.bindings), cap, source=source)
        return result.without_repeats() if is_distinct(text) else result

    def _wrapper(self, text: str, source: str | None) -> Any:
        from SPARQLWrapper import BASIC, DIGEST, POST, SPARQLWrapper

        wrapper = SPARQLWrapper(self.endpoint)
        wrapper.setMethod(POST)
        wrapper.setOnlyConneg(True)
        wrapper.setTimeout(self.timeout)  # type: ignore[arg-type]
        form = query_form(text)
        if form is None and is_update(text):
            raise InputError(
                "this is an update, and kg only sends queries; `kg push` loads the graph", path=source or "query"
            )
        with warnings.catch_warnings():
            # SPARQLWrapper guesses the query form by regex and warns when it cannot; the server decides
            warnings.simplefilter("ignore", RuntimeWarning)
            wrapper.setQuery(text)
        # ... and its regex reads words on consecutive comment lines ("# add", "# move") as an update,
        # which it would send as `update=`: kg's tokeniser knows comments, strings and IRIs apart
        wrapper.queryType = form or wrapper.queryType
        wrapper.addCustomHttpHeader("Accept", ACCEPT)
        credentials = self.credentials
        if credentials and credentials.scheme == "bearer":
            wrapper.addCustomHttpHeader("Authorization", f"Bearer {credentials.token}")
        elif credentials:
            wrapper.setHTTPAuth(DIGEST if credentials.scheme == "digest" else BASIC)
            wrapper.setCredentials(
                credentials.user, credentials.password, **({"realm": credentials.realm} if credentials.realm else {})
            )
        if self.graph:
            wrapper.addDefaultGraph(self.graph)
        return wrapper

    def _send(self, text: str, *, source: str | None, prologue: str) -> tuple[bytes, str, int | None]:
        """Send one query; return the answer's body, media type and the row cap the server applied (if it says)."""
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        wrapper = self._wrapper(text, source)
        # SPARQLWrapper opens through urllib's installed opener: kg's guards against cross-origin and
        # body-dropping redirects. (For Digest SPARQLWrapper installs its own, which answers the
        # challenge for the endpoint's URL only; the final URL is checked below.)
        urllib.request.install_opener(opener(self.endpoint, None))
        try:
            response = wrapper.query().response
            final = response.geturl()
            media_type = response.headers.get_content_type() if response.headers.get("Content-Type") else ""
            cap = response.headers.get(ROW_CAP_HEADER)
            body = response.read()
        except SPARQLWrapperException as error:
            raise self._refused(error, source, prologue) from None
        except KgError:
            raise
        except Exception as error:  # urllib and http.client errors alike
            if isinstance(error, urllib.error.HTTPError) and error.code == 400:
                raise self._rejected(self._message(error), source, prologue) from None
            raise endpoint_error(self.endpoint, error, timeout=self.timeout, credentials=self.credentials) from None
        if final and not same_origin(final, self.endpoint):
            raise EndpointError(
                f"{self.location}: the answer came from another origin, {display_url(final)}, "
                "after a redirect; kg does not accept it"
            )
        return body, media_type, int(cap) if cap and cap.strip().isdigit() else None

    def _message(self, error: BaseException) -> str:
        """Return the server's one-line reason for an error response, when kg's transport kept it."""
        original = error if isinstance(error, ServerError) else error.__context__
        return server_message(original.body, self.credentials) if isinstance(original, ServerError) else ""

    def _refused(self, error: BaseException, source: str | None, prologue: str) -> KgError:
        """Map SPARQLWrapper's exception classes (one per HTTP status it knows) to kg's errors."""
        from SPARQLWrapper.SPARQLExceptions import (
            EndPointInternalError,
            EndPointNotFound,
            QueryBadFormed,
            Unauthorized,
            URITooLong,
        )

        message = self._message(error)
        if isinstance(error, QueryBadFormed):
            return self._rejected(message, source, prologue)
        statuses: dict[type[BaseException], tuple[int, str]] = {
            Unauthorized: (401, "Unauthorized"),
            EndPointNotFound: (404, "Not Found"),
            URITooLong: (414, "URI Too Long"),
            EndPointInternalError: (500, "Internal Server Error"),
        }
        code, reason = statuses.get(type(error), (500, ""))
        return http_status_error(self.location, code, reason, message.encode(), self.credentials)

    def _check_complete(self, text: str, rows: int, cap: int, *, source: str | None) -> None:
        """Fail, naming the cap, when the server cut a SELECT answer at its row cap (counted with COUNT)."""
        declarations = _PROLOGUE.match(text)
        head = declarations[0] if declarations else ""
        count = f"{head}SELECT (COUNT(*) AS ?kgRows) WHERE {{ {{ {text[len(head) :]} }} }}"
        body, media_type, _ = self._send(count, source=source, prologue="")
        counted = result_from_answer(body, media_type, ordered=False, where=self.location).rows
        total = int(counted[0][0]) if counted and counted[0] and counted[0][0] is not None else rows
        if total > rows:
            raise EndpointError(
                f"{self.location}: the endpoint cut the answer at its row cap of {cap} rows "
                f"({ROW_CAP_HEADER}; Virtuoso's ResultSetMaxRows) and {total} were due: raise the "
                "cap in the server's settings, or page the query with LIMIT and OFFSET"
            )

    def _rejected(self, message: str, source: str | None, prologue: str) -> QuerySyntaxError:
        """Return the error for a query the endpoint refused to parse, at the query's own line."""
        if match := _OXIGRAPH_POSITION.match(message):
            # Oxigraph counts the PREFIX lines kg put before the query
            line, column, expected = match.groups()
            own_line = max(int(line) - prologue.count("\n"), 1)
            return QuerySyntaxError(
                f"SPARQL syntax error at column {column}: {expected} (said {self.location})",
                path=source or "query",
                line=own_line,
            )
        return QuerySyntaxError(f"{self.location} rejected the query: {message or 'HTTP 400'}", path=source or "query")
