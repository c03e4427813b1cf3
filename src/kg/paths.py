"""Where kg finds its inputs and keeps its store.

Every location can be changed by an environment variable, so that the same code serves a
source checkout, an installed package and the tests. Only the command line's edge (``kg.cli``,
``kg.commands``) and :func:`kg.open_graph` read them; the library takes its folders as
arguments (docs/decisions/2026-12-02-explicit-inputs.md):

========================  =====================================  ===============================
variable                  meaning                                default
========================  =====================================  ===============================
``KG_HOME``               folder holding ontology/, graph/,      the source checkout this module
                          queries/                               lives in, else the working folder
``KG_STORE``              where ``kg build`` writes the store    ``$KG_HOME/.kg``
``KG_CORPUS``             the report texts (corpus README)       ``$KG_HOME/../shared/corpus``
========================  =====================================  ===============================
"""

from __future__ import annotations

import os
from pathlib import Path


def project_home() -> Path:
    """Return the folder that holds ``ontology/``, ``graph/`` and ``queries/``."""
    if env := os.environ.get("KG_HOME"):
        return Path(env).resolve()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "ontology").is_dir() and (checkout / "graph").is_dir():
        return checkout
    return Path.cwd()


def ontology_dir() -> Path:
    """Return the folder of the ontology modules and shapes."""
    return project_home() / "ontology"


def graph_dir() -> Path:
    """Return the folder of the graph's Turtle files."""
    return project_home() / "graph"


def queries_dir() -> Path:
    """Return the folder of named queries (``cq/`` competency, ``qc/`` quality checks)."""
    return project_home() / "queries"


def shapes_file() -> Path:
    """Return the SHACL shapes file."""
    return ontology_dir() / "shapes.ttl"


def store_home() -> Path:
    """Return the folder where built stores are kept (``KG_STORE``)."""
    if env := os.environ.get("KG_STORE"):
        return Path(env).resolve()
    return project_home() / ".kg"


def corpus_dir() -> Path:
    """Return the folder of the report texts (``KG_CORPUS``)."""
    if env := os.environ.get("KG_CORPUS"):
        return Path(env).resolve()
    return (project_home().parent / "shared" / "corpus").resolve()
