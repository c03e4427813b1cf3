"""Inferred triples in their own named graph, queries seeing both, paging, the validation engines."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest

import kg
from kg.build import BuildReport, load_sources
from kg.errors import InputError
from kg.infer import INFERRED_GRAPH, materialise
from kg.paging import page
from kg.store.embedded import DATABASE, current_build
from tests.helpers import SHIPPED, run_kg

INFERRED = pyoxigraph.NamedNode(INFERRED_GRAPH)
ISSUED = pyoxigraph.NamedNode("https://w3id.org/npa-cyber-kg/ontology#issued")


def test_the_built_store_keeps_inferred_triples_in_their_own_graph(built: BuildReport, store_home: Path) -> None:
    store = pyoxigraph.Store.read_only(str(current_build(store_home) / DATABASE))
    inferred = {quad.triple for quad in store.quads_for_pattern(None, None, None, INFERRED)}
    everything = {quad.triple for quad in store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())}
    assert len(everything) == built.triples and len(inferred) == built.inferred_triples > 1_000
    assert inferred <= everything  # the default graph holds both
    assert len(store) == len(everything) + len(inferred)  # no other graph


def test_inference_adds_exactly_what_the_sources_do_not_state() -> None:
    store = load_sources(list(SHIPPED.files))
    asserted = {quad.triple for quad in store}
    added = materialise(store)
    inferred = {quad.triple for quad in store.quads_for_pattern(None, None, None, INFERRED)}
    assert len(inferred) == added and not inferred & asserted
    default = {quad.triple for quad in store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())}
    assert default == asserted | inferred
    assert len(store) == len(default) + len(inferred)  # the scratch graphs are gone
    assert materialise(store) == 0  # a fixpoint: running it again adds nothing
    assert any(quad.predicate == ISSUED for quad in store.quads_for_pattern(None, ISSUED, None, INFERRED))


def test_queries_see_asserted_and_inferred_triples(graph: kg.KnowledgeGraph, built: BuildReport) -> None:
    total = graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]  # the default graph
    assert total == built.triples
    inferred = graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?advisory kg:issued ?issuer }").rows[0][0]
    assert inferred > 0  # kg:issued is only ever inferred (the inverse of kg:issuedBy)
    only_inferred = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}"
    assert graph.query(only_inferred).rows[0][0] == built.inferred_triples


def test_stats_tells_asserted_from_inferred(kg_env: dict[str, str], built: BuildReport) -> None:
    result = run_kg("stats", env=kg_env)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first == f"{built.triples} triples ({built.asserted_triples} asserted, {built.inferred_triples} inferred)"


def test_export_nquads_keeps_the_inferred_graph_and_turtle_holds_both(
    kg_env: dict[str, str], built: BuildReport, tmp_path: Path
) -> None:
    quads, turtle = tmp_path / "kg.nq", tmp_path / "kg.ttl"
    assert run_kg("export", "--format", "nq", "--output", str(quads), env=kg_env).returncode == 0
    assert run_kg("export", "--format", "turtle", "--output", str(turtle), env=kg_env).returncode == 0
    read = list(pyoxigraph.parse(path=str(quads), format=pyoxigraph.RdfFormat.N_QUADS))
    assert sum(1 for quad in read if quad.graph_name == INFERRED) == built.inferred_triples
    assert len(read) == built.triples + built.inferred_triples  # the default graph holds both
    assert len(list(pyoxigraph.parse(path=str(turtle), format=pyoxigraph.RdfFormat.TURTLE))) == built.triples


def test_paging_returns_the_pages_of_the_whole_answer(graph: kg.KnowledgeGraph) -> None:
    name = "cq-x-china-linked-actor-advisories"
    whole = graph.query(name).bindings
    assert len(whole) > 4
    pages = [graph.query(name, limit=2, offset=start).bindings for start in range(0, len(whole), 2)]
    assert [row for rows in pages for row in rows] == whole
    assert graph.query(name, offset=len(whole)).bindings == []


def test_paging_within_a_query_that_pages_itself() -> None:
    own = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 10 OFFSET 4  # first ten after four"
    assert page(own, limit=3, offset=2).endswith("LIMIT 3 OFFSET 6")
    assert page(own, limit=30, offset=8).endswith("LIMIT 2 OFFSET 12")
    assert page(own, offset=20).endswith("LIMIT 0 OFFSET 24")
    with pytest.raises(InputError, match="negative"):
        page(own, limit=-1)
    with pytest.raises(InputError, match="not ASK"):
        page("PREFIX ex: <urn:x>\nASK { ?s ?p ?o }", limit=1)


def test_cli_pages_a_listing(kg_env: dict[str, str], graph: kg.KnowledgeGraph) -> None:
    name = "cq-x-china-linked-actor-advisories"
    whole = graph.query(name).format("csv").splitlines()
    result = run_kg("query", name, "--format", "csv", "--limit", "3", "--offset", "2", env=kg_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [whole[0], *whole[3:6]]
    refused = run_kg("query", "ASK { ?s ?p ?o }", "--limit", "1", env=kg_env)
    assert refused.returncode == 2 and "not ASK" in refused.stderr


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_kg_validate_with_either_engine(kg_env: dict[str, str], engine: str) -> None:
    result = run_kg("validate", "--quiet", "--engine", engine, env=kg_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("conforms")


@pytest.mark.parametrize("graph", ["shipped", "generated 10k"])
def test_semi_naive_inference_reaches_the_naive_fixpoint(graph: str, tmp_path: Path) -> None:
    """Every later round joins one pattern at a time with the delta only (and only the graphs
    that can feed it), and the result is the fixpoint of running every rule on the whole graph
    until nothing changes: on the shipped graph and on a generated one."""
    from bench.generate import generate

    from kg.infer import DELTA, RULES

    for name, rule in RULES.items():
        patterns = len(rule.data_patterns())
        for update in rule.updates([[f"{DELTA}/1/0"]] * patterns, f"{DELTA}/2/0"):
            assert update.count("GRAPH ?delta") == 1, name
        assert rule.updates([[]] * patterns, f"{DELTA}/2/0") == [], name  # nothing new: no update
    files = list(SHIPPED.files)
    if graph != "shipped":
        generate(10_000, tmp_path)
        files = [*SHIPPED.modules, *sorted((tmp_path / "graph").rglob("*.ttl"))]
    semi_naive = load_sources(files)
    assert materialise(semi_naive) > 1_000
    naive = load_sources(files)
    while True:
        before = len(naive)
        for rule in RULES.values():
            for update in rule.updates(None, INFERRED_GRAPH):
                naive.update(update)
        if len(naive) == before:
            break

    def triples(store: pyoxigraph.Store) -> set[tuple[str, str, str]]:
        return {
            (
                str(quad.subject) if not isinstance(quad.subject, pyoxigraph.BlankNode) else "_",
                str(quad.predicate),
                str(quad.object) if not isinstance(quad.object, pyoxigraph.BlankNode) else "_",
            )
            for quad in store
        }

    assert triples(semi_naive) == triples(naive)
