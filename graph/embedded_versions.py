"""Versions of the embedded store's folder, and the one atomic switch that makes one live.

Layout of the store folder (``POLICYKG_HOME/embedded``)::

    current -> versions/<id>        symlink: the live version (replaced by one rename)
    versions/<id>/sources/<hash>/   each source's CSV tables and meta.json
    versions/<id>/graph.lbug        the LadybugDB database built from exactly those sources
    versions/<id>/manifest.json     digest, source keys, this id and the previous live id
    .write.lock                     flock: one writer at a time

Why: a load must be all or nothing even when the process is killed. A new version is
built completely in a folder nobody reads (unchanged sources are hard links to the live
version's files, so a 100 MB register is not copied per load), fsynced, and then made
live by renaming a fresh symlink over ``current`` (rename(2) is atomic). Before that
rename the old version is live and untouched; after it the new one is. Whatever a killed
load leaves is a version folder that ``current`` does not name, removed at the next start.

Old versions are kept one generation: ``collect_garbage`` removes every version except
the live one and the one live just before it. A reader process that resolved ``current``
an instant before a switch may still open the previous version's database; it would
need two complete loads to finish in that instant for its version to vanish (and the
store then re-resolves and retries). An open database file whose folder is deleted
keeps working (Linux keeps an unlinked file alive while it is open), so long-lived
connections are safe too. This costs one extra version's disk space (hard links make
shared sources free) and avoids a reader lock that every query would have to take.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

CURRENT = "current"
VERSIONS = "versions"
MANIFEST = "manifest.json"
# what a store folder held at its top before versions (migrated on first open)
LEGACY = ("sources", "graph.lbug", "graph.lbug.wal", MANIFEST)

# Every point at which a test may kill a publish (see ``fault_point``), in order.
FAULT_STEPS = (
    "after-link-sources",  # unchanged sources hard-linked into the new version
    "after-staging",       # the changed sources written there
    "after-build",         # the database built and its counts checked
    "after-manifest",      # manifest written, the whole version fsynced
    "before-switch",       # the fresh symlink made, not yet renamed over ``current``
    "after-switch",        # the new version live, old ones not yet removed
    "after-cleanup",       # stale versions removed
)


def fault_point(step: str) -> None:
    """Test-only fault injection: exit at once, as kill -9 would (status 137, no cleanup,
    no ``finally``), when the environment variable POLICYKG_FAULT_AT names ``step``.

    It reads the environment itself (not Settings) because it must reach into the
    middle of a library call; nothing but tests sets it.
    """
    assert step in FAULT_STEPS, step
    if os.environ.get("POLICYKG_FAULT_AT") == step:
        os._exit(137)


def private_dir(path: Path) -> Path:
    """Create ``path`` and its missing parents as 0700 folders and return it.

    Each folder this call creates is chmod-ed as well, since a process umask (or a
    parent's default ACL) may have widened the mode given to mkdir.
    """
    missing = []
    p = Path(path)
    while not p.exists():
        missing.append(p)
        p = p.parent
    for p in reversed(missing):
        try:
            p.mkdir(mode=0o700)
        except FileExistsError:
            continue
        p.chmod(0o700)
    return Path(path)


def current_dir(store: Path) -> Path | None:
    """The live version's folder (``current`` resolved), or None if there is none yet.

    One readlink(2): cheap enough to do before every read.
    """
    try:
        target = os.readlink(store / CURRENT)
    except FileNotFoundError:
        return None
    return store / VERSIONS / Path(target).name


def read_manifest(version: Path) -> dict[str, Any]:
    """The manifest of a version folder."""
    return json.loads((version / MANIFEST).read_text("utf-8"))


def new_version(store: Path) -> Path:
    """A new, empty 0700 version folder, named by time and a random suffix (so folders
    sort by age and two writers can never collide)."""
    versions = private_dir(store / VERSIONS)
    return Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%dT%H%M%S-"), dir=versions))


def write_manifest(version: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest`` into a version folder that is not live yet."""
    with open(os.open(version / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w",
              encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False)


def fsync_tree(folder: Path) -> None:
    """fsync every file and folder under ``folder``, so a version is on disk before it
    goes live (a power loss must not leave ``current`` naming half-written files).
    Hard-linked files the previous version already synced cost next to nothing."""
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(root))


def fsync_dir(folder: Path) -> None:
    """fsync a folder, making the renames and creations inside it durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def switch(store: Path, version: Path) -> None:
    """Make ``version`` live: a fresh relative symlink renamed over ``current``, then the
    store folder fsynced. The rename is the single point of publication."""
    tmp = store / f"{CURRENT}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    os.symlink(f"{VERSIONS}/{version.name}", tmp)
    fault_point("before-switch")
    os.replace(tmp, store / CURRENT)
    fsync_dir(store)


def collect_garbage(store: Path) -> None:
    """Remove what no reader can need: versions other than the live one and the one
    before it (see the module docstring), half-made symlinks of an interrupted switch,
    ``build-*`` folders and the top-level files of the layout before versions.

    The caller holds the write lock, so no writer is building a version meanwhile.
    Does nothing while no version is live (a migration not yet done keeps its input).
    """
    live = current_dir(store)
    if live is None or not live.is_dir():
        return
    keep = {live.name}
    try:
        previous = read_manifest(live).get("previous")
    except (OSError, ValueError):
        previous = None
    if previous:
        keep.add(previous)
    versions = store / VERSIONS
    for entry in sorted(versions.iterdir()) if versions.is_dir() else []:
        if entry.name not in keep:
            _remove(entry)
    for entry in sorted(store.iterdir()):
        if entry.name.startswith((f"{CURRENT}.tmp-", "build-")) or entry.name in LEGACY:
            _remove(entry)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
