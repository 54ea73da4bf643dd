"""SHACL validation of an N-Triples file, run in a child process of its own.

Why a child process, and not a thread of the web server: pyshacl and the pyparsing
grammar rdflib's SPARQL engine uses are not thread-safe. Eight viewers of a new data
version validating at once in one process gave eight 500s, and a corrupted parser state
gave 500s until a restart (issue 19). A child process has its own interpreter, so nothing
it does can poison the server; it can be given a deadline and killed, and its memory
(rdflib holds the whole graph, about 1 GB per million triples) is returned to the system
when it ends. A process per validation is affordable because the dashboard validates at
most once per data version (webviz.dashboard), and starting one costs about a second.

Why not at load time with the report stored: the loaders run per source, while the shapes
check the graph as it stands (a bureau, a concept shared by documents); a report written
by one load would be stale after the next. Validating what the web app reads, once per
data version, keeps the report true to the graph shown beside it.

The parent writes the export to a file (``webviz.quality``) and calls ``validate`` here;
the child (``python webviz/shacl.py DATA.nt``, run by path so that importing the web app
is not part of its start) prints the grouped report as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SH = "http://www.w3.org/ns/shacl#"
EXAMPLES = 5  # offending nodes kept per group


class ShaclFailed(RuntimeError):
    """The validation process failed, timed out or answered something unreadable."""


def validate(data: Path, timeout_s: float) -> dict[str, Any]:
    """``{"conforms", "triples", "groups"}`` of the N-Triples file ``data`` validated against
    ontology/shapes.ttl by a child process, killed after ``timeout_s`` seconds.
    ShaclFailed says why when it fails."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    try:
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), str(data)], capture_output=True,
                              text=True, timeout=timeout_s, env=env, cwd=ROOT, check=False)
    except subprocess.TimeoutExpired:
        raise ShaclFailed(f"SHACL validation took longer than {timeout_s:g} s and was stopped") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise ShaclFailed(f"SHACL validation process failed (exit {done.returncode}): {last[:300]}")
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise ShaclFailed("SHACL validation process gave no readable answer") from None


# --- the child's side --------------------------------------------------------------------------
def compact(iri: str) -> str:
    """An IRI as the page shows it: instance IRIs without the base, terms with their prefix.

    >>> compact("https://policykg.org/id/measure/doc-1-c1-a2-m1"), compact("https://policykg.org/ontology#start")
    ('measure/doc-1-c1-a2-m1', 'pkg:start')
    """
    from graph.rdf_vocab import DEFAULT_BASE, PREFIXES

    if iri.startswith(DEFAULT_BASE):
        return iri[len(DEFAULT_BASE):]
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def validate_here(data: Path) -> dict[str, Any]:
    """What ``validate`` answers, computed in this process (the child runs this)."""
    import pyshacl
    import rdflib

    from ontology.model import ONTOLOGY_DIR, SHAPES_FILE

    graph = rdflib.Graph().parse(data, format="nt")
    shapes = rdflib.Graph().parse(ONTOLOGY_DIR / SHAPES_FILE, format="turtle")
    conforms, results, _ = pyshacl.validate(graph, shacl_graph=shapes)
    return {"conforms": bool(conforms), "triples": len(graph), "groups": group(results)}


def _path(results: Any, node: Any) -> str | None:
    """A result path as text: ``pkg:title``, ``^pkg:hasArticle`` for an inverse path."""
    from rdflib import BNode, URIRef

    if isinstance(node, URIRef):
        return compact(str(node))
    if isinstance(node, BNode):
        inverse = results.value(node, URIRef(SH + "inversePath"))
        return "^" + compact(str(inverse)) if inverse is not None else "(path)"
    return None


def group(results: Any) -> list[dict[str, Any]]:
    """Validation results grouped by (severity, constraint, path or, for SPARQL checks,
    message), most frequent first, each with a few offending nodes."""
    from rdflib import RDF, URIRef

    from graph.rdf_vocab import ONTOLOGY_IRI

    def value(r: Any, name: str) -> Any:
        return results.value(r, URIRef(SH + name))

    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in results.subjects(RDF.type, URIRef(SH + "ValidationResult")):
        severity = str(value(r, "resultSeverity") or "").removeprefix(SH)
        component = str(value(r, "sourceConstraintComponent") or "").removeprefix(SH)
        component = component.removesuffix("ConstraintComponent")
        path = _path(results, value(r, "resultPath"))
        message = str(value(r, "resultMessage") or "")
        focus, offender = value(r, "focusNode"), value(r, "value")
        # graph-wide checks have the ontology's IRI as focus; the offending node is the value
        node = offender if str(focus) == ONTOLOGY_IRI and offender is not None else focus
        key = (severity, component, path or message)
        g = groups.setdefault(key, {"severity": severity, "constraint": component, "path": path,
                                    "message": message, "count": 0, "nodes": set()})
        g["count"] += 1
        g["nodes"].add(compact(str(node)))
    out = [{**{k: v for k, v in g.items() if k != "nodes"}, "examples": sorted(g["nodes"])[:EXAMPLES]}
           for g in groups.values()]
    return sorted(out, key=lambda g: (-g["count"], g["severity"], g["constraint"], g["path"] or g["message"]))


def main(argv: list[str]) -> int:
    """The child: validate the file named by ``argv[0]``, print the report as JSON."""
    json.dump(validate_here(Path(argv[0])), sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.path[0] = str(ROOT)  # run by path: import the project, not webviz's modules, by name
    sys.exit(main(sys.argv[1:]))
