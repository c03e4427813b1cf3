"""Interactive views of the graph (``kg viz``): views cut in SPARQL on the store
(:mod:`kg.viz.cut`, names looked up by :mod:`kg.viz.lookup`), a pure conversion of what they
show to networkx (:mod:`kg.viz.network`), a thin pyvis renderer writing offline HTML pages
(:mod:`kg.viz.render`) and the timeline of dated facts (:mod:`kg.viz.timeline`).

The shipped graph in memory (``kg.open_graph()`` is the built store), its BlackTech
neighbourhood written as a page (``views/blacktech.html`` in a real run):

>>> import kg, tempfile
>>> from pathlib import Path
>>> from kg.build import Sources
>>> from kg.paths import project_home
>>> from kg.viz import view_graph, write_html
>>> with kg.load(Sources.of(project_home()).files) as graph:
...     view = view_graph(graph, focus="BlackTech", depth=2)
>>> "https://w3id.org/npa-cyber-kg/id/actor-blacktech" in view
True
>>> with tempfile.TemporaryDirectory() as folder:
...     page = write_html(view, Path(folder) / "blacktech.html", lang="ja")
...     page.name, "BlackTech" in page.read_text(encoding="utf-8")
('blacktech.html', True)

networkx and pyvis are imported by the functions that use them, not by this package.
"""

from __future__ import annotations

from kg.viz.network import co_issuance_graph, find_nodes, instance_graph, view_graph
from kg.viz.render import render_html, to_pyvis, write_html

__all__ = ["co_issuance_graph", "find_nodes", "instance_graph", "render_html", "to_pyvis", "view_graph", "write_html"]
