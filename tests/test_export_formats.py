"""`kg export` RDF formats: chosen by extension or --format (with aliases), standard output,
compacted JSON-LD with the published @context, asserted triples alone or with inferences."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
import rdflib.compare

from kg.errors import InputError
from kg.export import EXTENSIONS, context_file_text, format_for, jsonld_context
from kg.namespaces import PREFIXES
from tests.helpers import run_kg

PROJECT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("extension", sorted(EXTENSIONS))
def test_the_extension_chooses_the_format(kg_env: dict[str, str], tmp_path: Path, extension: str) -> None:
    target = tmp_path / f"kg{extension}"
    result = run_kg("export", "-o", str(target), env=kg_env)
    assert result.returncode == 0, result.stderr
    fmt = EXTENSIONS[extension]
    if fmt == "jsonld":
        assert len(rdflib.Graph().parse(target, format="json-ld")) > 10000
        return
    formats = {"turtle": "TURTLE", "nt": "N_TRIPLES", "nq": "N_QUADS", "trig": "TRIG", "xml": "RDF_XML"}
    parsed = list(pyoxigraph.parse(path=str(target), format=getattr(pyoxigraph.RdfFormat, formats[fmt])))
    assert len(parsed) > 10000


def test_aliases_and_explicit_format_win_over_the_extension() -> None:
    assert format_for("ttl", "x.nt") == "turtle"
    assert format_for("json-ld", "x") == "jsonld"
    assert format_for("TriG", "x") == "trig"
    assert format_for(None, "x.unknown") == "turtle"
    with pytest.raises(InputError, match="choose from"):
        format_for("yaml", "x.ttl")


def test_jsonld_is_compacted_with_the_projects_context(kg_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "kg.jsonld"
    assert run_kg("export", "-o", str(target), env=kg_env).returncode == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["@context"] == PREFIXES
    ids = {node["@id"] for node in document["@graph"]}
    assert "kgr:actor-blacktech" in ids
    turtle = rdflib.Graph().parse(data=run_kg("export", "-f", "nt", "-o", "-", env=kg_env).stdout, format="nt")
    assert rdflib.compare.isomorphic(rdflib.Graph().parse(target, format="json-ld"), turtle)


def test_the_published_context_file_is_the_one_the_export_uses() -> None:
    published = PROJECT / "ontology" / "context.jsonld"
    assert published.read_text(encoding="utf-8") == context_file_text()
    assert json.loads(published.read_text(encoding="utf-8")) == jsonld_context()


def test_dash_writes_to_standard_output(kg_env: dict[str, str]) -> None:
    result = run_kg("export", "-f", "ttl", "-o", "-", env=kg_env)
    assert result.returncode == 0 and "wrote" in result.stderr
    graph = rdflib.Graph().parse(data=result.stdout, format="turtle")
    assert (rdflib.URIRef(PREFIXES["kgr"] + "actor-blacktech"), None, None) in graph


def test_asserted_only_leaves_out_the_inferences(kg_env: dict[str, str], tmp_path: Path) -> None:
    full, asserted = tmp_path / "full.nt", tmp_path / "asserted.nt"
    assert run_kg("export", "-o", str(full), env=kg_env).returncode == 0
    assert run_kg("export", "--asserted-only", "-o", str(asserted), env=kg_env).returncode == 0
    inferred, stated = rdflib.Graph().parse(full, format="nt"), rdflib.Graph().parse(asserted, format="nt")
    mentioned = rdflib.URIRef(PREFIXES["kg"] + "mentionedIn")
    ground = {triple for triple in stated if not any(isinstance(term, rdflib.BNode) for term in triple)}
    assert len(stated) < len(inferred) and ground <= set(inferred) and len(ground) > 9000
    assert (None, mentioned, None) in inferred and (None, mentioned, None) not in stated
    sources = rdflib.Graph()
    for path in sorted((PROJECT / "ontology").glob("*.ttl")):
        if path.name != "shapes.ttl":
            sources.parse(path)
    for path in sorted((PROJECT / "graph").rglob("*.ttl")):
        sources.parse(path)
    assert len(stated) == len(sources)


def test_cuts_are_refused_for_rdf_and_missing_folders_named(kg_env: dict[str, str], tmp_path: Path) -> None:
    cut = run_kg("export", "-o", str(tmp_path / "x.ttl"), "--report", "2023", env=kg_env)
    assert cut.returncode == 2 and "--report" in cut.stderr and not (tmp_path / "x.ttl").exists()
    missing = run_kg("export", "-o", str(tmp_path / "no" / "x.ttl"), env=kg_env)
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_triple_formats_merge_named_graphs_and_dataset_formats_keep_them() -> None:
    # The build may keep its inferences in a named graph of their own: a Turtle export still
    # carries them, an N-Quads export keeps them apart.
    import io

    from kg.export import dump_rdf

    store = pyoxigraph.Store()
    node = pyoxigraph.NamedNode(PREFIXES["kgr"] + "x")
    label = pyoxigraph.NamedNode(PREFIXES["rdfs"] + "label")
    inferred = pyoxigraph.NamedNode(PREFIXES["kg"] + "mentionedIn")
    store.add(pyoxigraph.Quad(node, label, pyoxigraph.Literal("x", language="en")))
    store.add(pyoxigraph.Quad(node, inferred, node, pyoxigraph.NamedNode("https://example.org/inferred")))
    turtle, quads = io.BytesIO(), io.BytesIO()
    dump_rdf(store, turtle, "turtle")
    dump_rdf(store, quads, "nq")
    assert len(list(pyoxigraph.parse(turtle.getvalue(), format=pyoxigraph.RdfFormat.TURTLE))) == 2
    graphs = {str(q.graph_name) for q in pyoxigraph.parse(quads.getvalue(), format=pyoxigraph.RdfFormat.N_QUADS)}
    assert "<https://example.org/inferred>" in graphs
