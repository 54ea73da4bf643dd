"""End-to-end tests of graph.neo4j_server: a real Neo4j from Maven Central, on loopback.

One throwaway server (module scope) is installed if needed, started in a temp home,
used through the official Python driver, and stopped by the last test.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import stat
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # allow a plain `pytest` run without pythonpath config
    sys.path.insert(0, str(ROOT))

from graph import neo4j_server  # noqa: E402
from graph.neo4j_server import ServerInfo  # noqa: E402

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerInfo]:
    """A fresh server in a temp home (jars come from the shared cache)."""
    home = tmp_path_factory.mktemp("neo4j-home")
    info = neo4j_server.start(home, wait_s=180)
    try:
        yield info
    finally:
        neo4j_server.stop(home)


def _listening_sockets(pid: int) -> list[tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]]:
    """(address, port) of every TCP socket in LISTEN state owned by *pid* (Linux /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("tcp", "tcp6"):
        lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            cols = line.split()
            local, state, inode = cols[1], cols[3], cols[9]
            if state != "0A" or inode not in inodes:  # 0A = TCP_LISTEN
                continue
            hex_addr, hex_port = local.split(":")
            raw = bytes.fromhex(hex_addr)
            # /proc prints the address as host-order (little-endian) 32-bit words.
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            addr = ipaddress.ip_address(raw)
            found.append((addr, int(hex_port, 16)))
    return found


def _is_loopback(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(addr, "ipv4_mapped", None)
    return (mapped or addr).is_loopback


def test_server_info_and_state_files(server: ServerInfo) -> None:
    assert server.uri == f"bolt://127.0.0.1:{server.port}"
    assert server.user == "neo4j"
    assert server.version == neo4j_server.NEO4J_VERSION
    assert len(server.password) >= 16
    assert server.password not in repr(server)
    password_file = server.home / "password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert password_file.read_text().strip() == server.password
    assert (server.home / "neo4j.pid").read_text().strip() == str(server.pid)
    assert neo4j_server.status(server.home) == server


def test_start_is_idempotent(server: ServerInfo) -> None:
    again = neo4j_server.start(server.home, wait_s=30)
    assert again == server


def test_driver_runs_a_query(server: ServerInfo) -> None:
    with GraphDatabase.driver(server.uri, auth=server.auth) as driver:
        driver.verify_connectivity()
        records, _, _ = driver.execute_query("RETURN 1 AS one")
        assert records[0]["one"] == 1
        driver.execute_query("CREATE (:Smoke {name: $name})", name="policykg")
        records, _, _ = driver.execute_query("MATCH (n:Smoke) RETURN count(n) AS c")
        assert records[0]["c"] == 1


def test_wrong_password_is_rejected(server: ServerInfo) -> None:
    wrong = (server.user, "not-the-password")
    with GraphDatabase.driver(server.uri, auth=wrong) as driver, pytest.raises(AuthError):
        driver.verify_connectivity()


def test_listens_on_loopback_only(server: ServerInfo) -> None:
    sockets = _listening_sockets(server.pid)
    assert sockets, "the server process has no listening socket"
    assert all(_is_loopback(addr) for addr, _ in sockets), sockets
    # Bolt only: HTTP and HTTPS connectors are off.
    assert {port for _, port in sockets} == {server.port}


def test_bolt_handshake(server: ServerInfo) -> None:
    assert neo4j_server.bolt_handshake("127.0.0.1", server.port) is not None
    with socket.socket() as free:  # a port nobody listens on
        free.bind(("127.0.0.1", 0))
        unused = free.getsockname()[1]
    assert neo4j_server.bolt_handshake("127.0.0.1", unused, timeout=0.5) is None


def test_install_is_cached() -> None:
    started = time.monotonic()
    lib = neo4j_server.install(progress=lambda _msg: None)
    assert time.monotonic() - started < 5
    assert (lib / f"neo4j-{neo4j_server.NEO4J_VERSION}.jar").is_file()


def test_pom_default_version_matches_the_python_constant() -> None:
    pom = ET.parse(ROOT / "graph" / "neo4j" / "pom.xml")
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    assert pom.findtext("m:properties/m:neo4j.version", namespaces=ns) == neo4j_server.NEO4J_VERSION


def test_stop_closes_the_port(server: ServerInfo) -> None:
    """Runs last in this module: the fixture's own stop() then finds nothing to do."""
    assert neo4j_server.stop(server.home) is True
    assert neo4j_server.status(server.home) is None
    assert not (server.home / "neo4j.pid").exists()
    assert not Path(f"/proc/{server.pid}").exists() or _is_zombie(server.pid)
    with socket.socket() as sock:
        sock.settimeout(2)
        assert sock.connect_ex(("127.0.0.1", server.port)) != 0
    assert neo4j_server.stop(server.home) is False


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True
