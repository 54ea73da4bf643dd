"""The officer's brief command (``policykg brief``); registered on the main CLI group."""

from __future__ import annotations

from pathlib import Path

import click


def register(main: click.Group) -> None:
    """Add ``brief`` to ``main``."""
    from policykg.cli import _open, backend_option

    @main.command("brief")
    @click.argument("uscc")
    @click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
                  help="Judge on this date (default: today).")
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
                  help="The PDF to write.")
    @click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                  help="Language of the brief's words (names and clauses stay as written).")
    @backend_option
    @click.pass_context
    def brief_cmd(ctx: click.Context, uscc: str, as_of: object, out: Path, lang: str, backend: str | None) -> None:
        """Print an officer's brief of one enterprise to PDF (A4, one or two pages): what it
        may claim, each requirement met, unmet or unknown, the bureaus to call and the source
        clauses, with the CJK font embedded (printed by headless Chromium).

        \b
        Example:
          policykg brief 9131011221EQKBFR6Y --out brief.pdf
          policykg brief 9131011221EQKBFR6Y --as-of 2025-06-30 --lang en --out brief-en.pdf
        """
        from ontology import load_ontology
        from webviz.brief import write_brief

        store = _open(ctx, backend)
        try:
            path = write_brief(store, load_ontology(), uscc, out, as_of=as_of.date() if as_of else None, lang=lang)
        finally:
            store.close()
        click.echo(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
