"""Build the graph: load the ontology and every Turtle file under ``graph/``, materialise the
inferences, write the on-disk Oxigraph store into a build folder of its own, validate, and
publish that folder atomically.

The inputs are explicit: :class:`Sources` names the files (``Sources.of(folder)`` takes a
project folder's layout) and ``store`` the folder the build is kept in. The shipped graph,
validated and built into a store of its own:

>>> import tempfile, kg
>>> from kg.paths import project_home
>>> sources = Sources.of(project_home())
>>> with tempfile.TemporaryDirectory() as folder:            # validates; raises ValidationFailed if not
...     report = build(sources=sources, store=Path(folder) / ".kg")
...     with kg.open_graph(Path(folder) / ".kg") as graph:
...         graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows == [(report.triples,)]
True
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import InputError, StoreMissingError, ValidationFailed
from kg.validate import ValidationReport

if TYPE_CHECKING:
    import pyoxigraph

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


def display_path(path: Path, home: Path | None = None) -> str:
    """Return ``path`` relative to the project folder ``home`` where it lies inside it (as given
    without ``home``), for messages and the build's digest.

    >>> display_path(Path("/work/kg/graph/common/reports.ttl"), Path("/work/kg"))
    'graph/common/reports.ttl'
    """
    if home is None:
        return str(path)
    home = Path(home).resolve()
    for candidate in (Path(os.path.abspath(path)), path.resolve()):  # the link's own name first
        if candidate.is_relative_to(home):
            return str(candidate.relative_to(home))
    return str(path)


def source_files(*, ontology: Path, graph: Path) -> list[Path]:
    """Return the Turtle files a build loads from the folders ``ontology`` and ``graph``: the
    ontology modules (not the shapes), then the graph's files."""
    modules = sorted(path for path in ontology.glob("*.ttl") if path.name != SHAPES)
    return modules + sorted(graph.rglob("*.ttl"))


#: The SHACL shapes' file name in a project's ``ontology/`` folder (not loaded as a module).
SHAPES = "shapes.ttl"


@dataclass(frozen=True)
class Sources:
    """What a build reads: the ontology modules and the graph's Turtle files, the SHACL shapes, and
    the folder of named queries (whose ``qc/`` quality queries validation runs).

    ``graph`` is the folder of the facts (files under it count as facts for the shrink guard).

    >>> from kg.paths import project_home
    >>> sources = Sources.of(project_home())
    >>> sources.shapes.name, sources.files[0].parent.name, sources.files[-1].parent.parent.name
    ('shapes.ttl', 'ontology', 'graph')
    """

    files: tuple[Path, ...]
    shapes: Path
    queries: Path
    graph: Path
    ontology: Path

    @classmethod
    def of(cls, home: Path, *, graph: Path | None = None) -> Sources:
        """Return the sources of the project folder ``home``: ``ontology/*.ttl`` (the shapes apart),
        ``graph/**/*.ttl`` (or those of the folder ``graph``), ``ontology/shapes.ttl`` and ``queries/``."""
        home = Path(home)
        ontology, graph = home / "ontology", Path(graph) if graph is not None else home / "graph"
        files = source_files(ontology=ontology, graph=graph) if ontology.is_dir() else []
        return cls(tuple(files), ontology / SHAPES, home / "queries", graph, ontology)

    @property
    def home(self) -> Path:
        """The project folder (the ontology's parent), which messages show paths relative to."""
        return self.ontology.parent

    @property
    def modules(self) -> tuple[Path, ...]:
        """The ontology modules among the files (those in ``ontology``), without the graph."""
        return tuple(path for path in self.files if path.parent == self.ontology)

    def facts(self) -> int:
        """Return how many of the files are facts (lie under ``graph``)."""
        return sum(1 for path in self.files if path.is_relative_to(self.graph))

    def check(self) -> None:
        """Raise :class:`~kg.errors.InputError` unless there is an ontology and a file to load."""
        if not self.ontology.is_dir():
            raise InputError(
                "no ontology/ folder: not a project folder holding ontology/, graph/ and queries/ "
                "(the kg commands take it from KG_HOME)",
                path=str(self.ontology),
            )
        if not self.files:
            raise InputError("no Turtle files found", path=str(self.graph))


def inputs_digest(
    files: list[Path], shapes: Path, checks: list[Path] | None = None, *, home: Path | None = None
) -> str:
    """Return a digest of everything a build depends on, to skip a build that would change nothing:
    the Turtle ``files``, the ``shapes`` and the quality queries (``checks``) its validation runs,
    with their paths relative to the project folder ``home``."""
    from kg import __version__

    digest = hashlib.sha256(f"{PIPELINE_VERSION}|{__version__}".encode())
    for path in [*files, shapes, *(checks or [])]:
        shown = display_path(path, home)
        digest.update(shown.encode())
        try:
            digest.update(path.read_bytes())
        except IsADirectoryError:
            raise InputError("is a folder, not a Turtle file: rename it", path=shown) from None
        except FileNotFoundError:
            what = "the SHACL shapes file is missing" if path == shapes else "broken link or missing file"
            raise InputError(what, path=shown) from None
        except OSError as error:
            raise InputError(f"cannot read: {error.strerror or error}", path=shown) from None
    return digest.hexdigest()


def load_sources(files: list[Path], *, progress: Progress | None = None, home: Path | None = None) -> pyoxigraph.Store:
    """Parse Turtle files into a new in-memory pyoxigraph store.

    A file that does not parse raises :class:`~kg.errors.InputError` naming the file (relative to
    the project folder ``home``, when given) and line.
    """
    import pyoxigraph

    store = pyoxigraph.Store()
    for number, path in enumerate(files, 1):
        if progress:
            progress(f"parsing [{number}/{len(files)}] {display_path(path, home)}")
        try:
            store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
        except SyntaxError as error:
            line = error.lineno if isinstance(error.lineno, int) else None
            message = error.msg if error.msg else str(error)
            raise InputError(f"malformed Turtle: {message}", path=display_path(path, home), line=line) from None
        except OSError as error:
            raise InputError(f"cannot read: {error.strerror or error}", path=str(path)) from None
    return store


def class_counts(store: pyoxigraph.Store) -> dict[str, int]:
    """Return how many instances each kg class has in an in-memory pyoxigraph store, largest first."""
    from kg.stats import class_counts as counts
    from kg.store.embedded import OxigraphStore

    return counts(OxigraphStore(store))


def check(
    store: pyoxigraph.Store,
    *,
    progress: Progress | None = None,
    shapes: Path,
    queries: Path,
    engine: str = "sparql",
    home: Path | None = None,
) -> ValidationReport:
    """Validate a loaded, inferred in-memory store: the SHACL shapes file ``shapes`` (checked by
    ``engine``, see :data:`kg.validate.ENGINES`) and the quality queries of the folder ``queries``;
    messages show paths relative to the project folder ``home``."""
    from kg.store.embedded import OxigraphStore
    from kg.validate import ValidationReport, quality_violations, shacl_violations

    if not shapes.is_file():
        raise InputError("the SHACL shapes file is missing", path=display_path(shapes, home))
    load_sources([shapes], home=home)  # a malformed shapes file is one line naming its line, as any Turtle file
    if progress:
        progress(f"validating against the SHACL shapes ({engine})")
    violations = shacl_violations(store, shapes, engine=engine)
    if progress:
        progress("running the quality queries")
    violations += quality_violations(OxigraphStore(store), queries)
    from kg.store.solutions import count

    return ValidationReport(violations, checked_triples=count(store))


def prepare(
    sources: Sources, *, progress: Progress | None = None, keep_rounds: bool = False
) -> tuple[pyoxigraph.Store, list[Path], int, int, dict[str, float]]:
    """Load and infer ``sources``: return the in-memory pyoxigraph store, the files, asserted and
    inferred counts, and the seconds each step took. With ``keep_rounds`` the inferred triples'
    second copies stay in inference's round graphs (see :func:`kg.infer.materialise`), which
    :func:`copy_quads` writes as the inferred graph."""
    from kg.infer import materialise

    sources.check()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    store = load_sources(list(sources.files), progress=progress, home=sources.home)
    seconds["parse"] = time.perf_counter() - started
    asserted = len(store)
    started = time.perf_counter()
    if progress:
        progress(f"inferring over {asserted} triples")
    inferred = materialise(store, keep_rounds=keep_rounds)
    seconds["infer"] = time.perf_counter() - started
    return store, list(sources.files), asserted, inferred, seconds


#: Quads per bulk write: small enough that the writer's buffers stay far below the in-memory
#: store's own size (one bulk load of 1.6M quads doubled the build's peak memory), big enough to
#: keep the write as fast as a single bulk load (batches of 10k took five times as long). At 1M
#: triples, 50k batches streamed from the in-memory store add about 10 MB to the build's peak,
#: 100k batches built as lists about 80 MB, in the same time.
WRITE_BATCH = 50_000


def copy_quads(source: pyoxigraph.Store, target: pyoxigraph.Store, *, batch: int = WRITE_BATCH) -> None:
    """Copy every quad of pyoxigraph store ``source`` into ``target`` with bulk writes of ``batch``
    quads; those of inference's round graphs (:func:`kg.infer.round_graphs`) go into the inferred graph.

    >>> import pyoxigraph as ox
    >>> source, target = ox.Store(), ox.Store()
    >>> source.extend(ox.Quad(ox.NamedNode(f"urn:s{n}"), ox.NamedNode("urn:p"), ox.Literal(n)) for n in range(5))
    >>> copy_quads(source, target, batch=2)
    >>> len(target)
    5
    """
    import pyoxigraph

    from kg.infer import INFERRED_GRAPH, round_graphs

    inferred = pyoxigraph.NamedNode(INFERRED_GRAPH)
    renamed = {graph.value for graph in round_graphs(source)}

    def written() -> Iterator[pyoxigraph.Quad]:
        yield from source.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())
        for graph in source.named_graphs():
            quads = source.quads_for_pattern(None, None, None, graph)
            if graph.value in renamed:
                yield from (pyoxigraph.Quad(quad.subject, quad.predicate, quad.object, inferred) for quad in quads)
            else:
                yield from quads

    # Each bulk write pulls its quads straight from the in-memory store, so no batch of Python
    # quads is held at once: only the writer's own buffers grow with ``batch``.
    quads = written()
    for first in quads:
        target.bulk_extend(itertools.chain((first,), itertools.islice(quads, batch - 1)))


#: How much smaller than the live store a new build may be before it is refused (``--max-drop``).
DEFAULT_MAX_DROP = 0.5


def shrink_guard(
    home: Path, *, graph_files: int, triples: int, max_drop: float, graph: Path, project: Path | None = None
) -> None:
    """Refuse a build that has no facts (no files in the ``graph`` folder), or fewer triples than
    the live store by more than ``max_drop``; messages show ``graph`` relative to the folder ``project``."""
    from kg.store.embedded import read_manifest

    if graph_files == 0:
        raise InputError(
            "no facts to build: graph/ has no Turtle files (is it the right project folder? the kg commands "
            "take it from KG_HOME); use --allow-shrink to build an ontology-only store anyway",
            path=display_path(graph, project),
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
    sources: Sources,
    store: Path,
    force: bool = False,
    validate: bool = True,
    progress: Progress | None = None,
    wait: bool = False,
    allow_shrink: bool = False,
    max_drop: float = DEFAULT_MAX_DROP,
    notice: Progress | None = None,
) -> BuildReport:
    """Build ``sources`` into the store folder ``store`` unless its inputs are unchanged.

    Both are required: the library reads no environment. ``kg build`` names the project of
    ``KG_HOME`` (``Sources.of(project_home())``) and the store of ``--store`` or ``KG_STORE``
    (:func:`kg.commands.store_folder`).

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
    home = Path(store)
    if home.exists() and not home.is_dir():
        raise InputError("is not a folder: the store home must be a folder", path=str(home))
    if not sources.ontology.is_dir():
        sources.check()
    with build_lock(home, wait=wait):
        remove_unused(home, keep=None, say=notice)
        return _build_locked(
            home,
            sources,
            force=force,
            validate=validate,
            progress=progress,
            allow_shrink=allow_shrink,
            max_drop=max_drop,
            notice=notice,
        )


def _build_locked(
    home: Path,
    sources: Sources,
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

    # A changed quality query changes what validation finds, so it is an input like the Turtle
    checks = sorted((sources.queries / "qc").glob("*.rq")) if validate else []
    digest = inputs_digest(list(sources.files), sources.shapes, checks, home=sources.home)
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

    store, files, asserted, inferred, seconds = prepare(sources, progress=progress, keep_rounds=True)
    if not allow_shrink:
        shrink_guard(
            home,
            graph_files=sources.facts(),
            triples=asserted + inferred,
            max_drop=max_drop,
            graph=sources.graph,
            project=sources.home,
        )
    started = time.perf_counter()
    counts = class_counts(store)
    folder = new_build_folder(home, digest)
    if progress:
        progress(f"writing the store to {folder}")
    try:
        # Written before it is validated, into a folder of its own that only publish() makes
        # live (a graph that fails validation removes the folder, as every failure does): the
        # writer's buffers are freed before validation's queries need memory, so that the
        # build's peak is the larger of the two steps, not their sum.
        disk = pyoxigraph.Store(str(folder / DATABASE))
        copy_quads(store, disk)
        disk.flush()
        del disk
        seconds["write"] = time.perf_counter() - started
        if validate:
            started = time.perf_counter()
            report = check(store, progress=progress, shapes=sources.shapes, queries=sources.queries, home=sources.home)
            seconds["validate"] = time.perf_counter() - started
            if not report.conforms:
                raise ValidationFailed(report.summary(), report)
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


def validate(sources: Sources, *, progress: Progress | None = None, engine: str = "sparql") -> ValidationReport:
    """Load, infer and validate ``sources`` without writing a store (``kg validate``).

    The shipped ontology on its own (any :class:`Sources` will do):

    >>> import dataclasses
    >>> from kg.paths import project_home
    >>> project = Sources.of(project_home())
    >>> ontology = dataclasses.replace(project, files=project.modules)
    >>> validate(ontology).summary()
    'conforms: ... triples checked against the shapes and quality queries'
    """
    store, *_ = prepare(sources, progress=progress, keep_rounds=True)
    return check(
        store, progress=progress, engine=engine, shapes=sources.shapes, queries=sources.queries, home=sources.home
    )
