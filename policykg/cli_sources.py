"""Enterprise-data sources on the command line: ``load recognitions``, ``sources``,
``enterprise USCC --sources``; ``unload`` (policykg/cli_lifecycle.py) takes any source."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from graph.store import GraphStore


def unload_source(store: GraphStore, spec: str) -> str | None:
    """Unload the enterprise-data source ``spec`` names (id, file name or stem), all or
    nothing; its id, or None if ``spec`` names no such source (a document, perhaps)."""
    from graph.sources import find_source

    try:
        found = find_source(store, spec)
    except LookupError as exc:
        from policykg.errors import ParameterError

        raise ParameterError(f"{spec!r} names several sources: {exc}", where="SOURCE",
                             hint="give the id of one (see `policykg sources`)") from None
    if found is None or found["kind"] == "document":
        return None
    store.unload(found["id"])
    return found["id"]


def register(main: click.Group) -> None:
    """Add ``load recognitions``, ``sources`` and ``enterprise`` to ``main``."""
    from policykg.cli import _open, _settings, _write, backend_option

    day = click.DateTime(["%Y-%m-%d"])

    @main.commands["load"].command("recognitions")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--qualification", required=True, help="The qualification the list recognises (a name or alias).")
    @click.option("--level", default=None, help="Its level (国家级, 省级, 市级, 区级); default: the ontology's.")
    @click.option("--since", type=day, default=None, help="Recognised on, for rows without 认定日期.")
    @click.option("--until", type=day, default=None,
                  help="Valid until, for rows without 有效期至 (else 认定日期 + the usual validity).")
    @click.option("--as-of", "as_of", type=day, default=None,
                  help="The list's date (default: a date in its name, else its latest 认定日期).")
    @click.option("--skip-unmatched", is_flag=True, help="Load the matched rows even if some match no enterprise.")
    @click.option("--report", "report_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Where to write the unmatched rows (default: var/reports/<file>-unmatched.csv).")
    @backend_option
    @click.pass_context
    def load_recognitions_cmd(ctx: click.Context, file: Path, qualification: str, level: str | None, since: Any,
                              until: Any, as_of: Any, skip_unmatched: bool, report_out: Path | None,
                              backend: str | None) -> None:
        """Load a published list (CSV or XLSX: 企业名称; optional 统一社会信用代码, 证书编号,
        认定日期/发证日期, 有效期至) as holdings of one qualification, all or nothing.

        Rows are matched by USCC, else by normalised name (width, brackets and spaces do
        not count; legal words do). Close names are suggested, never linked. Any unmatched
        row stops the load unless --skip-unmatched; all are listed and written as CSV.

        \b
        Example:
          policykg load recognitions 高企名单2025.xlsx --qualification 高新技术企业 --level 国家级
          policykg load recognitions list.csv --qualification 专精特新中小企业 --skip-unmatched
        """
        from loaders.published_lists import load_recognitions, read_recognitions

        def load_one(store: GraphStore) -> str:
            rec = read_recognitions(file, store, qualification, level=level, since=since.date() if since else None,
                                    until=until.date() if until else None)
            if rec.unmatched:
                report = report_out or _settings(ctx).home / "reports" / f"{file.stem}-unmatched.csv"
                report.parent.mkdir(parents=True, exist_ok=True)
                report.write_text(rec.report_csv(), "utf-8")
                for u in rec.unmatched[:20]:
                    hint = "; ".join(f"{n} ({c})" for n, c, _ in u.suggestions)
                    click.secho(f"row {u.row}, 企业名称={u.name!r}: {u.reason}"
                                + (f"; did you mean {hint}?" if hint else ""), err=True, fg="yellow")
                if len(rec.unmatched) > 20:
                    click.secho(f"... and {len(rec.unmatched) - 20} more", err=True, fg="yellow")
                click.echo(f"{len(rec.unmatched)} unmatched row(s) of {rec.rows}; all in {report}", err=True)
            load_recognitions(store, rec, skip_unmatched=skip_unmatched, as_of=as_of.date() if as_of else None)
            return f"{len(rec.matched)} holding(s) of {rec.qualification.label_zh}"

        _write(ctx, backend, load_one)

    @main.command("sources")
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
    @backend_option
    @click.pass_context
    def sources_cmd(ctx: click.Context, fmt: str, backend: str | None) -> None:
        """Every loaded source (documents, registers, lists, metrics): id, kind, file,
        rows, loaded at, sha256.

        \b
        Example:
          policykg sources
          policykg sources --format json
        """
        from graph.sources import list_sources

        store = _open(ctx, backend)
        try:
            found = list_sources(store)
        finally:
            store.close()
        if fmt == "json":
            keys = ("id", "kind", "file", "rows", "loaded_at", "sha256")
            click.echo(json.dumps([{k: s[k] for k in keys} for s in found], ensure_ascii=False, indent=2))
            return
        for s in found:
            click.echo(f"{s['id']}  {s['kind']:<12} {s['file'] or '-'}  {s['rows'] if s['rows'] is not None else '-'} "
                       f"rows  as of {s['as_of'] or '-'}  loaded {s['loaded_at'] or '-'}  {(s['sha256'] or '')[:12]}")

    @main.command("enterprise")
    @click.argument("uscc")
    @click.option("--sources", "show_sources", is_flag=True, help="Show each fact with the source that states it.")
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
    @backend_option
    @click.pass_context
    def enterprise_cmd(ctx: click.Context, uscc: str, show_sources: bool, fmt: str, backend: str | None) -> None:
        """An enterprise's attributes and holdings; with --sources, what each source states,
        where they disagree (the later-dated source wins) and whether the latest register of
        its district leaves it out.

        \b
        Example:
          policykg enterprise 91310112MA1000001R --sources
        """
        from graph.sources import enterprise_sources
        from ontology import load_ontology
        from policykg.errors import ParameterError

        store = _open(ctx, backend)
        try:
            found = enterprise_sources(store, uscc.strip().upper(), load_ontology())
        finally:
            store.close()
        if found is None:
            raise ParameterError(f"no enterprise with USCC {uscc!r} in the graph", where="USCC",
                                 hint="load its register with `policykg load enterprises FILE`")
        data = found.as_dict()
        if fmt == "json":
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        click.echo(f"{data['uscc']}  {data['resolved'].get('name') or ''}")
        for attr, value in data["resolved"].items():
            mark = "  ! sources disagree" if attr in data["conflicts"] else ""
            click.echo(f"  {attr:<14} {value if value is not None else '-'}{mark}")
            if show_sources and attr in data["conflicts"]:
                for c in data["conflicts"][attr]:
                    click.echo(f"      {'*' if c['wins'] else ' '} {c['value']}  ← {c['file']} ({c['source']}, "
                               f"as of {c['as_of']})")
        if data["missing_from"]:
            m = data["missing_from"]
            click.secho(f"  ! not in the latest register of its district: {m['file']} (as of {m['as_of']})",
                        fg="yellow")
        click.echo("holdings:")
        for h in data["holdings"]:
            click.echo(f"  {h['qualification']} {h['level'] or ''} {h['since'] or '?'} .. {h['until'] or '?'}"
                       + (f"  ← {h['source']}" if show_sources else ""))
        if show_sources:
            click.echo("sources:")
            for s in data["statements"]:
                said = ", ".join(f"{k}={v}" for k, v in s["attributes"].items()) or "(holdings only)"
                click.echo(f"  {s['file']} ({s['kind']}, {s['source']}, as of {s['as_of']}, row {s['row']}): {said}")
        sys.stdout.flush()
