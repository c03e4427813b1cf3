"""The floor of ``kg query``'s cold start: a bare Python process that opens the built store
read-only with pyoxigraph, runs one named query and prints its answer as CSV, nothing else.

``python -m bench.bare_query STORE_HOME QUERY_FILE`` (``bench.run`` times it beside ``kg query``).
"""

import sys

import pyoxigraph

PREFIXES = {
    "kg": "https://w3id.org/npa-cyber-kg/ontology#",
    "kgr": "https://w3id.org/npa-cyber-kg/id/",
    "kgv": "https://w3id.org/npa-cyber-kg/vocab/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "qb": "http://purl.org/linked-data/cube#",
}

home, query_file = sys.argv[1:3]
store = pyoxigraph.Store.read_only(f"{home}/current/oxigraph")
with open(query_file, encoding="utf-8") as handle:
    text = handle.read()
# the default graph, as kg queries it (it holds the asserted and the inferred triples)
answer = store.query(text, prefixes=PREFIXES)
sys.stdout.buffer.write(answer.serialize(format=pyoxigraph.QueryResultsFormat.CSV))
