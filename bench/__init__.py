"""How kg scales: a generator of realistic graphs in the project's ontology and a benchmark that
measures kg against plain in-memory rdflib on them, in the same run.

Run it with ``python -m bench.run`` (``make bench``); ``bench/README.md`` explains the figures.
"""
