"""Commands of issue 15: ``policykg load metrics FILE`` and ``policykg sandbox`` (the
officers' article view with a what-if on a threshold)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from policykg.cli import _open, _write, backend_option


@click.command("metrics")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@backend_option
@click.pass_context
def load_metrics_cmd(ctx: click.Context, file: Path, backend: str | None) -> None:
    """Load enterprise metrics (CSV or XLSX, long format), all or nothing.

    Columns 统一社会信用代码, 年度, 指标, 数值, 单位; 指标 is a metric of ontology/metrics.ttl
    (营业收入, 研发投入, 纳税总额, 从业人数...), 单位 is converted (亿元/万元/元 → 万元, ‰ → %).
    Every problem is named by row and column; the enterprises must be loaded already.

    \b
    Example:
      policykg load metrics data/enterprises/demo-metrics.csv
    """
    from loaders.metrics import load_metrics

    def load_one(store) -> str:  # noqa: ANN001
        m = load_metrics(store, file)
        return f"{len(m.values)} metric value(s) of {len({v['uscc'] for v in m.values})} enterprise(s)"

    _write(ctx, backend, load_one)


@click.command("sandbox")
@click.option("--article", type=int, default=None, help="Only article N.")
@click.option("--district", default="", help="Only policies of this district.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Judge on this date (default: today); metrics of the year before count.")
@click.option("--what-if", "what_if", default=None, metavar="METRIC>VALUE",
              help="Try another threshold, e.g. 营业收入>5000 (万元).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@backend_option
@click.pass_context
def sandbox(ctx: click.Context, article: int | None, district: str, as_of: object, what_if: str | None, fmt: str,
            backend: str | None) -> None:
    """政策沙盘: per article, how many enterprises qualify, their estimated total (an upper
    bound), near misses and on what, and what a threshold change would do.

    \b
    Example:
      policykg sandbox --district 闵行区 --as-of 2025-06-30
      policykg sandbox --article 1 --what-if 营业收入>5000
    """
    from policykg.cli import _emit
    from queries.sandbox import article_view

    store = _open(ctx, backend)
    try:
        rows = article_view(store, article=article, district=district, as_of=as_of.date() if as_of else None,
                            what_if=what_if)
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    header = ["district", "article", "qualify", "estimate_wan (upper bound)", "near_misses", "near_misses_on",
              "unknown"] + (["what_if_more", "what_if_plus_wan"] if what_if else [])
    table = [[r.district, r.article, r.qualify, round(r.estimate_wan, 2), r.near_misses,
              "、".join(f"{k} {v}" for k, v in r.near_on.most_common()), r.unknown]
             + ([r.what_if_more, round(r.what_if_plus_wan or 0, 2)] if what_if else []) for r in rows]
    _emit(header, table, fmt)


def register(main: click.Group) -> None:
    """Attach the commands to the CLI."""
    main.commands["load"].add_command(load_metrics_cmd)
    main.add_command(sandbox)
