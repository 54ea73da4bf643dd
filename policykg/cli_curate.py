"""``policykg curate``: list candidate qualifications and record a curator's decisions;
registered on the main CLI group. Thin shells over queries.curate. Decisions go to
POLICYKG_CURATION_DIR (default data/curation/), the folder every load reads."""

from __future__ import annotations

import json

import click

APPLIED = "decision written to {path}; the next `policykg load` applies it"


def register(main: click.Group) -> None:
    """Add the ``curate`` group to ``main``."""
    from policykg.cli import _open, backend_option

    @main.group()
    def curate() -> None:
        """Candidate qualifications: recognitions the text names that the ontology lacks.

        \b
        Example:
          policykg curate list
          policykg curate accept 未来工厂 --kind project --level 市级
        """

    @curate.command("list")
    @backend_option
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
    @click.pass_context
    def curate_list(ctx: click.Context, backend: str | None, fmt: str) -> None:
        """Candidates across the loaded documents, most mentioned first, with counts,
        documents and example sentences.

        \b
        Example:
          policykg curate list
          policykg curate list --format json > candidates.json
        """
        from queries.curate import list_candidates

        store = _open(ctx, backend)
        try:
            found = list_candidates(store)
        finally:
            store.close()
        if fmt == "json":
            click.echo(json.dumps([c.as_dict() for c in found], ensure_ascii=False, indent=2))
            return
        for c in found:
            mark = f"  [{c.decision}, applied at next load]" if c.decision else ""
            click.echo(f"{c.count:>4}  {c.phrase}  ({c.kind_hint or '-'}, {c.level or '-'}){mark}")
            click.echo(f"      in: {'; '.join(c.documents)}")
            for e in c.examples:
                click.echo(f"      “{e.before}[{e.mention}]{e.after}”")

    @curate.command("accept")
    @click.argument("phrase")
    @click.option("--kind", required=True, help="Kind of qualification: enterprise, platform, project, product, "
                                                "award, talent or brand.")
    @click.option("--level", required=True, help="Default level: 国家级, 省级, 市级 or 区级.")
    @click.option("--en", default=None, help="English label (optional).")
    def curate_accept(phrase: str, kind: str, level: str, en: str | None) -> None:
        """Accept PHRASE as a new qualification of the ontology.

        \b
        Example:
          policykg curate accept 未来工厂 --kind project --level 市级 --en "Future factory"
        """
        from ontology import load_ontology
        from queries.curate import accept

        path = accept(phrase, kind, level, load_ontology(), en=en)
        click.echo(APPLIED.format(path=path))

    @curate.command("alias")
    @click.argument("phrase")
    @click.option("--of", "of", required=True, help="The existing qualification: its id or one of its labels.")
    def curate_alias(phrase: str, of: str) -> None:
        """Accept PHRASE as another name of an existing qualification.

        \b
        Example:
          policykg curate alias 国家高企 --of 高新技术企业
        """
        from ontology import load_ontology
        from queries.curate import alias

        path = alias(phrase, of, load_ontology())
        click.echo(APPLIED.format(path=path))

    @curate.command("reject")
    @click.argument("phrase")
    def curate_reject(phrase: str) -> None:
        """Reject PHRASE: it names no recognition, and is proposed no more.

        \b
        Example:
          policykg curate reject 电竞企业
        """
        from ontology import load_ontology
        from queries.curate import reject

        path = reject(phrase, load_ontology())
        click.echo(APPLIED.format(path=path))
