"""Settings read once from ``POLICYKG_*`` and ``NEO4J_*`` environment variables.

Command-line flags override them; nothing else reads the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

BACKENDS = ("embedded", "neo4j")


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
    )
