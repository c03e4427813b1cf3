"""Export the built graph to a standard RDF file."""

from __future__ import annotations

from pathlib import Path

from kg.errors import InputError
from kg.namespaces import PREFIXES

FORMATS = {"turtle": "TURTLE", "nt": "N_TRIPLES", "nq": "N_QUADS", "xml": "RDF_XML", "jsonld": "JSON_LD"}


def export(output: str | Path, *, fmt: str = "turtle", store: str | Path | None = None) -> int:
    """Write every triple of the built store to ``output`` in ``fmt``; return the triple count.

    N-Quads also writes the named graph of the inferred triples, so a reader can tell them apart.

    The file is written through :func:`kg.atomic.atomic_write`: whole or not at all, never
    through a planted link; ``-``, a FIFO or a device is written to as a stream.
    """
    import pyoxigraph

    from kg.atomic import atomic_write
    from kg.store.embedded import EmbeddedStore

    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    embedded = EmbeddedStore(Path(store) if store else None)
    try:
        rdf_format = getattr(pyoxigraph.RdfFormat, FORMATS[fmt])
        with atomic_write(output) as handle:
            options = {"prefixes": PREFIXES} if fmt in ("turtle", "xml") else {}
            if fmt == "nq":
                embedded.store.dump(handle, format=rdf_format)
            else:
                embedded.store.dump(handle, format=rdf_format, from_graph=pyoxigraph.DefaultGraph(), **options)
        if fmt == "nq":  # the default graph (asserted and inferred) and the inferred graph (a copy)
            return len(embedded.store)
        from kg.infer import triple_count

        return triple_count(embedded.store)
    finally:
        embedded.close()
