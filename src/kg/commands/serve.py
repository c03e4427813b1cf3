"""``kg serve``: a SPARQL 1.1 Protocol endpoint over the built store, with Oxigraph's server."""

from __future__ import annotations

import argparse

from kg.commands import HelpFormatter, add_store_options


def port_number(text: str) -> int:
    """Parse a TCP port, 0 to 65535 (argparse type)."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 0 to 65535, got {text!r}")
    return int(text)


def whole_seconds(text: str) -> int:
    """Parse a time limit in whole seconds, at least 1 (argparse type)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of seconds, at least 1, got {text!r}")
    return int(text)


def megabytes(text: str) -> float:
    """Parse a size in MB, a finite number of at least 0 (argparse type)."""
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"a number of MB, at least 0 (0: no limit), got {text!r}")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    from kg.serve import DEFAULT_HOST, DEFAULT_MAX_RESULT_MB, DEFAULT_PORT, DEFAULT_TIMEOUT

    parser = commands.add_parser(
        "serve",
        help="serve the built store as a SPARQL endpoint (read-only, 127.0.0.1)",
        description="Serve the built store over the SPARQL 1.1 Protocol with the oxigraph server: read-only "
        "(updates get HTTP 403) unless --writable, on 127.0.0.1 unless --host, with a time limit per query "
        "and a limit on answer size. SERVICE (federated queries) and LOAD are refused, so the server contacts no "
        "other server; web pages of other origins are refused unless --allow-origin. The query page at / offers "
        "kg's prefixes and named queries. Stops cleanly on Ctrl-C or SIGTERM.",
        epilog="examples:\n  kg serve\n  kg serve --port 8080 --timeout 10 --max-result-mb 5\n"
        "  kg query --endpoint http://127.0.0.1:7878/query cq-r5a-co-issued-advisories",
        formatter_class=HelpFormatter,
    )
    add_store_options(parser, remote=False)
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}: this machine only)"
    )
    parser.add_argument(
        "--port", type=port_number, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    parser.add_argument(
        "--timeout",
        type=whole_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"stop a query after this many whole seconds (default {DEFAULT_TIMEOUT}); a query "
        "that overruns it is stopped by restarting the server behind kg serve",
    )
    parser.add_argument(
        "--max-result-mb",
        type=megabytes,
        default=DEFAULT_MAX_RESULT_MB,
        metavar="MB",
        help=f"cut answers larger than this (default {DEFAULT_MAX_RESULT_MB:g}; 0: no limit)",
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let web pages of this origin (https://example.org) query the server (repeatable); "
        "by default pages of other origins are refused",
    )
    parser.add_argument(
        "--writable",
        action="store_true",
        help="serve a temporary copy that accepts updates (lost on stop; the store is never written)",
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    import contextlib
    import signal
    import sys

    from kg.commands import store_folder
    from kg.paths import queries_dir
    from kg.serve import serve

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # SIGTERM (a service manager, `kill`) stops the server as cleanly as Ctrl-C does; SIGINT is
    # handled even when the shell started kg in the background with SIGINT ignored
    previous = {
        signal.SIGTERM: signal.signal(signal.SIGTERM, terminate),
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
    }
    try:
        with serve(
            store_folder(arguments),
            host=arguments.host,
            port=arguments.port,
            timeout=arguments.timeout,
            max_result_mb=arguments.max_result_mb,
            writable=arguments.writable,
            allow_origins=tuple(arguments.allow_origin),
            queries_folder=queries_dir(),
        ) as service:
            print(service.banner(), flush=True)
            # Ctrl-C or SIGTERM leaves the block, which stops the server
            with contextlib.suppress(KeyboardInterrupt):
                service.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    print("kg serve: stopped", file=sys.stderr, flush=True)
    return 0
