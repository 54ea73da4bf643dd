"""Versions commands (documents, diff, unload); registered on the main CLI group."""

from __future__ import annotations

import json

import click


def register(main: click.Group) -> None:
    """Add ``documents``, ``diff`` and ``unload`` to ``main``."""
    from policykg.cli import _open, backend_option

    @main.command("documents")
    @click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
                  help="Status on this date (default: today).")
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
    @backend_option
    @click.pass_context
    def documents_cmd(ctx: click.Context, as_of: object, fmt: str, backend: str | None) -> None:
        """The loaded documents, their status on a date (in_force, not_yet, expired,
        repealed) and which repeals or amends which.

        \b
        Example:
          policykg documents --as-of 2026-09-01
          policykg documents --format json
        """
        from queries.lifecycle import documents

        store = _open(ctx, backend)
        try:
            docs = documents(store, as_of.date() if as_of else None)
        finally:
            store.close()
        if fmt == "json":
            click.echo(json.dumps([d.as_dict() for d in docs], ensure_ascii=False, indent=2))
            return
        for d in docs:
            by = f" by {d.superseded_by} from {d.repealed_from or '?'}" if d.status == "repealed" else ""
            click.echo(f"{d.id}  {d.status}{by}  {d.district or ''}  {d.doc_number or '-'}  {d.title or ''}")
            for ref in d.references:
                if not ref.get("resolved"):
                    number, title = ref.get("doc_number") or "", ref.get("title") or ""
                    click.echo(f"    {ref['kind']} (not loaded): {number} 《{title}》")

    @main.command("diff")
    @click.argument("old")
    @click.argument("new")
    @click.option("--format", "fmt", type=click.Choice(["table", "json", "html"]), default="table", show_default=True)
    @backend_option
    @click.pass_context
    def diff_cmd(ctx: click.Context, old: str, new: str, fmt: str, backend: str | None) -> None:
        """Article-by-article changes from document OLD to NEW (each a 文号, an id or a
        title word only one document has).

        \b
        Example:
          policykg diff 闵府规发〔2024〕11号 闵府规发〔2026〕3号
          policykg diff 可再生能源 doc-0123456789ab --format html > diff.html
        """
        from queries.diff import diff_documents, to_html, to_table
        from queries.lifecycle import find_document

        store = _open(ctx, backend)
        try:
            result = diff_documents(store, find_document(store, old), find_document(store, new))
        finally:
            store.close()
        render = {"json": lambda d: json.dumps(d, ensure_ascii=False, indent=2), "table": to_table, "html": to_html}
        click.echo(render[fmt](result), nl=fmt != "html")

    @main.command("unload")
    @click.argument("document")
    @backend_option
    @click.pass_context
    def unload_cmd(ctx: click.Context, document: str, backend: str | None) -> None:
        """Remove a source and all it stated, all or nothing: a document (a 文号, an id or
        a title word; documents it repealed count again, references to it become text), or
        a register, list or metrics file (its id or file name, see `policykg sources`;
        enterprises another source still states stay).

        \b
        Example:
          policykg unload 闵府规发〔2024〕11号
          policykg unload register-2026-11.csv
        """
        from loaders.lifecycle import links_batch, stored_documents
        from policykg.cli_sources import unload_source
        from queries.lifecycle import find_document

        store = _open(ctx, backend)
        try:
            doc_id = unload_source(store, document)  # a register, list or metrics file
            if doc_id is not None:
                counts = store.counts()
                click.echo(f"unloaded {doc_id} from {store.backend}: "
                           f"{sum(counts.nodes.values())} nodes, {sum(counts.rels.values())} relationships")
                return
            doc_id = find_document(store, document)
            store.unload(doc_id, [links_batch(d for d in stored_documents(store) if d.id != doc_id)])
            counts = store.counts()
        finally:
            store.close()
        click.echo(f"unloaded {doc_id} from {store.backend}: "
                   f"{sum(counts.nodes.values())} nodes, {sum(counts.rels.values())} relationships")
