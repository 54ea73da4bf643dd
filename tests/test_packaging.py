"""`make setup` installs the project quietly (issue 18.7): the editable install of a flat
layout used setuptools' import-hook finder, which prints a block of warnings ("Editable
installation… Please be careful with folders…") on every fresh setup. Mapping the root
package directory to the checkout (package-dir "" = ".") makes setuptools choose its plain
.pth strategy, which needs every package importable from one folder; both are checked
here as setuptools decides it (setuptools.command.editable_wheel._select_strategy)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from setuptools import find_namespace_packages
from setuptools.command.editable_wheel import _simple_layout

ROOT = Path(__file__).resolve().parents[1]


def test_editable_install_is_a_plain_pth_without_warnings():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    package_dir = config.get("package-dir", {})
    assert set(package_dir) == {""}, "setuptools falls back to its warning import-hook finder"
    # [tool.setuptools.packages.find] finds namespace packages too (graph/neo4j has no __init__)
    packages = find_namespace_packages(str(ROOT / package_dir[""]), include=config["packages"]["find"]["include"])
    assert {"policykg", "webviz", "graph.neo4j"} <= set(packages)
    assert _simple_layout(packages, package_dir, str(ROOT))
