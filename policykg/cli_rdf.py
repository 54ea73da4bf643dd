"""RDF commands (export, import, compare); registered on the main CLI group."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add the RDF commands to ``main``."""
