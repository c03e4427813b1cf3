"""A Virtuoso on this host: a private server of its own, and Virtuoso's bulk loader.

:class:`VirtuosoServer` runs Debian's ``virtuoso-t`` (package ``virtuoso-opensource-7-bin``) from
a ``virtuoso.ini`` written into a folder of its own, on free loopback ports, in the foreground,
and stops it by its process id — what the tests and ``bench/`` use::

    with VirtuosoServer(folder).start() as server:      # needs virtuoso-t (not a doctest)
        server.sparql_url          # http://127.0.0.1:PORT/sparql
        server.graph_store_url     # http://127.0.0.1:PORT/sparql-graph-crud-auth (HTTP Digest, dba)

:func:`bulk_load` loads an N-Triples file into a named graph with ``ld_dir`` and
``rdf_loader_run`` through ``isql-vt``: the server must be able to read the file (its folder in
the ini's ``DirsAllowed``), so it only works on the server's own host.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from kg.errors import KgError
from kg.serve import free_port

#: The executables Debian's virtuoso-opensource-7-bin installs.
SERVER_BINARY = "virtuoso-t"
ISQL_BINARY = "isql-vt"
#: The account a fresh Virtuoso database has (user ``dba``, password ``dba``).
DBA = ("dba", "dba")


class VirtuosoError(KgError):
    """Virtuoso is missing, did not start, or refused a command."""


def installed() -> str | None:
    """Return why Virtuoso cannot run here (None when ``virtuoso-t`` and ``isql-vt`` are installed)."""
    missing = [name for name in (SERVER_BINARY, ISQL_BINARY) if shutil.which(name) is None]
    if missing:
        return f"{' and '.join(missing)} not found: install Debian's virtuoso-opensource-7-bin (make setup-test)"
    return None


@dataclass
class VirtuosoServer:
    """A private Virtuoso: database, log and ini in ``folder``, listening on 127.0.0.1 only.

    ``max_rows`` is the ini's ``[SPARQL] ResultSetMaxRows`` (Virtuoso cuts longer answers, silently);
    ``buffers`` its ``NumberOfBuffers`` (8 KiB pages held in memory; Virtuoso's default is 2000).
    """

    folder: Path
    max_rows: int = 100_000
    buffers: int = 20_000
    sql_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """The server's HTTP root."""
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql_url(self) -> str:
        """The anonymous, read-only SPARQL endpoint."""
        return f"{self.base_url}/sparql"

    @property
    def graph_store_url(self) -> str:
        """The Graph Store Protocol endpoint that accepts writes (HTTP Digest, :data:`DBA`)."""
        return f"{self.base_url}/sparql-graph-crud-auth"

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self.process.pid if self.process else None

    @property
    def ini(self) -> Path:
        """The server's own ``virtuoso.ini``."""
        return self.folder / "virtuoso.ini"

    @property
    def log(self) -> Path:
        """Virtuoso's error log."""
        return self.folder / "virtuoso.log"

    def settings(self) -> str:
        """Return the text of ``virtuoso.ini``."""
        folder = self.folder
        return (
            "[Database]\n"
            f"DatabaseFile = {folder}/virtuoso.db\nErrorLogFile = {self.log}\n"
            f"TransactionFile = {folder}/virtuoso.trx\nxa_persistent_file = {folder}/virtuoso.pxa\n"
            "[TempDatabase]\n"
            f"DatabaseFile = {folder}/virtuoso-temp.db\nTransactionFile = {folder}/virtuoso-temp.trx\n"
            "[Parameters]\n"
            f"ServerPort = 127.0.0.1:{self.sql_port}\nDirsAllowed = ., {folder}\n"
            f"NumberOfBuffers = {self.buffers}\nMaxDirtyBuffers = {self.buffers * 3 // 4}\n"
            "[HTTPServer]\n"
            f"ServerPort = 127.0.0.1:{self.http_port}\nServerRoot = {folder}\n"
            "[SPARQL]\n"
            f"ResultSetMaxRows = {self.max_rows}\nMaxQueryExecutionTime = 120\n"
        )

    def start(self, *, within: float = 60.0) -> VirtuosoServer:
        """Write the ini, start ``virtuoso-t -f`` and return once it answers SPARQL, within ``within`` seconds."""
        if reason := installed():
            raise VirtuosoError(reason)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ini.write_text(self.settings(), encoding="utf-8")
        console = (self.folder / "console.log").open("wb")
        self.process = subprocess.Popen(
            [SERVER_BINARY, "-f", "-c", str(self.ini)],
            cwd=self.folder,
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
        )
        console.close()
        deadline = time.monotonic() + within
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise VirtuosoError(
                    f"Virtuoso did not answer on {self.sparql_url} within {within:g} s; "
                    f"see {self.log}: {self._last_log_line()}"
                )
            time.sleep(0.25)
        return self

    def _answers(self) -> bool:
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.sparql_url}?query=ASK%7B%7D", timeout=5) as answer:
                return answer.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def _last_log_line(self) -> str:
        try:
            lines = [line for line in self.log.read_text(errors="replace").splitlines() if line.strip()]
        except OSError:
            return "no log"
        return lines[-1] if lines else "empty log"

    def isql(self, script: str, *, timeout: float = 600.0) -> str:
        """Run SQL statements (each ending in ``;``) as ``dba`` through ``isql-vt`` and return its output."""
        return run_isql(self.sql_port, script, timeout=timeout)

    def stop(self, *, within: float = 30.0) -> None:
        """Stop the server by its process id (SIGTERM, then SIGKILL after ``within`` seconds)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(within)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> VirtuosoServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


#: isql's settings for a script: no banner, prompt or echo; errors in the output kg reads.
ISQL_SETTINGS = ("VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT")


def isql_command(host: str, port: int, user: str) -> list[str]:
    """The ``isql-vt`` command line for ``user`` on ``host:port``: it holds no password.

    isql logs in with the password ``dba`` when none is given and, when that is refused, asks for
    the password with ``getpass``, which reads standard input in a process with no terminal:
    :func:`run_isql` writes it there, so it never shows in the process list.

    >>> isql_command("127.0.0.1", 1111, "dba")[:7]
    ['isql-vt', '-H', '127.0.0.1', '-S', '1111', '-U', 'dba']
    """
    return [ISQL_BINARY, "-H", host, "-S", str(port), "-U", user, *ISQL_SETTINGS]


def run_isql(
    port: int,
    script: str,
    *,
    host: str = "127.0.0.1",
    user: str = DBA[0],
    password: str = DBA[1],
    timeout: float = 600.0,
) -> str:
    """Run ``script`` through ``isql-vt`` on ``host:port`` and return its output; raise VirtuosoError on an error.

    The password goes to isql on its standard input (see :func:`isql_command`), never on its
    command line or in its environment. isql runs in a session of its own, with no terminal, so
    that its password prompt reads that input and not the user's terminal.
    """
    if shutil.which(ISQL_BINARY) is None:
        raise VirtuosoError(f"{ISQL_BINARY} not found: install Debian's virtuoso-opensource-7-bin")
    if "\n" in password or "\r" in password:
        raise VirtuosoError("the Virtuoso password contains a line break, which isql cannot read")
    # isql tries the password "dba" by itself and prompts only when it is refused: with that
    # password, the prompt never comes and the line would be read as SQL
    answer = "" if password == DBA[1] else password + "\n"
    try:
        done = subprocess.run(
            isql_command(host, port, user),
            input=(answer + script).encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired:
        raise VirtuosoError(f"isql on {host}:{port} did not finish within {timeout:g} s") from None
    output = done.stdout.decode("utf-8", "replace")
    messages = done.stderr.decode("utf-8", "replace")
    # a refused first try (isql's own "dba") is in the messages of a login that then succeeded too
    if done.returncode != 0 and "Bad login" in output + messages:
        raise VirtuosoError(f"isql on {host}:{port}: the server refused user {user!r} with that password (Bad login)")
    errors = [line for line in output.splitlines() if line.startswith("*** Error") and "Bad login" not in line]
    if done.returncode != 0 or errors:
        reason = errors[0] if errors else (messages.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        # the password is never echoed back, even if isql read it as SQL
        raise VirtuosoError(f"isql on {host}:{port}: {reason.replace(password, '…') if password else reason}")
    return output


def bulk_load(
    port: int,
    path: Path,
    graph: str,
    *,
    host: str = "127.0.0.1",
    user: str = DBA[0],
    password: str = DBA[1],
    timeout: float = 3600.0,
) -> None:
    """Replace ``graph`` with the N-Triples or Turtle file ``path`` through Virtuoso's bulk loader.

    The server must read ``path`` itself: it must be on the server's host, in a folder its ini's
    ``DirsAllowed`` lists. ``graph`` is an IRI already checked by the caller.
    """
    folder, name = str(path.parent.resolve()), path.name
    for text in (folder, name, graph):
        if "'" in text or "\n" in text:
            raise VirtuosoError(f"cannot bulk load: {text!r} contains a quote or a line break")
    script = (
        f"SPARQL CLEAR GRAPH <{graph}>;\n"
        f"DELETE FROM DB.DBA.load_list WHERE ll_graph = '{graph}';\n"
        f"ld_dir('{folder}', '{name}', '{graph}');\n"
        "rdf_loader_run();\n"
        "checkpoint;\n"
        f"SELECT 'kg-loaded', COUNT(*) FROM DB.DBA.load_list WHERE ll_graph = '{graph}' AND ll_state = 2;\n"
        f"SELECT 'kg-failed', ll_error FROM DB.DBA.load_list WHERE ll_graph = '{graph}' "
        "AND ll_error IS NOT NULL;\n"
    )
    output = run_isql(port, script, host=host, user=user, password=password, timeout=timeout)
    failed = [line.split(None, 1)[1] for line in output.splitlines() if line.startswith("kg-failed")]
    loaded = [line.split()[1] for line in output.splitlines() if line.startswith("kg-loaded")]
    if failed or loaded != ["1"]:
        reason = failed[0].strip() if failed else "the file was not loaded (is its folder in DirsAllowed?)"
        raise VirtuosoError(f"Virtuoso's bulk loader failed on {path}: {reason}")
