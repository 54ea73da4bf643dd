"""Notebooks (issue 18, item 6): ``policykg.open()`` gives saved queries as pandas
DataFrames and subgraphs as networkx graphs, ``show`` draws them with pyvis and the
project's own vis-network (no CDN), and docs/notebook-example.py runs end to end."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

import policykg
from policykg.cli import main
from tests.conftest import POLICIES, ROOT


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("notebook")
    res = CliRunner().invoke(main, ["--home", str(home), "load", str(POLICIES)])
    assert res.exit_code == 0, res.output
    return home


def test_query_dataframe_and_subgraph(home):
    with policykg.open(home) as kg:
        df = kg.query("qualification-supports", district="闵行区", as_of="2025-06-30")
        assert isinstance(df, pd.DataFrame) and {"qualification", "bureaus", "document"} <= set(df.columns)
        a19 = df[(df.article == 19) & (df.qualification == "高新技术企业")]
        assert a19["bureaus"].tolist() == [["区商务委", "区科委", "区经委"]]
        assert "受理单位" in kg.query("qualification-supports", district="闵行区", headings="zh").columns
        g = kg.subgraph(query="path-between", from_name="专精特新“小巨人”企业", to_name="专精特新中小企业")
        assert isinstance(g, nx.MultiDiGraph)
        assert {d["caption"] for _, d in g.nodes(data=True)} == {"专精特新“小巨人”企业", "专精特新中小企业"}
        assert [t for _, _, t in g.edges(data="type")] == ["BROADER"]
        doc = kg.cypher("MATCH (d:PolicyDocument) WHERE d.district = '闵行区' RETURN d.id AS id")["id"][0]
        outline = kg.subgraph(document=doc)
        labels = {d["label"] for _, d in outline.nodes(data=True)}
        assert {"PolicyDocument", "Chapter", "Article", "Measure", "Qualification", "Bureau"} <= labels


def test_view_uses_the_vendored_vis_network_and_no_cdn(home, tmp_path):
    with policykg.open(home) as kg:
        g = kg.subgraph(query="path-between", from_name="专精特新“小巨人”企业", to_name="专精特新中小企业")
        view = kg.show(g, path=tmp_path / "view.html")
    page = (tmp_path / "view.html").read_text("utf-8")
    vendored = (ROOT / "webviz/static/vendor/vis-network/vis-network.min.js").read_text("utf-8")
    assert vendored[:200] in page and "new vis.Network" in page
    assert not re.search(r'(src|href)="https?:', page), "a CDN link is left"
    assert json.dumps("专精特新中小企业")[1:-1] in page  # pyvis writes the nodes as ASCII JSON
    assert "<iframe srcdoc=" in view.data


def test_notebook_example_runs(home, tmp_path):
    env = {**os.environ, "POLICYKG_HOME": str(home), "POLICYKG_EXAMPLE_OUT": str(tmp_path)}
    env.pop("POLICYKG_BACKEND", None)
    proc = subprocess.run([sys.executable, str(ROOT / "docs" / "notebook-example.py")], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "measure × qualification rows" in proc.stdout and "required by" in proc.stdout
    assert (tmp_path / "path-between.html").exists()
