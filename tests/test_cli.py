"""Contract tests for the command line: every command teaches with --help and an
example, and appears in the README; a load through the CLI is idempotent."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from policykg.cli import main
from tests.conftest import MINHANG, POLICIES, ROOT


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, path))
        else:
            out.append(path)
    return out


COMMANDS = _commands(main)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p))
def test_help_has_an_example_and_readme_mentions_it(path):
    res = CliRunner().invoke(main, [*path, "--help"])
    assert res.exit_code == 0
    assert "Example" in res.output
    assert "policykg " + " ".join(path) in (ROOT / "README.md").read_text("utf-8")


def test_cli_load_stats_and_query(tmp_path):
    runner = CliRunner()
    home = ["--home", str(tmp_path)]
    res = runner.invoke(main, [*home, "load", str(POLICIES)])
    assert res.exit_code == 0, res.output
    stats1 = json.loads(runner.invoke(main, [*home, "stats", "--format", "json"]).output)
    # `load` recurses: the three first documents and the corpus in data/policies/shanghai-corpus/
    assert stats1["nodes"]["PolicyDocument"] == len(list(POLICIES.rglob("*.txt"))) == 22
    assert runner.invoke(main, [*home, "load", str(MINHANG)]).exit_code == 0
    assert json.loads(runner.invoke(main, [*home, "stats", "--format", "json"]).output) == stats1
    res = runner.invoke(main, [*home, "query", "run", "bureaus-of-article", "-p", "number=19",
                               "-p", "district=闵行区", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert [r["bureau"] for r in json.loads(res.output)["rows"]] == ["区经委", "区商务委", "区科委"]
    res = runner.invoke(main, [*home, "query", "run", "bureaus-of-article", "-p", "number=x"])
    assert res.exit_code == 2 and "parameter number" in res.output


def test_serve_with_workers_answers_on_loopback_only(tmp_path):
    """`policykg serve --workers 2` (gunicorn, two processes) serves the loaded graph on
    127.0.0.1 only; each worker opens its own read-only store."""
    import http.client
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    home = ["--home", str(tmp_path)]
    assert CliRunner().invoke(main, [*home, "load", str(MINHANG)]).exit_code == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = str(Path(sys.executable).parent / "policykg")
    proc = subprocess.Popen([exe, *home, "serve", "--workers", "2", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline, status, body = time.monotonic() + 60, None, b""
        while time.monotonic() < deadline and status != 200:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/documents")
                resp = conn.getresponse()
                status, body = resp.status, resp.read()
                conn.close()
            except OSError:
                time.sleep(0.3)
        assert status == 200, proc.stderr.read1().decode() if proc.poll() is not None else "no answer"
        assert "闵行区".encode() in body
        pids = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert len(pids) == 2  # two worker processes
        other = socket.gethostbyname(socket.gethostname())
        if not other.startswith("127."):  # nothing listens on the machine's other address
            with pytest.raises(OSError):
                socket.create_connection((other, port), timeout=2).close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_readme_credit_codes_are_in_the_demo_register():
    """Every USCC the README uses in an example can be tried on the demo register it loads (issue 18.7)."""
    import re

    demo = (ROOT / "data" / "enterprises" / "demo-minhang.csv").read_text("utf-8")
    codes = set(re.findall(r"\b9[0-9A-Z]{17}\b", (ROOT / "README.md").read_text("utf-8")))
    assert codes and all(c in demo for c in codes), sorted(c for c in codes if c not in demo)
