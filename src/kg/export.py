"""Export the built graph: RDF in the common syntaxes (Turtle, N-Triples, N-Quads, TriG, RDF/XML,
compacted JSON-LD), a STIX 2.1 bundle, or an ATT&CK Navigator layer.

The RDF format follows the file's extension unless one is given; ``-`` writes to standard output.
A file is written beside its final name and renamed into place, so a failure leaves nothing
half-written.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from kg.errors import InputError
from kg.namespaces import PREFIXES

if TYPE_CHECKING:
    import pyoxigraph

    from kg.build import Sources

#: The RDF formats and their pyoxigraph names; ``jsonld`` is compacted with :func:`jsonld_context`.
RDF_FORMATS = {
    "turtle": "TURTLE",
    "nt": "N_TRIPLES",
    "nq": "N_QUADS",
    "trig": "TRIG",
    "xml": "RDF_XML",
    "jsonld": "JSON_LD",
}
#: Every format ``kg export`` writes.
FORMATS = (*RDF_FORMATS, "stix", "navigator")
#: Other names people use for the formats.
ALIASES = {
    "ttl": "turtle",
    "n-triples": "nt",
    "ntriples": "nt",
    "n-quads": "nq",
    "nquads": "nq",
    "json-ld": "jsonld",
    "rdf": "xml",
    "rdfxml": "xml",
    "rdf-xml": "xml",
    "rdf/xml": "xml",
    "stix2": "stix",
    "stix-2.1": "stix",
    "layer": "navigator",
}
#: The format each file extension means.
EXTENSIONS = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nq",
    ".trig": "trig",
    ".jsonld": "jsonld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}
#: Formats that carry named graphs; the others get the triples of every graph, merged.
DATASET_FORMATS = ("nq", "trig")


def format_for(fmt: str | None, output: str) -> str:
    """The format to write: ``fmt`` (a name or an alias) if given, else the one the extension of
    ``output`` means, else Turtle.

    >>> format_for("json-ld", "x.ttl"), format_for(None, "kg.nq"), format_for(None, "-")
    ('jsonld', 'nq', 'turtle')
    """
    if fmt:
        name = ALIASES.get(fmt.lower(), fmt.lower())
        if name not in FORMATS:
            choices = ", ".join([*FORMATS, *ALIASES])
            raise InputError(f"unknown export format {fmt!r}; choose from {choices}")
        return name
    if output != "-":
        return EXTENSIONS.get(Path(output).suffix.lower(), "turtle")
    return "turtle"


def jsonld_context() -> dict[str, Any]:
    """The JSON-LD ``@context`` of the project's prefixes (published as ontology/context.jsonld)."""
    return {"@context": dict(PREFIXES)}


def write_output(output: str, write: Callable[[IO[bytes]], object]) -> None:
    """Run ``write`` on ``output`` (what it returns is not used) through
    :func:`kg.atomic.atomic_write`: a file appears whole or not at all; ``-`` (standard output),
    a FIFO or a device is written as a stream."""
    from kg.atomic import atomic_write

    with atomic_write(output) as handle:
        write(handle)


def _asserted_store(sources: Sources | None) -> pyoxigraph.Store:
    """The asserted triples alone: the ontology and graph files of ``sources`` (those the store
    is built from), re-read.

    Re-reading the sources gives the same answer whether the build keeps its inferences in the
    default graph or in a named graph of their own."""
    from kg.build import load_sources

    if sources is None:
        raise InputError("the asserted triples are re-read from the sources: name the sources the store is built from")
    return load_sources(list(sources.files), home=sources.home)


def _merged_triples(store: pyoxigraph.Store) -> pyoxigraph.Store:
    """A store with every triple of ``store``'s graphs in its default graph."""
    import pyoxigraph

    merged = pyoxigraph.Store()
    merged.bulk_extend(
        pyoxigraph.Quad(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None)
    )
    return merged


def dump_rdf(store: pyoxigraph.Store, handle: IO[bytes], fmt: str) -> int:
    """Write ``store`` to ``handle`` in the RDF format ``fmt`` and return how many triples (or
    quads) were written; the triple formats get every graph's triples merged, the dataset formats
    keep the named graphs."""
    import pyoxigraph

    if fmt in DATASET_FORMATS:
        store.dump(
            handle, format=getattr(pyoxigraph.RdfFormat, RDF_FORMATS[fmt]), prefixes=PREFIXES if fmt == "trig" else None
        )
        return len(store)
    triples = store if not any(True for _ in store.named_graphs()) else _merged_triples(store)
    if fmt == "jsonld":
        handle.write(compact_jsonld(triples).encode("utf-8"))
        return len(triples)
    triples.dump(
        handle,
        format=getattr(pyoxigraph.RdfFormat, RDF_FORMATS[fmt]),
        from_graph=pyoxigraph.DefaultGraph(),
        prefixes=PREFIXES if fmt in ("turtle", "xml") else None,
    )
    return len(triples)


def write_rdf(output: str | Path, source: Any, fmt: str) -> int:
    """Write ``source`` (a pyoxigraph store) to ``output`` in the RDF format ``fmt`` through
    :func:`write_output`; return how many triples (or quads) were written."""
    written: list[int] = []
    write_output(str(output), lambda handle: written.append(dump_rdf(source, handle, fmt)))
    return written[0]


def export_triples(output: str | Path, *, fmt: str = "turtle", store: str | Path) -> int:
    """Write every triple of the store built in the folder ``store`` to ``output`` in the RDF
    format ``fmt``, whole or not at all; return how many were written (what
    :func:`kg.push.bulk_push` and ``bench/`` count)."""
    from kg.store.embedded import EmbeddedStore

    embedded = EmbeddedStore(Path(store))
    try:
        return write_rdf(output, embedded.store, fmt)
    finally:
        embedded.close()


def compact_jsonld(store: pyoxigraph.Store) -> str:
    """The default graph of ``store`` as JSON-LD compacted with :func:`jsonld_context`."""
    import pyoxigraph
    import rdflib

    data = io.BytesIO()
    store.dump(data, format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph())
    graph = rdflib.Graph().parse(data=data.getvalue().decode("utf-8"), format="nt")
    context = jsonld_context()["@context"]
    text = graph.serialize(format="json-ld", context=context, auto_compact=True, indent=1)
    return text if text.endswith("\n") else text + "\n"


def export(
    output: str | Path,
    *,
    fmt: str | None = None,
    store: str | Path,
    asserted_only: bool = False,
    sources: Sources | None = None,
    report: str | None = None,
    actor: str | None = None,
    domain: str = "enterprise-attack",
) -> str:
    """Write the graph built in the folder ``store`` to ``output`` (a path, or ``-`` for standard
    output) in ``fmt`` (default: from the extension); return a one-line summary of what was written.

    ``asserted_only`` leaves out the inferences (RDF formats) by re-reading ``sources``, the
    :class:`~kg.build.Sources` the store is built from; ``report`` and ``actor`` cut a
    STIX bundle or a Navigator layer to one report (a year or IRI) or one actor; ``domain`` is
    the Navigator layer's ATT&CK domain.
    """
    import kg
    from kg.store.embedded import EmbeddedStore

    output = str(output)
    name = format_for(fmt, output)
    if name in RDF_FORMATS:
        if report or actor:
            raise InputError("--report and --actor cut STIX bundles and Navigator layers; RDF exports are whole")
        source = _asserted_store(sources) if asserted_only else EmbeddedStore(Path(store)).store
        written = write_rdf(output, source, name)
        unit = "quads" if name in DATASET_FORMATS else "triples"
        return f"{written} {'asserted ' if asserted_only else ''}{unit} as {name}"
    if asserted_only:
        raise InputError("--asserted-only is for the RDF formats; STIX and Navigator read the built graph")
    with kg.open_graph(store) as graph:
        if name == "stix":
            from kg import stix
            from kg.interchange import cut, read_snapshot

            bundle = stix.stix_bundle(cut(read_snapshot(graph), report=report, actor=actor))
            text, summary = stix.dumps(bundle), f"{len(bundle['objects'])} STIX objects"
        else:
            from kg import navigator

            layer = navigator.navigator_layer(graph, report=report, actor=actor, domain=domain)
            text, summary = navigator.dumps(layer), f"{len(layer['techniques'])} techniques in a Navigator layer"
    write_output(output, lambda handle: handle.write(text.encode("utf-8")))
    return summary


def context_file_text() -> str:
    """The text of ontology/context.jsonld (kept equal to :func:`jsonld_context` by a test)."""
    return json.dumps(jsonld_context(), indent=1) + "\n"
