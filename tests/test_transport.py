"""Credentials and hostile servers (issue #12 items 11-13), against real HTTP servers on 127.0.0.1.

Each server is a standard-library ThreadingHTTPServer whose routes answer as a misbehaving or
hostile SPARQL server would: redirect elsewhere, turn a POST into a GET, say "done" without
storing anything, or send terminal escape codes and the client's own Authorization header back.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kg.build import BuildReport
from kg.errors import EndpointError
from kg.push import push
from kg.store.remote import RemoteStore
from kg.store.transport import (
    ENV_AUTH,
    ENV_FILE,
    ENV_PASSWORD,
    ENV_TOKEN,
    ENV_USER,
    Credentials,
    clean_text,
    credentials_for,
)
from tests.helpers import run_kg

#: A route answers (status, headers, body) for the request the handler received.
Route = Callable[["Handler", bytes], tuple[int, dict[str, str], bytes]]
SECRET = "tok-SECRET-4711"
PASSWORD = "pa55-SECRET-0815"


@dataclass
class Seen:
    """One request a server received."""

    method: str
    path: str
    authorization: str | None
    body: bytes


@dataclass
class Server:
    """A loopback HTTP server: its URL, its routes (path → answer) and every request it received."""

    url: str
    routes: dict[str, Route]
    seen: list[Seen] = field(default_factory=list)


class Handler(BaseHTTPRequestHandler):
    server: Any

    def answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        record: Server = self.server.record
        path = self.path.split("?", 1)[0]
        record.seen.append(Seen(self.command, self.path, self.headers.get("Authorization"), body))
        route = record.routes.get(path)
        status, headers, content = route(self, body) if route else (404, {}, b"no such path\n")
        self.send_response(status)
        for name, value in {"Content-Type": "text/plain", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture()
def servers() -> Iterator[Callable[[], Server]]:
    """Start loopback servers on demand (each on its own free port); stop them all at the end."""
    running: list[tuple[ThreadingHTTPServer, threading.Thread]] = []

    def start() -> Server:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.record = Server(f"http://127.0.0.1:{httpd.server_address[1]}", {})  # type: ignore[attr-defined]
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        running.append((httpd, thread))
        return httpd.record  # type: ignore[attr-defined,no-any-return]

    yield start
    for httpd, thread in running:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


@pytest.fixture(autouse=True)
def no_ambient_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (ENV_USER, ENV_PASSWORD, ENV_TOKEN, ENV_AUTH):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(ENV_FILE, str(tmp_path / "no-endpoints.toml"))


def redirect(target: str, status: int = 302) -> Route:
    return lambda handler, body: (status, {"Location": target}, b"moved\n")


def results(n: int) -> Route:
    answer = {
        "head": {"vars": ["n"]},
        "results": {
            "bindings": [
                {"n": {"type": "literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": str(n)}}
            ]
        },
    }
    return lambda handler, body: (200, {"Content-Type": "application/sparql-results+json"}, json.dumps(answer).encode())


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


CREDENTIALS = {
    "bearer": ({ENV_TOKEN: SECRET}, f"Bearer {SECRET}"),
    "basic": ({ENV_USER: "analyst", ENV_PASSWORD: PASSWORD}, basic("analyst", PASSWORD)),
}


# --- item 11: credentials never cross origins -----------------------------------------------------


@pytest.mark.parametrize("scheme", sorted(CREDENTIALS))
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_query_redirected_to_another_origin_is_refused_and_sends_it_nothing(
    scheme: str, status: int, servers: Callable[[], Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere, endpoint = servers(), servers()
    elsewhere.routes["/sparql"] = results(1)
    endpoint.routes["/redirect"] = redirect(f"{elsewhere.url}/sparql", status)
    variables, header = CREDENTIALS[scheme]
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(EndpointError) as refused:
        RemoteStore(f"{endpoint.url}/redirect").execute("ASK {}")
    assert [seen.authorization for seen in endpoint.seen] == [header]
    assert elsewhere.seen == []  # nothing at all reached the other origin
    message = str(refused.value)
    assert message.startswith(
        f"{endpoint.url}/redirect: the server redirects (HTTP {status}) to another origin, {elsewhere.url}/sparql"
    )
    assert "\n" not in message and SECRET not in message and PASSWORD not in message


def test_the_command_line_refuses_the_redirect_in_one_line(
    servers: Callable[[], Server], kg_env: dict[str, str]
) -> None:
    elsewhere, endpoint = servers(), servers()
    elsewhere.routes["/sparql"] = results(1)
    endpoint.routes["/redirect"] = redirect(f"{elsewhere.url}/sparql")
    for variables, _ in CREDENTIALS.values():
        answered = run_kg("query", "ASK {}", "--endpoint", f"{endpoint.url}/redirect", env={**kg_env, **variables})
        assert answered.returncode == 2
        lines = answered.stderr.strip().splitlines()
        assert len(lines) == 1 and "redirects (HTTP 302) to another origin" in lines[0]
        assert SECRET not in answered.stderr and PASSWORD not in answered.stderr
    assert elsewhere.seen == []


def test_another_port_of_the_same_host_is_another_origin(
    servers: Callable[[], Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = servers()
    same_host_other_port = servers()
    same_host_other_port.routes["/sparql"] = results(1)
    endpoint.routes["/sparql"] = redirect(same_host_other_port.url.replace("127.0.0.1", "localhost") + "/sparql")
    monkeypatch.setenv(ENV_TOKEN, SECRET)
    with pytest.raises(EndpointError, match="to another origin"):
        RemoteStore(f"{endpoint.url}/sparql").execute("ASK {}")
    assert same_host_other_port.seen == []


def test_a_push_redirected_to_another_origin_sends_neither_data_nor_credentials(
    servers: Callable[[], Server], store_home: Path, built: BuildReport
) -> None:
    elsewhere, endpoint = servers(), servers()
    elsewhere.routes["/store"] = lambda handler, body: (204, {}, b"")
    endpoint.routes["/store"] = redirect(f"{elsewhere.url}/store", 307)
    with pytest.raises(EndpointError) as refused:
        push(f"{endpoint.url}/store", graph="urn:g", store=store_home, credentials=Credentials(token=SECRET))
    assert elsewhere.seen == []
    assert "to another origin" in str(refused.value) and SECRET not in str(refused.value)


def test_digest_credentials_stay_with_the_endpoints_origin(servers: Callable[[], Server]) -> None:
    """Digest answers a challenge; a redirect after it must not carry the answer to the other origin."""
    elsewhere, endpoint = servers(), servers()
    elsewhere.routes["/sparql"] = results(1)

    def challenge_then_redirect(handler: Handler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if handler.headers.get("Authorization", "").startswith("Digest "):
            return 302, {"Location": f"{elsewhere.url}/sparql"}, b""
        return 401, {"WWW-Authenticate": 'Digest realm="SPARQL", nonce="abc", qop="auth", algorithm="MD5"'}, b""

    endpoint.routes["/sparql-auth"] = challenge_then_redirect
    digest = Credentials(user="dba", password=PASSWORD, scheme="digest")
    with pytest.raises(EndpointError, match="another origin"):
        RemoteStore(f"{endpoint.url}/sparql-auth", credentials=digest).execute("ASK {}")
    assert endpoint.seen[-1].authorization and endpoint.seen[-1].authorization.startswith('Digest username="dba"')
    assert all(seen.authorization is None for seen in elsewhere.seen)


# --- item 12: a push is confirmed by what the server holds -------------------------------------------


def test_a_303_that_turns_the_update_into_a_get_fails_the_push(
    servers: Callable[[], Server], kg_env: dict[str, str]
) -> None:
    endpoint = servers()
    endpoint.routes["/update"] = redirect("/done", 303)
    endpoint.routes["/done"] = lambda handler, body: (200, {}, b"ok\n")
    pushed = run_kg("push", "--protocol", "update", "--endpoint", f"{endpoint.url}/update", "--quiet", env=kg_env)
    assert pushed.returncode == 2, pushed.stdout
    assert pushed.stderr.strip().splitlines() == [
        f"kg push: error: {endpoint.url}/update: the server answers HTTP 303 See Other, redirecting the POST to "
        f"{endpoint.url}/done as a GET, so what was sent would not arrive; use the URL the server names"
    ]
    assert [seen.method for seen in endpoint.seen] == ["POST"]  # the GET was never sent
    assert "pushed" not in pushed.stdout


@pytest.mark.parametrize("protocol", ["gsp", "update"])
def test_a_server_that_says_done_but_stores_nothing_fails_the_push(
    protocol: str, servers: Callable[[], Server], kg_env: dict[str, str], built: BuildReport
) -> None:
    endpoint = servers()
    endpoint.routes["/data"] = lambda handler, body: (
        (200, {"Content-Type": "text/turtle"}, b"") if handler.command == "GET" else (204, {}, b"")
    )
    endpoint.routes["/sparql"] = lambda handler, body: (
        results(0)(handler, body) if b"query=" in body else (204, {}, b"")
    )
    url = f"{endpoint.url}/{'data' if protocol == 'gsp' else 'sparql'}"
    pushed = run_kg("push", "--protocol", protocol, "--endpoint", url, "--graph", "urn:g", "--quiet", env=kg_env)
    assert pushed.returncode == 2
    assert pushed.stderr.strip().splitlines() == [
        f"kg push: error: {url}: the server holds 0 triples in graph <urn:g> after the push, not the "
        f"{built.triples} sent: it did not store the graph as sent (check its logs and permissions), then push again"
    ]
    # the count came from the server: a GET of the graph (gsp) or a COUNT query (update)
    assert endpoint.seen[-1].method == ("GET" if protocol == "gsp" else "POST")


# --- item 13: server text is cleaned and credentials redacted ------------------------------------------


def hostile(handler: Handler, body: bytes) -> tuple[int, dict[str, str], bytes]:
    echoed = handler.headers.get("Authorization", "")
    text = f"\x1b[2J\x1b]0;pwned\x07\x1b[31mdenied\x07 for {echoed}\r\x1b[1A\u202eexe.txt\n"
    return 500, {}, text.encode()


@pytest.mark.parametrize("scheme", sorted(CREDENTIALS))
def test_server_text_reaches_the_terminal_without_control_codes_or_credentials(
    scheme: str, servers: Callable[[], Server], kg_env: dict[str, str]
) -> None:
    endpoint = servers()
    endpoint.routes["/sparql"] = hostile
    variables, header = CREDENTIALS[scheme]
    secrets = [SECRET, PASSWORD, header.split()[1]]
    for command in (["query", "ASK {}"], ["push", "--quiet"]):
        result = run_kg(*command, "--endpoint", f"{endpoint.url}/sparql", env={**kg_env, **variables})
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "HTTP 500" in lines[0] and "denied for" in lines[0] and "***" in lines[0]
        assert all(ord(char) >= 32 and char not in "\u202e\x7f" for char in result.stderr.strip())
        assert not any(secret in result.stderr + result.stdout for secret in secrets)
    assert endpoint.seen[0].authorization == header  # the server did get the credentials: kg redacted its echo


def test_clean_text_removes_escape_sequences_and_controls() -> None:
    assert clean_text("a\x1b[31mb\x1b]0;title\x07c\x00d\x9be\u202ef") == "abcdef"


def test_digest_and_bearer_are_chosen_by_environment_or_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "endpoints.toml"
    config.write_text('["http://127.0.0.1:8890/"]\nuser = "dba"\npassword = "x"\nauth = "digest"\n', encoding="utf-8")
    monkeypatch.setenv(ENV_FILE, str(config))
    assert credentials_for("http://127.0.0.1:8890/sparql-auth") == Credentials(
        user="dba", password="x", scheme="digest"
    )
    monkeypatch.setenv(ENV_USER, "analyst")
    monkeypatch.setenv(ENV_AUTH, "digest")
    assert repr(credentials_for("http://example.org/sparql")) == "Credentials(digest)"
    monkeypatch.setenv(ENV_AUTH, "kerberos")
    with pytest.raises(Exception, match="unknown authentication 'kerberos'"):
        credentials_for("http://example.org/sparql")
