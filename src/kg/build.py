"""Build the graph: load the ontology and every Turtle file under ``graph/``, materialise the
inferences, validate, and write the on-disk Oxigraph store atomically.

>>> from kg.build import build                    # doctest: +SKIP
>>> report = build(progress=print)                # doctest: +SKIP
>>> report.triples                                # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import InputError, StoreMissingError, ValidationFailed
from kg.paths import graph_dir, ontology_dir, shapes_file, store_home
from kg.validate import ValidationReport

#: Bump when the build pipeline changes what it writes, so that stores are rebuilt.
PIPELINE_VERSION = "1"

Progress = Callable[[str], None]

CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?item) AS ?count) WHERE {
  ?item a ?class .
  FILTER(STRSTARTS(STR(?class), STR(kg:)))
}
GROUP BY ?class ORDER BY DESC(?count) ?class
"""


@dataclass
class BuildReport:
    """What a build did: whether it built, where, from what, and how long each step took."""

    built: bool
    store: str
    digest: str
    files: int = 0
    asserted_triples: int = 0
    inferred_triples: int = 0
    class_counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def triples(self) -> int:
        """All triples in the store, asserted and inferred."""
        return self.asserted_triples + self.inferred_triples


def display_path(path: Path) -> str:
    """Return ``path`` relative to the project folder where it lies inside it."""
    from kg.paths import project_home

    try:
        return str(path.resolve().relative_to(project_home()))
    except ValueError:
        return str(path)


def source_files(*, ontology: Path | None = None, graph: Path | None = None) -> list[Path]:
    """Return the Turtle files a build loads: ontology modules (not the shapes), then the graph."""
    ontology = ontology or ontology_dir()
    graph = graph or graph_dir()
    modules = sorted(path for path in ontology.glob("*.ttl") if path.name != shapes_file().name)
    return modules + sorted(graph.rglob("*.ttl"))


def inputs_digest(files: list[Path], shapes: Path) -> str:
    """Return a digest of everything a build depends on, to skip a build that would change nothing."""
    from kg import __version__

    digest = hashlib.sha256(f"{PIPELINE_VERSION}|{__version__}".encode())
    for path in [*files, shapes]:
        digest.update(display_path(path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_sources(files: list[Path], *, progress: Progress | None = None) -> Any:
    """Parse Turtle files into a new in-memory pyoxigraph store.

    A file that does not parse raises :class:`~kg.errors.InputError` naming the file and line.
    """
    import pyoxigraph

    store = pyoxigraph.Store()
    for number, path in enumerate(files, 1):
        if progress:
            progress(f"parsing [{number}/{len(files)}] {display_path(path)}")
        try:
            store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
        except SyntaxError as error:
            line = error.lineno if isinstance(error.lineno, int) else None
            message = error.msg if error.msg else str(error)
            raise InputError(f"malformed Turtle: {message}", path=display_path(path), line=line) from None
        except OSError as error:
            raise InputError(f"cannot read: {error.strerror or error}", path=str(path)) from None
    return store


def class_counts(store: Any) -> dict[str, int]:
    """Return how many instances each kg class has, largest first."""
    from kg.results import compact_iri
    from kg.store.embedded import OxigraphStore

    result = OxigraphStore(store).execute(CLASS_COUNTS)
    return {compact_iri(str(row[0])): int(row[1]) for row in result.rows}


def check(
    store: Any, *, progress: Progress | None = None, shapes: Path | None = None, engine: str = "sparql"
) -> ValidationReport:
    """Validate a loaded, inferred in-memory store: SHACL shapes (checked by ``engine``, see
    :data:`kg.validate.ENGINES`) and quality queries."""
    from kg.store.embedded import OxigraphStore
    from kg.validate import ValidationReport, quality_violations, shacl_violations

    if progress:
        progress(f"validating against the SHACL shapes ({engine})")
    violations = shacl_violations(store, shapes or shapes_file(), engine=engine)
    if progress:
        progress("running the quality queries")
    violations += quality_violations(OxigraphStore(store))
    from kg.infer import triple_count

    return ValidationReport(violations, checked_triples=triple_count(store))


def prepare(*, progress: Progress | None = None) -> tuple[Any, list[Path], int, int, dict[str, float]]:
    """Load and infer: return the in-memory store, the files, asserted and inferred counts, timings."""
    from kg.infer import materialise

    seconds: dict[str, float] = {}
    files = source_files()
    if not files:
        raise InputError("no Turtle files found", path=str(graph_dir()))
    started = time.perf_counter()
    store = load_sources(files, progress=progress)
    seconds["parse"] = time.perf_counter() - started
    asserted = len(store)
    started = time.perf_counter()
    if progress:
        progress(f"inferring over {asserted} triples")
    inferred = materialise(store)
    seconds["infer"] = time.perf_counter() - started
    return store, files, asserted, inferred, seconds


#: Quads per bulk write: small enough that the writer's buffers stay far below the in-memory
#: store's own size (one bulk load of 1.6M quads doubled the build's peak memory), big enough to
#: keep the write as fast as a single bulk load.
WRITE_BATCH = 100_000


def copy_quads(source: Any, target: Any, *, batch: int = WRITE_BATCH) -> None:
    """Copy every quad of pyoxigraph store ``source`` into ``target`` with bulk writes of ``batch`` quads.

    >>> import pyoxigraph as ox
    >>> source, target = ox.Store(), ox.Store()
    >>> source.extend(ox.Quad(ox.NamedNode(f"urn:s{n}"), ox.NamedNode("urn:p"), ox.Literal(n)) for n in range(5))
    >>> copy_quads(source, target, batch=2)
    >>> len(target)
    5
    """
    quads = iter(source)
    while chunk := list(itertools.islice(quads, batch)):
        target.bulk_extend(chunk)


def build(
    *, force: bool = False, validate: bool = True, home: Path | None = None, progress: Progress | None = None
) -> BuildReport:
    """Build the store under ``home`` (default ``KG_STORE``) unless its inputs are unchanged.

    Raises :class:`~kg.errors.InputError` for a file that does not parse and
    :class:`~kg.errors.ValidationFailed` (carrying ``.report``) when the graph breaks the
    shapes; in both cases the previous store is left as it was.
    """
    import pyoxigraph

    from kg.store.embedded import BUILDS, DATABASE, MANIFEST, publish_build, read_manifest

    home = home or store_home()
    files = source_files()
    digest = inputs_digest(files, shapes_file())
    if not force:
        try:
            manifest = read_manifest(home)
        except (StoreMissingError, OSError, ValueError):
            manifest = {}
        if manifest.get("digest") == digest:
            return BuildReport(
                built=False,
                store=str(home),
                **{
                    key: manifest[key]
                    for key in ("digest", "files", "asserted_triples", "inferred_triples", "class_counts", "seconds")
                },
            )

    store, files, asserted, inferred, seconds = prepare(progress=progress)
    if validate:
        started = time.perf_counter()
        report = check(store, progress=progress)
        seconds["validate"] = time.perf_counter() - started
        if not report.conforms:
            raise ValidationFailed(report.summary(), report)

    started = time.perf_counter()
    counts = class_counts(store)
    folder = home / BUILDS / f"{time.strftime('%Y%m%dT%H%M%S')}-{digest[:8]}"
    if progress:
        progress(f"writing the store to {folder}")
    try:
        folder.mkdir(parents=True, exist_ok=False)
        disk = pyoxigraph.Store(str(folder / DATABASE))
        copy_quads(store, disk)
        disk.flush()
        del disk
        seconds["write"] = time.perf_counter() - started
        result = BuildReport(True, str(home), digest, len(files), asserted, inferred, counts, seconds)
        manifest = asdict(result)
        del manifest["built"], manifest["store"]
        manifest["built_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        publish_build(home, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return result


def validate_sources(*, progress: Progress | None = None, engine: str = "sparql") -> ValidationReport:
    """Load, infer and validate the sources without writing a store (``kg validate``)."""
    store, *_ = prepare(progress=progress)
    return check(store, progress=progress, engine=engine)
