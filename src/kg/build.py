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
import os
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

    home = project_home()
    for candidate in (Path(os.path.abspath(path)), path.resolve()):  # the link's own name first
        if candidate.is_relative_to(home):
            return str(candidate.relative_to(home))
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
        try:
            digest.update(path.read_bytes())
        except IsADirectoryError:
            raise InputError("is a folder, not a Turtle file: rename it", path=display_path(path)) from None
        except FileNotFoundError:
            what = "the SHACL shapes file is missing" if path == shapes else "broken link or missing file"
            raise InputError(what, path=display_path(path)) from None
        except OSError as error:
            raise InputError(f"cannot read: {error.strerror or error}", path=display_path(path)) from None
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
    """Return how many instances each kg class has in an in-memory pyoxigraph store, largest first."""
    from kg.stats import class_counts as counts
    from kg.store.embedded import OxigraphStore

    return counts(OxigraphStore(store))


def check(
    store: Any, *, progress: Progress | None = None, shapes: Path | None = None, engine: str = "sparql"
) -> ValidationReport:
    """Validate a loaded, inferred in-memory store: SHACL shapes (checked by ``engine``, see
    :data:`kg.validate.ENGINES`) and quality queries."""
    from kg.store.embedded import OxigraphStore
    from kg.validate import ValidationReport, quality_violations, shacl_violations

    shapes = shapes or shapes_file()
    if not shapes.is_file():
        raise InputError("the SHACL shapes file is missing", path=display_path(shapes))
    load_sources([shapes])  # a malformed shapes file is one line naming its line, as any Turtle file
    if progress:
        progress(f"validating against the SHACL shapes ({engine})")
    violations = shacl_violations(store, shapes, engine=engine)
    if progress:
        progress("running the quality queries")
    violations += quality_violations(OxigraphStore(store))
    from kg.infer import triple_count

    return ValidationReport(violations, checked_triples=triple_count(store))


def prepare(*, progress: Progress | None = None) -> tuple[Any, list[Path], int, int, dict[str, float]]:
    """Load and infer: return the in-memory store, the files, asserted and inferred counts, timings."""
    from kg.infer import materialise

    seconds: dict[str, float] = {}
    if not ontology_dir().is_dir():
        raise InputError(
            "no ontology/ folder here: set KG_HOME to the folder holding ontology/, graph/ and queries/",
            path=str(ontology_dir()),
        )
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


#: How much smaller than the live store a new build may be before it is refused (``--max-drop``).
DEFAULT_MAX_DROP = 0.5


def shrink_guard(home: Path, *, graph_files: int, triples: int, max_drop: float) -> None:
    """Refuse a build that has no facts, or fewer triples than the live store by more than ``max_drop``."""
    from kg.store.embedded import read_manifest

    if graph_files == 0:
        raise InputError(
            "no facts to build: graph/ has no Turtle files (is KG_HOME right?); "
            "use --allow-shrink to build an ontology-only store anyway",
            path=display_path(graph_dir()),
        )
    try:
        manifest = read_manifest(home)
    except (StoreMissingError, OSError, ValueError):
        return
    live = int(manifest.get("asserted_triples", 0)) + int(manifest.get("inferred_triples", 0))
    if live and triples < live * (1 - max_drop):
        raise InputError(
            f"refusing to replace the live store of {live} triples with {triples} "
            f"({1 - triples / live:.0%} fewer, more than --max-drop {max_drop:g} allows): is graph/ complete? "
            "use --allow-shrink to build it anyway"
        )


def build(
    *,
    force: bool = False,
    validate: bool = True,
    home: Path | None = None,
    progress: Progress | None = None,
    wait: bool = False,
    allow_shrink: bool = False,
    max_drop: float = DEFAULT_MAX_DROP,
    notice: Progress | None = None,
) -> BuildReport:
    """Build the store under ``home`` (default ``KG_STORE``) unless its inputs are unchanged.

    One build at a time writes a store: another one running raises
    :class:`~kg.store.builds.BuildLocked` at once, or is waited for with ``wait``. Folders left by
    interrupted builds are removed first (``notice`` hears of each). A build without facts, or
    with fewer triples than the live store by more than ``max_drop`` (a fraction), raises
    :class:`~kg.errors.InputError` unless ``allow_shrink``.

    Raises :class:`~kg.errors.InputError` for a file that does not parse and
    :class:`~kg.errors.ValidationFailed` (carrying ``.report``) when the graph breaks the
    shapes; in every case the previous store is left as it was.
    """
    from kg.store.builds import build_lock, remove_unused

    if not 0 <= max_drop <= 1:
        raise InputError(f"--max-drop is a fraction from 0 to 1, got {max_drop:g}")
    home = home or store_home()
    if home.exists() and not home.is_dir():
        raise InputError("is not a folder: the store home must be a folder", path=str(home))
    if not ontology_dir().is_dir():
        raise InputError(
            "no ontology/ folder here: set KG_HOME to the folder holding ontology/, graph/ and queries/",
            path=str(ontology_dir()),
        )
    with build_lock(home, wait=wait):
        remove_unused(home, keep=None, say=notice)
        return _build_locked(
            home,
            force=force,
            validate=validate,
            progress=progress,
            allow_shrink=allow_shrink,
            max_drop=max_drop,
            notice=notice,
        )


def _build_locked(
    home: Path,
    *,
    force: bool,
    validate: bool,
    progress: Progress | None,
    allow_shrink: bool,
    max_drop: float,
    notice: Progress | None,
) -> BuildReport:
    import pyoxigraph

    from kg.atomic import write_text
    from kg.store.builds import DATABASE, MANIFEST, new_build_folder, publish, remove_unused
    from kg.store.embedded import read_manifest

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
    if not allow_shrink:
        graph_files = sum(1 for path in files if path.is_relative_to(graph_dir()))
        shrink_guard(home, graph_files=graph_files, triples=asserted + inferred, max_drop=max_drop)
    if validate:
        started = time.perf_counter()
        report = check(store, progress=progress)
        seconds["validate"] = time.perf_counter() - started
        if not report.conforms:
            raise ValidationFailed(report.summary(), report)

    started = time.perf_counter()
    counts = class_counts(store)
    folder = new_build_folder(home, digest)
    if progress:
        progress(f"writing the store to {folder}")
    try:
        disk = pyoxigraph.Store(str(folder / DATABASE))
        copy_quads(store, disk)
        disk.flush()
        del disk
        seconds["write"] = time.perf_counter() - started
        result = BuildReport(True, str(home), digest, len(files), asserted, inferred, counts, seconds)
        manifest = asdict(result)
        del manifest["built"], manifest["store"]
        manifest["built_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        write_text(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        publish(home, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # only the folder this build made
        raise
    remove_unused(home, keep=folder, say=notice)
    return result


def validate_sources(*, progress: Progress | None = None, engine: str = "sparql") -> ValidationReport:
    """Load, infer and validate the sources without writing a store (``kg validate``)."""
    store, *_ = prepare(progress=progress)
    return check(store, progress=progress, engine=engine)
