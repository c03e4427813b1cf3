"""The canonical layout of the project's Turtle (``ontology/``, ``graph/``), checked and fixed
without touching a comment: the hand-written files carry section comments and citations that a
re-serialising formatter would drop or move (docs/decisions/2026-12-02-canonical-turtle.md).

The canonical form, line by line: UTF-8 without a byte-order mark, ``\\n`` line ends, no tab, no
trailing space, no blank line at the start, at most one blank line in a row, exactly one newline
at the end; every ``@prefix`` line reads ``@prefix name: <iri> .`` (any run of spaces before the
IRI, so that a file may align its block), stands before the first statement and declares its
name once. Every file must also parse as Turtle.

>>> canonical_text("@prefix kg:  <https://w3id.org/npa-cyber-kg/ontology#>.\\r\\n\\n\\n\\nkg:A a kg:B .\\t \\n\\n")
'@prefix kg:  <https://w3id.org/npa-cyber-kg/ontology#> .\\n\\nkg:A a kg:B .\\n'
>>> problems("x.ttl", "kg:A a kg:B . \\n")
['x.ttl:1: trailing whitespace']
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

#: The command that rewrites the files into the canonical form (printed with every problem).
FIX_COMMAND = "make fmt-ttl"

_PREFIX = re.compile(r"^@prefix\s+(?P<name>[A-Za-z][\w.-]*)?:(?P<space>\s*)<(?P<iri>[^>\s]*)>\s*\.\s*$")


def _prefix_line(line: str) -> str:
    """One ``@prefix`` line in its canonical spelling, keeping the alignment it has."""
    match = _PREFIX.match(line)
    if not match:
        return line
    space = match["space"] or " "
    return f"@prefix {match['name'] or ''}:{space}<{match['iri']}> ."


def canonical_text(text: str) -> str:
    """Return ``text`` in the canonical layout; comments, statements and their order are kept."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [_prefix_line(line.replace("\t", "    ").rstrip()) for line in text.split("\n")]
    kept: list[str] = []
    for line in lines:
        if line == "" and (not kept or kept[-1] == ""):
            continue
        kept.append(line)
    while kept and kept[-1] == "":
        kept.pop()
    return "\n".join(kept) + "\n" if kept else ""


def problems(name: str, text: str) -> list[str]:
    """Every way ``text`` (the file ``name``) departs from the canonical layout, one line each,
    naming its line: what :func:`canonical_text` would change, and prefixes out of place or twice."""
    found: list[str] = []
    if text.startswith("\ufeff"):
        found.append(f"{name}:1: byte-order mark")
    lines = text.split("\n")
    statements_started = False
    declared: dict[str, int] = {}
    blank_run = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.removesuffix("\r")
        if raw.endswith("\r"):
            found.append(f"{name}:{number}: carriage return (use \\n line ends)")
        if "\t" in line:
            found.append(f"{name}:{number}: tab (indent with spaces)")
        if line != line.rstrip():
            found.append(f"{name}:{number}: trailing whitespace")
        stripped = line.strip()
        blank_run = blank_run + 1 if stripped == "" else 0
        if stripped == "" and number < len(lines) and (number == 1 or blank_run == 2):
            found.append(
                f"{name}:{number}: " + ("blank line at the start" if number == 1 else "two blank lines in a row")
            )
        if stripped.startswith("@prefix"):
            match = _PREFIX.match(stripped)
            if not match:
                found.append(f"{name}:{number}: write prefixes as `@prefix name: <iri> .`")
                continue
            if _prefix_line(stripped) != line:
                found.append(f"{name}:{number}: write prefixes as `@prefix name: <iri> .`")
            prefix = match["name"] or ""
            if prefix in declared:
                found.append(f"{name}:{number}: prefix {prefix}: declared again (first on line {declared[prefix]})")
            declared.setdefault(prefix, number)
            if statements_started:
                found.append(f"{name}:{number}: prefix {prefix}: after the first statement (move it to the top)")
        elif stripped and not stripped.startswith("#"):
            statements_started = True
    if text and not text.endswith("\n"):
        found.append(f"{name}:{len(lines)}: no newline at the end")
    elif text.endswith("\n\n"):
        found.append(f"{name}:{len(lines) - 1}: blank lines at the end")
    return found


def turtle_files(paths: Iterable[Path]) -> list[Path]:
    """The ``.ttl`` files named by ``paths`` (files as given, folders searched), sorted."""
    files: set[Path] = set()
    for path in paths:
        files.update(path.rglob("*.ttl") if path.is_dir() else [path])
    return sorted(files)


def check(paths: Iterable[Path]) -> list[str]:
    """Check every Turtle file under ``paths``: layout (:func:`problems`) and that it parses."""
    import pyoxigraph

    found: list[str] = []
    for path in turtle_files(paths):
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            found.append(f"{path}: not UTF-8 (byte {error.start})")
            continue
        found += problems(str(path), text)
        try:
            for _ in pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.TURTLE, path=None):
                pass
        except SyntaxError as error:
            found.append(f"{path}: does not parse as Turtle: {error}")
    return found


def fix(paths: Iterable[Path]) -> list[Path]:
    """Rewrite (atomically) every Turtle file under ``paths`` that is not in the canonical layout;
    return the files changed."""
    from kg.atomic import write_text

    changed = []
    for path in turtle_files(paths):
        text = path.read_text(encoding="utf-8")
        canonical = canonical_text(text)
        if canonical != text:
            write_text(path, canonical)
            changed.append(path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kg.turtle_style [--fix] PATH…``: check (exit 1 on a problem, printing the
    command that fixes it) or fix the layout of the Turtle files under each PATH."""
    options = argparse.ArgumentParser(prog="python -m kg.turtle_style", description=main.__doc__)
    options.add_argument("--fix", action="store_true", help="rewrite the files into the canonical layout")
    options.add_argument("paths", nargs="+", type=Path, help="Turtle files or folders (e.g. ontology graph)")
    arguments = options.parse_args(argv)
    missing = [str(path) for path in arguments.paths if not path.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    if arguments.fix:
        for path in fix(arguments.paths):
            print(f"formatted {path}")
    found = check(arguments.paths)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print(f"{len(found)} problem(s) in the Turtle layout: run `{FIX_COMMAND}` to fix the layout", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
