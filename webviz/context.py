"""What a request needs from the app: the store opened once by the factory, and the ontology."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import current_app

from graph import GraphStore
from ontology import Ontology
from policykg.errors import StoreUnavailableError
from policykg.settings import Settings
from webviz.cache import AnswerCache

EXTENSION = "policykg"
T = TypeVar("T")


@dataclass
class WebState:
    """The app's shared state: a store (None if it could not be opened, with the reason),
    and the answers kept per data version."""

    settings: Settings
    ontology: Ontology
    store: GraphStore | None
    store_error: StoreUnavailableError | None = None
    cache: AnswerCache = field(default_factory=AnswerCache)

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


def cached(key: Hashable, compute: Callable[[GraphStore], T]) -> T:
    """``compute(store)``, kept for the current data version under ``key`` (see webviz.cache)."""
    store = require_store()
    return state().cache.get(store, key, lambda: compute(store))
