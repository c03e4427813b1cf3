"""Export the built graph to a standard RDF file."""

from __future__ import annotations

import os
from pathlib import Path

from kg.errors import InputError
from kg.namespaces import PREFIXES

FORMATS = {"turtle": "TURTLE", "nt": "N_TRIPLES", "nq": "N_QUADS", "xml": "RDF_XML", "jsonld": "JSON_LD"}


def export(output: Path, *, fmt: str = "turtle", store: str | Path | None = None) -> int:
    """Write every triple of the built store to ``output`` in ``fmt``; return the triple count.

    N-Quads also writes the named graph of the inferred triples, so a reader can tell them apart.

    The file is written beside its final name and renamed into place, so a failure leaves no
    half-written file.
    """
    import pyoxigraph

    from kg.store.embedded import EmbeddedStore

    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    embedded = EmbeddedStore(Path(store) if store else None)
    rdf_format = getattr(pyoxigraph.RdfFormat, FORMATS[fmt])
    output = output.resolve()
    if not output.parent.is_dir():
        raise InputError("the folder to write into does not exist", path=str(output.parent))
    partial = output.with_name(f".{output.name}.partial")
    try:
        with partial.open("wb") as handle:
            options = {"prefixes": PREFIXES} if fmt in ("turtle", "xml") else {}
            if fmt == "nq":
                embedded.store.dump(handle, format=rdf_format)
            else:
                embedded.store.dump(handle, format=rdf_format, from_graph=pyoxigraph.DefaultGraph(), **options)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    if fmt == "nq":  # the default graph (asserted and inferred) and the inferred graph (a copy)
        return len(embedded.store)
    from kg.infer import triple_count

    return triple_count(embedded.store)
