"""RDF export, SHACL, import and the district comparison, against real stores.

What must hold: every format parses back to the same graph; the two backends, and two
runs, give byte-identical sorted N-Triples; the export conforms to ontology/shapes.ttl
and broken copies do not; export -> import -> export is isomorphic; the comparison shows
hand-checked facts, and its SPARQL twins give the Cypher numbers.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pyshacl
import pytest
import rdflib
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import RDF as RDFNS
from rdflib import XSD as XSDNS
from rdflib import Literal as RLiteral
from rdflib import Namespace, URIRef
from rdflib.compare import isomorphic

from graph.embedded_store import EmbeddedStore
from graph.rdf import Exporter, export_rdf, serialise, store_ntriples
from graph.rdf_compare import CYPHER, Comparison, compare_documents, cypher_figures, documents, pick_document
from graph.rdf_compare_html import comparison_html
from graph.rdf_import import import_rdf, read_batches
from graph.rdf_sparql import COLUMNS, compare_rdf, load_rdf, rdf_documents, sparql_figures, sparql_rows
from graph.rdf_vocab import DEFAULT_BASE, PKG, check_base, id_segment, node_maps, rel_maps
from ontology.model import ONTOLOGY_DIR, SHAPES_FILE
from policykg.cli import main
from policykg.errors import ParameterError
from tests.conftest import POLICIES

SH = Namespace("http://www.w3.org/ns/shacl#")
P = Namespace(PKG)
DCT = Namespace("http://purl.org/dc/terms/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
RDFLIB_FORMAT = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "rdfxml": "xml"}
SUFFIX = {"turtle": ".ttl", "jsonld": ".jsonld", "ntriples": ".nt", "rdfxml": ".rdf"}


def _nt(store, **kw) -> bytes:
    return export_rdf(store, None, "ntriples", **kw)[1]


def _graph(data: bytes, fmt: str = "ntriples") -> rdflib.Graph:
    return rdflib.Graph().parse(data=data, format=RDFLIB_FORMAT[fmt])


def _doc_id(store, words: str) -> str:
    return pick_document(documents(store), words).id


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_DIR / SHAPES_FILE, format="turtle")


def _conforms(data: rdflib.Graph, shapes: rdflib.Graph) -> tuple[bool, str]:
    ok, _, text = pyshacl.validate(data, shacl_graph=shapes)
    return ok, text


# --- formats and determinism -----------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["turtle", "jsonld", "ntriples", "rdfxml"])
def test_every_format_parses_back_to_the_same_graph(loaded_embedded, fmt):
    reference = _graph(_nt(loaded_embedded))
    n, data = export_rdf(loaded_embedded, None, fmt)
    parsed = _graph(data, fmt)
    assert n == len(reference) > 10_000
    assert isomorphic(parsed, reference)


@pytest.mark.neo4j
def test_both_backends_and_two_runs_give_identical_sorted_ntriples(loaded_stores):
    emb, neo = (_nt(loaded_stores[b]) for b in ("embedded", "neo4j"))
    assert sorted(emb.splitlines()) == sorted(neo.splitlines())
    assert _nt(loaded_stores["embedded"]) == emb  # same order too: reads are ordered by id


def test_iris_come_from_ascii_ids_and_concepts_keep_their_ontology_iris(loaded_embedded, ontology):
    g = _graph(_nt(loaded_embedded, base="https://example.org/kg/"))
    subjects = {str(s) for s in g.subjects()}
    assert all(s.isascii() for s in subjects)
    minhang = _doc_id(loaded_embedded, "闵行")
    assert f"https://example.org/kg/policy-document/{minhang}" in subjects
    hte = URIRef(ontology.concept("qualifications", "high-tech-enterprise").iri)
    assert str(hte) == DEFAULT_BASE + "qualification/high-tech-enterprise"
    assert (hte, SKOS.prefLabel, RLiteral("高新技术企业", lang="zh")) in g
    assert (hte, SKOS.prefLabel, RLiteral("High and New Technology Enterprise", lang="en")) in g
    assert not [s for s in subjects if s.startswith(DEFAULT_BASE) and "/qualification/" not in s
                and "/theme/" not in s and "/support-form/" not in s and "/beneficiary/" not in s
                and "/industry/" not in s and "/bureau/" not in s]


def test_id_segments_escape_anything_but_plain_ascii():
    assert id_segment("doc-1a2b_c.d~e") == "doc-1a2b_c.d~e"
    assert id_segment('区 "x"/y#z') == "%E5%8C%BA%20%22x%22%2Fy%23z"
    for bad in ("not an iri", "https://example.org/no-slash", "relative/"):
        with pytest.raises(ParameterError):
            check_base(bad)


def test_document_metadata_uses_dublin_core_and_keeps_language_tags(loaded_embedded):
    g = _graph(_nt(loaded_embedded))
    doc = URIRef(DEFAULT_BASE + "policy-document/" + _doc_id(loaded_embedded, "闵行"))
    assert (doc, DCT.title, RLiteral("闵行区关于产业高质量发展的政策意见(试行)", lang="zh")) in g
    assert (doc, DCT.identifier, RLiteral("闵府规发〔2024〕11号")) in g
    assert (doc, DCT.issued, RLiteral("2024-12-11", datatype=XSDNS.date)) in g
    assert (doc, P.effective_from, RLiteral("2025-01-15", datatype=XSDNS.date)) in g
    assert (doc, DCT.valid, RLiteral("start=2025-01-15; end=2027-01-14; scheme=W3C-DTF",
                                     datatype=DCT.Period)) in g


def test_relationship_properties_live_on_a_statement_derived_from_the_measure(loaded_embedded):
    g = _graph(_nt(loaded_embedded))
    requires = [s for s in g.subjects(RDFNS.predicate, P.requires)
                if (s, RDFNS.object, URIRef(DEFAULT_BASE + "qualification/high-tech-enterprise")) in g]
    assert requires
    for st_ in requires:
        measure = g.value(st_, RDFNS.subject)
        assert (measure, P.requires, g.value(st_, RDFNS.object)) in g
        assert g.value(st_, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")) == measure
        assert g.value(st_, P.mention).language == "zh" and "高新技术企业" in str(g.value(st_, P.mention))
    assert set(g.subjects(RDFNS.predicate, P.provides)) & set(g.subjects(P.amount, None))
    assert len(set(g.subjects(RDFNS.predicate, P.responsibleFor))) == len(set(g.subject_objects(P.responsibleFor)))


# --- SHACL -------------------------------------------------------------------------------------
def test_whole_export_conforms_to_the_shapes(loaded_embedded, shapes):
    ok, report = _conforms(_graph(_nt(loaded_embedded)), shapes)
    assert ok, report


@pytest.fixture(scope="module")
def changning_nt(loaded_embedded) -> bytes:
    """One document's export: small, so each broken copy validates quickly."""
    return _nt(loaded_embedded, source=_doc_id(loaded_embedded, "长宁"))


def _first(g, p, o=None):
    return next(iter(g.subjects(p, o)))


def _drop_title(g):
    g.remove((_first(g, RDFNS.type, P.PolicyDocument), DCT.title, None))


def _second_title(g):
    g.add((_first(g, RDFNS.type, P.PolicyDocument), DCT.title, RLiteral("另一个标题", lang="zh")))


def _start_as_text(g):
    m = _first(g, RDFNS.type, P.Measure)
    g.set((m, P.start, RLiteral("12")))


def _span_off_by_one(g):
    m = _first(g, RDFNS.type, P.Measure)
    g.set((m, P.start, RLiteral(int(g.value(m, P.start)) + 1)))


def _mention_elsewhere(g):
    st_ = _first(g, P.mention)
    g.set((st_, P.start, RLiteral(int(g.value(st_, P.start)) + 2)))
    g.set((st_, P.end, RLiteral(int(g.value(st_, P.end)) + 2)))


def _requires_a_support_form(g):
    m, q = next(iter(g.subject_objects(P.requires)))
    g.remove((m, P.requires, q))
    g.add((m, P.requires, _first(g, RDFNS.type, P.SupportForm)))


def _concept_without_zh_label(g):
    q = _first(g, RDFNS.type, P.Qualification)
    g.remove((q, SKOS.prefLabel, None))
    g.add((q, SKOS.prefLabel, RLiteral("no Chinese label", lang="en")))


def _fact_without_its_triple(g):
    st_ = _first(g, RDFNS.predicate, P.requires)
    g.remove((g.value(st_, RDFNS.subject), P.requires, g.value(st_, RDFNS.object)))


def _negative_amount(g):
    st_ = _first(g, P.amount) if any(g.subjects(P.amount, None)) else _first(g, RDFNS.predicate, P.provides)
    g.set((st_, P.amount, RLiteral(-5.0)))


def _article_without_chapter(g):
    a = _first(g, RDFNS.type, P.Article)
    g.remove((None, P.hasArticle, a))


@pytest.mark.parametrize("breaks", [
    _drop_title, _second_title, _start_as_text, _span_off_by_one, _mention_elsewhere, _requires_a_support_form,
    _concept_without_zh_label, _fact_without_its_triple, _negative_amount, _article_without_chapter,
], ids=lambda f: f.__name__.strip("_"))
def test_broken_graphs_fail_the_shapes(changning_nt, shapes, breaks):
    g = _graph(changning_nt)
    ok, report = _conforms(g, shapes)
    assert ok, report  # the intact document conforms...
    breaks(g)
    ok, report = _conforms(g, shapes)
    assert not ok  # ...and each break is caught


def test_shapes_agree_with_the_ontology_and_the_mapping(ontology, shapes):
    """Datatypes in the shapes are the ones the exporter writes, and every pkg: term exists."""
    nmaps, rmaps = node_maps(ontology), rel_maps(ontology)
    label_of = {URIRef(nt.iri): lbl for lbl, nt in ontology.node_types.items()}
    assert set(label_of) <= set(shapes.objects(None, SH.targetClass))
    rel_props = {m.predicate: m for ms in rmaps.values() for m in ms}
    checked = 0
    for shape in set(shapes.subjects(RDFNS.type, SH.NodeShape)):
        labels = [label_of[c] for c in shapes.objects(shape, SH.targetClass) if c in label_of]
        for prop in shapes.objects(shape, SH.property):
            path, dtype = shapes.value(prop, SH.path), shapes.value(prop, SH.datatype)
            if dtype is None or not isinstance(path, URIRef) or path == DCT.valid:
                continue
            for m in [m for lbl in labels for m in nmaps[lbl] if m.predicate == str(path)] or \
                     [rel_props[str(path)]] * (not labels):
                want = RDFNS.langString if m.lang else XSDNS[{"string": "string", "int": "integer",
                                                             "float": "double", "bool": "boolean",
                                                             "date": "date"}[m.datatype]]
                assert dtype == want, f"{shape} {path}: {dtype} != {want}"
                checked += 1
    assert checked > 40
    known = {nt.iri for nt in ontology.node_types.values()} | {rt.iri for rt in ontology.rel_types.values()}
    known |= {PKG + p.name for nt in ontology.node_types.values() for p in nt.properties}
    known |= {m.predicate for ms in rmaps.values() for m in ms} | {PKG + s for s in ontology.schemes}
    used = {str(t) for t in shapes.all_nodes() if isinstance(t, URIRef) and str(t).startswith(PKG)}
    assert used <= known, used - known


# --- import and round trip -------------------------------------------------------------------------
def test_round_trip_through_an_empty_store_is_isomorphic(loaded_embedded, store, tmp_path):
    first = _nt(loaded_embedded)
    path = tmp_path / "export.nt"
    path.write_bytes(first)
    import_rdf(store, path)
    counts = store.counts()
    assert counts == loaded_embedded.counts()
    second = _nt(store)
    assert isomorphic(_graph(first), _graph(second))
    assert sorted(first.splitlines()) == sorted(second.splitlines())
    import_rdf(store, path)  # importing again changes nothing
    assert store.counts() == counts


def test_an_export_with_the_ontology_imports_to_the_same_graph(loaded_embedded, ontology, tmp_path):
    path = tmp_path / "with-ontology.ttl"
    n, _ = export_rdf(loaded_embedded, path, "turtle", with_ontology=True)
    plain = _nt(loaded_embedded)
    assert n > plain.count(b"\n")
    target = EmbeddedStore(tmp_path / "embedded", ontology)
    import_rdf(target, path)
    assert sorted(_nt(target).splitlines()) == sorted(plain.splitlines())


def test_one_document_imports_on_its_own(loaded_embedded, ontology, tmp_path):
    doc = _doc_id(loaded_embedded, "南沙")
    path = tmp_path / "nansha.ttl"
    export_rdf(loaded_embedded, path, "turtle", source=doc)
    batches = read_batches(path, ontology)
    assert doc in [b.key for b in batches]
    nodes = [n for b in batches for n in b.nodes]
    assert {n.id for n in nodes if n.label == "PolicyDocument"} == {doc}
    assert not [n for n in nodes if n.label == "Enterprise"]
    assert "high-tech-enterprise" in {n.id for n in nodes if n.label == "Qualification"}


def test_unknown_document_is_refused(loaded_embedded):
    with pytest.raises(ParameterError):
        store_ntriples(loaded_embedded, source="doc-000000000000")


_XML_TEXT = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t")


@settings(max_examples=80, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
       xml_text=st.text(_XML_TEXT, min_size=1, max_size=40),
       fmt=st.sampled_from(["turtle", "jsonld", "ntriples", "rdfxml"]))
def test_any_text_and_id_survive_every_format(ontology, text, xml_text, fmt):
    """CJK, quotes, backslashes, newlines, control characters (XML 1.0 cannot carry most of
    those, so RDF/XML gets the text XML allows), in ids and in literals."""
    text = xml_text if fmt == "rdfxml" else text
    ex = Exporter(ontology)
    lines = ex.node("PolicyDocument", "doc-" + text, {"title": text + '"“', "district": text})
    _, data = serialise([lines], None, fmt)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("x" + SUFFIX[fmt])
        path.write_bytes(data)
        (batch,) = read_batches(path, ontology)
    (node,) = batch.nodes
    assert (node.id, node.props["title"], node.props["district"]) == ("doc-" + text, text + '"“', text)


# --- comparison ----------------------------------------------------------------------------------
def _ids(rows):
    return {r[0] for r in rows}


@pytest.mark.neo4j
def test_minhang_and_changning_compared(loaded_stores):
    results = [compare_documents(s, "闵行", "长宁") for s in loaded_stores.values()]
    assert results[0].as_dict() == results[1].as_dict()
    c = results[0]
    q = c.qualifications()
    assert "high-tech-enterprise" in _ids(q["both"])  # 高新技术企业: Minhang art. 19, Changning (1)
    assert "ecommerce-demo" in _ids(q["only_b"])  # 电商示范企业: Changning only
    assert "little-giant" in _ids(q["only_a"])  # 专精特新“小巨人”: Minhang only
    themes = {k: (a, b) for k, _, a, b in c.themes()}
    assert themes["innovation"][0] > 0 and themes["innovation"][1] > 0
    assert themes["ecosystem"] == (0, themes["ecosystem"][1]) and themes["ecosystem"][1] > 0  # 产业生态


@pytest.mark.neo4j
def test_minhang_and_nansha_compared(loaded_stores):
    results = [compare_documents(s, "闵行", "南沙") for s in loaded_stores.values()]
    assert results[0].as_dict() == results[1].as_dict()
    c = results[0]
    q = c.qualifications()
    assert "high-tech-enterprise" in _ids(q["both"])  # both reward 高新技术企业
    assert "patent-gold-award" in _ids(q["only_b"])  # 专利金奖: Nansha art. 18 only
    themes = {k: (a, b) for k, _, a, b in c.themes()}
    assert themes["ip"][0] == 0 and themes["ip"][1] > 0  # 鼓励专利创造与运用: Nansha only
    assert min(themes["innovation"]) > 0
    forms = {k: (a, b) for k, _, a, b in c.support_forms()}
    assert forms["compute-voucher"][0] > 0 and forms["compute-voucher"][1] == 0  # 算力券 is new (2024)
    assert {s for s, *_ in c.amounts()} >= {"B"}  # Nansha states amounts (万元)
    shares = {(s, k): p for s, k, _, _, p in c.bureaus()}
    assert all(0 < p <= 100 for p in shares.values()) and any(s == "A" for s, _ in shares)
    html = comparison_html(c)
    assert "measures per theme" in html and "知识产权" in html and "<script" not in html


def test_document_names_must_be_unique(loaded_embedded):
    with pytest.raises(ParameterError, match="matches 3 documents"):
        compare_documents(loaded_embedded, "区", "闵行")
    with pytest.raises(ParameterError, match="no document"):
        compare_documents(loaded_embedded, "不存在", "闵行")


@pytest.mark.neo4j
@pytest.mark.parametrize("backend", ["embedded", "neo4j"])
def test_sparql_gives_the_cypher_numbers(loaded_stores, backend, tmp_path):
    store = loaded_stores[backend]
    path = tmp_path / "all.nt"
    path.write_bytes(_nt(store))
    rdf = load_rdf(path)
    assert {d.id for d in rdf_documents(rdf)} == {d.id for d in documents(store)}
    for doc in documents(store):
        assert sparql_figures(rdf, doc.id) == cypher_figures(store, doc.id), doc.title
    assert set(COLUMNS) == set(CYPHER)
    a, b = _doc_id(store, "闵行"), _doc_id(store, "南沙")
    only_a = sparql_rows(rdf, "qualifications-only-one", ("qualification", "articles"), document_a=a, document_b=b)
    expected = Comparison(cypher_figures(store, a), cypher_figures(store, b)).qualifications()["only_a"]
    assert sorted(only_a) == sorted([k, x] for k, _, x, _ in expected)
    assert compare_rdf(rdf, "闵行", "南沙").as_dict() == compare_documents(store, "闵行", "南沙").as_dict()


# --- command line ----------------------------------------------------------------------------------
def test_cli_export_import_compare(tmp_path):
    runner = CliRunner()
    home_a, home_b = ["--home", str(tmp_path / "a")], ["--home", str(tmp_path / "b")]
    assert runner.invoke(main, [*home_a, "load", str(POLICIES)]).exit_code == 0
    out = tmp_path / "all.ttl"
    res = runner.invoke(main, [*home_a, "export", "rdf", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(b"@prefix")
    res = runner.invoke(main, [*home_b, "import", "rdf", str(out)])
    assert res.exit_code == 0, res.output
    again = runner.invoke(main, [*home_b, "export", "rdf", "--format", "turtle"])
    assert isomorphic(_graph(out.read_bytes(), "turtle"), _graph(again.stdout_bytes, "turtle"))
    res = runner.invoke(main, [*home_a, "export", "rdf", "--document", "南沙", "--format", "jsonld"])
    assert res.exit_code == 0 and json.loads(res.stdout_bytes)
    store_json = runner.invoke(main, [*home_a, "compare", "闵行", "南沙", "--format", "json"])
    rdf_json = runner.invoke(main, [*home_a, "compare", "闵行", "南沙", "--rdf", str(out), "--format", "json"])
    assert store_json.exit_code == 0, store_json.output
    assert json.loads(store_json.output) == json.loads(rdf_json.output)
    # data/policies holds the corpus too (22 documents): Changning has three, so a word of the
    # title names the 2024 one, and 长宁 alone is ambiguous: the error lists the candidates
    table = runner.invoke(main, [*home_b, "compare", "闵行", "现代化产业体系"])
    assert "measures per theme" in table.output and "产业生态" in table.output
    bad = runner.invoke(main, [*home_a, "compare", "长宁", "闵行"])
    assert bad.exit_code == 2 and "matches 3 documents" in bad.output
    assert bad.output.count("长宁区") >= 3 and "节能减排降碳" in bad.output and "菜篮子" in bad.output
    bad = runner.invoke(main, [*home_a, "export", "rdf", "--base", "no-iri"])
    assert bad.exit_code == 2 and "--base" in bad.output
