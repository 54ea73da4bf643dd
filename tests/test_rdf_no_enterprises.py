"""The full RDF export can leave out the enterprise register (issue 18.7), to share the
policies with another district: `policykg export rdf --no-enterprises` and the web export's
``enterprises=0`` give the same policy triples as the full export and not one triple that
names an enterprise, its holdings, metrics or the register's source."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ontology import load_ontology
from policykg.cli import main
from policykg.settings import Settings
from tests.conftest import CASES_REGISTER, MINHANG
from webviz import create_app

ONT = "https://policykg.org/ontology#"
USCC = "91310112MA10000043"  # in tests/data/eligibility-cases.csv


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("rdf-no-ent")
    runner = CliRunner()
    for args in (["load", str(MINHANG)], ["load", "enterprises", str(CASES_REGISTER)]):
        res = runner.invoke(main, ["--home", str(home), *args])
        assert res.exit_code == 0, res.output
    return home


def _export(home: Path, *flags: str) -> set[str]:
    out = home / f"export{len(flags)}.nt"
    res = CliRunner().invoke(main, ["--home", str(home), "export", "rdf", "--format", "ntriples", "--out", str(out),
                                    *flags])
    assert res.exit_code == 0, res.output
    return {line for line in out.read_text(encoding="utf-8").splitlines() if line.strip()}


def _enterprise_words() -> tuple[str, ...]:
    ont = load_ontology()
    classes = [ont.node_types[n].iri for n in ("Enterprise", "MetricValue", "Source")]
    relations = [ont.rel_types[t].iri for t in ("HOLDS", "REPORTED", "STATES")]
    return (*classes, *relations, USCC)


def test_cli_export_without_the_register(home):
    full, shared = _export(home), _export(home, "--no-enterprises")
    words = _enterprise_words()
    assert any(USCC in t for t in full) and any(f"<{ONT}Enterprise>" in t for t in full)
    assert not [t for t in shared if any(w in t for w in words)]
    assert shared < full  # the policies' triples, all of them kept
    assert any("闵行区关于产业高质量发展的政策意见" in t for t in shared)
    left_out = full - shared
    register_iris = {t.split(" ")[0] for t in full if any(w in t for w in words)}
    assert all(t.split(" ")[0] in register_iris or any(w in t for w in words) for t in left_out)


def test_web_export_without_the_register(home):
    app = create_app(Settings(home=home))
    try:
        client = app.test_client()
        full = client.get("/api/export/rdf?format=ntriples").get_data(as_text=True)
        r = client.get("/api/export/rdf?format=ntriples&enterprises=0")
        assert r.status_code == 200 and "no-enterprises" in r.headers["Content-Disposition"]
        shared = r.get_data(as_text=True)
        assert USCC in full and USCC not in shared and f"<{ONT}Enterprise>" not in shared
        assert 'name="enterprises" value="0"' in client.get("/export").get_data(as_text=True)
    finally:
        app.extensions["policykg"].close()
