"""policykg: turn industrial-support policy documents into a knowledge graph.

This package is the small front door shared by every layer: the error tree
(``policykg.errors``), settings read from the environment (``policykg.settings``) and
the command line (``policykg.cli``, the only module that imports everything), and
``policykg.open()`` for notebooks (``policykg.notebook``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from policykg.notebook import PolicyGraph

__version__ = "0.1.0"


def open(home: Path | str | None = None, backend: str | None = None) -> PolicyGraph:
    """The policy graph for a notebook: ``.query(name, **params)`` gives a pandas DataFrame,
    ``.subgraph(...)`` a networkx graph, ``.show(graph)`` an inline view (policykg.notebook;
    pandas and pyvis are imported only here, not by the CLI or the web app)."""
    from policykg.notebook import open as open_graph

    return open_graph(home, backend)
