"""Keep the arrows honest: which top-level package may import which (STYLE.md)."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT

# policykg.errors and policykg.settings are the shared front door; only policykg.cli
# imports everything.
ALLOWED = {
    "ontology": {"ontology"},
    "graph": {"graph", "ontology"},
    "loaders": {"loaders", "ontology", "graph"},
    "queries": {"queries", "graph", "ontology"},
    "webviz": {"webviz", "queries", "graph", "ontology"},
}
OURS = {"ontology", "graph", "loaders", "queries", "webviz", "policykg"}
DRIVERS = {"neo4j", "ladybug"}


def _imports(path):
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_import_arrows(package):
    for path in (ROOT / package).rglob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "policykg":
                assert name in ("policykg.errors", "policykg.settings"), f"{path}: {name}"
            elif top in OURS:
                assert top in ALLOWED[package], f"{path} imports {name}"
            if top in DRIVERS:
                assert path.parent.name == "graph" and path.name.endswith("_store.py"), f"{path} imports {top}"
