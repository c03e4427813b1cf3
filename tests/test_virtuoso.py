"""The graph on a real Virtuoso 7.2: `kg push` with HTTP Digest, every named query by `kg query --endpoint`,
and the guard against answers cut at the server's row cap (ResultSetMaxRows).

The servers are private ones (tests/virtuoso_server.py): their own virtuoso.ini in a temporary
folder, on free loopback ports, stopped by their PID.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.answers import answer_key
from kg.build import BuildReport
from kg.errors import EndpointError
from kg.graph import KnowledgeGraph
from kg.push import push
from kg.queries import catalog
from kg.results import QueryResult
from kg.store.remote import RemoteStore
from kg.store.transport import ENV_AUTH, ENV_FILE, ENV_PASSWORD, ENV_TOKEN, ENV_USER, Credentials
from kg.virtuoso import DBA, VirtuosoServer
from tests.helpers import SHIPPED, run_kg
from tests.virtuoso_server import SMALL_CAP

GRAPH = "https://w3id.org/npa-cyber-kg/test/virtuoso"
DIGEST = Credentials(user=DBA[0], password=DBA[1], scheme="digest")
ALL_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(autouse=True)
def no_ambient_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own credentials (environment, ~/.config/kg) out of these tests."""
    for name in (ENV_USER, ENV_PASSWORD, ENV_TOKEN, ENV_AUTH):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(ENV_FILE, str(tmp_path / "no-endpoints.toml"))


@pytest.fixture(scope="session")
def on_virtuoso(virtuoso: VirtuosoServer, built: BuildReport, store_home: Path) -> VirtuosoServer:
    """The built graph pushed into a named graph of the session's Virtuoso (Graph Store Protocol, Digest)."""
    push(virtuoso.graph_store_url, graph=GRAPH, store=store_home, credentials=DIGEST, count_url=virtuoso.sparql_url)
    return virtuoso


def cli_env(kg_env: dict[str, str]) -> dict[str, str]:
    """The environment of a `kg` command that must not fall back on the embedded store."""
    return {**kg_env, "KG_STORE": "/nonexistent"}


@pytest.mark.parametrize("name", sorted(catalog(SHIPPED.queries)))
def test_every_named_query_gives_the_embedded_answer_on_virtuoso(
    name: str, on_virtuoso: VirtuosoServer, graph: KnowledgeGraph, kg_env: dict[str, str]
) -> None:
    import pyoxigraph

    from kg.store.base import is_ordered

    answered = run_kg(
        "query", name, "--format", "json", "--endpoint", on_virtuoso.sparql_url, "--graph", GRAPH, env=cli_env(kg_env)
    )
    assert answered.returncode == 0, answered.stderr
    embedded = graph.query(name)
    if embedded.kind == "graph":
        pytest.skip("kg query --format json is for SELECT and ASK")
    parsed = pyoxigraph.parse_query_results(answered.stdout.encode(), format=pyoxigraph.QueryResultsFormat.JSON)
    remote = QueryResult.from_oxigraph(parsed, ordered=is_ordered(catalog(SHIPPED.queries)[name].text))
    assert answer_key(remote) == answer_key(embedded)


def test_push_with_digest_replaces_the_graph_and_the_server_holds_every_triple(
    virtuoso: VirtuosoServer, built: BuildReport, store_home: Path, kg_env: dict[str, str]
) -> None:
    target = GRAPH + "/twice"
    env = {**kg_env, ENV_USER: DBA[0], ENV_PASSWORD: DBA[1], ENV_AUTH: "digest"}
    for _ in range(2):  # the graph is replaced, not added to; the second push counts by reading the graph back
        pushed = run_kg("push", "--endpoint", virtuoso.graph_store_url, "--graph", target, "--quiet", env=env)
        assert pushed.returncode == 0, pushed.stderr
        assert pushed.stdout.strip().endswith(f"the server holds {built.triples}")
    store = RemoteStore(virtuoso.sparql_url, graph=target)
    assert store.execute(ALL_TRIPLES).rows == [(built.triples,)]
    # Virtuoso's own triples (about 2,500 in a fresh database) stay outside the named graph
    assert RemoteStore(virtuoso.sparql_url).execute(ALL_TRIPLES).rows[0][0] > built.triples
    # the same account over Basic is refused (the endpoint wants Digest; Virtuoso closes the connection while
    # the graph is sent), in one line and without the password
    basic = run_kg(
        "push",
        "--endpoint",
        virtuoso.graph_store_url,
        "--graph",
        target,
        "--quiet",
        env={**env, ENV_AUTH: "basic", ENV_PASSWORD: "not-dba-SECRET"},
    )
    assert basic.returncode == 2 and len(basic.stderr.strip().splitlines()) == 1
    # Virtuoso answers Basic on its Digest endpoint with a 401 or by closing the connection
    refused = ("closed the connection while kg was sending", "HTTP 401")
    assert any(text in basic.stderr for text in refused) and "not-dba-SECRET" not in basic.stderr


def test_queries_authenticate_with_digest_too(on_virtuoso: VirtuosoServer, built: BuildReport) -> None:
    store = RemoteStore(f"{on_virtuoso.base_url}/sparql-auth", graph=GRAPH, credentials=DIGEST)
    assert store.execute(ALL_TRIPLES).rows == [(built.triples,)]
    wrong = RemoteStore(
        f"{on_virtuoso.base_url}/sparql-auth",
        graph=GRAPH,
        credentials=Credentials(user="dba", password="wrong-SECRET", scheme="digest"),
    )
    with pytest.raises(EndpointError) as refused:
        wrong.execute(ALL_TRIPLES)
    assert "HTTP 401" in str(refused.value) and "wrong-SECRET" not in str(refused.value)


def test_an_answer_cut_at_the_row_cap_fails_naming_the_cap(
    virtuoso_capped: VirtuosoServer, built: BuildReport, store_home: Path
) -> None:
    push(
        virtuoso_capped.graph_store_url,
        graph=GRAPH,
        store=store_home,
        credentials=DIGEST,
        count_url=virtuoso_capped.sparql_url,
    )
    store = RemoteStore(virtuoso_capped.sparql_url, graph=GRAPH)
    with pytest.raises(EndpointError) as cut:
        store.execute("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    message = str(cut.value)
    assert f"row cap of {SMALL_CAP} rows" in message and f"{built.triples} were due" in message
    assert "ResultSetMaxRows" in message and "\n" not in message
    # an answer that only reaches the cap because the query asks for that many rows is complete
    assert len(store.execute(f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {SMALL_CAP}")) == SMALL_CAP
    assert len(store.execute(f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {SMALL_CAP - 1}")) == SMALL_CAP - 1
    # and through the command line, one line and a non-zero exit
    answered = run_kg(
        "query",
        "SELECT ?s WHERE { ?s ?p ?o }",
        "--endpoint",
        virtuoso_capped.sparql_url,
        "--graph",
        GRAPH,
        env={**os.environ, "KG_STORE": "/nonexistent"},
    )
    assert answered.returncode == 2
    assert answered.stderr.strip().splitlines() == [f"kg query: error: {message}"]


def test_bulk_push_loads_the_same_graph_through_virtuosos_loader(
    virtuoso: VirtuosoServer, built: BuildReport, graph: KnowledgeGraph, kg_env: dict[str, str]
) -> None:
    target = GRAPH + "/bulk"
    env = {**kg_env, ENV_USER: DBA[0], ENV_PASSWORD: DBA[1], ENV_AUTH: "digest"}
    pushed = run_kg(
        "push",
        "--bulk",
        str(virtuoso.folder),
        "--isql-port",
        str(virtuoso.sql_port),
        "--endpoint",
        virtuoso.graph_store_url,
        "--graph",
        target,
        "--count-endpoint",
        virtuoso.sparql_url,
        "--quiet",
        env=env,
    )
    assert pushed.returncode == 0, pushed.stderr
    assert "(bulk, 1 request, " in pushed.stdout and pushed.stdout.strip().endswith(f"the server holds {built.triples}")
    assert not list(virtuoso.folder.glob(".kg-bulk-*"))  # the file the server read is gone
    remote = RemoteStore(virtuoso.sparql_url, graph=target)
    queries = catalog(SHIPPED.queries)
    differing = [
        name
        for name in sorted(queries)
        if answer_key(remote.execute(queries[name].text)) != answer_key(graph.query(name))
    ]
    assert differing == []
    # the server reads the file itself: a server on another host is refused before anything is written
    refused = run_kg(
        "push",
        "--bulk",
        str(virtuoso.folder),
        "--endpoint",
        "http://192.0.2.1:8890/sparql-graph-crud-auth",
        "--graph",
        target,
        "--quiet",
        env=env,
    )
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "kg push: error: --bulk loads a file the server reads itself: only for a server on this host, not 192.0.2.1"
    ]


def _processes_showing(secret: str) -> list[str]:
    """The processes whose command line or environment holds ``secret`` (those this user may read)."""
    found = []
    for folder in Path("/proc").glob("[0-9]*"):
        for part in ("cmdline", "environ"):
            try:
                if secret.encode() in (folder / part).read_bytes():
                    found.append(f"{folder.name}/{part}")
            except OSError:  # gone, or another user's
                continue
    return found


@pytest.fixture
def private_virtuoso(tmp_path: Path) -> Iterator[VirtuosoServer]:
    """A Virtuoso of this test's own: after refused logins, Virtuoso refuses every login from the
    host for a few seconds, which must not reach the session's server."""
    from tests.virtuoso_server import running_virtuoso

    yield from running_virtuoso(tmp_path / "virtuoso", buffers=2000)


@pytest.mark.slow
def test_isql_gets_the_password_on_its_input_never_on_its_command_line(private_virtuoso: VirtuosoServer) -> None:
    import secrets
    import threading
    import time

    from kg.virtuoso import VirtuosoError, run_isql

    server = private_virtuoso
    user, password = f"kg_isql_{secrets.token_hex(4)}", f"Pw-{secrets.token_hex(8)}"
    server.isql(f"USER_CREATE('{user}', '{password}');")
    seen: list[str] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.extend(_processes_showing(password))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        # isql runs for two seconds, logged in as the new account with its own password
        output = run_isql(server.sql_port, "delay(2);\nSELECT 'kg-ok', 1 + 1;\n", user=user, password=password)
    finally:
        done.set()
        watcher.join()
    assert "kg-ok" in output
    assert seen == []
    with pytest.raises(VirtuosoError) as refused:
        run_isql(server.sql_port, "SELECT 'kg-ok', 1 + 1;\n", user=user, password="not-" + password, timeout=60)
    message = str(refused.value)
    assert f"refused user '{user}'" in message and "Bad login" in message and password not in message
