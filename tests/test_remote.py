"""The graph on a remote SPARQL store: `kg push`, `kg query --endpoint`, `kg serve`, and credentials.

Everything talks to real servers on 127.0.0.1: an `oxigraph serve` (tests/oxigraph_server.py),
`kg serve` itself, and — only for credentials, which no local SPARQL server checks — a small
HTTP server that records the Authorization header and refuses every request.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import kg
from kg.answers import answer_key, inference_dependent_queries
from kg.build import BuildReport, Sources
from kg.errors import EndpointError, InputError, KgError, QuerySyntaxError
from kg.push import push
from kg.queries import catalog
from kg.serve import OxigraphServer, Service, free_port, serve
from kg.store.remote import RemoteStore
from kg.store.transport import ENV_FILE, ENV_PASSWORD, ENV_TOKEN, ENV_USER
from tests.helpers import SHIPPED, run_kg
from tests.oxigraph_server import child_processes, kg_serve_process, process_exists

GRAPH = "https://w3id.org/npa-cyber-kg/test/pushed"
# a cross join whose every row costs a string comparison: minutes of work, unless cut
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(STR(?c) != STR(?f)) }"
ALL_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
BLANK_NODE_LINKS = "SELECT (COUNT(*) AS ?n) WHERE { ?x ?p ?list . ?list rdf:first ?first . FILTER(isBlank(?list)) }"


@pytest.fixture(autouse=True)
def no_ambient_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own credentials (environment, ~/.config/kg) out of these tests."""
    for name in (ENV_USER, ENV_PASSWORD, ENV_TOKEN):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(ENV_FILE, str(tmp_path / "no-endpoints.toml"))


@pytest.fixture(scope="session")
def remote(oxigraph_server: OxigraphServer, built: BuildReport, store_home: Path) -> Iterator[kg.KnowledgeGraph]:
    """The built graph pushed into a named graph of the Oxigraph server, opened through the API."""
    push(f"{oxigraph_server.url}/store", graph=GRAPH, store=store_home)
    with kg.open_graph(endpoint=f"{oxigraph_server.url}/query", graph=GRAPH) as opened:
        yield opened


@pytest.fixture(scope="module")
def served(built: BuildReport, store_home: Path) -> Iterator[Service]:
    """`kg serve` (the library call) on the built store: read-only, 1 s per query, answers cut at 0.5 MB."""
    with serve(store_home, port=0, timeout=1, max_result_mb=0.5) as service:
        yield service


# parametrised over whatever named queries exist when the tests are collected
@pytest.mark.parametrize("name", sorted(catalog(SHIPPED.queries)))
def test_every_named_query_gives_the_same_answer_remotely(
    name: str, remote: kg.KnowledgeGraph, graph: kg.KnowledgeGraph
) -> None:
    embedded = graph.query(name)
    answered = remote.query(name)
    assert answer_key(answered) == answer_key(embedded)


def test_push_sends_every_triple_and_a_second_push_replaces_not_adds(
    oxigraph_server: OxigraphServer, built: BuildReport, store_home: Path
) -> None:
    target = GRAPH + "/twice"
    heard: list[str] = []
    first = push(f"{oxigraph_server.url}/store", graph=target, store=store_home, progress=heard.append)
    second = push(f"{oxigraph_server.url}/store", graph=target, store=store_home)
    assert first.triples == second.triples == built.triples
    assert heard[-2:] == [
        f"sent {built.triples}/{built.triples} triples (1 request)",
        f"counting the triples of graph <{target}> at {oxigraph_server.url}/store",
    ]
    assert first.held == second.held == built.triples
    with kg.open_graph(endpoint=f"{oxigraph_server.url}/query", graph=target) as pushed:
        assert pushed.query(ALL_TRIPLES).rows == [(built.triples,)]


@pytest.mark.parametrize("protocol", ["gsp", "update"])
def test_a_push_in_many_batches_keeps_blank_nodes_whole(
    protocol: str, oxigraph_server: OxigraphServer, graph: kg.KnowledgeGraph, store_home: Path
) -> None:
    target = f"{GRAPH}/batched-{protocol}"
    url = f"{oxigraph_server.url}/{'store' if protocol == 'gsp' else 'update'}"
    heard: list[str] = []
    for _ in range(2):
        report = push(
            url,
            graph=target,
            protocol=protocol,
            store=store_home,
            batch_size=1000,
            progress=heard.append,
            count_url=f"{oxigraph_server.url}/query",
        )
    assert report.requests > 2
    assert sum("sent" in line for line in heard) == 2 * report.requests
    with kg.open_graph(endpoint=f"{oxigraph_server.url}/query", graph=target) as pushed:
        assert pushed.query(ALL_TRIPLES).rows == graph.query(ALL_TRIPLES).rows
        # the ontology's OWL lists are blank nodes; they must arrive linked as they are in the store
        assert pushed.query(BLANK_NODE_LINKS).rows == graph.query(BLANK_NODE_LINKS).rows


def test_push_into_the_default_graph(built: BuildReport, store_home: Path) -> None:
    with OxigraphServer(None) as server:
        # Oxigraph's update URL answers no queries: the count goes to its query URL
        push(f"{server.url}/update", protocol="update", store=store_home, count_url=f"{server.url}/query")
        with pytest.raises(EndpointError, match="give the server's query URL with --count-endpoint"):
            push(f"{server.url}/update", protocol="update", store=store_home)
        with kg.open_graph(endpoint=f"{server.url}/query") as pushed:
            assert pushed.query(ALL_TRIPLES).rows == [(built.triples,)]


def test_queries_that_need_the_builds_inferences_are_found(small_project: Path) -> None:
    cq = small_project / "queries" / "cq"
    # kg:issued is only ever inferred (the inverse of kg:issuedBy); a subclass path needs no inference
    (cq / "cq-needs-inverse.rq").write_text("SELECT ?a WHERE { kgr:test-agency kg:issued ?a }\n", encoding="utf-8")
    (cq / "cq-walks-subclasses.rq").write_text(
        "SELECT ?a WHERE { ?a a/rdfs:subClassOf* kg:Advisory ; kg:issuedBy kgr:test-agency }\n", encoding="utf-8"
    )
    (cq / "cq-needs-superclass.rq").write_text("SELECT ?o WHERE { ?o a kg:Organisation }\n", encoding="utf-8")
    sources = Sources.of(small_project)
    found = inference_dependent_queries(sources.files, sources.queries)
    assert "cq-needs-inverse" in found and "cq-needs-superclass" in found
    assert "cq-walks-subclasses" not in found


def test_construct_ask_bindings_and_labels_match_the_embedded_store(
    remote: kg.KnowledgeGraph, graph: kg.KnowledgeGraph
) -> None:
    construct = "CONSTRUCT { ?a kg:issuedBy ?o } WHERE { ?a kg:issuedBy ?o }"
    assert remote.query(construct).kind == "graph"
    assert answer_key(remote.query(construct)) == answer_key(graph.query(construct))
    # triples come in each store's own order, so the Turtle is compared line by line, unordered
    assert sorted(remote.query(construct).format("nt").splitlines()) == sorted(
        graph.query(construct).format("nt").splitlines()
    )
    assert remote.query("ASK { ?a a kg:Advisory }").boolean is True
    assert remote.query("ASK { ?a a kg:NoSuchClass }").boolean is False
    labelled = "SELECT ?label WHERE { ?thing rdfs:label ?label }"
    bound = {"thing": "kgr:org-npa"}
    assert answer_key(remote.query(labelled, bindings=bound)) == answer_key(graph.query(labelled, bindings=bound))
    assert remote.query(labelled, bindings=bound).rows
    iris = graph.query("SELECT ?a WHERE { ?a a kg:Advisory }").iris()
    assert remote.labels(iris, "ja") == graph.labels(iris, "ja") != {}


def test_hostile_binding_stays_one_literal_remotely(remote: kg.KnowledgeGraph) -> None:
    query = "SELECT ?s WHERE { ?s rdfs:label ?label }"
    result = remote.query(query, bindings={"label": '"x } ?s ?p ?o { "'})  # one quoted string, braces and all
    assert result.rows == []


def test_a_query_declaring_its_own_prefixes_keeps_them(remote: kg.KnowledgeGraph) -> None:
    mine = remote.query("PREFIX kg: <urn:mine#>\nSELECT ?x WHERE { BIND(kg:thing AS ?x) }")
    assert mine.rows == [("urn:mine#thing",)]
    # the other predeclared prefixes are still there
    assert remote.query("PREFIX kg: <urn:mine#>\nASK { kgr:org-npa ?p ?o }").boolean is True


def test_a_syntax_error_names_the_querys_own_line(remote: kg.KnowledgeGraph, graph: kg.KnowledgeGraph) -> None:
    broken = "SELECT ?s\nWHERE { ?s ?p }"
    with pytest.raises(QuerySyntaxError) as remotely:
        remote.query(broken)
    with pytest.raises(QuerySyntaxError) as locally:
        graph.query(broken)
    assert remotely.value.line == locally.value.line == 2
    assert "\n" not in str(remotely.value)


def test_updates_are_not_sent_as_queries(remote: kg.KnowledgeGraph) -> None:
    with pytest.raises(InputError, match="update"):
        remote.store.execute("PREFIX x: <urn:x#> INSERT DATA { x:a x:b x:c }")


def test_update_words_in_comments_do_not_turn_a_query_into_an_update(remote: kg.KnowledgeGraph) -> None:
    # SPARQLWrapper's own guess reads "add" on the second of two comment lines as an ADD update
    query = "# Which agencies\n# add advisories, move or load them?\nASK { kgr:org-npa ?p ?o }"
    assert remote.query(query).boolean is True


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "table"])
def test_kg_query_endpoint_prints_the_same_as_the_embedded_store(
    fmt: str, remote: kg.KnowledgeGraph, oxigraph_server: OxigraphServer, kg_env: dict[str, str]
) -> None:
    named = [query.name for query in catalog(SHIPPED.queries).values() if query.kind == "cq"]
    if not named:
        pytest.skip("no competency queries in queries/cq yet")
    name = named[0]
    local = run_kg("query", name, "--format", fmt, env=kg_env)
    distant = run_kg(
        "query",
        name,
        "--format",
        fmt,
        "--endpoint",
        f"{oxigraph_server.url}/query",
        "--graph",
        GRAPH,
        env={**kg_env, "KG_STORE": "/nonexistent"},
    )
    assert local.returncode == distant.returncode == 0, distant.stderr
    if fmt == "json":

        def rows(text: str) -> list[str]:
            return sorted(json.dumps(row, sort_keys=True) for row in json.loads(text)["results"]["bindings"])

        assert rows(distant.stdout) == rows(local.stdout)
    else:
        assert sorted(distant.stdout.splitlines()) == sorted(local.stdout.splitlines())


def test_read_only_serve_refuses_updates_and_pushes(served: Service, kg_env: dict[str, str]) -> None:
    form = urllib.parse.urlencode({"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(served.update_url, data=form), timeout=10)
    assert refused.value.code == 403
    pushed = run_kg("push", "--endpoint", served.store_url, "--quiet", env=kg_env)
    assert pushed.returncode == 2
    assert pushed.stderr.strip().splitlines() == [
        f"kg push: error: {served.store_url}: refused (HTTP 403 Forbidden: The server is read-only)"
    ]
    store = RemoteStore(served.query_url)
    assert store.execute("ASK { <urn:a> <urn:b> <urn:c> }").boolean is False
    # a query sent to the wrong URL gets the server's own reason, in one line
    with pytest.raises(EndpointError) as wrong:
        RemoteStore(served.update_url).execute("ASK {}")
    assert str(wrong.value) == f"{served.update_url}: refused (HTTP 403 Forbidden: The server is read-only)"


def test_the_time_limit_cuts_a_pathological_query_and_the_server_keeps_answering(served: Service) -> None:
    store = RemoteStore(served.query_url, timeout=60)
    started = time.monotonic()
    with pytest.raises(EndpointError) as cut:
        store.execute(PATHOLOGICAL)
    assert time.monotonic() - started < 20
    message = str(cut.value)
    assert message.startswith(f"{served.query_url}: the endpoint stopped the query at its time limit")
    assert "cancelled" in message and "\n" not in message
    assert store.execute("ASK { ?s ?p ?o }").boolean is True


def test_the_size_limit_cuts_a_large_answer_and_says_how_to_fix_it(served: Service, built: BuildReport) -> None:
    store = RemoteStore(served.query_url)
    with pytest.raises(EndpointError) as cut:
        store.execute("SELECT * WHERE { ?s ?p ?o }")
    assert "cut by kg serve at 500000 bytes" in str(cut.value) and "LIMIT" in str(cut.value)
    assert len(store.execute("SELECT * WHERE { ?s ?p ?o } LIMIT 100")) == 100
    assert store.execute(ALL_TRIPLES).rows == [(built.triples,)]


def test_serve_reports_a_port_in_use_in_one_line(built: BuildReport, store_home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(KgError, match=f"cannot listen on 127.0.0.1:{port}: Address already in use"):
            serve(store_home, port=port)


def test_writable_serve_accepts_updates_on_a_copy_and_never_writes_the_store(
    built: BuildReport, store_home: Path, graph: kg.KnowledgeGraph
) -> None:
    # no size limit: the relay still checks every request (tests/test_serve.py)
    with serve(store_home, port=0, writable=True, max_result_mb=0) as service:
        assert service.max_result_bytes is None
        form = urllib.parse.urlencode({"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}).encode()
        with urllib.request.urlopen(urllib.request.Request(service.update_url, data=form), timeout=10) as answer:
            assert answer.status in (200, 204)
        store = RemoteStore(service.query_url)
        assert store.execute("ASK { <urn:a> <urn:b> <urn:c> }").boolean is True
        assert store.execute(ALL_TRIPLES).rows == [(built.triples + 1,)]
        copy = service.backend.copy  # the store's backup of the build, served by `oxigraph serve`
        assert copy is not None and copy.is_dir() and not copy.is_relative_to(store_home)
    assert graph.query("ASK { <urn:a> <urn:b> <urn:c> }").boolean is False
    assert not copy.exists()  # removed with its changes when the server stopped


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_kg_serve_prints_a_working_curl_and_stops_cleanly(stop: signal.Signals, kg_env: dict[str, str]) -> None:
    with kg_serve_process(env=kg_env) as running:
        curl = next(line.strip() for line in running.banner if line.strip().startswith("curl "))
        answer = subprocess.run(shlex.split(curl), capture_output=True, text=True, timeout=30, check=True)
        assert answer.stdout.splitlines()[0] == "class,n"
        servers = child_processes(running.process.pid)
        assert len(servers) == 1 and process_exists(servers[0])
        running.process.send_signal(stop)
        assert running.process.wait(15) == 0
        assert running.process.stderr is not None
        assert running.process.stderr.read().decode().strip() == "kg serve: stopped"
        assert not process_exists(servers[0])
        port = int(running.url.rsplit(":", 1)[1])
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()


@pytest.mark.parametrize("command", [["query", "ASK {}"], ["push", "--quiet"], ["stats"]])
def test_an_unreachable_endpoint_is_one_line_naming_the_url(command: list[str], kg_env: dict[str, str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    result = run_kg(*command, "--endpoint", url, env=kg_env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"kg {command[0]}: error: {url}: cannot reach the endpoint (Connection refused)"
    ]


class RefusingHandler(BaseHTTPRequestHandler):
    """Record the Authorization header of every request, and answer with the next status of the
    server's ``answers`` (401 when there are none left)."""

    def answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append(self.headers.get("Authorization"))  # type: ignore[attr-defined]
        answers = self.server.answers  # type: ignore[attr-defined]
        status = answers.pop(0) if answers else 401
        body = {204: b"", 401: b"wrong credentials\n"}.get(status, b"out of space\n")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    """A ``handler`` serving on a free port of 127.0.0.1 in a thread, shut down on leaving."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture()
def refusing_server() -> Iterator[ThreadingHTTPServer]:
    """An HTTP server on 127.0.0.1 that records Authorization headers and answers 401."""
    with http_server(RefusingHandler) as server:
        server.seen = []  # type: ignore[attr-defined]
        server.answers = []  # type: ignore[attr-defined]
        yield server


_ROW = {"a": {"type": "uri", "value": "urn:x"}, "n": {"type": "literal", "value": "1", "xml:lang": "en"}}
#: Three rows, two of them equal: what Virtuoso 7.2 at times answers to a SELECT DISTINCT with an
#: unbound OPTIONAL (openlink/virtuoso-opensource#568).
REPEATED_ROWS = json.dumps({"head": {"vars": ["a", "n"]}, "results": {"bindings": [_ROW, {"a": _ROW["a"]}, _ROW]}})


class RepeatingHandler(BaseHTTPRequestHandler):
    """Answer every query with :data:`REPEATED_ROWS`."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = REPEATED_ROWS.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_distinct_answer_with_repeated_rows_is_given_once_each(kg_env: dict[str, str]) -> None:
    with http_server(RepeatingHandler) as server:
        store = RemoteStore(f"http://127.0.0.1:{server.server_address[1]}/sparql")
        once = [("urn:x", "1"), ("urn:x", None)]
        distinct = "# repeats\nSELECT DISTINCT ?a ?n WHERE { ?a ?p ?o OPTIONAL { ?a ?q ?n } }"
        assert store.execute(distinct).rows == once
        # without DISTINCT the repeats are the answer; a DISTINCT inside is not the query's own
        assert store.execute("SELECT ?a ?n WHERE { ?a ?p ?o OPTIONAL { ?a ?q ?n } }").rows == [*once, once[0]]
        assert len(store.execute("SELECT * WHERE { { SELECT DISTINCT ?a ?n WHERE { ?a ?p ?n } } }").rows) == 3
        printed = run_kg("query", distinct, "--endpoint", store.endpoint, "--format", "csv", env=kg_env)
        assert printed.returncode == 0, printed.stderr
        assert printed.stdout.splitlines() == ["a,n", "urn:x,1", "urn:x,"]


def test_basic_credentials_come_from_the_environment_and_are_never_echoed(
    refusing_server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch, kg_env: dict[str, str]
) -> None:
    url = f"http://127.0.0.1:{refusing_server.server_address[1]}/sparql"
    monkeypatch.setenv(ENV_USER, "analyst")
    monkeypatch.setenv(ENV_PASSWORD, "pa55-SECRET")
    expected = "Basic " + base64.b64encode(b"analyst:pa55-SECRET").decode()
    with pytest.raises(EndpointError) as refused:
        RemoteStore(url).execute("ASK {}")
    assert refusing_server.seen == [expected]  # type: ignore[attr-defined]
    assert str(refused.value).startswith(f"{url}: refused (HTTP 401 Unauthorized: wrong credentials)")
    env = {**kg_env, ENV_USER: "analyst", ENV_PASSWORD: "pa55-SECRET"}
    for result in (run_kg("query", "ASK {}", "--endpoint", url, env=env), run_kg("push", "--endpoint", url, env=env)):
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1 + ("pushing" in result.stderr)
        for secret in ("pa55-SECRET", expected.split()[1]):
            assert secret not in result.stderr + result.stdout + str(refused.value)


def test_a_bearer_token_comes_from_the_config_file_by_longest_url_prefix(
    refusing_server: ThreadingHTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    store_home: Path,
    built: BuildReport,
) -> None:
    base = f"http://127.0.0.1:{refusing_server.server_address[1]}"
    config = tmp_path / "endpoints.toml"
    config.write_text(f'["{base}"]\ntoken = "short-prefix"\n\n["{base}/kg/"]\ntoken = "tok-SECRET"\n', encoding="utf-8")
    monkeypatch.setenv(ENV_FILE, str(config))
    with pytest.raises(EndpointError) as refused:
        push(f"{base}/kg/data", graph=GRAPH, store=store_home)
    assert refusing_server.seen == ["Bearer tok-SECRET"]  # type: ignore[attr-defined]
    assert "tok-SECRET" not in str(refused.value) and str(config) in str(refused.value)
    # the environment wins over the file
    monkeypatch.setenv(ENV_TOKEN, "from-env")
    with pytest.raises(EndpointError):
        RemoteStore(f"{base}/kg/sparql").execute("ASK {}")
    assert refusing_server.seen[-1] == "Bearer from-env"  # type: ignore[attr-defined]


def test_a_push_that_fails_midway_says_how_far_it_got(
    refusing_server: ThreadingHTTPServer, store_home: Path, built: BuildReport
) -> None:
    refusing_server.answers = [204, 204, 507]  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{refusing_server.server_address[1]}/store"
    with pytest.raises(EndpointError) as failed:
        push(url, graph=GRAPH, store=store_home, batch_size=1000)
    assert str(failed.value) == (
        f"{url}: HTTP 507 Insufficient Storage: out of space; this was after 2000 of "
        f"{built.triples} triples were sent, so the remote graph is incomplete: push again"
    )


def test_a_malformed_config_file_names_the_file_not_its_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "endpoints.toml"
    config.write_text('["http://127.0.0.1:1/sparql"]\npassword = "pa55-SECRET\n', encoding="utf-8")
    monkeypatch.setenv(ENV_FILE, str(config))
    with pytest.raises(InputError) as bad:
        RemoteStore("http://127.0.0.1:1/sparql")
    assert str(bad.value).startswith(f"{config}: not a valid credentials file")
    assert "pa55-SECRET" not in str(bad.value)


def test_credentials_in_the_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(InputError) as refused:
        RemoteStore("http://analyst:pa55-SECRET@127.0.0.1:7878/query")
    assert "pa55-SECRET" not in str(refused.value) and "analyst" not in str(refused.value)
    assert str(refused.value).startswith("http://127.0.0.1:7878/query: put credentials in")


def test_a_graph_name_must_be_an_iri(oxigraph_server: OxigraphServer) -> None:
    with pytest.raises(InputError, match="not an absolute IRI"):
        kg.open_graph(endpoint=f"{oxigraph_server.url}/query", graph="not an iri")
    with pytest.raises(InputError, match="not an absolute IRI"):
        push(f"{oxigraph_server.url}/store", graph="> DROP ALL", store=SHIPPED.home / ".kg")


def test_the_oxigraph_fixture_server_is_a_real_separate_process(oxigraph_server: OxigraphServer) -> None:
    assert oxigraph_server.pid is not None and oxigraph_server.pid != os.getpid()
    assert process_exists(oxigraph_server.pid)
    with urllib.request.urlopen(f"{oxigraph_server.url}/query?query=ASK%7B%7D", timeout=10) as answer:
        assert answer.headers["Server"].startswith("Oxigraph/")
