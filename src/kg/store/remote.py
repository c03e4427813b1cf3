"""A remote SPARQL 1.1 endpoint (Fuseki, GraphDB, Virtuoso, Neptune, an Oxigraph server) as a store.

:class:`RemoteStore` sends queries through SPARQLWrapper using the SPARQL 1.1 Protocol and
returns the same :class:`~kg.results.QueryResult` as the embedded store:

>>> store = RemoteStore("http://127.0.0.1:7878/query")          # doctest: +SKIP
>>> store.execute("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows   # doctest: +SKIP
[(12345,)]

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

Credentials come from the environment (``KG_ENDPOINT_TOKEN`` for a bearer token, or
``KG_ENDPOINT_USER`` and ``KG_ENDPOINT_PASSWORD`` for basic authentication) or from a TOML file
(``KG_ENDPOINTS_FILE``, default ``~/.config/kg/endpoints.toml``) with one table per endpoint URL
(the longest URL that prefixes the endpoint applies)::

    ["https://graphdb.example.org/repositories/kg"]
    user = "analyst"
    password = "…"

They are sent only in the ``Authorization`` header and never appear in messages.
"""

from __future__ import annotations

import base64
import os
import re
import urllib.parse
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kg.errors import EndpointError, InputError, KgError, QuerySyntaxError
from kg.namespaces import sparql_prologue
from kg.results import QueryResult, Term
from kg.store.base import SparqlStore, is_ordered
from kg.store.embedded import ERROR_POSITION as _OXIGRAPH_POSITION
from kg.terms import with_bindings

ENV_USER = "KG_ENDPOINT_USER"
ENV_PASSWORD = "KG_ENDPOINT_PASSWORD"
ENV_TOKEN = "KG_ENDPOINT_TOKEN"
ENV_FILE = "KG_ENDPOINTS_FILE"

#: What kg asks for: SPARQL results JSON for SELECT/ASK, N-Triples (else Turtle) for graphs.
ACCEPT = (
    "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8, "
    "application/sparql-results+xml;q=0.5, application/rdf+xml;q=0.4"
)

_DECLARED_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:", re.IGNORECASE)
_COMMENT_LINE = re.compile(r"(?m)^\s*#.*$")
_PROLOGUE_NAME = re.compile(r"^PREFIX ([^:]*):")
_TIME_LIMIT = re.compile(r"cancel|time ?out|timed out|time limit", re.IGNORECASE)
# A reason a server appended to an answer it cut short: text after the last JSON punctuation or
# line break, e.g. Oxigraph's `…}}The SPARQL operation has been cancelled`.
_TRAILING_REASON = re.compile(r'[\[{},\n]\s*([A-Za-z][^"{}\[\]\n]{4,300}?)\s*$')


@dataclass(frozen=True)
class Credentials:
    """How to authenticate to an endpoint: a bearer ``token``, or ``user`` and ``password``.

    The secrets never appear in ``repr`` or in any message:

    >>> Credentials(user="analyst", password="s3cret")
    Credentials(basic)
    >>> Credentials(token="t0k3n").headers()
    {'Authorization': 'Bearer t0k3n'}
    """

    user: str | None = None
    password: str | None = None
    token: str | None = None

    def headers(self) -> dict[str, str]:
        """Return the ``Authorization`` header these credentials send."""
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        pair = f"{self.user or ''}:{self.password or ''}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}

    def __repr__(self) -> str:
        return f"Credentials({'bearer' if self.token else 'basic'})"


def config_file() -> Path:
    """Return the credentials file: ``KG_ENDPOINTS_FILE``, else ``$XDG_CONFIG_HOME/kg/endpoints.toml``."""
    if env := os.environ.get(ENV_FILE):
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "kg" / "endpoints.toml"


def credentials_for(url: str) -> Credentials | None:
    """Return the credentials for ``url``: the environment variables if set, else the entry of the
    credentials file whose URL is the longest one that equals or prefixes ``url``, else None."""
    if os.environ.get(ENV_TOKEN):
        return Credentials(token=os.environ[ENV_TOKEN])
    if os.environ.get(ENV_USER):
        return Credentials(user=os.environ[ENV_USER], password=os.environ.get(ENV_PASSWORD, ""))
    path = config_file()
    if not path.is_file():
        return None
    import tomllib

    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        # the decoder's message gives line and column, never the file's content
        raise InputError(f"not a valid credentials file: {error}", path=str(path)) from None
    except OSError as error:
        raise InputError(f"cannot read the credentials file: {error.strerror or error}", path=str(path)) from None
    matching = [key for key in entries if url == key or url.startswith(key.rstrip("/") + "/")]
    if not matching:
        return None
    entry = entries[max(matching, key=len)]
    if not isinstance(entry, dict) or not ({"token", "user"} & entry.keys()):
        raise InputError("each endpoint table needs `token`, or `user` and `password`", path=str(path))
    return Credentials(user=entry.get("user"), password=entry.get("password"), token=entry.get("token"))


def display_url(url: str) -> str:
    """Return ``url`` as messages show it: without user information or query string.

    >>> display_url("https://user:secret@example.org:8182/sparql?key=abc")
    'https://example.org:8182/sparql'
    """
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def check_url(url: str) -> str:
    """Return ``url`` if it is an http(s) URL without credentials in it; raise InputError if not.

    >>> check_url("http://127.0.0.1:7878/query")
    'http://127.0.0.1:7878/query'
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{display_url(url) if parts.netloc else url!r} is not an http(s) URL")
    if "@" in parts.netloc:
        raise InputError(
            f"{display_url(url)}: put credentials in {ENV_USER}/{ENV_PASSWORD}, {ENV_TOKEN} or "
            f"{config_file()}, not in the URL"
        )
    return url


def server_message(body: bytes | str | None, limit: int = 300) -> str:
    """Return the first non-empty line of a server's error text, shortened, for a one-line message.

    >>> server_message(b"\\nerror at 1:8: expected DISTINCT\\n  at ...")
    'error at 1:8: expected DISTINCT'
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[:limit] + "…"


def incomplete_reason(body: bytes) -> str | None:
    """Return the reason a server appended to an answer it cut short, if it gave one.

    >>> incomplete_reason(b'{"head":{"vars":["n"]},"results":{"bindings":[The SPARQL operation has been cancelled')
    'The SPARQL operation has been cancelled'
    >>> print(incomplete_reason(b'{"results":{"bindings":[{"n":{"type":"uri","value":"http://ex'))
    None
    """
    match = _TRAILING_REASON.search(body[-400:].decode("utf-8", "replace"))
    return match[1] if match else None


def http_status(error: BaseException) -> tuple[int, str, bytes] | None:
    """Return the HTTP status, reason and body of an error response, or None for other errors.

    SPARQLWrapper turns some statuses into its own exceptions, keeping the body only in the
    message (as a bytes literal) and the original HTTPError as the exception's context.
    """
    import http.client
    import urllib.error

    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    if isinstance(error, urllib.error.HTTPError):
        try:
            body = error.read()
        except (OSError, http.client.HTTPException):
            body = b""
        return error.code, str(error.reason or ""), body
    if isinstance(error, SPARQLWrapperException):
        import ast

        original = error.__context__
        code = original.code if isinstance(original, urllib.error.HTTPError) else 500
        reason = str(original.reason or "") if isinstance(original, urllib.error.HTTPError) else ""
        _, found, literal = str(error).partition("Response:\n")
        try:
            body = ast.literal_eval(literal) if found else b""
        except (ValueError, SyntaxError):
            body = literal.encode()
        return code, reason, body if isinstance(body, bytes) else b""
    return None


def endpoint_error(url: str, error: BaseException, *, timeout: float | None = None) -> KgError:
    """Turn what urllib, http.client or SPARQLWrapper raised into a one-line kg error naming ``url``.

    >>> import urllib.error
    >>> refused = urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))
    >>> print(endpoint_error("http://127.0.0.1:9/query", refused))
    http://127.0.0.1:9/query: cannot reach the endpoint (Connection refused)
    """
    import http.client
    import socket
    import urllib.error

    where = display_url(url)
    if status := http_status(error):
        return http_status_error(where, *status)
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, TimeoutError | socket.timeout):
        within = f" within {timeout:g} s" if timeout else ""
        return EndpointError(f"{where}: no answer{within}; the query may be too costly, or the endpoint down")
    if isinstance(error, http.client.IncompleteRead | http.client.RemoteDisconnected | ConnectionResetError):
        return EndpointError(f"{where}: the connection closed before the answer was complete")
    detail = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return EndpointError(f"{where}: cannot reach the endpoint ({detail})")


def http_status_error(where: str, code: int, reason: str, body: bytes | None) -> KgError:
    """Return the error for an HTTP error status, with the server's own one-line explanation."""
    message = server_message(body)
    status = f"HTTP {code}{' ' + reason if reason else ''}"
    detail = f"{status}: {message}" if message else status
    if code == 400:
        return QuerySyntaxError(f"the endpoint rejected the request ({detail})", path=where)
    if code in (401, 403):
        hint = (
            f"; set the credentials in {ENV_TOKEN}, {ENV_USER}/{ENV_PASSWORD} or {config_file()}" if code == 401 else ""
        )
        return EndpointError(f"{where}: refused ({detail}){hint}")
    if _TIME_LIMIT.search(message):
        return EndpointError(f"{where}: the endpoint stopped the query at its time limit ({detail})")
    return EndpointError(f"{where}: {detail}")


def send(
    url: str,
    data: bytes,
    *,
    method: str,
    content_type: str,
    credentials: Credentials | None = None,
    timeout: float | None = None,
) -> bytes:
    """Send ``data`` to ``url`` (``PUT``/``POST``) and return the response body.

    Errors become one-line :class:`~kg.errors.EndpointError` messages naming the URL.
    """
    import http.client
    import urllib.request

    headers = {"Content-Type": content_type, **(credentials.headers() if credentials else {})}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except (OSError, http.client.HTTPException) as error:
        raise endpoint_error(url, error, timeout=timeout) from None


def prologue_for(query: str) -> str:
    """Return PREFIX lines for the project's prefixes that ``query`` does not declare itself.

    >>> prologue_for("PREFIX kg: <urn:other#> SELECT * WHERE { ?s kg:p ?o }").startswith("PREFIX kgr:")
    True
    """
    declared = {name or "" for name in _DECLARED_PREFIX.findall(_COMMENT_LINE.sub("", query))}
    lines = sparql_prologue().splitlines(keepends=True)
    return "".join(line for line in lines if _PROLOGUE_NAME.match(line)[1] not in declared)  # type: ignore[index]


def result_from_answer(body: bytes, media_type: str, *, ordered: bool, where: str) -> QueryResult:
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
            f"{where}: unexpected answer of type {media_type or 'unknown'}: {server_message(body)}"
        ) from None
    reason = incomplete_reason(body)
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
        from SPARQLWrapper import POST, SPARQLWrapper

        text = with_bindings(query, bindings)
        prologue = prologue_for(text)
        wrapper = SPARQLWrapper(self.endpoint)
        wrapper.setMethod(POST)
        wrapper.setOnlyConneg(True)
        wrapper.setTimeout(self.timeout)  # type: ignore[arg-type]
        with warnings.catch_warnings():
            # SPARQLWrapper guesses the query form by regex and warns when it cannot; the server decides
            warnings.simplefilter("ignore", RuntimeWarning)
            wrapper.setQuery(prologue + text)
        if wrapper.isSparqlUpdateRequest():
            raise InputError(
                "this is an update, and kg only sends queries; `kg push` loads the graph", path=source or "query"
            )
        wrapper.addCustomHttpHeader("Accept", ACCEPT)
        for name, value in (self.credentials.headers() if self.credentials else {}).items():
            wrapper.addCustomHttpHeader(name, value)
        if self.graph:
            wrapper.addDefaultGraph(self.graph)
        try:
            response = wrapper.query().response
            media_type = response.headers.get_content_type() if response.headers.get("Content-Type") else ""
            body = response.read()
        except Exception as error:  # urllib, http.client and SPARQLWrapper errors alike
            status = http_status(error)  # reads the error's body, which can be read only once
            if status is None:
                raise endpoint_error(self.endpoint, error, timeout=self.timeout) from None
            if status[0] == 400:
                raise self._rejected(server_message(status[2]), source, prologue) from None
            raise http_status_error(self.location, *status) from None
        return result_from_answer(body, media_type, ordered=is_ordered(query), where=self.location)

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


def graph_iri(text: str) -> str:
    """Return ``text`` if it is an absolute IRI; raise InputError naming it if not.

    >>> graph_iri("https://w3id.org/npa-cyber-kg/graph")
    'https://w3id.org/npa-cyber-kg/graph'
    """
    import pyoxigraph

    try:
        return pyoxigraph.NamedNode(text).value
    except ValueError as error:
        raise InputError(f"graph name {text!r} is not an absolute IRI ({error})") from None
