"""Time each quality query (``queries/qc``) on a generated graph, one by one, with a time limit.

Validation runs every ``qc/*-violation.rq`` query on the in-memory store of the loaded, inferred
graph (``kg.validate.quality_violations``); one slow query makes a validating ``kg build`` slow at
scale. This prints what each check costs at one size, so a check that grows worse than the graph
is easy to spot.

The graph is generated (``bench.generate``, the shipped graph included when the size can hold
it), loaded and inferred once, and dumped as N-Quads; a child process loads that dump into an
in-memory pyoxigraph store and runs the queries in turn, reporting each one's seconds and rows.
A query still running after ``--timeout`` seconds is recorded as ``> T``: the child is stopped and
a new one goes on with the next query.

Run it with ``python -m bench.quality --size 100k`` (``--sizes 10k,100k`` for several).

>>> format_row("likely-duplicate-violation", 1.23456, 0)
'| likely-duplicate-violation | 1.23 | 0 |'
>>> format_row("undeclared-term-violation", None, None, timeout=60)
'| undeclared-term-violation | > 60 | - |'
"""

from __future__ import annotations

import argparse
import json
import selectors
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import MIN_SYNTHETIC, generate, parse_size

PROJECT = Path(__file__).resolve().parent.parent


def format_row(name: str, seconds: float | None, rows: int | None, *, timeout: float = 0) -> str:
    """One Markdown row: the query, its seconds (``> T`` when it was stopped), its rows."""
    shown = f"> {timeout:g}" if seconds is None else f"{seconds:.3g}"
    return f"| {name} | {shown} | {'-' if rows is None else rows} |"


def prepare_dump(size: int, folder: Path) -> tuple[Path, int]:
    """Generate a graph of ``size`` triples under ``folder``, load and infer it, dump it as
    N-Quads; return the dump and the number of triples in it."""
    import pyoxigraph

    from kg.build import Sources, prepare

    project = folder / "project"
    project.mkdir(parents=True)
    for name in ("ontology", "queries"):
        (project / name).symlink_to(PROJECT / name)
    shipped = PROJECT / "graph"
    # The shipped graph (about 10k triples) is included when the size leaves room beside it.
    generate(size, project, include=shipped if size >= 2 * 10_000 else None)
    store, _, asserted, inferred, seconds = prepare(Sources.of(project))
    print(
        f"generated {asserted} triples, inferred {inferred} (parse {seconds['parse']:.1f} s, "
        f"infer {seconds['infer']:.1f} s)",
        file=sys.stderr,
    )
    dump = folder / "graph.nq"
    store.dump(str(dump), format=pyoxigraph.RdfFormat.N_QUADS)
    return dump, len(store)


def child(dump: str, names: list[str]) -> None:
    """Load ``dump`` into memory and run the quality queries ``names`` in turn, printing one JSON
    line per query as it ends."""
    import pyoxigraph

    from kg.queries import catalog
    from kg.store.embedded import OxigraphStore

    memory = pyoxigraph.Store()
    memory.bulk_load(path=dump, format=pyoxigraph.RdfFormat.N_QUADS)
    print(json.dumps({"loaded": len(memory)}), flush=True)
    store, queries = OxigraphStore(memory), catalog(PROJECT / "queries")
    for name in names:
        started = time.perf_counter()
        # as validation runs it (kg.validate.quality_violations): kg's prefixes, rows materialised
        rows = len(store.execute(queries[name].text, source=str(queries[name].path)).bindings)
        print(json.dumps({"name": name, "seconds": time.perf_counter() - started, "rows": rows}), flush=True)


def run_queries(dump: Path, names: list[str], timeout: float) -> dict[str, tuple[float | None, int | None]]:
    """Run ``names`` on ``dump`` in child processes, each query stopped after ``timeout`` s."""
    results: dict[str, tuple[float | None, int | None]] = {}
    left = list(names)
    while left:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.quality", "--child", str(dump), *left],
            stdout=subprocess.PIPE,
            bufsize=0,  # unbuffered: a line the selector saw is not left waiting in a buffer
            cwd=PROJECT,
        )
        assert process.stdout is not None
        json.loads(process.stdout.readline())  # loaded: the clock of the first query starts now
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        while left:
            if not selector.select(timeout):
                print(f"{left[0]}: stopped after {timeout:g} s", file=sys.stderr)
                results[left.pop(0)] = (None, None)
                process.kill()
                break
            line = process.stdout.readline()
            if not line:
                raise SystemExit(f"the query child failed while running {left[0]}")
            done = json.loads(line)
            results[done["name"]] = (done["seconds"], done["rows"])
            print(f"{done['name']}: {done['seconds']:.3f} s, {done['rows']} rows", file=sys.stderr)
            left.remove(done["name"])
        process.wait()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", "--sizes", default="100k", help="sizes, comma-separated (default 100k)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds a query may run (default 120)")
    parser.add_argument("--only", default="", help="comma-separated query names (default every qc query)")
    parser.add_argument("--workdir", type=Path, help="keep the generated graphs here (default a temporary folder)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        child(arguments.child[0], arguments.child[1:])
        return 0
    from kg.queries import catalog

    names = sorted(name for name, query in catalog(PROJECT / "queries").items() if query.kind == "qc")
    if arguments.only:
        wanted = arguments.only.split(",")
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            parser.exit(2, f"python -m bench.quality: error: no such quality query: {', '.join(unknown)}\n")
        names = [name for name in names if name in wanted]
    sizes = [parse_size(text) for text in arguments.size.split(",")]
    columns: list[dict[str, tuple[float | None, int | None]]] = []
    stored: list[int] = []
    with tempfile.TemporaryDirectory(prefix="kg-quality-") as scratch:
        base = arguments.workdir or Path(scratch)
        for size in sizes:
            dump, triples = prepare_dump(max(size, MIN_SYNTHETIC), base / f"size-{size}")
            stored.append(triples)
            columns.append(run_queries(dump, names, arguments.timeout))
    labels = arguments.size.split(",")
    print("| query | " + " | ".join(f"{label}: s / rows" for label in labels) + " |")
    print("|---|" + "---|" * len(labels))
    print("| triples in the store | " + " | ".join(f"{n:,}" for n in stored) + " |")
    for name in names:
        cells = [format_row(name, *column[name], timeout=arguments.timeout).split(" | ", 1)[1] for column in columns]
        print(f"| {name} | " + " | ".join(cell.removesuffix(" |").replace(" | ", " / ") for cell in cells) + " |")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
