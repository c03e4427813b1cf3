"""``kg draft``: draft a new report's graph from its text, or measure drafting on the corpus."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from kg.commands import HelpFormatter, add_store_options


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "draft",
        help="draft a new report's tables from its text (or --compare drafts with the curated graph)",
        description="Read a report in the plain-text form of ../shared/corpus/ and write a reviewable draft of its "
        "graph into a new folder (never graph/): the graph's tables (sections, figures, observations), review "
        "files citing the line of every row, a draft Turtle for the report resource and REVIEW.md. "
        "With --compare, draft each corpus report and score it against the curated graph.",
        epilog="examples:\n  kg draft report.txt --report-id r6-2024 --output drafts/r6-2024\n"
        "  kg draft --compare --json draft-scores.json",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("report", nargs="?", metavar="REPORT.txt", help="the report text (UTF-8)")
    parser.add_argument("--report-id", metavar="ID", help="id of the new report, rN-YYYY (e.g. r6-2024)")
    parser.add_argument("--output", metavar="DIR", help="folder to create for the draft (must not exist)")
    parser.add_argument("--compare", action="store_true", help="draft the corpus reports and compare with the graph")
    parser.add_argument("--json", metavar="FILE", help="with --compare: also write the scores as JSON")
    add_store_options(parser, remote=False)
    parser.add_argument("--quiet", "-q", action="store_true", help="print no progress")
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from pathlib import Path

    from kg.errors import InputError
    from kg.graph import open_graph
    from kg.progress import progress_bars

    if arguments.compare:
        if arguments.report or arguments.output or arguments.report_id:
            raise InputError("--compare takes no report, --report-id or --output")
        with progress_bars(quiet=arguments.quiet) as progress:
            return _compare(arguments, progress)
    if not (arguments.report and arguments.report_id and arguments.output):
        raise InputError("give REPORT.txt, --report-id rN-YYYY and --output DIR (or --compare)")
    from kg.draft.run import draft_to_folder
    from kg.draft.write import check_output
    from kg.paths import graph_dir

    output = Path(arguments.output)
    check_output(output, graph_dir())
    with open_graph(arguments.store) as graph, progress_bars(quiet=arguments.quiet) as progress:
        _, files = draft_to_folder(
            Path(arguments.report), arguments.report_id, output, graph.store, graph_dir=graph_dir(), progress=progress
        )
    print(files["REVIEW.md"].split("## Next steps")[0].rstrip())
    print(f"\nwrote {output}/ ({len(files)} files); review it, then see {output}/REVIEW.md")
    return 0


def _compare(arguments: argparse.Namespace, progress: Callable[[str], None] | None) -> int:
    import json
    from pathlib import Path

    from kg.draft.run import compare_corpus
    from kg.graph import open_graph
    from kg.output import terminal_width, text_table
    from kg.paths import corpus_dir

    with open_graph(arguments.store) as graph:
        results = compare_corpus(graph.store, corpus_dir(), progress=progress)
    rows: list[list[str]] = []
    for report, scores in results.items():
        for table, score in scores.items():
            rows.append(
                [report, table, f"{score.recall:.3f}", f"{score.precision:.3f}", f"{score.found}/{score.expected}", ""]
            )
            # the finer figures under a table's row, where measured: what, agreed, out of, note
            named = (score.named_found, score.named_expected) if score.named_recall is not None else (None, 0)
            for name, agreed, out_of, note in (
                ("period", score.period_agrees, score.found, "found with the curated period"),
                ("series", score.series_agrees, score.found, "first-ranked series is the curated one"),
                ("named", *named, "things the section's text names"),
                ("+links", score.joined_found, score.joined_expected, "also what cited entities link to"),
            ):
                if agreed is not None and (out_of or name == "named"):
                    ratio = agreed / out_of if out_of else 1.0  # nothing named: all of it found
                    rows.append(["", f"  {name}", f"{ratio:.3f}", "", f"{agreed}/{out_of}", note])
    print(text_table(["report", "table", "recall", "precision", "found", ""], rows, width=terminal_width()))
    if arguments.json:
        document = {
            report: {table: score.as_json() for table, score in scores.items()} for report, scores in results.items()
        }
        from kg.atomic import atomic_write

        target = Path(arguments.json)
        with atomic_write(target) as handle:
            handle.write((json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        print(f"wrote {target}", file=sys.stderr)
    return 0
