"""Answers that depend only on the data, kept per data version.

A saved query with the same parameters, the document list or an enterprise's eligibility
give the same answer until the data changes, and on the embedded store most of their cost
is LadybugDB planning each query anew (tens of ms for the larger saved queries). So the
app keeps recent answers keyed by ``store.data_version()``; a load changes the version and
the old answers are never served again. The version itself is asked at most every
VERSION_TTL_S seconds (on Neo4j it costs a count per label), so a load shows up in the
app within that time. Bounded (least recently used answers are dropped).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from graph import GraphStore

T = TypeVar("T")
VERSION_TTL_S = 2.0
MAX_ENTRIES = 2048


class AnswerCache:
    """A thread-safe LRU of answers keyed by (data version, key)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, version_ttl_s: float = VERSION_TTL_S) -> None:
        self.max_entries = max_entries
        self.version_ttl_s = version_ttl_s
        self._answers: OrderedDict[tuple[str, Hashable], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._version: tuple[str, float] | None = None
        self.hits = 0
        self.misses = 0

    def version(self, store: GraphStore) -> str:
        """``store.data_version()``, asked again only when the last answer is VERSION_TTL_S old."""
        now = time.monotonic()
        known = self._version
        if known is not None and now - known[1] < self.version_ttl_s:
            return known[0]
        current = store.data_version()
        self._version = (current, now)
        return current

    def get(self, store: GraphStore, key: Hashable, compute: Callable[[], T],
            keep: Callable[[T], bool] | None = None) -> T:
        """The answer for ``key`` on the store's current data, computed once per version
        (and kept only if ``keep(answer)``, when given: large answers need not stay).

        Two requests that miss at the same time both compute (no lock is held while the
        store works); the answers are equal, so either may be kept.
        """
        k = (self.version(store), key)
        with self._lock:
            if k in self._answers:
                self._answers.move_to_end(k)
                self.hits += 1
                return self._answers[k]
        value = compute()
        with self._lock:
            self.misses += 1
            if keep is not None and not keep(value):
                return value
            self._answers[k] = value
            self._answers.move_to_end(k)
            while len(self._answers) > self.max_entries:
                self._answers.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every answer and the version (tests, or after a load in this process)."""
        with self._lock:
            self._answers.clear()
            self._version = None
