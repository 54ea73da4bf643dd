"""Settings read once from ``POLICYKG_*`` and ``NEO4J_*`` environment variables.

Command-line flags override them; nothing else reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from policykg.errors import SettingError

BACKENDS = ("embedded", "neo4j")

# The state (graph, sources, audit log with admin query text, reports, Neo4j data and
# password) is private to its owner: files 0600, folders 0700. The CLI and the web app
# set this umask; the embedded store also makes its folders 0700 itself.
STATE_UMASK = 0o077


@dataclass(frozen=True)
class Limits:
    """The largest input the loaders accept, so that a wrong file (``/dev/zero``, a 1 GB
    log) is refused with a message instead of filling memory, and anything accepted can be
    stored and loaded again on both backends. Each is set by the ``POLICYKG_MAX_*``
    variable named beside it."""

    document_bytes: int = 20_000_000  # POLICYKG_MAX_DOCUMENT_BYTES: one document file
    register_bytes: int = 500_000_000  # POLICYKG_MAX_REGISTER_BYTES: one register file (CSV or XLSX)
    article_chars: int = 50_000  # POLICYKG_MAX_ARTICLE_CHARS: one article's text
    note_chars: int = 500  # POLICYKG_MAX_NOTE_CHARS: one responsibility note, e.g. （责任单位：…）
    field_chars: int = 2_000  # POLICYKG_MAX_FIELD_CHARS: a register cell, a document's title or 文号


LIMIT_VARIABLES = {
    "document_bytes": "POLICYKG_MAX_DOCUMENT_BYTES", "register_bytes": "POLICYKG_MAX_REGISTER_BYTES",
    "article_chars": "POLICYKG_MAX_ARTICLE_CHARS", "note_chars": "POLICYKG_MAX_NOTE_CHARS",
    "field_chars": "POLICYKG_MAX_FIELD_CHARS",
}


def load_limits(environ: Mapping[str, str] | None = None) -> Limits:
    """Input limits from ``POLICYKG_MAX_*`` (the defaults of Limits when unset).

    >>> load_limits({"POLICYKG_MAX_DOCUMENT_BYTES": "1000"}).document_bytes
    1000
    """
    env = os.environ if environ is None else environ
    default = Limits()
    return Limits(**{k: _positive_int(env, v, getattr(default, k)) for k, v in LIMIT_VARIABLES.items()})


@dataclass(frozen=True)
class Settings:
    """Where state lives and which graph store to use."""

    home: Path
    backend: str = "embedded"
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str | None = None
    neo4j_database: str | None = None
    queries_dir: Path | None = None
    user: str = ""
    # Web app: the most nodes a document graph draws at once (POLICYKG_GRAPH_LIMIT); the
    # officer-only Cypher box is on only when an admin token is set (POLICYKG_ADMIN_TOKEN);
    # the key that signs session cookies (POLICYKG_SECRET_KEY; else random per process).
    graph_node_limit: int = 300
    # Web limits, so that one very large document cannot stall a page: the most nodes a
    # graph export or graph JSON carries (POLICYKG_GRAPH_MAX_NODES), the most neighbours one
    # expansion returns (POLICYKG_GRAPH_MAX_NEIGHBOURS), the most RDF triples the dashboard's
    # SHACL check validates (POLICYKG_SHACL_MAX_TRIPLES) and for how long (POLICYKG_SHACL_TIMEOUT,
    # seconds), and how long a dashboard viewer waits for its computation before being shown
    # a "being computed" page that refreshes itself (POLICYKG_DASHBOARD_WAIT, seconds).
    graph_max_nodes: int = 2000
    graph_max_neighbours: int = 200
    shacl_max_triples: int = 200_000
    shacl_timeout_s: int = 300
    dashboard_wait_s: int = 60
    # The admin Cypher box's budgets: the most rows it fetches (POLICYKG_ADMIN_MAX_ROWS; it
    # says "more than N" beyond) and the seconds after which the database cancels a query
    # (POLICYKG_ADMIN_TIMEOUT_S).
    admin_max_rows: int = 500
    admin_timeout_s: int = 30
    admin_token: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    limits: Limits = field(default_factory=Limits)

    @property
    def audit_log(self) -> Path:
        """JSONL log of saved-query runs."""
        return self.home / "audit.jsonl"

    @property
    def embedded_path(self) -> Path:
        """Folder of the embedded (LadybugDB) build."""
        return self.home / "embedded"

    @property
    def neo4j_home(self) -> Path:
        """State folder of the project-managed Neo4j server."""
        return self.home / "neo4j"

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the non-None ``changes`` applied (flags win over the environment)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read settings from ``environ`` (default: the process environment).

    >>> load_settings({"POLICYKG_HOME": "/tmp/x"}).embedded_path
    PosixPath('/tmp/x/embedded')
    """
    env = os.environ if environ is None else environ
    home = Path(env.get("POLICYKG_HOME") or Path.cwd() / "var").resolve()
    backend = env.get("POLICYKG_BACKEND", "embedded")
    queries = env.get("POLICYKG_QUERIES")
    return Settings(
        home=home,
        backend=backend,
        neo4j_uri=env.get("NEO4J_URI") or None,
        neo4j_user=env.get("NEO4J_USER") or "neo4j",
        neo4j_password=env.get("NEO4J_PASSWORD") or None,
        neo4j_database=env.get("NEO4J_DATABASE") or None,
        queries_dir=Path(queries) if queries else None,
        user=env.get("POLICYKG_USER") or env.get("USER") or "",
        graph_node_limit=_positive_int(env, "POLICYKG_GRAPH_LIMIT", 300),
        graph_max_nodes=_positive_int(env, "POLICYKG_GRAPH_MAX_NODES", 2000),
        graph_max_neighbours=_positive_int(env, "POLICYKG_GRAPH_MAX_NEIGHBOURS", 200),
        shacl_max_triples=_positive_int(env, "POLICYKG_SHACL_MAX_TRIPLES", 200_000),
        shacl_timeout_s=_positive_int(env, "POLICYKG_SHACL_TIMEOUT", 300),
        dashboard_wait_s=_positive_int(env, "POLICYKG_DASHBOARD_WAIT", 60),
        admin_max_rows=_positive_int(env, "POLICYKG_ADMIN_MAX_ROWS", 500),
        admin_timeout_s=_positive_int(env, "POLICYKG_ADMIN_TIMEOUT_S", 30),
        admin_token=env.get("POLICYKG_ADMIN_TOKEN") or None,
        secret_key=env.get("POLICYKG_SECRET_KEY") or None,
        limits=load_limits(env),
    )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    """``env[name]`` as a positive integer (``default`` when unset); anything else is refused.

    >>> _positive_int({"N": "40"}, "N", 300), _positive_int({}, "N", 300)
    (40, 300)
    """
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingError(f"must be a positive whole number, got {raw[:20]!r}", where=name)
    return int(raw)
