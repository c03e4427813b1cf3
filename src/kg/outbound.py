"""Find the parts of a SPARQL request that would make the store contact another server.

Oxigraph evaluates ``SERVICE <url> { … }`` by sending an HTTP request to ``url`` (federated
query), and SPARQL Update's ``LOAD <url>`` fetches ``url``; it has no option to turn either off.
A read-only ``kg serve`` and ``kg query`` on the built store must make no outbound request, so
kg refuses such requests before they reach Oxigraph. ``FROM <url>`` / ``FROM NAMED <url>`` only
choose graphs of the local dataset in Oxigraph: they fetch nothing and are allowed.

The query is split into SPARQL tokens (comments, IRIs, strings, variables, prefixed names and
keywords), so the words inside an IRI, a string, a comment or a name never count:

>>> outbound_keywords('SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }')
['SERVICE']
>>> outbound_keywords('SELECT ?service WHERE { ?service a <urn:SERVICE> ; ex:service "SERVICE" } # SERVICE')
[]
>>> outbound_keywords('LOAD <http://example.org/data> INTO GRAPH <urn:g>', update=True)
['LOAD']
"""

from __future__ import annotations

from kg.errors import InputError
from kg.sparql_text import keywords

#: Keywords that make Oxigraph contact another server: in queries, and also in updates.
QUERY_KEYWORDS = frozenset({"SERVICE"})
UPDATE_KEYWORDS = QUERY_KEYWORDS | {"LOAD"}


def outbound_keywords(text: str, *, update: bool = False) -> list[str]:
    """Return the keywords of ``text`` (a query, or an update with ``update``) that reach out, upper-cased."""
    wanted = UPDATE_KEYWORDS if update else QUERY_KEYWORDS
    return [word for word in keywords(text) if word in wanted]


def refuse_outbound(text: str, *, update: bool = False, where: str = "query") -> None:
    """Raise :class:`~kg.errors.InputError` when ``text`` would make the store contact another server."""
    found = outbound_keywords(text, update=update)
    if found:
        raise InputError(f"{found[0]} is refused: kg makes no outbound requests from the built store", path=where)
