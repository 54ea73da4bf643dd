"""The read-only check (issue 19, item 1): a tokenizer and an allow-list of clauses that no
quote, comment, case or whitespace trick gets past, used by saved queries, lookup queries,
deployment query files and the admin box.

The property tests build queries the databases would run with a forbidden clause live in
them (after a legal prefix, behind decoy strings and comments that look like they hide the
rest of the line), and require that every one is refused: at least 10,000 examples a run.
The end-to-end tests send the ``'//'`` exploit of the issue through the admin box and
``policykg query run`` with a file the exploit would read, and check nothing of it shows.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykg.errors import QueryDefinitionError
from queries import LIBRARY_DIR, load_library, parse_query_file
from queries.definition import check_read_only
from queries.readonly import FORBIDDEN, ReadOnlyError, check, check_bounded_paths, tokenize

WHERE = "test"

#: One live example of every forbidden clause (each keyword of FORBIDDEN appears first in one).
FORBIDDEN_CLAUSES = [
    "CALL db.labels() YIELD label",
    "CALL { MATCH (m) DETACH DELETE m }",
    "OPTIONAL CALL dbms.components()",
    "LOAD CSV FROM 'file:///etc/passwd' AS row",
    "LOAD CSV WITH HEADERS FROM 'http://127.0.0.1:9/x.csv' AS row",
    "LOAD FROM '/etc/shadow' (header=false)",
    "SHOW USERS",
    "SHOW SETTINGS",
    "SHOW TRANSACTIONS",
    "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "USE system",
    "CREATE (x:Bureau {id: 'evil'})",
    "MERGE (x:Bureau {id: 'evil'})",
    "SET n.name = 'evil'",
    "DELETE n",
    "DETACH DELETE n",
    "REMOVE n.name",
    "DROP TABLE Bureau",
    "FOREACH (i IN [1] | CREATE (:Bureau {id: 'evil'}))",
    "COPY Bureau FROM '/tmp/evil.csv'",
    "INSTALL httpfs",
    "UNINSTALL httpfs",
    "ATTACH '/tmp/other.lbug' AS other (dbtype lbug)",
    "IMPORT DATABASE '/tmp/x'",
    "EXPORT DATABASE '/tmp/x'",
    "ALTER TABLE Bureau ADD evil STRING",
    "ALTER USER neo4j SET PASSWORD 'x'",
    "RENAME USER neo4j TO evil",
    "GRANT ROLE admin TO evil",
    "DENY READ {*} ON GRAPH * TO reader",
    "REVOKE ROLE admin FROM neo4j",
    "START DATABASE neo4j",
    "STOP DATABASE neo4j",
    "ENABLE SERVER 'x'",
    "DISABLE SERVER 'x'",
    "SUSPEND USER neo4j",
    "BEGIN TRANSACTION",
    "COMMIT",
    "ROLLBACK",
    "CHECKPOINT",
    "PROFILE MATCH (m) RETURN m",
    "EXPLAIN MATCH (m) RETURN m",
    "CYPHER runtime=slotted MATCH (m) RETURN m",
    "USING PERIODIC COMMIT 10 LOAD CSV FROM 'file:///x' AS row",
    "YIELD label",
    "INSERT (:Bureau {id: 'evil'})",
    "FINISH",
    "TRUNCATE Bureau",
    "DEALLOCATE DATABASES FROM SERVER 'x'",
    "REALLOCATE DATABASES",
    "DRYRUN REALLOCATE DATABASES",
    "COMMENT ON TABLE Bureau IS 'evil'",
    "UPDATE Bureau SET name = 'evil'",
    "EXECUTE evil",
    "RETURN db.labels() AS l",
    "RETURN apoc.load.json('file:///etc/passwd') AS j",
    "RETURN `apoc`.`load`.csv('file:///etc/passwd') AS j",
    "RETURN gds.graph.list() AS g",
    "RETURN dbms.components() AS c",
    "RETURN read_csv('/etc/passwd') AS r",
    "RETURN nextval('evil_seq') AS v",
]

#: Legal starts the forbidden clause follows (it then stands where a clause may begin).
PREFIXES = ["", "MATCH (n) ", "MATCH (n) WITH n ", "WITH 1 AS x ", "UNWIND [1, 2] AS i WITH i ",
            "MATCH (n:Bureau) WHERE n.name = 'x' WITH n ", "OPTIONAL MATCH (n) WITH n LIMIT 1 ",
            "MATCH (n) RETURN n UNION MATCH (n) WITH n ", "MATCH (n) WHERE EXISTS { MATCH (n)-->() } WITH n "]

#: Decoys: strings and comments that look as if they hide what follows.
DECOYS = ["WITH '//' AS a ", 'WITH "/*" AS a ', "WITH '\\'' AS a ", 'WITH "\\"//" AS a ', "WITH '*/' AS a ",
          "/* '*/ ", "/* \"; */ ", "// it's\n", '// "\n', "WITH `//` AS a ", "WITH `a``//` AS a ",
          "WITH '\\\\' AS a ", "WITH \"'\" AS a ", "WITH '\"' AS a ", "WITH $`p//` AS a ", "WITH 'LOAD' AS a ",
          "/**/", "WITH '闵行区//' AS a ", "WITH '/*' AS a, '*/' AS b "]

SUFFIXES = ["", " RETURN *", " RETURN * //'", " RETURN 1 /* */", " RETURN '/*'", "\n// */", " RETURN x;",
            " WITH 1 AS y RETURN y", ";"]

SPACES = [" ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "\u2028", "\u2029", "\x0b", "\x0c", "\u2003", "  ",
          "/**/", "/* x */", "//\n"]


@st.composite
def disguised(draw: st.DrawFn, clause: str) -> str:
    """``clause`` with its letters in mixed case (one bit per letter) and odd whitespace
    between its tokens."""
    flips = draw(st.integers(0, 2 ** len(clause) - 1))
    cased = "".join(c.upper() if flips >> i & 1 else c.lower() for i, c in enumerate(clause))
    # string literals keep their text; only the words and the spaces between them change
    parts = re.split(r"('(?:[^'\\]|\\.)*'| )", cased)
    originals = re.split(r"('(?:[^'\\]|\\.)*'| )", clause)
    out = []
    for part, original in zip(parts, originals, strict=True):
        out.append(draw(st.sampled_from(SPACES)) if part == " " else original if part.startswith("'") else part)
    return "".join(out)


@st.composite
def attacks(draw: st.DrawFn) -> str:
    clause = draw(disguised(draw(st.sampled_from(FORBIDDEN_CLAUSES))))
    decoys = draw(st.lists(st.sampled_from(DECOYS), max_size=3))
    prefix = draw(st.sampled_from(PREFIXES))
    lead = draw(st.sampled_from(SPACES))
    if not prefix:  # the clause starts the query; decoys go after it
        return lead + clause + " " + "".join(decoys) + draw(st.sampled_from(SUFFIXES))
    return prefix + "".join(decoys) + lead + clause + draw(st.sampled_from(SUFFIXES))


def test_every_forbidden_word_has_a_live_example():
    firsts = {tokenize(c)[0].text.upper() for c in FORBIDDEN_CLAUSES}
    assert FORBIDDEN <= firsts | {"YIELD", "CALL", "LOAD", "DELETE", "SET", "PERIODIC"}
    assert FORBIDDEN <= {w.upper() for c in FORBIDDEN_CLAUSES for w in re.findall(r"[A-Za-z]+", c)}


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attacks())
def test_no_trick_gets_a_forbidden_clause_past(query):
    with pytest.raises(QueryDefinitionError):
        check_read_only(query, WHERE)


@settings(max_examples=1_000, deadline=None)
@given(st.sampled_from(FORBIDDEN_CLAUSES), st.sampled_from(["'", '"']), st.sampled_from(PREFIXES[1:]))
def test_forbidden_words_inside_strings_and_comments_are_inert(clause, quote, prefix):
    """The other side: the same clauses as string values or comments do pass (the check
    reads strings and comments, it does not just refuse every text holding a keyword)."""
    escaped = clause.replace("\\", "\\\\").replace(quote, "\\" + quote)
    check_read_only(f"{prefix}WITH {quote}{escaped}{quote} AS s /* {clause.replace('*/', '')} */ RETURN s "
                    f"// {clause}", WHERE)


# --- regression cases from issue 19 ------------------------------------------------------

EXPLOIT = "WITH '//' AS a LOAD FROM '/etc/shadow' (header=false) RETURN * //'"

REGRESSIONS = [
    EXPLOIT,
    "WITH \"//\" AS a LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r //\"",
    "TERMINATE TRANSACTIONS 'neo4j-transaction-42'",
    "SHOW TRANSACTIONS YIELD transactionId RETURN transactionId",
    "SHOW USERS",
    "SHOW SETTINGS YIELD name, value RETURN name, value",
    "LOAD CSV FROM 'http://127.0.0.1:9/evil.csv' AS row RETURN row",
    "MATCH (n) RETURN n; MATCH (m) DETACH DELETE m",
    "START DATABASE neo4j",
    "MATCH (n) WITH n /* '*/ LoAd\u3000CSV FROM 'file:///x' AS r RETURN r",
]


@pytest.mark.parametrize("query", REGRESSIONS)
def test_issue_regressions_are_refused(query):
    with pytest.raises(QueryDefinitionError, match=r"is not allowed|joins several statements"):
        check_read_only(query, WHERE)


def test_message_names_the_clause_and_the_allowed_ones():
    with pytest.raises(QueryDefinitionError) as err:
        check_read_only(EXPLOIT, "admin Cypher box")
    text = str(err.value)
    assert "clause 'LOAD FROM' is not allowed: saved and admin queries are read-only" in text
    assert "allowed: MATCH, OPTIONAL MATCH, WITH, WHERE, UNWIND, RETURN, ORDER BY, SKIP, LIMIT, UNION" in text
    assert "admin Cypher box" in text


@pytest.mark.parametrize("query", [
    "MATCH (n) WHERE n.name = 'x // y' RETURN n",
    "MATCH (n) RETURN n.set AS s, n.load AS l, n.`call` AS c",
    "MATCH (`load`) RETURN `load`.name",
    "MATCH (a) RETURN a.name AS x UNION ALL MATCH (b) RETURN b.name AS x",
    "MATCH (n) WHERE n.name STARTS WITH 'a' AND NOT n.x IS NULL AND n.y ENDS WITH 'b' RETURN n "
    "ORDER BY n.name DESC SKIP 1 LIMIT 2",
    "MATCH (n) WHERE EXISTS { MATCH (n)-->(m) } RETURN COUNT { (n)-->() } AS c",
    "RETURN [x IN range(1, 3) WHERE x > 1 | x * 2] AS l",
    "MATCH (a) RETURN [(a)-->(b) WHERE b.x = 1 | b.name] AS names",
    "MATCH p = allShortestPaths((a)-[*..5]-(b)) RETURN p",
    "MATCH p = (a)-[* ALL SHORTEST 1..3]-(b) RETURN p",
    "RETURN CASE WHEN 1 = 1 THEN 'a' ELSE 'b' END AS x, CASE 2 WHEN 2 THEN 1 END AS y",
    "MATCH (n) RETURN DISTINCT n.name AS name, count(*) AS c;",
    "RETURN duration.between(date('2024-01-01'), date('2025-01-01')) AS d",
    "MATCH (n:Bureau) // a comment's quote\nRETURN n /* and 'another' */",
])
def test_read_queries_pass(query):
    check_read_only(query, WHERE)


@pytest.mark.parametrize(("query", "message"), [
    ("RETURN 'unterminated", "unterminated string"),
    ("RETURN 1 /* open", "unterminated /\\* comment"),
    ("RETURN `open", "unterminated backtick"),
    ("RETURN 1 //\u200b", None),  # inside a comment: fine
    ("RETURN 1\u200b", "unexpected character"),
    ("MATCH (n) RETURN n FOO", "clause 'FOO' is not allowed"),
    ("RETURN db . labels ( )", "'db.labels' is not allowed"),
    ("  ", "empty"),
    (";", "empty"),
    ("(n) RETURN n", "a query starts with"),
    ("MATCH (n RETURN n", "unclosed"),
])
def test_lexical_errors_are_refused(query, message):
    if message is None:
        check(query)
        return
    with pytest.raises(ReadOnlyError, match=message):
        check(query)


def _library_texts() -> list[tuple[str, str]]:
    out = []
    for q in load_library().values():
        out.append((q.name, q.cypher))
        out += [(f"{q.name}:{backend}", text) for backend, text in q.variants.items()]
        out += [(f"{q.name}:{p.name}.lookup", p.lookup) for p in q.params if p.lookup]
    return out


LIBRARY_TEXTS = _library_texts()


@pytest.mark.parametrize(("name", "text"), LIBRARY_TEXTS, ids=[n for n, _ in LIBRARY_TEXTS])
def test_every_saved_query_passes(name, text):
    check_read_only(text, name)
    check_bounded_paths(text)


def test_the_library_holds_variants_and_lookups():
    names = [n for n, _ in LIBRARY_TEXTS]
    assert any(":embedded" in n for n in names) and any(".lookup" in n for n in names)
    assert len(list(LIBRARY_DIR.glob("*.yaml"))) == len([n for n in names if ":" not in n])


# --- the admin box's path bound ------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "MATCH p = (a)-[*]-(b) RETURN p",
    "MATCH p = (a)-[:BROADER*]->(b) RETURN p",
    "MATCH p = (a)-[*2..]-(b) RETURN p",
    "MATCH p = (a)-[*..]-(b) RETURN p",
    "MATCH p = (a)-[*1..7]-(b) RETURN p",
    "MATCH p = (a)-[*12]-(b) RETURN p",
    "MATCH p = shortestPath((a)-[*]-(b)) RETURN p",
    "MATCH p = (a)-[* SHORTEST]-(b) RETURN p",
    "MATCH p = (a)-[* ALL SHORTEST 1..]-(b) RETURN p",
    "MATCH p = (a)-->+(b) RETURN p",
    "MATCH p = ((a)-->(b))* RETURN p",
    "MATCH p = (a)(()-->()){1,}(b) RETURN p",
    "MATCH p = (a)(()-->()){2,9}(b) RETURN p",
])
def test_unbounded_or_long_paths_are_refused_in_the_admin_box(query):
    check(query)  # a read query, and yet
    with pytest.raises(ReadOnlyError, match=r"hops|upper bound"):
        check_bounded_paths(query)


@pytest.mark.parametrize("query", [
    "MATCH p = (a)-[*1..6]-(b) RETURN p",
    "MATCH p = (a)-[:BROADER*0..3]->(b) RETURN p",
    "MATCH p = (a)-[*..6]-(b) RETURN p",
    "MATCH p = (a)-[*3]-(b) RETURN p",
    "MATCH p = (a)-[* SHORTEST 1..6]-(b) RETURN p",
    "MATCH p = (a)(()-->()){1,6}(b) RETURN p",
    "RETURN [x IN [1, 2] | x * 2] AS l, 2 * 3 AS m, {a: 1} AS map",
])
def test_bounded_paths_pass(query):
    check_bounded_paths(query)


def test_a_deployment_file_with_the_exploit_names_the_file(tmp_path):
    path = tmp_path / "steal.yaml"
    path.write_text(_exploit_yaml("steal", "/etc/shadow"), "utf-8")
    with pytest.raises(QueryDefinitionError, match="clause 'LOAD FROM' is not allowed") as err:
        parse_query_file(path)
    assert str(path) in str(err.value)


def _exploit_yaml(name: str, target: str) -> str:
    return (f"name: {name}\ntitle: {{zh: 偷, en: Steal}}\ndescription: {{zh: 偷, en: Steal}}\n"
            f"cypher: |\n  WITH '//' AS a LOAD FROM '{target}' (header=false) RETURN * //'\n")


# --- end to end: the admin box and `policykg query run` on the real stores ------------------

SECRET = "topsecret-7f3a"


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text(f"{SECRET},1\n", "utf-8")
    return path


def test_query_run_refuses_a_deployment_file_with_the_exploit(tmp_path, secret_file, policy_batches, ontology):
    from graph.embedded_store import EmbeddedStore
    from policykg.cli import main

    home = tmp_path / "home"
    store = EmbeddedStore(home / "embedded", ontology)
    store.write_many(policy_batches[:1])
    store.close()
    extra = tmp_path / "deploy-queries"
    extra.mkdir()
    (extra / "steal.yaml").write_text(_exploit_yaml("steal", str(secret_file)), "utf-8")
    res = CliRunner().invoke(main, ["--home", str(home), "query", "run", "steal"],
                             env={"POLICYKG_QUERIES": str(extra)})
    assert res.exit_code != 0
    assert "clause 'LOAD FROM' is not allowed" in res.output and str(extra / "steal.yaml") in res.output
    assert SECRET not in res.output


# --- the admin box and the saved-query pages, end to end ------------------------------------

TOKEN = "correct horse battery staple"


@pytest.fixture(scope="module")
def embedded_home(tmp_path_factory, ontology, policy_batches):
    from graph.embedded_store import EmbeddedStore

    home = tmp_path_factory.mktemp("readonly-home")
    store = EmbeddedStore(home / "embedded", ontology)
    store.write_many(policy_batches)
    store.close()
    return home


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def admin_app(request, embedded_home, tmp_path):
    """An app with the admin box on, on this backend (Neo4j: the session's server, loaded)."""
    from policykg.settings import Settings
    from webviz import create_app

    if request.param == "embedded":
        settings = Settings(home=embedded_home, admin_token=TOKEN, admin_max_rows=20, admin_timeout_s=2)
    else:
        request.getfixturevalue("loaded_stores")
        server = request.getfixturevalue("neo4j_server")
        settings = Settings(home=tmp_path, backend="neo4j", neo4j_uri=server["uri"], neo4j_user=server["user"],
                            neo4j_password=server["password"], neo4j_database=server["database"],
                            admin_token=TOKEN, admin_max_rows=20, admin_timeout_s=2)
    app = create_app(settings)
    app.backend = request.param
    yield app
    app.extensions["policykg"].close()


def _signed_in(app):
    client = app.test_client()
    html = client.get("/admin/cypher").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = client.post("/admin/cypher", data={"cypher": "RETURN 1 AS one", "token": TOKEN, "csrf_token": csrf})
    assert r.status_code == 200
    return client, csrf


def _admin_error(html: str) -> str:
    m = re.search(r'id="admin-error"[^>]*><p>(.*?)</p>', html, re.S)
    return m.group(1) if m else ""


def _audit_lines(app) -> int:
    log = app.extensions["policykg"].settings.audit_log
    return log.read_text("utf-8").count("\n") if log.exists() else 0


def test_admin_box_refuses_the_exploit_and_reads_nothing(admin_app, secret_file):
    client, csrf = _signed_in(admin_app)
    if admin_app.backend == "embedded":
        exploit = f"WITH '//' AS a LOAD FROM '{secret_file}' (header=false) RETURN * //'"
    else:
        exploit = f"WITH '//' AS a LOAD CSV FROM 'file://{secret_file}' AS r RETURN * //'"
    before = _audit_lines(admin_app)
    r = client.post("/admin/cypher?lang=en", data={"cypher": exploit, "csrf_token": csrf})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "clause &#39;LOAD" in _admin_error(html) and "is not allowed" in _admin_error(html)
    assert SECRET not in html and 'id="admin-table"' not in html
    assert _audit_lines(admin_app) == before  # nothing ran
    for text in ("TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "SHOW USERS", "SHOW SETTINGS",
                 "LOAD CSV FROM 'http://127.0.0.1:9/x.csv' AS row RETURN row"):
        r = client.post("/admin/cypher?lang=en", data={"cypher": text, "csrf_token": csrf})
        assert r.status_code == 400 and "is not allowed" in _admin_error(r.get_data(as_text=True)), text
    assert _audit_lines(admin_app) == before


def test_admin_box_budgets(admin_app):
    client, csrf = _signed_in(admin_app)
    # rows: 20 shown, "more than 20", the rest never fetched
    r = client.post("/admin/cypher?lang=en", data={"cypher": "UNWIND range(1, 5000) AS i RETURN i",
                                                   "csrf_token": csrf})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-more="true"' in html
    assert "More than 20 rows: showing the first 20" in html and html.count("<tr>") == 21
    # an unbounded variable-length pattern: refused before it runs
    r = client.post("/admin/cypher?lang=en", data={"cypher": "MATCH p = (a)-[*]-(b) RETURN count(p) AS n",
                                                   "csrf_token": csrf})
    assert r.status_code == 400 and "has no upper bound" in _admin_error(r.get_data(as_text=True))
    r = client.post("/admin/cypher?lang=en", data={"cypher": "MATCH p = (a)-[*1..9]-(b) RETURN count(p) AS n",
                                                   "csrf_token": csrf})
    assert r.status_code == 400 and "at most 6" in _admin_error(r.get_data(as_text=True))
    # memory: a range() LadybugDB would build whole before its timeout acts is refused unrun
    for huge in ("UNWIND range(1, 2000000000) AS i RETURN count(i) AS n",
                 "UNWIND range(1, toInteger('9' + '000000000')) AS i RETURN count(i) AS n"):
        r = client.post("/admin/cypher?lang=en", data={"cypher": huge, "csrf_token": csrf})
        assert r.status_code == 400 and "range()" in _admin_error(r.get_data(as_text=True)), huge
    # time: a long query is cancelled by the database and reported as such
    slow = ("UNWIND range(1, 3000) AS i UNWIND range(1, 3000) AS j UNWIND range(1, 3000) AS k "
            "WITH i * j + k AS x WHERE x % 7 = 3 RETURN count(x) AS n")
    r = client.post("/admin/cypher?lang=en", data={"cypher": slow, "csrf_token": csrf})
    assert r.status_code == 400
    assert "ran over 2 s and the database cancelled it" in _admin_error(r.get_data(as_text=True))


def test_store_reads_stop_at_the_row_budget_and_the_time_limit(store):
    result = store.read("UNWIND range(1, 100000) AS i RETURN i", max_rows=10)
    assert [row[0] for row in result.rows] == list(range(1, 12))  # max_rows + 1: "more than 10"
    assert len(store.read("UNWIND range(1, 30) AS i RETURN i").rows) == 30  # no budget: all rows
    from policykg.errors import StoreError

    with pytest.raises(StoreError):
        store.read("UNWIND range(1, 3000) AS i UNWIND range(1, 3000) AS j UNWIND range(1, 3000) AS k "
                   "WITH i * j + k AS x WHERE x % 7 = 3 RETURN count(x) AS n", timeout_s=1)
    assert store.read("RETURN 1 AS one").rows == [[1]]  # the store is still usable


def test_out_of_range_int_is_a_400_not_a_500(embedded_home):
    from policykg.settings import Settings
    from webviz import create_app

    app = create_app(Settings(home=embedded_home))
    try:
        client = app.test_client()
        r = client.get("/api/queries/bureaus-of-article", query_string={"number": "99999999999999999999999",
                                                                        "lang": "en"})
        body = r.get_json()
        assert r.status_code == 400 and body["where"] == "parameter number" and "out of range" in body["error"]
        r = client.get("/api/queries/bureaus-of-article", query_string={"number": "99999999999999999999999",
                                                                        "lang": "zh"})
        assert r.status_code == 400 and "超出范围" in r.get_json()["error"]  # said in the page's language
        r = client.get("/queries/bureaus-of-article", query_string={"number": "-99999999999999999999999",
                                                                    "lang": "en"})
        html = r.get_data(as_text=True)
        assert r.status_code == 400 and "out of range" in html and "pybind" not in html and "Traceback" not in html
        assert client.get("/api/queries/bureaus-of-article",
                          query_string={"number": str(2**63 - 1)}).status_code == 200
    finally:
        app.extensions["policykg"].close()


@pytest.mark.neo4j
def test_neo4j_refuses_load_csv_from_its_import_folder_through_the_read_path(neo4j_store, neo4j_server):
    """Even if a LOAD CSV got past the check, the managed server reads no file: file URLs
    are off (a file put in its own import folder is not read either)."""
    import neo4j

    from policykg.errors import StoreError

    driver = neo4j.GraphDatabase.driver(neo4j_server["uri"], auth=(neo4j_server["user"], neo4j_server["password"]))
    with driver.session() as s:
        rows = {r["name"]: r["value"] for r in s.run(
            "SHOW SETTINGS YIELD name, value WHERE name IN ['server.directories.import', "
            "'dbms.security.allow_csv_import_from_file_urls'] RETURN name, value")}
    driver.close()
    assert rows["dbms.security.allow_csv_import_from_file_urls"] == "false"
    from pathlib import Path

    imports = Path(rows["server.directories.import"])
    marker = imports / "marker.csv"
    marker.write_text(f"{SECRET},1\n", "utf-8")
    try:
        with pytest.raises(StoreError, match="allow_csv_import_from_file_urls"):
            neo4j_store.read("LOAD CSV FROM 'file:///marker.csv' AS row RETURN row")
    finally:
        marker.unlink()
