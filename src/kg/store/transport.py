"""HTTP for the remote store and ``kg push``: credentials, URL checks, the guarded transport, error messages.

Credentials come from the environment or a TOML file, and go by one of three schemes:

* ``bearer``: ``KG_ENDPOINT_TOKEN`` (``Authorization: Bearer …``);
* ``basic`` (the default with a user): ``KG_ENDPOINT_USER`` and ``KG_ENDPOINT_PASSWORD``;
* ``digest``: the same user and password, answered to the server's HTTP Digest challenge
  (Virtuoso's ``/sparql-auth`` and ``/sparql-graph-crud-auth`` want it).

``KG_ENDPOINT_AUTH=basic|digest|bearer`` chooses the scheme; the file (``KG_ENDPOINTS_FILE``,
default ``~/.config/kg/endpoints.toml``) has one table per endpoint URL (the longest URL that
prefixes the endpoint applies) with ``user``/``password`` or ``token``, and optionally ``auth``
and ``realm``::

    ["http://127.0.0.1:8890/"]
    user = "dba"
    password = "…"
    auth = "digest"

What the transport promises (:func:`opener`, used for every request kg makes to a server):

* credentials go to the endpoint's own origin (scheme, host and port) only: a redirect to
  another origin is refused with a one-line error before anything is sent there;
* a redirect that would turn a ``POST`` or ``PUT`` into a ``GET`` (``303 See Other``, or a
  ``301``/``302`` after a ``POST``) is refused too: the data would never arrive;
* error responses keep their body (:attr:`ServerError.body`) for the message; every message
  built from a server's text has control characters removed and the credentials redacted.
"""

from __future__ import annotations

import base64
import io
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from http.client import HTTPMessage
from pathlib import Path
from typing import IO, Any

from kg.errors import EndpointError, InputError, KgError, QuerySyntaxError

ENV_USER = "KG_ENDPOINT_USER"
ENV_PASSWORD = "KG_ENDPOINT_PASSWORD"
ENV_TOKEN = "KG_ENDPOINT_TOKEN"
ENV_AUTH = "KG_ENDPOINT_AUTH"
ENV_FILE = "KG_ENDPOINTS_FILE"
#: The authentication schemes kg speaks.
SCHEMES = ("basic", "digest", "bearer")
#: How much of an error response kg reads for its message.
ERROR_BODY_LIMIT = 64 * 1024

_TIME_LIMIT = re.compile(r"cancel|time ?out|timed out|time limit", re.IGNORECASE)
# C0 and C1 control characters (ESC, BEL, CR, …), DEL, and the bidirectional overrides that reorder a terminal line
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|.)")


@dataclass(frozen=True)
class Credentials:
    """How to authenticate to an endpoint: a bearer ``token``, or ``user`` and ``password``
    by ``scheme`` (``basic`` or ``digest``; ``realm`` for Digest, None for whatever the server names).

    The secrets never appear in ``repr`` or in any message:

    >>> Credentials(user="analyst", password="s3cret")
    Credentials(basic)
    >>> Credentials(token="t0k3n").headers()
    {'Authorization': 'Bearer t0k3n'}
    >>> Credentials(user="dba", password="dba", scheme="digest").headers()
    {}
    """

    user: str | None = None
    password: str | None = None
    token: str | None = None
    scheme: str = ""
    realm: str | None = None

    def __post_init__(self) -> None:
        scheme = self.scheme or ("bearer" if self.token else "basic")
        if scheme not in SCHEMES:
            raise InputError(f"unknown authentication {self.scheme!r}; choose from {', '.join(SCHEMES)}")
        if scheme == "bearer" and not self.token:
            raise InputError(f"bearer authentication needs a token ({ENV_TOKEN} or `token` in the credentials file)")
        if scheme != "bearer" and not self.user:
            raise InputError(f"{scheme} authentication needs a user ({ENV_USER} or `user` in the credentials file)")
        object.__setattr__(self, "scheme", scheme)

    def headers(self) -> dict[str, str]:
        """Return the ``Authorization`` header sent with every request (none for Digest, which answers a challenge)."""
        if self.scheme == "bearer":
            return {"Authorization": f"Bearer {self.token}"}
        if self.scheme == "basic":
            pair = f"{self.user or ''}:{self.password or ''}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        return {}

    def secrets(self) -> list[str]:
        """Return every form in which these credentials could come back in a server's text."""
        forms = [self.token or "", self.password or ""]
        if self.user is not None and self.password:
            pair = f"{self.user}:{self.password}"
            forms += [pair, base64.b64encode(pair.encode()).decode("ascii")]
        return sorted({form for form in forms if len(form) >= 3}, key=len, reverse=True)

    def __repr__(self) -> str:
        return f"Credentials({self.scheme})"


def config_file() -> Path:
    """Return the credentials file: ``KG_ENDPOINTS_FILE``, else ``$XDG_CONFIG_HOME/kg/endpoints.toml``."""
    if env := os.environ.get(ENV_FILE):
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "kg" / "endpoints.toml"


def credentials_for(url: str) -> Credentials | None:
    """Return the credentials for ``url``: the environment variables if set, else the entry of the
    credentials file whose URL is the longest one that equals or prefixes ``url``, else None.
    ``KG_ENDPOINT_AUTH`` overrides the scheme either way."""
    scheme = os.environ.get(ENV_AUTH, "").strip().lower()
    if os.environ.get(ENV_TOKEN) and scheme in ("", "bearer"):
        return Credentials(token=os.environ[ENV_TOKEN], scheme="bearer")
    if os.environ.get(ENV_USER):
        return Credentials(user=os.environ[ENV_USER], password=os.environ.get(ENV_PASSWORD, ""), scheme=scheme)
    entry = _file_entry(url)
    if entry is None:
        return None
    try:
        return Credentials(
            user=entry.get("user"),
            password=entry.get("password"),
            token=entry.get("token"),
            scheme=scheme or str(entry.get("auth", "")).lower(),
            realm=entry.get("realm"),
        )
    except InputError as error:
        raise InputError(str(error), path=str(config_file())) from None


def _file_entry(url: str) -> dict[str, Any] | None:
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
    return entry


def display_url(url: str) -> str:
    """Return ``url`` as messages show it: without user information or query string.

    >>> display_url("https://user:secret@example.org:8182/sparql?key=abc")
    'https://example.org:8182/sparql'
    """
    parts = urllib.parse.urlsplit(url)
    return clean_text(f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}")


def check_url(url: str) -> str:
    """Return ``url`` if it is an http(s) URL without credentials in it; raise InputError if not.

    >>> check_url("http://127.0.0.1:7878/query")
    'http://127.0.0.1:7878/query'
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{display_url(url) if parts.netloc else clean_text(repr(url))} is not an http(s) URL")
    if "@" in parts.netloc:
        raise InputError(
            f"{display_url(url)}: put credentials in {ENV_USER}/{ENV_PASSWORD}, {ENV_TOKEN} or "
            f"{config_file()}, not in the URL"
        )
    return url


def origin(url: str) -> tuple[str, str, int | None]:
    """Return the origin of ``url``: scheme, host and port (the scheme's default when absent).

    >>> origin("http://Example.org/sparql") == origin("http://example.org:80/other")
    True
    """
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(parts.scheme)


def clean_text(text: str) -> str:
    """Return ``text`` without terminal escape sequences and control characters (line breaks become spaces).

    >>> clean_text("bad\\x1b[31m red\\x07 bell\\r\\nnext")
    'bad red bell next'
    """
    text = _ESCAPE_SEQUENCE.sub("", text)
    return re.sub(r"[\n\r\t]+", " ", _CONTROL.sub(lambda match: " " if match[0] in "\n\r\t" else "", text))


def redact(text: str, credentials: Credentials | None) -> str:
    """Return ``text`` with every form of ``credentials`` replaced by ``***``.

    >>> redact("you sent Bearer t0k3n-SECRET", Credentials(token="t0k3n-SECRET"))
    'you sent Bearer ***'
    """
    for secret in credentials.secrets() if credentials else ():
        text = text.replace(secret, "***")
    return text


def server_message(body: bytes | str | None, credentials: Credentials | None = None, limit: int = 300) -> str:
    """Return the first non-empty line of a server's text, cleaned, redacted and shortened, for a one-line message.

    >>> server_message(b"\\nerror at 1:8: expected DISTINCT\\n  at ...")
    'error at 1:8: expected DISTINCT'
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    line = next((clean_text(line).strip() for line in text.splitlines() if clean_text(line).strip()), "")
    line = redact(line, credentials)
    return line if len(line) <= limit else line[:limit] + "…"


class ServerError(urllib.error.HTTPError):
    """An error status whose body (at most :data:`ERROR_BODY_LIMIT` bytes) stays readable as :attr:`body`."""

    def __init__(self, url: str, code: int, msg: str, headers: Message, body: bytes) -> None:
        super().__init__(url, code, msg, headers, io.BytesIO(body))
        self.body = body


class RedirectRefused(EndpointError):
    """The server redirected somewhere kg does not follow."""


class _KeepErrorBodies(urllib.request.HTTPDefaultErrorHandler):
    def http_error_default(
        self, req: urllib.request.Request, fp: IO[bytes] | None, code: int, msg: str, hdrs: Message
    ) -> Any:
        try:
            body = fp.read(ERROR_BODY_LIMIT) if fp else b""
        except OSError:
            body = b""
        raise ServerError(req.full_url, code, msg, hdrs, body)


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only within the request's origin, and never one that drops the request's body."""

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage, newurl: str
    ) -> urllib.request.Request | None:
        target = urllib.parse.urljoin(req.full_url, newurl)
        where = display_url(req.full_url)
        if origin(target) != origin(req.full_url):
            raise RedirectRefused(
                f"{where}: the server redirects (HTTP {code}) to another origin, "
                f"{display_url(target)}; kg does not follow it (credentials stay with the "
                "endpoint's origin): use that URL if you trust it"
            )
        if req.get_method() not in ("GET", "HEAD"):
            raise RedirectRefused(
                f"{where}: the server answers HTTP {code} {clean_text(msg)}, redirecting the "
                f"{req.get_method()} to {display_url(target)} as a GET, so what was sent would "
                "not arrive; use the URL the server names"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def opener(url: str, credentials: Credentials | None = None) -> urllib.request.OpenerDirector:
    """Return the urllib opener for requests to ``url``'s origin: guarded redirects, error bodies kept,
    and Digest answered with ``credentials`` when that is their scheme (Basic and Bearer travel as
    :meth:`Credentials.headers`)."""
    handlers: list[Any] = [_GuardedRedirects(), _KeepErrorBodies()]
    if credentials and credentials.scheme == "digest":
        handlers.append(_digest_handler(url, credentials))
    return urllib.request.build_opener(*handlers)


def _digest_handler(url: str, credentials: Credentials) -> urllib.request.HTTPDigestAuthHandler:
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    scheme, host, port = origin(url)
    passwords.add_password(
        credentials.realm, f"{scheme}://{host}:{port}/", credentials.user or "", credentials.password or ""
    )
    return urllib.request.HTTPDigestAuthHandler(passwords)


def _answer_digest_first(request: urllib.request.Request, credentials: Credentials, timeout: float | None) -> None:
    """Give ``request`` its Digest ``Authorization`` before its body is sent.

    urllib answers a Digest challenge by sending the request again, body and all; a server that
    refuses the unauthenticated request before reading its body (Virtuoso) closes the connection
    mid-upload. So the challenge is fetched by the same request without a body, and answered with
    urllib's own Digest code.
    """
    probe = urllib.request.Request(
        request.full_url, data=b"" if request.data is not None else None, method=request.get_method()
    )
    try:
        with urllib.request.build_opener(_GuardedRedirects(), _KeepErrorBodies()).open(probe, timeout=timeout):
            return  # no challenge: nothing to answer
    except ServerError as error:
        header = error.headers.get("WWW-Authenticate", "") if error.code == 401 else ""
    scheme, _, parameters = header.partition(" ")
    if scheme.lower() != "digest":
        return
    challenge = urllib.request.parse_keqv_list(urllib.request.parse_http_list(parameters))
    answer = _digest_handler(request.full_url, credentials).get_authorization(request, challenge)
    if answer:
        request.add_unredirected_header("Authorization", f"Digest {answer}")


def send(
    url: str,
    data: bytes | None,
    *,
    method: str,
    content_type: str | None = None,
    credentials: Credentials | None = None,
    timeout: float | None = None,
    accept: str | None = None,
) -> bytes:
    """Send ``data`` to ``url`` with ``method`` through :func:`opener` and return the response body.

    Errors become one-line :class:`~kg.errors.EndpointError` messages naming the URL.
    """
    import http.client

    headers = {**({"Content-Type": content_type} if content_type else {}), **({"Accept": accept} if accept else {})}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    for name, value in (credentials.headers() if credentials else {}).items():
        request.add_unredirected_header(name, value)
    try:
        if credentials and credentials.scheme == "digest" and data:
            _answer_digest_first(request, credentials, timeout)
        with opener(url, credentials).open(request, timeout=timeout) as response:
            return response.read()
    except KgError:
        raise
    except (OSError, http.client.HTTPException) as error:
        raise endpoint_error(url, error, timeout=timeout, credentials=credentials) from None


def endpoint_error(
    url: str, error: BaseException, *, timeout: float | None = None, credentials: Credentials | None = None
) -> KgError:
    """Turn what urllib or http.client raised into a one-line kg error naming ``url``.

    >>> refused = urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))
    >>> print(endpoint_error("http://127.0.0.1:9/query", refused))
    http://127.0.0.1:9/query: cannot reach the endpoint (Connection refused)
    """
    import http.client
    import socket

    where = display_url(url)
    if isinstance(error, urllib.error.HTTPError):
        body = error.body if isinstance(error, ServerError) else b""
        return http_status_error(where, error.code, str(error.reason or ""), body, credentials)
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, KgError):
        return reason
    if isinstance(reason, TimeoutError | socket.timeout):
        within = f" within {timeout:g} s" if timeout else ""
        return EndpointError(f"{where}: no answer{within}; the query may be too costly, or the endpoint down")
    if isinstance(reason, BrokenPipeError):
        return EndpointError(
            f"{where}: the server closed the connection while kg was sending; it may refuse "
            f"the request before reading it (credentials? {ENV_AUTH}=basic|digest|bearer)"
        )
    if isinstance(error, http.client.IncompleteRead | http.client.RemoteDisconnected | ConnectionResetError):
        return EndpointError(f"{where}: the connection closed before the answer was complete")
    detail = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return EndpointError(f"{where}: cannot reach the endpoint ({redact(clean_text(detail), credentials)})")


def http_status_error(
    where: str, code: int, reason: str, body: bytes | None, credentials: Credentials | None = None
) -> KgError:
    """Return the error for an HTTP error status, with the server's own one-line explanation."""
    message = server_message(body, credentials)
    status = f"HTTP {code}{' ' + redact(clean_text(reason), credentials) if reason else ''}"
    detail = f"{status}: {message}" if message else status
    if code == 400:
        return QuerySyntaxError(f"the endpoint rejected the request ({detail})", path=where)
    if code in (401, 403):
        hint = (
            f"; set the credentials in {ENV_TOKEN}, {ENV_USER}/{ENV_PASSWORD} ({ENV_AUTH}=basic|digest|bearer) "
            f"or {config_file()}"
            if code == 401
            else ""
        )
        return EndpointError(f"{where}: refused ({detail}){hint}")
    if _TIME_LIMIT.search(message):
        return EndpointError(f"{where}: the endpoint stopped the query at its time limit ({detail})")
    return EndpointError(f"{where}: {detail}")


def same_origin(first: str, second: str) -> bool:
    """Tell whether two URLs share scheme, host and port."""
    return origin(first) == origin(second)
