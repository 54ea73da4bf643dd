"""An officer's brief of one enterprise on one or two A4 pages, as HTML and as PDF.

It holds what the enterprise may claim on a date (with the estimate where the eligibility
answer has one), each requirement met, unmet or unknown, the bureaus to call, and the
source clauses. The HTML is rendered from templates/brief.html with the words of
webviz.i18n (zh or en), so the CLI needs no running web app.

The PDF is printed by Debian's headless Chromium (``--print-to-pdf``) from the rendered
HTML in a temporary folder: the same engine and CSS as the page a browser prints, the
CJK font (WenQuanYi Zen Hei, installed by ``make browser``) embedded as a subset, and no
new Python dependency; see the README for the comparison with WeasyPrint and reportlab.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from graph import GraphStore
from ontology import Ontology
from policykg.errors import PolicyKGError
from queries.eligibility import Eligibility, enterprise_eligibility
from webviz.i18n import MESSAGES

HERE = Path(__file__).resolve().parent
CSS = HERE / "static" / "brief.css"
CHROMIUM = Path(os.environ.get("POLICYKG_CHROMIUM", "/usr/bin/chromium"))
PRINT_TIMEOUT_S = 120
MAX_CLAUSE_CHARS = 400  # a clause longer than this is cut in the brief (the article is named)

_ENTERPRISE = "MATCH (e:Enterprise) WHERE e.id = $uscc RETURN e.name AS name, e.district AS district"


class BriefError(PolicyKGError):
    """The brief could not be printed (no Chromium, or Chromium failed)."""


@dataclass(frozen=True)
class Bureau:
    """A bureau to call, with the articles it handles among the claims."""

    name: str
    full_name: str | None
    articles: tuple[tuple[str, int], ...]  # (district, article number)


def brief_data(store: GraphStore, ontology: Ontology, uscc: str, as_of: dt.date | None = None) -> dict[str, Any]:
    """What the brief shows: the enterprise, its eligibility on ``as_of`` (today if None),
    the bureaus to call and the clauses to cite. A ParameterError if the USCC is unknown."""
    uscc = uscc.strip().upper()
    result = enterprise_eligibility(store, uscc, as_of=as_of or dt.date.today(), ontology=ontology)
    rows = store.read(_ENTERPRISE, {"uscc": uscc}).records()
    enterprise = rows[0] if rows else {"name": uscc, "district": None}
    return {"uscc": uscc, "name": enterprise["name"] or uscc, "district": enterprise["district"],
            "result": result, "bureaus": bureaus_to_call(result), "today": dt.date.today()}


def bureaus_to_call(result: Eligibility) -> list[Bureau]:
    """Every bureau that handles a measure the enterprise may claim, with those articles."""
    seen: dict[tuple[str, str | None], list[tuple[str, int]]] = {}
    for c in result.eligible:
        for name, full in c.bureaus:
            where = (c.district, c.article)
            articles = seen.setdefault((name, full), [])
            if where not in articles:
                articles.append(where)
    return [Bureau(n, f, tuple(a)) for (n, f), a in sorted(seen.items(), key=lambda kv: (-len(kv[1]), kv[0][0]))]


def render_brief(data: dict[str, Any], lang: str = "zh", css_href: str | None = None) -> str:
    """The brief as a standalone HTML page: the stylesheet inlined (for printing from a
    file), or linked at ``css_href`` (for the web app, whose CSP forbids inline styles)."""
    words = MESSAGES["en" if lang == "en" else "zh"]

    def t(key: str, **values: object) -> str:
        text = words[key]
        return text.format(**values) if values else text

    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    return env.get_template("brief.html").render(
        t=t, lang=lang, css=None if css_href else CSS.read_text("utf-8"), css_href=css_href,
        reason=lambda r: _reason(r, t), estimate=_estimate, clause=_clause, **data)


def _reason(reason: str, t: Any) -> str:
    from webviz.enterprises import REASONS

    for pattern, key in REASONS:
        m = pattern.fullmatch(reason)
        if m:
            return t(key, **m.groupdict())
    return reason


def _estimate(claim: Any) -> str:
    """The claim's estimate in 万元 if the eligibility answer has one (queries.eligibility's
    ``estimate_wan``), else ''."""
    value = getattr(claim, "estimate_wan", None)
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _clause(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= MAX_CLAUSE_CHARS else text[:MAX_CLAUSE_CHARS] + "…"


def html_to_pdf(html: str, out: Path, chromium: Path | None = None) -> Path:
    """Print ``html`` to the PDF ``out`` with headless Chromium (A4, the page's own @page
    margins, no header or footer), in a throwaway profile. BriefError if it cannot."""
    chromium = chromium or CHROMIUM
    if not chromium.exists() and not shutil.which(str(chromium)):
        raise BriefError(f"Chromium not found at {chromium}", where="brief",
                         hint="run `make browser` (Debian's chromium and fonts-wqy-zenhei) or set POLICYKG_CHROMIUM")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="policykg-brief-") as tmp:
        page = Path(tmp) / "brief.html"
        page.write_text(html, "utf-8")
        target = Path(tmp) / "brief.pdf"
        cmd = [str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-pdf-header-footer", f"--user-data-dir={tmp}/profile",
               f"--print-to-pdf={target}", page.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise BriefError(f"Chromium did not finish within {PRINT_TIMEOUT_S} s", where="brief") from None
        if proc.returncode != 0 or not target.exists() or target.stat().st_size == 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]
            raise BriefError(f"Chromium could not print the brief: {last}", where="brief")
        shutil.move(str(target), out)
    return out


def write_brief(store: GraphStore, ontology: Ontology, uscc: str, out: Path, *,
                as_of: dt.date | None = None, lang: str = "zh") -> Path:
    """Render the brief of ``uscc`` on ``as_of`` and print it to the PDF ``out``."""
    return html_to_pdf(render_brief(brief_data(store, ontology, uscc, as_of), lang), out)
