"""What a request needs from the app: the store opened once by the factory, and the ontology."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from graph import GraphStore
from ontology import Ontology
from policykg.errors import StoreUnavailableError
from policykg.settings import Settings

EXTENSION = "policykg"


@dataclass
class WebState:
    """The app's shared state: a store (None if it could not be opened, with the reason)."""

    settings: Settings
    ontology: Ontology
    store: GraphStore | None
    store_error: StoreUnavailableError | None = None

    def close(self) -> None:
        """Release the store (tests and shutdown)."""
        if self.store is not None:
            self.store.close()


def state() -> WebState:
    """The WebState of the current app."""
    return current_app.extensions[EXTENSION]


def require_store() -> GraphStore:
    """The store, or the StoreUnavailableError seen at start-up (rendered as a 503)."""
    st = state()
    if st.store is None:
        raise st.store_error or StoreUnavailableError("no graph store", where="webviz")
    return st.store
