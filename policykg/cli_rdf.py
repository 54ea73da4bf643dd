"""RDF commands (export, import, compare); registered on the main CLI group."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from graph import GraphStore, ReadResult
    from graph.rdf_compare import Comparison

RDF_FORMATS = ("turtle", "jsonld", "ntriples", "rdfxml")


def _write_atomically(out: Path, write: Callable[[Path], Any]) -> Any:
    """Call ``write(path)`` on a temporary file beside ``out``, then move it into place, so a
    failed export never leaves half a file; returns what ``write`` returned."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        result = write(tmp)
        os.replace(tmp, out)
        return result
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def register(main: click.Group) -> None:
    """Add the RDF commands to ``main``."""
    from policykg.cli import _open, backend_option

    export_group = main.commands.get("export")
    if not isinstance(export_group, click.Group):
        @main.group("export")
        def export_group() -> None:
            """Export the graph in standard formats.

            \b
            Example:
              policykg export rdf --format turtle --out var/policykg.ttl
            """

    import_group = main.commands.get("import")
    if not isinstance(import_group, click.Group):
        @main.group("import")
        def import_group() -> None:
            """Import data exported by policykg (e.g. another district's RDF).

            \b
            Example:
              policykg import rdf changning.ttl
            """

    @export_group.command("rdf")
    @click.option("--format", "fmt", type=click.Choice(RDF_FORMATS), default=None,
                  help="RDF syntax (default: from the --out suffix, else turtle).")
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="File to write (default: standard output).")
    @click.option("--document", default=None, metavar="DOC",
                  help="Only this document (id, or a unique word of its title or district) and what it points to.")
    @click.option("--query", "query_name", default=None, metavar="NAME",
                  help="Only the nodes and relationships in the result of this saved query.")
    @click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A parameter of --query.")
    @click.option("--base", default=None, metavar="IRI",
                  help="Namespace of instance IRIs (default: https://policykg.org/id/).")
    @click.option("--with-ontology", is_flag=True, help="Include the ontology's own triples (classes, schemes).")
    @click.option("--no-enterprises", is_flag=True,
                  help="Leave out the enterprise register (enterprises, their holdings, metrics and sources), "
                       "e.g. to share the policies with another district.")
    @backend_option
    @click.pass_context
    def export_rdf(ctx: click.Context, fmt: str | None, out: Path | None, document: str | None,
                   query_name: str | None, params: tuple[str, ...], base: str | None, with_ontology: bool,
                   no_enterprises: bool, backend: str | None) -> None:
        """Export the graph as RDF with stable IRIs, SKOS, Dublin Core, W3C ORG and PROV-O.

        Relationship properties (level, mention, span, amount, lead...) sit on an
        rdf:Statement per relationship, derived (prov:wasDerivedFrom) from its measure,
        article or enterprise. The same data always gives the same triples.

        \b
        Example:
          policykg export rdf --format turtle --out var/policykg.ttl
          policykg export rdf --document 闵行 --format ntriples --out minhang.nt
          policykg export rdf --no-enterprises --out policies-only.ttl
          policykg export rdf --query path-between -p from_name=高新技术企业 -p to_name=区科委 --format jsonld
        """
        from graph.rdf import ontology_ntriples, result_ntriples, serialise, store_ntriples
        from graph.rdf_compare import documents, pick_document
        from graph.rdf_import import SUFFIXES
        from graph.rdf_vocab import DEFAULT_BASE, check_base

        if document and query_name:
            raise click.UsageError("give --document or --query, not both")
        fmt = fmt or (SUFFIXES.get(out.suffix.lower(), "turtle") if out else "turtle")
        base = check_base(base or DEFAULT_BASE)
        store = _open(ctx, backend)
        try:
            if query_name:
                result = _run_saved(ctx, store, query_name, params)
                lines: Iterable[str] = result_ntriples(result, store.ontology, base, enterprises=not no_enterprises)
            else:
                source = pick_document(documents(store), document).id if document else None
                lines = store_ntriples(store, base, source, enterprises=not no_enterprises)
            if with_ontology:
                lines = _chain(ontology_ntriples(), lines)
            if out:
                count = _write_atomically(out, lambda fh: serialise(lines, fh, fmt)[0])
            else:
                sys.stdout.flush()
                count = serialise(lines, sys.stdout.buffer, fmt)[0]
                sys.stdout.buffer.flush()
        finally:
            store.close()
        click.echo(f"exported {count} triples ({fmt}) from {store.backend}"
                   + (f" to {out}" if out else ""), err=True)

    @import_group.command("rdf")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--format", "fmt", type=click.Choice(RDF_FORMATS), default=None,
                  help="RDF syntax (default: from the file suffix).")
    @backend_option
    @click.pass_context
    def import_rdf(ctx: click.Context, file: Path, fmt: str | None, backend: str | None) -> None:
        """Load an RDF export of policykg (ours or another district's) into the graph.

        Documents and registers replace their earlier versions, so importing twice changes
        nothing; the ontology's concepts are shared by IRI, so comparisons run on one graph.

        \b
        Example:
          policykg import rdf changning-2024.ttl
          policykg --backend neo4j import rdf exports/nansha.nt
        """
        from graph.rdf_import import import_rdf as do_import
        from loaders.records import ONTOLOGY_BATCH

        store = _open(ctx, backend)
        try:
            batches = do_import(store, file, fmt=fmt, shared_key=ONTOLOGY_BATCH)
            counts = store.counts()
        finally:
            store.close()
        click.echo(f"imported {sum(b.size[0] for b in batches)} nodes and {sum(b.size[1] for b in batches)} "
                   f"relationships ({len(batches)} sources) into {store.backend}: now "
                   f"{sum(counts.nodes.values())} nodes, {sum(counts.rels.values())} relationships")

    @main.command("compare")
    @click.argument("doc_a")
    @click.argument("doc_b")
    @click.option("--format", "fmt", type=click.Choice(["table", "json", "html"]), default="table", show_default=True)
    @click.option("--rdf", "rdf_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
                  help="Compare inside this RDF export with the SPARQL queries, instead of the store.")
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="File to write (default: standard output).")
    @backend_option
    @click.pass_context
    def compare(ctx: click.Context, doc_a: str, doc_b: str, fmt: str, rdf_file: Path | None, out: Path | None,
                backend: str | None) -> None:
        """Compare two policy documents side by side: measures per theme, support forms,
        qualifications rewarded by both or one (by ontology concept), bureaus' share of
        articles, amounts where stated.

        DOC_A and DOC_B are document ids or unique words of a title or district.

        \b
        Example:
          policykg compare 闵行 长宁
          policykg compare 闵行 南沙 --format html --out var/minhang-nansha.html
          policykg compare 闵行 南沙 --rdf var/policykg.ttl --format json
        """
        from graph.rdf_compare import compare_documents
        from graph.rdf_compare_html import comparison_html

        if rdf_file:
            from graph.rdf_sparql import compare_rdf, load_rdf

            result = compare_rdf(load_rdf(rdf_file), doc_a, doc_b)
        else:
            store = _open(ctx, backend)
            try:
                result = compare_documents(store, doc_a, doc_b)
            finally:
                store.close()
        if fmt == "json":
            text = json.dumps(result.as_dict(), ensure_ascii=False, indent=2)
        elif fmt == "html":
            text = comparison_html(result)
        else:
            text = _comparison_table(result)
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, "utf-8")
            click.echo(f"wrote {out}", err=True)
        else:
            click.echo(text)


def _chain(*parts: Iterable[Any]) -> Iterator[Any]:
    for p in parts:
        yield from p


def _run_saved(ctx: click.Context, store: GraphStore, name: str, params: tuple[str, ...]) -> ReadResult:
    """Run saved query ``name`` with ``KEY=VALUE`` params (audited like `policykg query run`)."""
    from policykg.cli import _settings
    from queries import load_library, run_query

    settings = _settings(ctx)
    lib = load_library(settings.queries_dir)
    if name not in lib:
        raise click.UsageError(f"no saved query {name!r}; see `policykg query list`")
    values = {}
    for item in params:
        if "=" not in item:
            raise click.UsageError(f"--param {item!r}: expected KEY=VALUE")
        k, v = item.split("=", 1)
        values[k.strip()] = v
    return run_query(store, lib[name], values, audit_log=settings.audit_log, user=settings.user)


def _comparison_table(result: Comparison) -> str:
    from graph import ReadResult
    from queries import to_table

    blocks = []
    for title, columns, rows in result.sections():
        blocks.append(f"== {title}\n" + to_table(ReadResult(columns, rows)))
    return "\n\n".join(blocks)
