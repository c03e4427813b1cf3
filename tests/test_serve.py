"""`kg serve` under hostile and heavy use: no outbound requests (SERVICE, LOAD), a time limit that
really stops the work and frees the CPU, bursts of 200 connections, pages of other origins
refused, the build it serves kept across rebuilds, strict options, and kg's query page.

Everything runs for real on 127.0.0.1: `kg serve` (the library call and the command), the
Oxigraph server behind it, a listener that records whether anything contacted it, Chromium."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kg.build import BuildReport
from kg.errors import EndpointError
from kg.serve import Service, serve
from kg.store.builds import current_build
from kg.store.remote import RemoteStore
from tests.browser import block_requests
from tests.helpers import SHIPPED, build_project, run_kg
from tests.oxigraph_server import child_processes, kg_serve_process, process_exists

CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def served(built: BuildReport, store_home: Path) -> Iterator[Service]:
    """`kg serve` on the built store: read-only, 2 s per query, answers cut at 1 MB."""
    with serve(store_home, port=0, timeout=2, max_result_mb=1, queries_folder=SHIPPED.queries) as service:
        yield service


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it gets (an "internal" service)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nINTERNAL SECRET")
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.socket.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    opened = Listener()
    try:
        yield opened
    finally:
        opened.close()


def request(
    url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 30
) -> tuple[int, dict[str, str], str]:
    """Send one request; return the status, headers and body (error statuses included)."""
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=data, headers=headers or {}), timeout=timeout
        ) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def query_url(service: Service, query: str) -> str:
    return f"{service.query_url}?{urllib.parse.urlencode({'query': query})}"


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) that process ``pid`` has used, from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- 6. no outbound requests ------------------------------------------------------------------


@pytest.mark.parametrize("keyword", ["SERVICE", "service", "SeRvIcE SILENT"])
def test_service_is_refused_with_a_4xx_and_contacts_nothing(served: Service, listener: Listener, keyword: str) -> None:
    query = f"SELECT * WHERE {{ ?x ?y ?z .{keyword} <http://127.0.0.1:{listener.port}/internal> {{ ?a ?b ?c }} }}"
    for sent in [
        {"url": query_url(served, query)},
        {"url": served.query_url, "data": urllib.parse.urlencode({"query": query}).encode()},
        {"url": served.query_url, "data": query.encode(), "headers": {"Content-Type": "application/sparql-query"}},
    ]:
        status, _, body = request(**sent)
        assert status == 400
        assert body == "kg serve: SERVICE is refused: this server makes no outbound requests\n"
    time.sleep(0.3)
    assert listener.connections == 0


def test_from_names_a_local_graph_and_fetches_nothing(served: Service, listener: Listener) -> None:
    status, _, body = request(
        query_url(served, f"SELECT * FROM <http://127.0.0.1:{listener.port}/x> WHERE {{ ?s ?p ?o }} LIMIT 1"),
        headers={"Accept": "application/sparql-results+json"},
    )
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    assert listener.connections == 0


def test_writable_serve_refuses_load_and_service_in_updates(
    built: BuildReport, store_home: Path, listener: Listener
) -> None:
    with serve(store_home, port=0, writable=True, max_result_mb=0) as service:
        for update in [
            f"LOAD <http://127.0.0.1:{listener.port}/data.ttl>",
            f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}",
        ]:
            status, _, body = request(service.update_url, data=urllib.parse.urlencode({"update": update}).encode())
            assert status == 400 and "is refused: this server makes no outbound requests" in body
    assert listener.connections == 0


def test_kg_query_refuses_service_on_the_built_store_in_one_line(kg_env: dict[str, str], listener: Listener) -> None:
    result = run_kg(
        "query", f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}", env=kg_env
    )
    assert result.returncode == 2
    assert (
        result.stderr
        == "kg query: error: query: SERVICE is refused: kg makes no outbound requests from the built store\n"
    )
    assert listener.connections == 0


# --- 7. the time limit frees the CPU ----------------------------------------------------------


@pytest.mark.slow
def test_a_query_past_the_time_limit_is_stopped_its_cpu_freed_and_the_server_answers(served: Service) -> None:
    before = served.server.pid
    assert before is not None
    store = RemoteStore(served.query_url, timeout=60)
    started = time.monotonic()
    with pytest.raises(EndpointError) as stopped:
        store.execute(CROSS_JOIN)
    elapsed = time.monotonic() - started
    assert elapsed < 2 + 2 + 5
    assert "time limit" in str(stopped.value) and "2 s" in str(stopped.value)
    # the process that ran it is gone; the one now serving is idle
    assert not process_exists(before)
    now = served.server.pid
    assert now is not None and now != before
    servers = [pid for pid in child_processes(os.getpid()) if pid == now]
    assert servers == [now]
    first = cpu_seconds(now)
    time.sleep(2)
    assert cpu_seconds(now) - first < 0.3
    assert store.execute("ASK { ?s ?p ?o }").boolean is True


def test_kg_serve_itself_keeps_running_after_it_stopped_an_overrunning_query(kg_env: dict[str, str]) -> None:
    with kg_serve_process("--timeout", "1", env=kg_env) as running:
        status, _, body = request(f"{running.url}/query?{urllib.parse.urlencode({'query': CROSS_JOIN})}")
        assert status == 503 and "time limit of 1 s" in body
        status, _, body = request(
            f"{running.url}/query?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"}
        )
        assert status == 200 and json.loads(body)["boolean"] is True
        assert running.process.poll() is None


# --- 8. bursts --------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_relay_holds_200_simultaneous_connections_without_a_reset(served: Service) -> None:
    # answers of some 300 kB: kg's earlier relay (a listen queue of 5) reset most of such a burst
    form = urllib.parse.urlencode({"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 2000"}).encode()
    barrier = threading.Barrier(200)
    outcomes: list[str] = []

    def one() -> None:
        barrier.wait()
        try:
            status, _, body = request(
                served.query_url, data=form, timeout=150, headers={"Accept": "application/sparql-results+json"}
            )
            rows = len(json.loads(body)["results"]["bindings"]) if status == 200 else 0
            outcomes.append("ok" if rows == 2000 else f"status {status}: {body[:100]}")
        except OSError as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=one) for _ in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert outcomes.count("ok") == 200, {outcome: outcomes.count(outcome) for outcome in set(outcomes)}


# --- 9. other origins -------------------------------------------------------------------------


def test_pages_of_other_origins_and_other_host_names_are_refused(served: Service) -> None:
    url = query_url(served, "ASK {}")
    status, headers, body = request(url, headers={"Origin": "http://evil.example"})
    assert status == 403 and "Access-Control-Allow-Origin" not in headers
    assert body == (
        "kg serve: requests from web pages of other origins are refused (Origin: http://evil.example); "
        "start kg serve with --allow-origin http://evil.example to allow that origin\n"
    )
    assert request(url, headers={"Sec-Fetch-Site": "cross-site"})[0] == 403
    assert request(url, headers={"Host": f"evil.example:{served.url.rsplit(':', 1)[1]}"})[0] == 403
    # the server's own page, curl and kg itself are served
    assert request(url, headers={"Origin": served.url, "Sec-Fetch-Site": "same-origin"})[0] == 200
    assert request(url)[0] == 200


def test_an_allowed_origin_gets_cors_headers_and_preflights(built: BuildReport, store_home: Path) -> None:
    with serve(store_home, port=0, allow_origins=("https://analyst.example",)) as service:
        url = query_url(service, "ASK {}")
        status, headers, _ = request(url, headers={"Origin": "https://analyst.example"})
        assert status == 200 and headers["Access-Control-Allow-Origin"] == "https://analyst.example"
        preflight = urllib.request.Request(
            service.query_url,
            method="OPTIONS",
            headers={"Origin": "https://analyst.example", "Access-Control-Request-Method": "POST"},
        )
        with urllib.request.urlopen(preflight, timeout=10) as answer:
            assert answer.status == 204 and "POST" in answer.headers["Access-Control-Allow-Methods"]
        assert request(url, headers={"Origin": "https://other.example"})[0] == 403


# --- 5. the build served survives a rebuild ---------------------------------------------------


def test_serve_keeps_its_build_through_a_rebuild_and_says_so(small_project: Path) -> None:
    store = small_project / ".kg"
    build_project(small_project, validate=False)
    with kg_serve_process(env=os.environ.copy()) as running:
        served_build = current_build(store)
        assert str(served_build) in running.banner[0]
        assert any("kept until kg serve stops" in line for line in running.banner)
        rebuilt = run_kg("build", "--force", "--no-validate", "--quiet")
        assert rebuilt.returncode == 0
        assert f"kept builds/{served_build.name}: a running kg serve or query still reads it" in rebuilt.stderr
        assert current_build(store) != served_build and served_build.is_dir()
        status, _, body = request(
            f"{running.url}/query?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D",
            headers={"Accept": "application/sparql-results+json"},
        )
        assert status == 200 and json.loads(body)["boolean"] is True
    assert run_kg("build", "--force", "--no-validate", "--quiet").returncode == 0
    assert not served_build.exists()


# --- 16, 17. strict options, the port checked before the banner -------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--port", "99999"),
        ("--port", "-1"),
        ("--max-result-mb", "nan"),
        ("--max-result-mb", "-2"),
        ("--timeout", "0"),
        ("--allow-origin", "evil.example"),
    ],
)
def test_bad_serve_options_are_one_line_errors(option: str, value: str, kg_env: dict[str, str]) -> None:
    result = run_kg("serve", f"{option}={value}", env=kg_env, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    # argparse's usage, then one line naming the option and the value
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(("kg serve: error: argument", "kg serve: error: --"))
    assert option in result.stderr.strip().splitlines()[-1]
    assert value in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("size", ["0", "32"])
def test_a_busy_port_is_reported_before_the_banner(size: str, kg_env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_kg("serve", "--port", str(port), "--max-result-mb", size, env=kg_env, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"kg serve: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


# --- #15. the query page ----------------------------------------------------------------------


def test_the_query_page_knows_kgs_prefixes_and_named_queries_and_needs_no_network(served: Service) -> None:
    from kg.namespaces import PREFIXES
    from kg.queries import catalog

    status, headers, page = request(f"{served.url}/")
    assert status == 200 and "default-src 'none'" in headers["Content-Security-Policy"]
    assert '<script src="/yasgui.min.js">' in page and "http" not in page.replace("http-equiv", "")
    status, _, data = request(f"{served.url}/kg/queries.json")
    document = json.loads(data)
    assert document["prefixes"] == PREFIXES
    assert [query["name"] for query in document["queries"]] == list(catalog(SHIPPED.queries))
    for asset in ("/yasgui.min.js", "/yasgui.min.css", "/kg/query.js"):
        assert request(f"{served.url}{asset}")[0] == 200, asset


def test_the_query_page_runs_a_named_query_in_chromium_without_leaving_the_server(
    served: Service, browser: Any
) -> None:
    from playwright.sync_api import TimeoutError as PageTimeout

    from kg.queries import catalog

    elsewhere: list[str] = []
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        block_requests(context, allowed=(served.url + "/",), blocked=elsewhere)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.goto(f"{served.url}/")
        try:
            page.wait_for_selector("button.named-query", timeout=60_000)
        except PageTimeout:
            pytest.fail(f"no named queries on the page: {errors} {console} {elsewhere}")
        assert page.locator("button.named-query").count() == len(catalog(SHIPPED.queries))
        page.fill("#filter", "blacktech")
        page.locator("button.named-query", has_text="BlackTech").first.click()
        text = page.evaluate("() => window.kgYasgui.getTab().getYasqe().getValue()")
        assert text.startswith("PREFIX kg: <https://w3id.org/npa-cyber-kg/ontology#>")
        page.evaluate("() => window.kgYasgui.getTab().getYasqe().query()")
        page.wait_for_selector(".yasr table tbody tr", timeout=60_000)
        assert page.locator(".yasr table tbody tr").count() >= 1
        page.screenshot(path=str(Path(__file__).parent / "artifacts" / "serve-query-page.png"))
    finally:
        context.close()
    assert errors == []
    assert elsewhere == []


def test_kg_serve_names_its_query_page_and_the_page_it_serves_offers_prefixes_and_named_queries(
    kg_env: dict[str, str],
) -> None:
    from kg.namespaces import KG

    with kg_serve_process(env=kg_env) as running:
        [line] = [line for line in running.banner if line.strip().startswith("query page")]
        page_url = line.split()[2]
        assert page_url == f"{running.url}/"
        status, headers, page = request(page_url)
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert "kg named queries" in page and '<script src="/kg/query.js"' in page
        # the page's data, as its script fetches it from the same server
        status, _, data = request(urllib.parse.urljoin(page_url, "/kg/queries.json"))
        assert status == 200
        document = json.loads(data)
        assert document["prefixes"]["kg"] == KG and document["prefixes"]["kgr"].endswith("/id/")
        named = {query["name"]: query for query in document["queries"]}
        issuers = named["cq-r5a-blacktech-advisory-issuers"]
        assert "BlackTech" in issuers["question_en"] and issuers["question_ja"] and "SELECT" in issuers["text"]
