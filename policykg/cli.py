"""The ``policykg`` command line: thin shells over library calls, errors as one-line messages.

Noun-verb commands (``policykg query run NAME``); global ``--home`` and ``--backend``
override POLICYKG_HOME and POLICYKG_BACKEND.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from policykg.errors import LoadError, PolicyKGError, disk_full
from policykg.settings import BACKENDS, STATE_UMASK, Settings, load_settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from graph.store import GraphStore
    from loaders.register import Register


class _Group(click.Group):
    """Turns library errors into one line on stderr and exit code 2, never a traceback;
    a full disk is one line too, whichever layer noticed it."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (PolicyKGError, OSError, RuntimeError) as exc:
            shown = disk_full(exc) or exc
            if not isinstance(shown, PolicyKGError):
                raise
            click.secho("error: " + " ".join(str(shown).splitlines()), err=True, fg="red")
            sys.exit(2)


def _settings(ctx: click.Context) -> Settings:
    return ctx.find_root().obj


def _open(ctx: click.Context, backend: str | None = None):  # noqa: ANN202
    from graph import open_store

    return open_store(_settings(ctx).with_overrides(backend=backend))


backend_option = click.option("--backend", type=click.Choice(BACKENDS), default=None,
                              help="Graph store to use (default: POLICYKG_BACKEND or embedded).")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="State folder (default: POLICYKG_HOME or ./var).")
@click.option("--backend", type=click.Choice(BACKENDS), default=None,
              help="Graph store (default: POLICYKG_BACKEND or embedded).")
@click.version_option(package_name="policykg")
@click.pass_context
def main(ctx: click.Context, home: Path | None, backend: str | None) -> None:
    """Turn industrial-policy documents into a knowledge graph and ask it questions.

    \b
    Quick start:
      policykg extract data/policies/minhang-2024-industry.txt --format json
      policykg load data/policies/            # build the embedded graph
      policykg stats
      policykg query run bureaus-of-article --param number=19
      policykg serve                           # http://127.0.0.1:8000
    """
    os.umask(STATE_UMASK)  # state files 0600, folders 0700 (settings.STATE_UMASK)
    settings = load_settings()
    ctx.obj = settings.with_overrides(home=home.resolve() if home else None, backend=backend)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@click.option("--title", default=None, help="Title to use when the document has no title line.")
@click.option("--unknown", is_flag=True, help="List phrases that look like qualifications the ontology lacks.")
def extract(file: Path, fmt: str, title: str | None, unknown: bool) -> None:
    """Show what the loader understands of FILE, touching no database.

    \b
    Example:
      policykg extract data/policies/minhang-2024-industry.txt --format json
      policykg extract data/policies/nansha-2017-tech-innovation.txt --unknown
    """
    from loaders import extract_file

    doc = extract_file(file, title=title)
    if unknown:
        for a in doc.articles:
            for phrase in a.unknown_qualifications:
                sentence = next((s for s in a.text.replace("；", "。").split("。") if phrase in s), "")
                click.echo(f"article {a.number}\t{phrase}\t{sentence.strip()}")
        return
    if fmt == "json":
        click.echo(json.dumps(doc.to_contract(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{doc.title}  {doc.doc_number or ''}  {doc.district or ''}")
    click.echo(f"issued {doc.issued_on}  effective {doc.effective_from} .. {doc.effective_until}")
    for ch in doc.chapters:
        click.echo(f"  chapter {ch.number} {ch.title or ''}: articles {', '.join(map(str, ch.articles))}")
    for a in doc.articles:
        click.echo(f"  {a.number:>3} {a.title or ''}  [{'、'.join(a.bureaus)}]  {len(a.measures)} measure(s)")
    for w in doc.warnings:
        click.secho(f"warning: {w}", err=True, fg="yellow")


@main.command("eval")
@click.argument("gold_files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--documents", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("data/policies"), show_default=True, help="Folder holding the documents the gold names.")
@click.option("--per-document", is_flag=True, help="Also print the table of each gold file.")
@click.option("--diff", is_flag=True, help="Also list every missed and extra fact, per document.")
def evaluate_cmd(gold_files: tuple[Path, ...], documents: Path, per_document: bool, diff: bool) -> None:
    """Precision, recall and F1 of extraction against hand-made gold files, per field,
    micro-averaged over all of them (either gold format: tests/gold/README.md, GUIDELINES-v2.md).

    \b
    Example:
      policykg eval tests/gold/*.yaml tests/gold/corpus/*.yaml
      policykg eval tests/gold/corpus/14_*.yaml --per-document --diff
    """
    from loaders import extract_file
    from loaders.evaluate import differences, evaluate, gold_document, read_gold, total

    def table(scores: dict) -> None:
        click.echo(f"  {'field':<20} {'P':>6} {'R':>6} {'F1':>6}   tp/fp/fn")
        for field, sc in scores.items():
            click.echo(f"  {field:<20} {sc.precision:6.3f} {sc.recall:6.3f} {sc.f1:6.3f}   {sc.tp}/{sc.fp}/{sc.fn}")

    all_scores = []
    for gold_path in gold_files:
        gold = read_gold(gold_path)
        doc = extract_file(gold_document(gold, documents))
        scores = evaluate(doc, gold)
        all_scores.append(scores)
        if per_document or diff:
            click.echo(f"{gold_path}")
            table(scores)
        if diff:
            for line in differences(doc, gold):
                click.echo("    " + line)
    click.echo(f"all {len(gold_files)} gold file(s), micro-averaged")
    table(total(all_scores))


def _document_files(paths: tuple[Path, ...]) -> list[Path]:
    from loaders.text import SUFFIXES

    files: list[Path] = []
    for p in paths:  # folders are searched with their sub-folders (data/policies/shanghai-corpus/)
        files.extend(sorted(q for q in p.rglob("*") if q.suffix.lower() in SUFFIXES and q.is_file()
                            and not any(part.startswith(".") for part in q.relative_to(p).parts))
                     if p.is_dir() else [p])
    return files


class _LoadGroup(click.Group):
    """``policykg load FILE...`` means ``policykg load documents FILE...``; the usage line
    says so (``load [documents|enterprises|...] FILE...``) rather than ``COMMAND [ARGS]``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["documents", *args]
        return super().parse_args(ctx, args)

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [f"[{'|'.join(self.list_commands(ctx))}]", "FILE...", "[OPTIONS]"]


@main.group(cls=_LoadGroup)
def load() -> None:
    """Load policy documents (the default: documents may be left out) or enterprise
    registers, published lists and metrics into the graph.

    \b
    Example:
      policykg load data/policies/
      policykg load enterprises data/enterprises/demo-minhang.csv
    """


@load.command("documents")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@backend_option
@click.option("--title", default=None, help="Title for a document without a title line (one file only).")
@click.option("--replace", is_flag=True,
              help="Allow a re-load that drops more than half of a document's stored articles.")
@click.pass_context
def load_documents(ctx: click.Context, paths: tuple[Path, ...], backend: str | None, title: str | None,
                   replace: bool) -> None:
    """Extract documents (files or folders) and write them to the graph, all or nothing.

    Re-loading a document replaces it: counts do not change. A re-load that would keep
    fewer than half of the document's stored articles (a truncated copy) is refused
    unless --replace. Warnings (impossible dates, unknown bureaus) are shown and kept.

    \b
    Example:
      policykg load data/policies/
      policykg --backend neo4j load data/policies/minhang-2024-industry.txt
      policykg load --replace data/policies/minhang-2024-industry.txt
    """
    from loaders import document_batch, extract_file, ontology_batch
    from loaders.lifecycle import with_links
    from loaders.records import shrinking

    files = _document_files(paths)
    if title and len(files) != 1:
        raise click.UsageError("--title applies to a single file")
    batches, warnings, source_of = [], [], {}
    with click.progressbar(files, label="extracting", file=sys.stderr) as bar:
        for f in bar:
            doc = extract_file(f, title=title)
            warnings.extend(f"{f}: {w}" for w in doc.warnings)
            batches.append(document_batch(doc))
            source_of[batches[-1].key] = f
    for w in warnings:
        click.secho(f"warning: {w}", err=True, fg="yellow")

    def load_documents(store: GraphStore) -> str:
        if not replace and (shrunk := shrinking(store, batches)):
            b, stored, new = shrunk[0]
            raise LoadError(f"this version has {new} article(s) where the graph holds {stored}: loading it would "
                            f"remove {stored - new} article(s); nothing was loaded", where=str(source_of[b.key]),
                            hint="a truncated copy? pass --replace if the new version is right")
        # the REPEALS/AMENDS links of the graph this load makes, in the same transaction
        store.write_many(with_links(store, [ontology_batch(), *batches]))
        return f"{len(batches)} document{'' if len(batches) == 1 else 's'}"

    _write(ctx, backend, load_documents, added=("Article", "Measure"))


# How the load summary names a node label's count (else the label itself).
_LABEL_WORDS = {"PolicyDocument": "documents", "Article": "articles", "Measure": "measures",
                "Enterprise": "enterprises", "MetricValue": "metric values", "Source": "sources"}


def _write(ctx: click.Context, backend: str | None, load: Callable[[GraphStore], str],
           added: tuple[str, ...] | None = None) -> None:
    """Open the store, apply its schema, run ``load`` (which says what it loaded) and
    report what it added (the change of the ``added`` labels' counts, or of every label that
    changed) and the graph's totals after it; the store is closed whatever happens.

    e.g. ``loaded 3 documents into embedded (+151 articles, +402 measures); graph now 22
    documents, 1,378 nodes, 2,843 relationships``."""
    store = _open(ctx, backend)
    try:
        store.apply_schema()
        before = store.counts().nodes
        what = load(store)
        counts = store.counts()
    finally:
        store.close()
    labels = added or sorted(set(before) | set(counts.nodes))
    changes = [(label, counts.nodes.get(label, 0) - before.get(label, 0)) for label in labels]
    changed = ", ".join(f"{n:+,} {_LABEL_WORDS.get(label, label)}" for label, n in changes if n or added)
    click.echo(f"loaded {what} into {store.backend} ({changed or 'nothing changed'}); graph now "
               f"{counts.nodes.get('PolicyDocument', 0):,} documents, {sum(counts.nodes.values()):,} nodes, "
               f"{sum(counts.rels.values()):,} relationships")


@load.command("enterprises")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@backend_option
@click.option("--skip-invalid", is_flag=True, help="Load the valid rows even if some rows are invalid.")
@click.option("--map", "mapping", multiple=True, metavar="HEADER=COLUMN",
              help="Read column HEADER as COLUMN (e.g. 'Credit code=统一社会信用代码').")
@click.option("--errors", "errors_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the invalid rows as CSV (default: var/reports/<file>-errors.csv).")
@click.pass_context
def load_enterprises(ctx: click.Context, file: Path, backend: str | None, skip_invalid: bool,
                     mapping: tuple[str, ...], errors_out: Path | None) -> None:
    """Validate an enterprise register (CSV or XLSX) and load it, all or nothing.

    One row per enterprise-qualification; columns 统一社会信用代码, 企业名称, 所属区, 行业代码,
    规模, 成立日期, 资质名称, 资质级别, 认定日期, 有效期至 (see the README). Any invalid row
    stops the load unless --skip-invalid; every problem is listed and written as CSV.

    \b
    Example:
      policykg load enterprises data/enterprises/demo-minhang.csv
      policykg load enterprises register.xlsx --map "Credit code=统一社会信用代码" --skip-invalid
    """
    from loaders import ontology_batch
    from loaders.register import load_register

    pairs = dict(m.split("=", 1) for m in mapping if "=" in m)
    read: list[Register] = []

    def load_one(store: GraphStore) -> str:
        # one pass: rows are checked and (on Neo4j) written as the file is read
        with click.progressbar(length=0, label="reading and loading", file=sys.stderr, show_pos=True) as bar:
            reg = load_register(store, file, mapping=pairs, skip_invalid=skip_invalid, before=[ontology_batch()],
                                progress=bar.update, report=read.append)
        return f"{len(reg.enterprises)} enterprise(s)"

    try:
        _write(ctx, backend, load_one)
    finally:
        if read and read[0].problems:  # shown whether the load went on or was refused
            _show_problems(ctx, read[0], file, errors_out)


def _show_problems(ctx: click.Context, reg: Register, file: Path, errors_out: Path | None) -> None:
    report = errors_out or _settings(ctx).home / "reports" / f"{file.stem}-errors.csv"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(reg.problems_csv(), "utf-8")
    for p in reg.problems[:20]:
        click.secho(f"row {p.row}, {p.column}={p.value!r}: {p.reason}", err=True, fg="yellow")
    if len(reg.problems) > 20:
        click.secho(f"... and {len(reg.problems) - 20} more", err=True, fg="yellow")
    click.echo(f"{len(reg.invalid_rows)} invalid row(s) of {reg.rows}; all problems in {report}", err=True)


@main.group()
def demo() -> None:
    """Fictional data for demos and benchmarks."""


@demo.command("enterprises")
@click.option("--count", type=int, default=1000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--district", default=None, help="A district of ontology/places.ttl (default: the profile's).")
@click.option("--dense", is_flag=True, help="About three qualifications per enterprise (for benchmarks).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def demo_enterprises(count: int, seed: int, district: str | None, dense: bool, out: Path) -> None:
    """Write a deterministic register of plainly fictional enterprises with valid USCCs.

    \b
    Example:
      policykg demo enterprises --count 10000 --seed 7 --out var/demo-10k.csv
    """
    from loaders.demo import write_demo_register

    rows = write_demo_register(out, count=count, seed=seed, district=district, dense=dense)
    click.echo(f"wrote {count} enterprises ({rows} rows) to {out}")


@main.command()
@click.argument("uscc", required=False)
@click.option("--article", type=int, default=None, help="List the enterprises that qualify for article N.")
@click.option("--all", "everything", is_flag=True, help="Enterprise × measure table for the whole register.")
@click.option("--district", default="", help="Only policies of this district.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Judge on this date (default: today).")
@click.option("--assume", multiple=True, metavar="QUALIFICATION[:LEVEL]",
              help="What if the enterprise obtained this qualification?")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@backend_option
@click.pass_context
def eligibility(ctx: click.Context, uscc: str | None, article: int | None, everything: bool, district: str,
                as_of: object, assume: tuple[str, ...], fmt: str, backend: str | None) -> None:
    """What an enterprise may claim (with reasons), who qualifies for an article, or all.

    \b
    Example:
      policykg eligibility 91310112XXXXXXXXXX --as-of 2025-06-30
      policykg eligibility 91310112XXXXXXXXXX --assume 高新技术企业:国家级
      policykg eligibility --article 19 --district 闵行区 --format csv
      policykg eligibility --all --format csv > matrix.csv
    """
    from queries import eligibility as el

    if sum(bool(x) for x in (uscc, article is not None, everything)) != 1:
        raise click.UsageError("give one of: a USCC, --article N, --all")
    day = as_of.date() if as_of else None
    store = _open(ctx, backend)
    try:
        if uscc:
            result = el.enterprise_eligibility(store, uscc, as_of=day, assume=list(assume))
            _show_eligibility(result, fmt)
            return
        rows = el.qualifying_enterprises(store, article=article, district=district, as_of=day)
    finally:
        store.close()
    if everything:
        header, table = el.eligibility_matrix(rows)
        _emit(header, table, "csv" if fmt == "table" else fmt)
    else:
        _emit(list(rows[0]) if rows else ["uscc", "enterprise", "district", "article", "measure"],
              [list(r.values()) for r in rows], fmt)


def _emit(header: list[str], rows: list[list[object]], fmt: str) -> None:
    from graph import ReadResult
    from queries import to_csv, to_json, to_table

    result = ReadResult(header, rows)
    click.echo({"table": to_table, "csv": to_csv, "json": to_json}[fmt](result), nl=fmt != "csv")


def _show_eligibility(result, fmt: str) -> None:  # noqa: ANN001
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        rows = [[c.district, c.article, c.seq, c.verdict, "; ".join(f"{r.qualification}:{r.verdict}" for r in
                 c.requirements), "、".join(c.support_forms), "、".join(b for b, _ in c.bureaus)]
                for c in [*result.eligible, *result.near_misses, *result.would_switch_on]]
        _emit(["district", "article", "measure", "verdict", "requirements", "support_forms", "bureaus"], rows, "csv")
        return
    click.echo(f"{result.uscc} on {result.as_of}: {len(result.eligible)} measure(s) to claim, "
               f"{len(result.near_misses)} near miss(es), {len(result.unknown)} unknown (data missing); "
               f"estimated at most {result.estimate_total_wan:g} 万元 (upper bound)")
    for title, claims in (("may claim", result.eligible), ("near misses", result.near_misses),
                          ("would switch on", result.would_switch_on), ("unknown: data missing", result.unknown)):
        if claims:
            click.echo(f"\n{title}:")
        for c in claims:
            why = "; ".join(f"{r.held or r.qualification} → {r.qualification}"
                            + (f" [{r.reason}]" if r.reason else "") for r in c.requirements if r.verdict != "unknown")
            why = "; ".join([why] * bool(why) + [f"{k.condition}: {k.verdict}" + (f" [{k.reason}]" if k.reason else "")
                                                 for k in c.conditions])
            click.echo(f"  {c.district} 第{c.article}条 measure {c.seq} ({c.title or ''}): {why}")
            click.echo(f"      estimate: {'-' if c.estimate_wan is None else f'{c.estimate_wan:g} 万元'} "
                       f"({c.estimate_basis})")
            click.echo(f"      support: {'、'.join(c.support_forms) or '-'}   call: "
                       f"{'、'.join(f'{b}({f})' if f else b for b, f in c.bureaus) or '-'}")


@main.command()
@backend_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def stats(ctx: click.Context, backend: str | None, fmt: str) -> None:
    """Node counts per label and relationship counts per type.

    \b
    Example:
      policykg stats --backend neo4j
    """
    store = _open(ctx, backend)
    try:
        c = store.counts()
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps({"nodes": c.nodes, "relationships": c.rels}, indent=2))
        return
    for k, v in c.nodes.items():
        click.echo(f"(:{k}) {v}")
    for k, v in c.rels.items():
        click.echo(f"[:{k}] {v}")


@main.group()
def query() -> None:
    """Saved, parameterised queries (queries/library and POLICYKG_QUERIES)."""


def _library(ctx: click.Context):  # noqa: ANN202
    from queries import load_library

    return load_library(_settings(ctx).queries_dir)


@query.command("list")
@click.pass_context
def query_list(ctx: click.Context) -> None:
    """List the saved queries with their zh/en titles.

    \b
    Example:
      policykg query list
    """
    for q in _library(ctx).values():
        params = " ".join(f"{p.name}:{p.type}" + ("" if p.required else "?") for p in q.params)
        click.echo(f"{q.name:<28} {q.title_zh} / {q.title_en}  [{params}]")


@query.command("show")
@click.argument("name")
@click.pass_context
def query_show(ctx: click.Context, name: str) -> None:
    """Show a saved query's description, parameters and Cypher.

    \b
    Example:
      policykg query show bureaus-of-article
    """
    q = _get_query(ctx, name)
    click.echo(f"{q.name}: {q.title_zh} / {q.title_en}\n{q.description_zh}\n{q.description_en}\n")
    for p in q.params:
        default = "required" if p.required else f"default {p.default!r}"
        click.echo(f"  --param {p.name}=<{p.type}>  {p.label_zh} / {p.label_en} ({default})")
    click.echo("\n" + q.cypher)


def _get_query(ctx: click.Context, name: str):  # noqa: ANN202
    lib = _library(ctx)
    if name not in lib:
        raise click.UsageError(f"no saved query {name!r}; see `policykg query list`")
    return lib[name]


@query.command("run")
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A parameter value.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@backend_option
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Time limit in seconds.")
@click.pass_context
def query_run(ctx: click.Context, name: str, params: tuple[str, ...], fmt: str, backend: str | None,
              timeout: float) -> None:
    """Run a saved query with typed parameters, read-only.

    \b
    Example:
      policykg query run bureaus-of-article --param number=19 --param district=闵行区
      policykg query run articles-per-bureau --format csv > workload.csv
    """
    from queries import run_query, to_csv, to_json, to_table

    q = _get_query(ctx, name)
    values = {}
    for item in params:
        if "=" not in item:
            raise click.UsageError(f"--param {item!r}: expected KEY=VALUE")
        k, v = item.split("=", 1)
        values[k.strip()] = v
    settings = _settings(ctx)
    store = _open(ctx, backend)
    try:
        result = run_query(store, q, values, timeout_s=timeout, audit_log=settings.audit_log, user=settings.user)
    finally:
        store.close()
    render = {"table": to_table, "csv": to_csv, "json": to_json}[fmt]
    click.echo(render(result), nl=fmt != "csv")


@main.group()
def neo4j() -> None:
    """Manage the project's own Neo4j server (installed from Maven Central, loopback only)."""


def _neo4j_home(ctx: click.Context) -> Path:
    return _settings(ctx).neo4j_home


@neo4j.command("install")
def neo4j_install() -> None:
    """Download Neo4j Community with mvn into the user cache (once).

    \b
    Example:
      policykg neo4j install
    """
    from graph import neo4j_server

    click.echo(neo4j_server.install())


@neo4j.command("start")
@click.option("--port", type=int, default=None, help="Bolt port (default: a free one).")
@click.option("--heap", default="1g", show_default=True,
              help="Maximum JVM heap; a load is one transaction, so large registers need more (4g for 100,000).")
@click.pass_context
def neo4j_start(ctx: click.Context, port: int | None, heap: str) -> None:
    """Install if needed, start on 127.0.0.1, wait until Bolt answers.

    \b
    Example:
      policykg neo4j start && policykg --backend neo4j load data/policies/
    """
    from graph import neo4j_server

    info = neo4j_server.start(_neo4j_home(ctx), port=port, heap=heap)
    click.echo(f"neo4j {info.version} running at {info.uri} (pid {info.pid})")


@neo4j.command("stop")
@click.pass_context
def neo4j_stop(ctx: click.Context) -> None:
    """Stop the project's Neo4j server.

    \b
    Example:
      policykg neo4j stop
    """
    from graph import neo4j_server

    click.echo("stopped" if neo4j_server.stop(_neo4j_home(ctx)) else "not running")


@neo4j.command("status")
@click.pass_context
def neo4j_status(ctx: click.Context) -> None:
    """Say whether the project's Neo4j server runs, and where.

    \b
    Example:
      policykg neo4j status
    """
    from graph import neo4j_server

    info = neo4j_server.status(_neo4j_home(ctx))
    if info is None:
        click.echo("not running")
        sys.exit(1)
    click.echo(f"running at {info.uri} (pid {info.pid})")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Flask debug mode (never in production).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes. 1: waitress, one process. More: gunicorn, one process per core "
                   "answers more requests at once (use the core count in production).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Threads per server process.")
@backend_option
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, debug: bool, workers: int, threads: int,
          backend: str | None) -> None:
    """Serve the web app on http://HOST:PORT/ (loopback only unless --host says otherwise).

    \b
    Examples:
      policykg serve --port 8000
      policykg serve --workers 2        # production on a 2-core server (gunicorn)
    """
    from policykg.webapp import build_app, serve_workers

    settings = _settings(ctx).with_overrides(backend=backend)
    check_serving_host(host, settings)
    click.echo(f"serving on http://{host}:{port}/")
    if workers > 1 and not debug:
        serve_workers(settings, host, port, workers=workers, threads=threads)
        return
    app = build_app(settings)
    if debug:
        app.run(host=host, port=port, debug=True)
    else:
        from waitress import serve as waitress_serve

        waitress_serve(app, host=host, port=port, threads=threads)


def is_loopback(host: str) -> bool:
    """True if ``host`` is reachable from this machine only (127.0.0.0/8, ::1, localhost).

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0"), is_loopback("intranet.example")
    (True, True, False, False)
    """
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_serving_host(host: str, settings: Settings) -> None:
    """Serving beyond loopback: say so on stderr, and refuse without POLICYKG_SECRET_KEY
    (a random key per process would sign session cookies no other worker or restart
    accepts, and a deployment others reach must choose its own key)."""
    if is_loopback(host):
        return
    click.secho(f"warning: --host {host} makes the app reachable from other machines; "
                "put it behind a proxy with TLS and authentication", err=True, fg="yellow")
    if not settings.secret_key:
        raise PolicyKGError("refusing to serve beyond loopback without a secret key", where=f"--host {host}",
                            hint="set POLICYKG_SECRET_KEY to a long random value, or serve on 127.0.0.1")


def _register_extensions() -> None:
    """Command groups that live in their own modules (kept small, one idea each)."""
    from policykg import cli_brief, cli_curate, cli_lifecycle, cli_rdf

    cli_rdf.register(main)
    cli_curate.register(main)
    cli_lifecycle.register(main)
    from policykg import cli_numbers  # eligibility with numbers: load metrics, sandbox (issue 15)

    cli_numbers.register(main)
    cli_brief.register(main)
    from policykg import cli_sources  # enterprise-data sources: load recognitions, sources, enterprise (issue 16)

    cli_sources.register(main)


_register_extensions()

if __name__ == "__main__":
    main()
