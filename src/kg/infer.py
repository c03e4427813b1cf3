"""Materialise the inferences the queries rely on, with semi-naive SPARQL rules run to a fixpoint.

The rules are a deliberate subset of RDFS and OWL 2 RL, chosen because queries depend on them
and they cannot surprise: class and property hierarchies, inverse and symmetric properties, and
two-step property chains (``kg:reportedIn``), and one rule of the project's own: a thing that a
fact refers to is ``kg:mentionedIn`` the fact's report (so that actors, agencies and techniques
can be filtered by report). Domain and range are *not* used to add types,
so the SHACL shapes still catch a value of the wrong class.

The default graph holds every triple, asserted and inferred, so that every query sees both
with no extra cost; the inferred triples also live in their own named graph,
:data:`INFERRED_GRAPH`, so that views, exports and counts can tell them apart (asserted = the
default graph less that graph). Keeping the asserted and inferred triples in two graphs and
querying their union instead made every competency query about twice as slow on the on-disk
store (two index lookups for every pattern: 2.0 s against 1.1 s for all 85 at 100k triples).

Evaluation is semi-naive: the first round joins the whole graph; in every later round a rule
joins, one body pattern at a time, only the triples added since the rule last ran (each rule's
output of each round is kept in a scratch graph under ``DELTA`` until every rule has seen it),
so no round re-derives what is known, and the last round (which finds nothing new) costs only
what the round before it added. There is no confirming pass over the whole graph. Running the rules inside Oxigraph
keeps inference fast at millions of triples.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg.namespaces import KG, OWL, PROV, RDF, RDFS

if TYPE_CHECKING:
    import pyoxigraph

#: The named graph that holds every inferred triple.
INFERRED_GRAPH = "https://w3id.org/npa-cyber-kg/graph/inferred"
#: Prefix of the fixpoint's scratch graphs: what each rule added in each round.
DELTA = "https://w3id.org/npa-cyber-kg/graph/inference-delta"

#: A data pattern in a rule body: ``[[ ?s ?p ?o ]]`` may match what the previous round added
#: (one such pattern at a time is restricted to it in later rounds); ``(( … ))`` and patterns
#: written plainly (the schema) always read the whole graph.
_DELTA_PATTERN = re.compile(r"\[\[(.*?)\]\]", re.S)
_FULL_PATTERN = re.compile(r"\(\((.*?)\)\)", re.S)


@dataclass(frozen=True)
class Rule:
    """One inference rule: ``head`` (one triple pattern) follows from ``body``."""

    head: str
    body: str
    #: The body as later rounds join it, when a plan that starts from the delta differs from
    #: the best plan over the whole graph (default: ``body``).
    delta_body: str = ""
    #: The rule's own output, joined again, derives nothing new (its schema side is already a
    #: closure, as ``rdfs:subClassOf+``), so later rounds do not join it.
    closed: bool = False
    #: For each data pattern of later rounds whose predicate is a variable, the schema patterns
    #: that bind it ("" or none: any predicate): a pattern can only match triples of those.
    reads: tuple[str, ...] = ()

    def data_patterns(self) -> list[tuple[str, str]]:
        """The data patterns (``[[ … ]]``) of the body later rounds join, in order, each with the
        schema patterns that bind its predicate (see :attr:`reads`)."""
        patterns = _DELTA_PATTERN.findall(self.delta_body or self.body)
        return [(pattern, self.reads[n] if n < len(self.reads) else "") for n, pattern in enumerate(patterns)]

    def updates(self, delta_graphs: list[list[str]] | None, output: str) -> list[str]:
        """The SPARQL updates of one round: the whole body when ``delta_graphs`` is None (the first
        round), else one update per data pattern, the n-th restricted to the graphs
        ``delta_graphs[n]`` (none when that list is empty: nothing new can match it)."""
        if delta_graphs is None:
            return [self._update(self.body, None, [], output)]
        body = self.delta_body or self.body
        return [
            self._update(body, restricted, graphs, output) for restricted, graphs in enumerate(delta_graphs) if graphs
        ]

    def _update(self, body: str, restricted: int | None, delta_graphs: list[str], output: str) -> str:
        counter = iter(range(1_000))
        graphs = " ".join(f"<{graph}>" for graph in delta_graphs)

        def delta_pattern(match: re.Match[str]) -> str:
            if next(counter) == restricted:
                return f"VALUES ?delta {{ {graphs} }} GRAPH ?delta {{ {match.group(1)} }}"
            return f"{match.group(1)} ."

        body = _FULL_PATTERN.sub(lambda match: f"{match.group(1)} .", _DELTA_PATTERN.sub(delta_pattern, body))
        # While the rules run, the default graph holds everything known (one index lookup per
        # pattern, no union); the inferred graph and the rule's output graph record what was added.
        return f"""
            INSERT {{ {self.head} . GRAPH <{output}> {{ {self.head} }} }}
            WHERE {{ {body} FILTER NOT EXISTS {{ {self.head} }} }}"""


RULES: dict[str, Rule] = {
    "subclass types": Rule(
        "?x a ?super",
        f"[[ ?x a ?class ]] ?class <{RDFS}subClassOf>+ ?super . FILTER(isIRI(?super) && ?super != ?class)",
        closed=True,
    ),
    "subproperties": Rule(
        "?s ?super ?o",
        f"""?property <{RDFS}subPropertyOf>+ ?super . FILTER(isIRI(?super) && ?super != ?property)
            [[ ?s ?property ?o ]]""",
        closed=True,
        reads=(f"?property <{RDFS}subPropertyOf> ?super . FILTER(isIRI(?super) && ?super != ?property)",),
    ),
    "inverse properties": Rule(
        "?o ?inverse ?s",
        f"""{{ ?property <{OWL}inverseOf> ?inverse }} UNION {{ ?inverse <{OWL}inverseOf> ?property }}
            [[ ?s ?property ?o ]] FILTER(!isLiteral(?o))""",
        reads=(f"{{ ?property <{OWL}inverseOf> ?inverse }} UNION {{ ?inverse <{OWL}inverseOf> ?property }}",),
    ),
    "symmetric properties": Rule(
        "?o ?property ?s",
        f"?property a <{OWL}SymmetricProperty> . [[ ?s ?property ?o ]] FILTER(!isLiteral(?o))",
        closed=True,
        reads=(f"?property a <{OWL}SymmetricProperty>",),
    ),
    "property chains": Rule(
        "?x ?property ?z",
        f"""?property <{OWL}propertyChainAxiom> ?chain .
            ?chain <{RDF}first> ?first ; <{RDF}rest> ?rest .
            ?rest <{RDF}first> ?second ; <{RDF}rest> <{RDF}nil> .
            [[ ?x ?first ?y ]] [[ ?y ?second ?z ]]""",
        reads=(f"[] <{OWL}propertyChainAxiom> [ <{RDF}first> ?first ; <{RDF}rest>/<{RDF}first> ?second ]",) * 2,
    ),
    # The facts' values meet the things typed with a kg: class (each found once) in a hash join;
    # testing each (fact, value, class) row took 11 of the 15 s of inference at 1M triples.
    # Written in this order, the small side is the one held in memory; DISTINCT pairs, because
    # an update holds every solution before it inserts. Sections and reports are found by their
    # kg:SourcePart and kg:Report types, complete when this rule runs: "subclass types", the only
    # rule that adds types, runs before it in every round.
    "mentions": Rule(
        f"?thing <{KG}mentionedIn> ?report",
        f"""{{ SELECT DISTINCT ?thing ?report WHERE {{
              [[ ?fact <{KG}reportedIn> ?report ]] [[ ?fact ?property ?thing ]]
              FILTER(isIRI(?thing) && ?property != <{KG}reportedIn> && ?property != <{PROV}wasDerivedFrom>)
              {{
                SELECT DISTINCT ?thing WHERE {{
                  {{ SELECT ?class WHERE {{ (( ?any a ?class )) }}
                     GROUP BY ?class HAVING(STRSTARTS(STR(?class), "{KG}")) }}
                  [[ ?thing a ?class ]]
                }}
              }}
              MINUS {{ VALUES ?excluded {{ <{KG}SourcePart> <{KG}Report> }} ?thing a ?excluded }}
            }} }}""",
        # later rounds start from the few new triples instead of every typed thing
        f"""{{ SELECT DISTINCT ?thing ?report WHERE {{
              [[ ?fact <{KG}reportedIn> ?report ]] [[ ?fact ?property ?thing ]]
              FILTER(isIRI(?thing) && ?property != <{KG}reportedIn> && ?property != <{PROV}wasDerivedFrom>)
              [[ ?thing a ?class ]] FILTER(STRSTARTS(STR(?class), "{KG}"))
              MINUS {{ VALUES ?excluded {{ <{KG}SourcePart> <{KG}Report> }} ?thing a ?excluded }}
            }} }}""",
    ),
}

MAX_ROUNDS = 20


def may_match(store: pyoxigraph.Store, pattern: str, schema: str, graph: str) -> bool:
    """Whether a data pattern of a rule (``?s <p> ?o``, ``?x a ?class``, ``?s ?property ?o``
    with ``schema`` binding ``?property``) may match a triple of ``graph``: False when no triple
    of the graph has a predicate it can have (index lookups), so that a later round does not
    join a rule with what cannot feed it."""
    predicate = pattern.split()[1]
    if predicate.startswith("?") and not schema:
        return True
    iri = f"<{RDF}type>" if predicate == "a" else predicate
    ask = f"ASK {{ {schema} GRAPH <{graph}> {{ ?subject_ {iri} ?object_ }} }}"
    return bool(store.query(ask))


def materialise(
    store: pyoxigraph.Store, *, progress: Callable[[str], None] | None = None, keep_rounds: bool = False
) -> int:
    """Add the inferred triples to the default graph of a pyoxigraph ``store`` that holds the
    asserted ones, and to its graph :data:`INFERRED_GRAPH`; return how many were added.

    With ``keep_rounds`` the second copies stay where the rounds wrote them, in the graphs
    :func:`round_graphs` names (each inferred triple in one of them), for a writer that stores
    them as the inferred graph (:func:`kg.build.copy_quads`): Oxigraph's in-memory store keeps
    what is removed from it until it is dropped, so moving them into the inferred graph holds
    them twice (0.2 GB at 1M triples) and takes 2 s.

    >>> import pyoxigraph as ox
    >>> store = ox.Store()
    >>> store.load(b'''@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ... <urn:Group> rdfs:subClassOf <urn:Actor> . <urn:g> a <urn:Group> .''', format=ox.RdfFormat.TURTLE)
    >>> materialise(store)
    1
    >>> typed = store.quads_for_pattern(ox.NamedNode("urn:g"), None, ox.NamedNode("urn:Actor"))
    >>> sorted(str(quad.graph_name) for quad in typed)
    ['<https://w3id.org/npa-cyber-kg/graph/inferred>', 'DEFAULT']
    """
    # What each rule added in each round, DELTA/<round>/<rule>: a rule joins what every rule
    # added since it last ran (its own output included, unless the rule is closed), each data
    # pattern only the graphs that hold its predicate.
    import pyoxigraph

    from kg.store.solutions import count

    names = list(RULES)
    latest: dict[str, str] = {}
    made: list[str] = []
    added = 0
    for round_number in range(1, MAX_ROUNDS + 1):
        found = 0
        for number, name in enumerate(names):
            rule = RULES[name]
            output = f"{DELTA}/{round_number}/{number}"
            delta = None
            if round_number > 1:
                seen = [graph for other, graph in latest.items() if not (rule.closed and other == name)]
                delta = [
                    [graph for graph in seen if may_match(store, pattern, schema, graph)]
                    for pattern, schema in rule.data_patterns()
                ]
            for update in rule.updates(delta, output):
                store.update(update)
            latest[name] = output
            new = count(store, pyoxigraph.NamedNode(output))
            if new:
                made.append(output)
            found += new
            if progress:
                progress(f"inference round {round_number}: {name}: {new} triples")
        added += found
        if found == 0:
            break
    else:
        raise RuntimeError(f"inference did not reach a fixpoint in {MAX_ROUNDS} rounds")
    if not keep_rounds:
        moves = " ; ".join(f"ADD GRAPH <{graph}> TO GRAPH <{INFERRED_GRAPH}> ; DROP GRAPH <{graph}>" for graph in made)
        if moves:
            store.update(moves)
    return added


def round_graphs(store: pyoxigraph.Store) -> list[pyoxigraph.NamedNode | pyoxigraph.BlankNode]:
    """The graphs of a pyoxigraph store that hold the inferred triples of
    ``materialise(keep_rounds=True)``, to be written as :data:`INFERRED_GRAPH`."""
    return [graph for graph in store.named_graphs() if graph.value.startswith(f"{DELTA}/")]
