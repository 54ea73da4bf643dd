"""Fixtures: real stores only. The embedded store lives in a tmp folder; Neo4j is a
throwaway server started with the project's own script (graph/neo4j_server.py), or the
server named by NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD/NEO4J_DATABASE, which must be empty
(tests never touch a user's data). If Neo4j cannot start, the run fails: no silent skip."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graph import Batch, NodeRecord, RelRecord
from graph.embedded_store import EmbeddedStore
from graph.neo4j_store import Neo4jStore
from loaders import document_batch, extract_file, ontology_batch
from ontology import load_ontology

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "data" / "policies"
MINHANG = POLICIES / "minhang-2024-industry.txt"
CHANGNING = POLICIES / "changning-2024-modern-industry.txt"
NANSHA = POLICIES / "nansha-2017-tech-innovation.txt"


@pytest.fixture(scope="session")
def ontology():
    return load_ontology()


@pytest.fixture(scope="session")
def policy_batches(ontology) -> list[Batch]:
    """What `policykg load data/policies/` writes: the ontology's concepts and each document."""
    docs = [document_batch(extract_file(p), ontology) for p in sorted(POLICIES.glob("*.txt"))]
    return [ontology_batch(ontology), *docs]


CASES_REGISTER = Path(__file__).parent / "data" / "eligibility-cases.csv"


@pytest.fixture(scope="session")
def graph_batches(policy_batches, ontology) -> list[Batch]:
    """The shipped documents plus the small fictional register of hand-checked eligibility cases."""
    from loaders.register import read_register, register_batch

    return [*policy_batches, register_batch(read_register(CASES_REGISTER, ontology=ontology), ontology)]


def hostile_document(doc_id: str, *, title: str, district: str, chapter_title: str, article_title: str,
                     article_text: str, bureau_id: str, bureau_name: str, doc_number: str | None = None) -> Batch:
    """A small document (one chapter, one article, one bureau leading it) whose texts are the
    given markup, to prove that the app shows them as text and never runs them; it has a
    文号 (``doc_number``) only when one is given."""
    c, a = f"{doc_id}-c1", f"{doc_id}-c1-a1"
    numbered = {} if doc_number is None else {"doc_number": doc_number}
    return Batch.of(doc_id, [
        NodeRecord("PolicyDocument", doc_id, {"title": title, "district": district, **numbered}),
        NodeRecord("Chapter", c, {"number": 1, "title": chapter_title, "document_id": doc_id}),
        NodeRecord("Article", a, {"number": 1, "title": article_title, "text": article_text, "document_id": doc_id}),
        NodeRecord("Bureau", bureau_id, {"name": bureau_name, "known": False}),
    ], [
        RelRecord("HAS_CHAPTER", doc_id, c),
        RelRecord("HAS_ARTICLE", c, a),
        RelRecord("RESPONSIBLE_FOR", bureau_id, a, {"lead": True}),
    ])


@pytest.fixture(scope="module")
def web_app(tmp_path_factory, ontology) -> Iterator[Callable]:
    """A factory: ``web_app(name, batches)`` is the web app on a new embedded store holding
    ``batches``, in a fresh home folder named after ``name``; each app made is closed when
    the test module is done."""
    from policykg.settings import Settings
    from webviz import create_app

    apps = []

    def make(name: str, batches: list[Batch]):
        home = tmp_path_factory.mktemp(name)
        store = EmbeddedStore(home / "embedded", ontology)
        store.write_many(batches)
        store.close()
        application = create_app(Settings(home=home))
        apps.append(application)
        return application

    yield make
    for application in apps:
        application.extensions["policykg"].close()


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory) -> Iterator[dict[str, str | None]]:
    """Connection settings of a real, empty Neo4j server for this test session."""
    if os.environ.get("NEO4J_URI"):
        yield {
            "uri": os.environ["NEO4J_URI"],
            "user": os.environ.get("NEO4J_USER", "neo4j"),
            "password": os.environ["NEO4J_PASSWORD"],
            "database": os.environ.get("NEO4J_DATABASE") or None,
        }
        return
    from graph import neo4j_server

    home = tmp_path_factory.mktemp("neo4j-home")
    info = neo4j_server.start(home)
    try:
        yield {"uri": info.uri, "user": info.user, "password": info.password, "database": None}
    finally:
        neo4j_server.stop(home)


@pytest.fixture(scope="session")
def neo4j_store(neo4j_server, ontology) -> Iterator[Neo4jStore]:
    """One driver for the session; refuses a user's non-empty database."""
    server = neo4j_server
    store = Neo4jStore(server["uri"], server["user"], server["password"], ontology, database=server["database"])
    n = store.read("MATCH (n) RETURN count(n) AS c").rows[0][0]
    if n and os.environ.get("NEO4J_URI"):
        store.close()
        pytest.fail(f"the Neo4j database at {server['uri']} holds {n} nodes; tests need an empty one")
    store.apply_schema()
    yield store
    store.clear()
    store.close()


@pytest.fixture(params=["embedded", "neo4j"])
def store(request, tmp_path, ontology):
    """An empty store of each backend; every test using it runs twice."""
    if request.param == "embedded":
        s = EmbeddedStore(tmp_path / "embedded", ontology)
        yield s
        s.close()
    else:
        s = request.getfixturevalue("neo4j_store")
        s.clear()
        yield s
        s.clear()


@pytest.fixture(scope="session")
def loaded_embedded(tmp_path_factory, ontology, graph_batches) -> Iterator[EmbeddedStore]:
    emb = EmbeddedStore(tmp_path_factory.mktemp("loaded") / "embedded", ontology)
    emb.write_many(graph_batches)
    yield emb
    emb.close()


@pytest.fixture
def loaded_stores(loaded_embedded, neo4j_store, graph_batches) -> dict:
    """Both backends holding the three shipped documents and the cases register (read-only tests).

    Neo4j Community has one database shared with the ``store`` fixture, so the data is
    (re)written when its counts differ from the embedded build; writes are idempotent.
    """
    if neo4j_store.counts() != loaded_embedded.counts():
        neo4j_store.clear()
        neo4j_store.write_many(graph_batches)
    return {"embedded": loaded_embedded, "neo4j": neo4j_store}


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (never `playwright install`)."""
    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium fonts-wqy-zenhei)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page on the app that records every problem (tests.browser_support.watch)."""
    from tests.browser_support import app_page

    with app_page(browser) as p:
        yield p
