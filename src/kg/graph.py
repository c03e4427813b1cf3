"""The Python API: open the graph, ask it questions, get rows or DataFrames.

:func:`open_graph` opens a built store (or a remote endpoint); :func:`load` reads named Turtle
files into memory, with the inferences ``kg build`` materialises. Both are context managers:

>>> import kg
>>> from kg.build import Sources
>>> from kg.paths import project_home
>>> shipped = Sources.of(project_home())
>>> with kg.load(shipped.files, queries_folder=shipped.queries) as graph:
...     graph.select("cq-r5a-blacktech-advisory-issuers").rows[0][:2]
('https://w3id.org/npa-cyber-kg/id/org-cisa', 'Cybersecurity and Infrastructure Security Agency')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType

from kg import queries
from kg.errors import TYPE_CHECKING
from kg.namespaces import RDFS
from kg.results import QueryResult, Term
from kg.store.base import SparqlStore
from kg.terms import parse_value

if TYPE_CHECKING:
    from typing import Any

LABELS_QUERY = f"""
SELECT ?item ?label WHERE {{
  ?item <{RDFS}label> ?label .
  FILTER(lang(?label) = ?lang)
}}"""


class KnowledgeGraph:
    """The kg graph in some store, embedded or remote, with the named queries of the folder
    ``queries_folder`` (a project's ``queries/``; without it, queries are ``.rq`` files or text)."""

    def __init__(self, store: SparqlStore, *, queries_folder: Path | None = None) -> None:
        self.store = store
        self.queries_folder = queries_folder

    def query(
        self,
        spec: str,
        *,
        bindings: Mapping[str, Any] | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> QueryResult:
        """Run a named query, a ``.rq`` file or SPARQL text.

        ``bindings`` map variable names to terms (dicts as in SPARQL results JSON) or to
        strings in ``kg query --bind`` syntax (``kgr:actor-blacktech``, ``"警察庁"@ja``, ``2023``).
        ``limit`` and ``offset`` return one page of the answer (:func:`kg.paging.page`).
        """
        from kg.paging import page

        text, source = queries.resolve(spec, folder=self.queries_folder)
        text = page(text, limit=limit, offset=offset)
        terms = {
            name: value if isinstance(value, Mapping) else parse_value(str(value))
            for name, value in (bindings or {}).items()
        }
        return self.store.execute(text, bindings=terms, source=source)

    select = query

    def dataframe(self, spec: str, **bindings: Any) -> Any:
        """Run a query and return its rows as a pandas DataFrame."""
        return self.query(spec, bindings=bindings).to_dataframe()

    def named_queries(self) -> dict[str, queries.NamedQuery]:
        """Return the named queries of ``queries_folder`` by name (none without one)."""
        return queries.catalog(self.queries_folder) if self.queries_folder is not None else {}

    def labels(self, iris: Iterable[str], lang: str) -> dict[str, str]:
        """Return the ``rdfs:label`` in ``lang`` of each IRI that has one."""
        wanted = set(iris)
        if not wanted:
            return {}
        result = self.store.execute(LABELS_QUERY, bindings={"lang": {"type": "literal", "value": lang}})
        return {
            row["item"]["value"]: row["label"]["value"] for row in result.bindings if row["item"]["value"] in wanted
        }

    def close(self) -> None:
        """Close the underlying store."""
        self.store.close()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def load(
    paths: Iterable[str | Path],
    *,
    infer: bool = True,
    progress: Callable[[str], None] | None = None,
    queries_folder: Path | None = None,
) -> KnowledgeGraph:
    """Read the Turtle files ``paths`` into a new in-memory graph, with the inferences ``kg build``
    materialises unless ``infer`` is false; nothing is written. ``progress`` hears of each file;
    ``queries_folder`` names the folder of named queries (a project's ``queries/``).

    A file that does not parse raises :class:`~kg.errors.InputError` naming the file and line.

    >>> import kg
    >>> from kg.build import Sources
    >>> from kg.paths import project_home
    >>> modules = Sources.of(project_home()).modules    # the ontology on its own
    >>> with kg.load(modules, infer=False) as asserted, kg.load(modules) as inferred:
    ...     len(asserted.store.store) < len(inferred.store.store)
    True
    """
    from kg.build import load_sources
    from kg.infer import materialise
    from kg.store.embedded import OxigraphStore

    store = load_sources([Path(path) for path in paths], progress=progress)
    if infer:
        materialise(store)
    return KnowledgeGraph(OxigraphStore(store), queries_folder=queries_folder)


def open_graph(store: str | Path | None = None, *, endpoint: str | None = None, **options: Any) -> KnowledgeGraph:
    """Open the graph: the embedded store (``store`` folder, default ``KG_STORE`` or ``.kg``) or,
    with ``endpoint``, a remote SPARQL 1.1 endpoint (keyword arguments go to
    :class:`~kg.store.remote.RemoteStore`).

    This is the API's one entry point that reads the environment, on purpose: it is the
    convenience for notebooks and scripts that want "the graph ``kg build`` built", wherever
    ``KG_STORE`` (:mod:`kg.paths`) puts it, with the named queries of the project of ``KG_HOME``.
    Name ``store`` to read no ``KG_STORE``. Reading and building take their inputs as arguments
    instead (:func:`load`, :func:`kg.build.build`, :func:`kg.build.validate`).

    The embedded store takes ``timeout`` (seconds a query may run, default 60; None: no limit)
    and ``max_result_mb`` (the largest answer, default 100), and ``in_process`` (queries on a
    thread of this process, for a process that ends after its query), see
    :class:`~kg.store.embedded.EmbeddedStore`.
    """
    from kg.paths import queries_dir, store_home

    if endpoint:
        from kg.store.remote import RemoteStore

        return KnowledgeGraph(RemoteStore(endpoint, **options), queries_folder=queries_dir())
    from kg.store.embedded import EmbeddedStore

    home = Path(store) if store is not None else store_home()
    return KnowledgeGraph(EmbeddedStore(home, **options), queries_folder=queries_dir())


__all__ = ["KnowledgeGraph", "Term", "load", "open_graph"]
