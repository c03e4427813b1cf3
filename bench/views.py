"""Benchmark the views (``kg viz``, ``kg show``) on generated graphs of growing size.

``python -m bench.views [--sizes 20k,100k,1m] [--repeat N] [--workdir DIR] [--output FILE]``

For each size it generates a graph (:mod:`bench.generate`, the shipped graph included, as
``bench.run`` does), builds its store with ``kg build --no-validate``, then runs each view as a
user would — ``kg viz … --output FILE`` or ``kg show …`` in a fresh process — ``--repeat`` times,
and reports the median wall time, the median CPU time (user + system, the store's worker
process included: ``os.wait4`` counts the children a process waited for), the largest peak RSS
(``os.wait4`` in :mod:`bench.launch`, which starts each view from a small process so that the
figure is the view's own: the larger of the process and its worker, not their sum) and the load average
when the view started (the machine may be shared), with the nodes and edges the page drew. The
views: a focus on BlackTech (an actor) at depth 1 and 2 and on the NPA (a hub: it issued most
advisories) at depth 1 and 2, the types view ``ThreatActor,Advisory,Organisation``, the 2021
report's view, the overview, the co-issuance network, the timeline, and the card of BlackTech
and of the NPA. A view bigger than a page (``kg viz --max-nodes``, default 1,000) is bounded:
a share of each class and one aggregated node per class for the rest; the table marks it.

Progress goes to stderr, a Markdown table to stdout, every figure to ``--output`` as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import launch
from bench.generate import generate, parse_size, size_label

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = PROJECT / "bench" / "results" / "views.json"

#: name: arguments of the kg command measured
VIEWS: dict[str, list[str]] = {
    "focus BlackTech, depth 1": ["viz", "--focus", "BlackTech", "--depth", "1"],
    "focus BlackTech, depth 2": ["viz", "--focus", "BlackTech", "--depth", "2"],
    "focus NPA (hub), depth 1": ["viz", "--focus", "kgr:org-npa", "--depth", "1"],
    "focus NPA (hub), depth 2": ["viz", "--focus", "kgr:org-npa", "--depth", "2"],
    "types ThreatActor,Advisory,Organisation": ["viz", "--types", "ThreatActor,Advisory,Organisation"],
    "report 2021": ["viz", "--report", "2021"],
    "overview": ["viz"],
    "co-issuance": ["viz", "--co-issuance"],
    "timeline": ["viz", "--timeline"],
    "kg show BlackTech": ["show", "BlackTech"],
    "kg show kgr:org-npa": ["show", "kgr:org-npa"],
}
DRAWN = re.compile(r": (\d+) (?:nodes, (\d+) edges|dated facts)")


def log(message: str) -> None:
    print(f"[bench.views] {message}", file=sys.stderr, flush=True)


def kg(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "kg.cli", *arguments]


def run(argv: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    """Run ``argv``; return its wall and CPU time, peak RSS (MB), the load average before it,
    exit code and output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        load = os.getloadavg()[0]
        started = time.perf_counter()
        # through bench.launch, so that the peak is the view's own, not this process's (see there)
        process, report = launch.start(argv, stdout=out, stderr=err, env=env, cwd=cwd)
        process.wait()
        seconds = time.perf_counter() - started
        launched = launch.figures(report)
        out.seek(0)
        err.seek(0)
        return {
            "seconds": launched.get("seconds", seconds),
            "cpu_seconds": launched.get("cpu_seconds", float("nan")),
            "load": load,
            "peak_rss_mb": launched.get("peak_rss_kb", float("nan")) / 1024,
            "exit": launched.get("exit_code", process.returncode),
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
        }


def project(size: int, work: Path) -> tuple[Path, int]:
    """Generate and build the graph of ``size`` triples under ``work`` (reused when there)."""
    folder = work / size_label(size)
    store = folder / ".kg"
    if not any(store.glob("*")):
        log(f"generating {size_label(size)}")
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("ontology", "queries"):
            if not (folder / name).exists():
                (folder / name).symlink_to(PROJECT / name)
        if not (folder / "graph").is_dir():
            generate(size, folder, include=PROJECT / "graph")
        log(f"building the {size_label(size)} graph")
        built = run(kg("build", "--no-validate", "--quiet"), env(folder), folder)
        if built["exit"]:
            raise SystemExit(f"kg build failed: {built['stderr'].strip()}")
    triples = json.loads(
        run(kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "json"), env(folder), folder)[
            "stdout"
        ]
    )["results"]["bindings"][0]["n"]["value"]
    return folder, int(triples)


def env(folder: Path) -> dict[str, str]:
    return {**os.environ, "KG_HOME": str(folder), "KG_STORE": str(folder / ".kg")}


def measure(folder: Path, repeat: int) -> dict[str, Any]:
    figures = {}
    with tempfile.TemporaryDirectory(prefix="kg-bench-views-") as scratch:
        for name, arguments in VIEWS.items():
            extra = ["--output", str(Path(scratch) / "view.html")] if arguments[0] == "viz" else []
            runs = [run(kg(*arguments, *extra), env(folder), folder) for _ in range(repeat)]
            failed = next((entry for entry in runs if entry["exit"]), None)
            if failed:
                figures[name] = {"failed": failed["stderr"].strip()[-300:]}
                log(f"  {name}: failed: {figures[name]['failed']}")
                continue
            drawn = DRAWN.search(runs[0]["stdout"])
            figures[name] = {
                "median_seconds": round(statistics.median(entry["seconds"] for entry in runs), 3),
                "median_cpu_seconds": round(statistics.median(entry["cpu_seconds"] for entry in runs), 3),
                "load": round(max(entry["load"] for entry in runs), 2),
                "peak_rss_mb": round(max(entry["peak_rss_mb"] for entry in runs), 1),
                "nodes": int(drawn[1]) if drawn else None,
                "edges": int(drawn[2]) if drawn and drawn[2] else None,
                "bounded": "bigger than a page" in runs[0]["stderr"],
                "runs": repeat,
            }
            log(f"  {name}: {figures[name]}")
    return figures


def table(results: dict[str, Any]) -> str:
    sizes = list(results["sizes"])
    lines = [
        "| view | " + " | ".join(f"{size} ({results['sizes'][size]['triples']:,} triples)" for size in sizes) + " |",
        "| --- |" + " --- |" * len(sizes),
    ]
    for name in VIEWS:
        cells = []
        for size in sizes:
            figure = results["sizes"][size]["views"].get(name, {})
            if "failed" in figure:
                cells.append("failed")
                continue
            drawn = f", {figure['nodes']:,} nodes" if figure.get("nodes") is not None else ""
            bound = " (bounded)" if figure.get("bounded") else ""
            cpu = f" ({figure['median_cpu_seconds']:.2f} s CPU)" if "median_cpu_seconds" in figure else ""
            cells.append(f"{figure['median_seconds']:.2f} s{cpu} / {figure['peak_rss_mb']:.0f} MB{drawn}{bound}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    loads = [
        figure["load"] for size in sizes for figure in results["sizes"][size]["views"].values() if "load" in figure
    ]
    if loads:
        lines += ["", f"Load average (1 min) when the views started: {min(loads):.1f}–{max(loads):.1f}."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.views", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="20k,100k,1m",
        help="graph sizes (default 20k,100k,1m: the shipped graph alone is over 10k triples)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per view; the median is reported (default 3)")
    parser.add_argument("--workdir", metavar="DIR", help="keep the generated projects here and reuse them")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help=f"JSON file (default {DEFAULT_OUTPUT})")
    arguments = parser.parse_args(argv)
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "sizes": {},
    }
    with tempfile.TemporaryDirectory(prefix="kg-bench-views-work-") as temporary:
        work = Path(arguments.workdir or temporary)
        for text in arguments.sizes.split(","):
            size = parse_size(text)
            folder, triples = project(size, work)
            log(f"{size_label(size)}: {triples:,} triples in the store; measuring the views x{arguments.repeat}")
            results["sizes"][size_label(size)] = {"triples": triples, "views": measure(folder, arguments.repeat)}
    output = Path(arguments.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
