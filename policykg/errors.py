"""The error tree: one base error that says where and what to do, one subclass per stage.

The library raises these; the CLI and the web app turn them into one-line messages in
one place each, so users never see a traceback for bad input.
"""

from __future__ import annotations


class PolicyKGError(Exception):
    """Base error: ``message`` says what went wrong, ``where`` names the file, line or
    field, ``hint`` says what was expected or what to do."""

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} ({self.hint})" if self.hint else text


class OntologyError(PolicyKGError):
    """The ontology files are missing, unparsable or inconsistent."""


class ExtractError(PolicyKGError):
    """A document could not be read as a policy document of the genre."""


class LoadError(PolicyKGError):
    """Records could not be written; the store was left as it was."""


class QueryDefinitionError(PolicyKGError):
    """A saved query file is malformed (syntax, parameters, or a write clause)."""


class ParameterError(PolicyKGError):
    """A value given for a query parameter is missing or of the wrong type."""


class StoreUnavailableError(PolicyKGError):
    """The graph store cannot be reached or opened."""


class StoreError(PolicyKGError):
    """The graph store refused or failed a query."""


class SettingError(PolicyKGError, ValueError):
    """An environment variable or flag holds a value of the wrong kind."""


class DiskFullError(PolicyKGError):
    """A write ran out of disk space (or quota); what was being written was not kept."""


def disk_full(exc: BaseException) -> DiskFullError | None:
    """The DiskFullError an OS error (or a database error wrapping one) stands for, if it
    is a full disk or quota: one line ``disk full: <path>`` instead of a traceback, or a
    database's confusing message.

    >>> import errno
    >>> str(disk_full(OSError(errno.ENOSPC, "No space left on device", "/var/x.csv")))
    'disk full: /var/x.csv (free some space, or set POLICYKG_HOME to a larger disk; nothing was changed)'
    >>> str(disk_full(RuntimeError("Transaction committed successfully ... path: /v/graph.lbug fd: 4 ... "
    ...                            "Error: No space left on device"))).split(" (")[0]
    'disk full: /v/graph.lbug'
    >>> disk_full(OSError(errno.ENOENT, "No such file")) is None
    True
    """
    import errno

    hint = "free some space, or set POLICYKG_HOME to a larger disk; nothing was changed"
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(f"disk full: {exc.filename}" if exc.filename else "disk full", hint=hint)
    import re

    text = str(exc)
    path = re.search(r"\b(?:path|file): (/\S+)", text)  # LadybugDB names the file it could not use
    if "No space left on device" in text or "Disk quota exceeded" in text:
        return DiskFullError(f"disk full: {path.group(1)}" if path else "disk full", hint=hint)
    if "IO exception: Cannot" in text and "checkpoint failed" in text:
        # LadybugDB out of space does not always say so: a page it could not write reads back
        # short. Its "Transaction committed successfully" is about the half-built copy only.
        where = path.group(1) if path else "the database file"
        return DiskFullError(f"could not write {where}: is the disk full?", hint=hint)
    return None
