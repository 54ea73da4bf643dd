"""The embedded store's publish is atomic: a load killed at any step leaves exactly the old
or exactly the new version live, the next unrelated load builds on that and nothing else,
and the next start removes what the killed load left. Also: readers across a switch, the
migration of a store folder of the layout before versions, and the state's file modes.

Kills are real: a load in a subprocess runs with POLICYKG_FAULT_AT=<step>, which makes it
exit at that step as kill -9 would (graph/embedded_versions.py ``fault_point``).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from graph import Batch
from graph.embedded_store import EmbeddedStore
from graph.embedded_versions import FAULT_STEPS
from loaders import document_batch, extract_file, ontology_batch
from loaders.records import document_id
from ontology import Ontology
from tests.conftest import CHANGNING, MINHANG, NANSHA, ROOT, hostile_document


def _run(args: list[str], fault: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYKG_", "NEO4J_"))}
    if fault:
        env["POLICYKG_FAULT_AT"] = fault
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def _cli(home: Path, *args: str, fault: str | None = None) -> subprocess.CompletedProcess:
    """``policykg --home HOME ARGS`` in a new process of this checkout's code."""
    return _run(["-c", "from policykg.cli import main; main()", "--home", str(home), *args], fault)


LOAD = """import sys
from pathlib import Path
from graph.embedded_store import EmbeddedStore
from ontology import load_ontology
from tests.test_embedded_publish import make_batches
ont = load_ontology()
EmbeddedStore(Path(sys.argv[1]), ont).write_many(make_batches(ont)[sys.argv[2]])
"""


def _load(folder: Path, which: str, fault: str | None = None) -> subprocess.CompletedProcess:
    """Write ``make_batches()[which]`` to the store at ``folder`` in a new process."""
    return _run(["-c", LOAD, str(folder), which], fault)


def make_batches(ontology: Ontology) -> dict[str, list[Batch]]:
    """The old graph (concepts, 闵行, and a one-article stand-in under 长宁's key that the
    new load replaces), the new load (concepts and 长宁, as `policykg load CHANGNING`) and
    an unrelated load (南沙)."""
    changning = extract_file(CHANGNING)
    stand_in = hostile_document(document_id(changning), title="旧版", district="长宁区", chapter_title="第一章",
                                article_title="旧条", article_text="旧文", bureau_id="bureau-old-stand-in",
                                bureau_name="旧局")
    return {
        "old": [ontology_batch(ontology), document_batch(extract_file(MINHANG), ontology), stand_in],
        "new": [ontology_batch(ontology), document_batch(changning, ontology)],
        "unrelated": [document_batch(extract_file(NANSHA), ontology)],
    }


@pytest.fixture(scope="module")
def batches(ontology) -> dict[str, list[Batch]]:
    return make_batches(ontology)


def _state(store: EmbeddedStore) -> tuple:
    return store.data_version(), store.counts(), tuple(store.sources())


@pytest.fixture(scope="module")
def expected(tmp_path_factory, ontology, batches) -> dict[str, tuple]:
    """(data version, counts, source keys) of each outcome, built without any fault."""
    out = {}
    for name, loads in {"old": ["old"], "new": ["old", "new"], "old+unrelated": ["old", "unrelated"],
                        "new+unrelated": ["old", "new", "unrelated"]}.items():
        s = EmbeddedStore(tmp_path_factory.mktemp(name.replace("+", "-")) / "embedded", ontology)
        for load in loads:
            s.write_many(batches[load])
        out[name] = _state(s)
        s.close()
    assert len({v[0] for v in out.values()}) == 4, "the four outcomes must be told apart"
    return out


def _leftovers(folder: Path) -> list[str]:
    """What a killed load may have left behind in a store folder: temp build folders,
    half-made pointers, and versions that are neither live nor the one before it."""
    stray = [p.name for p in folder.iterdir() if p.name.startswith(("build-", "current.tmp"))]
    versions = folder / "versions"
    if versions.is_dir():
        live = Path(os.readlink(folder / "current")).name
        keep = {live, json.loads((versions / live / "manifest.json").read_text("utf-8")).get("previous")}
        stray += [f"versions/{p.name}" for p in versions.iterdir() if p.name not in keep]
        stray += [f"versions/{live}/{p.name}" for p in (versions / live).iterdir()
                  if p.name not in ("sources", "graph.lbug", "manifest.json")]
    return stray


def test_a_load_without_a_fault_publishes_the_new_version(tmp_path, ontology, batches, expected):
    """The baseline of the kill tests below: the same subprocess load, not killed."""
    home = tmp_path / "home"
    s = EmbeddedStore(home / "embedded", ontology)
    s.write_many(batches["old"])
    s.close()
    done = _load(home / "embedded", "new")
    assert done.returncode == 0, done.stderr
    s = EmbeddedStore(home / "embedded", ontology)
    assert _state(s) == expected["new"]
    s.close()
    assert len(FAULT_STEPS) == len(set(FAULT_STEPS)) >= 5


@pytest.mark.parametrize("step", FAULT_STEPS)
def test_a_load_killed_at_any_step_leaves_old_or_new_and_the_next_load_is_clean(tmp_path, ontology, batches,
                                                                                 expected, step):
    home = tmp_path / "home"
    folder = home / "embedded"
    s = EmbeddedStore(folder, ontology)
    s.write_many(batches["old"])
    s.close()

    killed = _load(folder, "new", fault=step)
    assert killed.returncode == 137, f"the fault at {step} did not fire: {killed.stderr[-2000:]}"

    s = EmbeddedStore(folder, ontology)  # the next start
    try:
        assert _leftovers(folder) == [], f"after a kill at {step}"
        now = _state(s)
        assert now in (expected["old"], expected["new"]), f"after a kill at {step}: a mixture {now}"
        outcome = "old" if now == expected["old"] else "new"
        if FAULT_STEPS.index(step) >= FAULT_STEPS.index("after-switch"):
            assert outcome == "new", f"the switch had happened before {step}"
        else:
            assert outcome == "old", f"nothing may be live before the switch ({step})"
        s.write_many(batches["unrelated"])
        assert _state(s) == expected[f"{outcome}+unrelated"], f"the load after a kill at {step}"
        assert _leftovers(folder) == []
    finally:
        s.close()


def test_a_reader_keeps_its_database_across_switches_and_then_reopens(tmp_path, ontology, batches, expected):
    folder = tmp_path / "embedded"
    writer = EmbeddedStore(folder, ontology)
    writer.write_many(batches["old"])
    reader = EmbeddedStore(folder, ontology)
    try:
        with reader.snapshot() as read:
            before = read("MATCH (d:PolicyDocument) RETURN count(d)").rows[0][0]
            writer.write_many(batches["new"])
            writer.write_many(batches["unrelated"])  # the snapshot's version is deleted now
            assert len(list((folder / "versions").iterdir())) == 2
            assert read("MATCH (d:PolicyDocument) RETURN count(d)").rows[0][0] == before
        assert _state(reader) == expected["new+unrelated"]
        assert reader.read("MATCH (d:PolicyDocument) RETURN count(d)").rows[0][0] == before + 1
    finally:
        reader.close()
        writer.close()


def test_unchanged_sources_are_hard_links_not_copies(tmp_path, ontology, batches):
    folder = tmp_path / "embedded"
    s = EmbeddedStore(folder, ontology)
    s.write_many(batches["old"])
    first = Path(os.readlink(folder / "current")).name
    s.write_many(batches["unrelated"])
    second = Path(os.readlink(folder / "current")).name
    s.close()
    assert first != second
    old_files = {p.relative_to(folder / "versions" / first): p.stat().st_ino
                 for p in (folder / "versions" / first / "sources").rglob("*.csv")}
    new_files = {p.relative_to(folder / "versions" / second): p.stat().st_ino
                 for p in (folder / "versions" / second / "sources").rglob("*.csv")}
    assert old_files and old_files.items() <= new_files.items()


def _to_legacy(folder: Path) -> None:
    """Turn a store folder into the layout before versions, as that code left it after a
    killed load: sources/, graph.lbug and manifest.json at the top, plus a temp build
    folder and a half-replaced source (``<hash>.old``)."""
    live = folder / "versions" / Path(os.readlink(folder / "current")).name
    for name in ("sources", "graph.lbug"):
        os.replace(live / name, folder / name)
    manifest = json.loads((live / "manifest.json").read_text("utf-8"))
    (folder / "manifest.json").write_text(json.dumps({"digest": manifest["digest"], "sources": manifest["sources"]}))
    (folder / "current").unlink()
    shutil.rmtree(folder / "versions")
    (folder / "build-abc123" / "staged-0").mkdir(parents=True)
    (folder / "build-abc123" / "graph.lbug").write_bytes(b"\0" * 4096)
    some = next((folder / "sources").iterdir())
    shutil.copytree(some, some.with_name(some.name + ".old"))


def test_a_store_of_the_layout_before_versions_is_migrated_on_first_open(tmp_path, ontology, batches, expected):
    folder = tmp_path / "home" / "embedded"
    s = EmbeddedStore(folder, ontology)
    s.write_many(batches["old"])
    s.close()
    _to_legacy(folder)

    s = EmbeddedStore(folder, ontology)
    try:
        assert _state(s) == expected["old"]
        assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == ["current", "versions"]
        s.write_many(batches["new"])
        s.write_many(batches["unrelated"])
        assert _state(s) == expected["new+unrelated"]
        assert _leftovers(folder) == []
    finally:
        s.close()


@pytest.mark.parametrize("step", FAULT_STEPS)
def test_a_migration_killed_at_any_step_is_redone_or_finished(tmp_path, ontology, batches, expected, step):
    home = tmp_path / "home"
    s = EmbeddedStore(home / "embedded", ontology)
    s.write_many(batches["old"])
    s.close()
    _to_legacy(home / "embedded")

    killed = _cli(home, "stats", fault=step)  # opening the store migrates it
    assert killed.returncode == 137, f"the fault at {step} did not fire: {killed.stderr[-2000:]}"
    s = EmbeddedStore(home / "embedded", ontology)
    try:
        assert _state(s) == expected["old"]
        assert _leftovers(home / "embedded") == []
        s.write_many(batches["unrelated"])
        assert _state(s) == expected["old+unrelated"]
    finally:
        s.close()


def test_state_files_are_private_after_a_cli_load(tmp_path):
    """umask 077 in the CLI and 0700 store folders: nothing under a fresh home is readable
    by group or others (the graph, the sources, the audit log of a query run)."""
    home = tmp_path / "fresh" / "home"
    for args in (["load", str(CHANGNING)], ["query", "run", "bureaus-of-article", "--param", "number=19"]):
        done = _cli(home, *args)
        assert done.returncode == 0, done.stderr
    assert (home / "audit.jsonl").exists()
    seen = 0
    for root, dirs, files in os.walk(home):
        for d in dirs:
            if os.path.islink(os.path.join(root, d)):  # ``current``: a symlink's mode means nothing
                continue
            mode = stat.S_IMODE(os.lstat(os.path.join(root, d)).st_mode)
            assert mode == 0o700, f"{os.path.join(root, d)} is {oct(mode)}"
        for f in files:
            st = os.lstat(os.path.join(root, f))
            if stat.S_ISLNK(st.st_mode):
                continue
            assert stat.S_IMODE(st.st_mode) & 0o077 == 0, f"{os.path.join(root, f)} is {oct(st.st_mode)}"
            seen += 1
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert seen > 10


def test_the_web_app_factory_sets_a_private_umask(tmp_path):
    code = ("import os; from pathlib import Path; from webviz import create_app; "
            "from policykg.settings import Settings; os.umask(0o022); "
            f"create_app(Settings(home=Path({str(tmp_path)!r}))); print(oct(os.umask(0o022)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0o77"
