"""Install, start, stop and inspect a local Neo4j Community server.

Why this exists: policykg's tests and tools need a real Neo4j server, and the only place
it can be fetched from in our environments is Maven Central. So instead of the official
tarball we let Maven copy ``org.neo4j:neo4j`` and its runtime dependencies into a cache
folder (see ``graph/neo4j/pom.xml``) and launch the same main class the tarball's
``bin/neo4j`` launches (``org.neo4j.server.CommunityEntryPoint``), with the JVM flags
the official default ``neo4j.conf`` passes.

The server listens on 127.0.0.1 only, speaks Bolt only (HTTP/HTTPS are off), and has
auth enabled with a random password kept in ``<home>/password`` (mode 0600).

Standard library only: this module must not import the ``neo4j`` driver package.

Command line::

    python -m graph.neo4j_server install
    python -m graph.neo4j_server start  [--home DIR] [--port N]   # prints the bolt URI
    python -m graph.neo4j_server status [--home DIR]
    python -m graph.neo4j_server stop   [--home DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "NEO4J_VERSION",
    "Neo4jServerError",
    "ServerInfo",
    "bolt_handshake",
    "default_cache_dir",
    "default_home",
    "install",
    "main",
    "start",
    "status",
    "stop",
]

#: The pinned Neo4j Community version: newest 5.26.x LTS patch on Maven Central that runs
#: on Java 17. It is passed to Maven as ``-Dneo4j.version``; the pom's default mirrors it.
NEO4J_VERSION = "5.26.30"

#: Oldest Java feature release Neo4j 5.26 runs on (it supports 17 and 21).
MIN_JAVA = 17

USER = "neo4j"
HOST = "127.0.0.1"

_REPO_ROOT = Path(__file__).resolve().parents[1]
_POM = Path(__file__).resolve().parent / "neo4j" / "pom.xml"
_ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
_ADMIN_TOOL = "org.neo4j.cli.AdminTool"
_MARKER = "INSTALL_COMPLETE.json"

_HEAP_MAX = "1g"
_PAGECACHE = "256m"

#: JVM flags of the official Neo4j 5.26 default neo4j.conf (``server.jvm.additional``) plus
#: the ``-Dfile.encoding`` the bootloader always adds. Without the ``--add-opens`` lines
#: the transaction log's native file access fails ("Incorrect file descriptor").
JVM_OPTIONS: tuple[str, ...] = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+AlwaysPreTouch",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-XX:FlightRecorderOptions=stackdepth=256",
    "-XX:+UnlockDiagnosticVMOptions",
    "-XX:+DebugNonSafepoints",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
    "-Dlog4j.layout.jsonTemplate.maxStringLength=32768",
    # Not in the default conf: a dev/test server that ran out of heap should die loudly.
    "-XX:+ExitOnOutOfMemoryError",
    "-Dfile.encoding=UTF-8",
)

# Bolt handshake: magic preamble, then four version proposals (0, range, minor, major).
_BOLT_MAGIC = bytes.fromhex("6060B017")
_BOLT_PROPOSALS = bytes.fromhex(
    "00080805"  # 5.8 down to 5.0
    "00040404"  # 4.4 down to 4.0
    "00000003"  # 3.0
    "00000000"  # none
)

Progress = Callable[[str], object]

# Letters and digits only: safe on any command line and in any config or shell.
_PASSWORD_ALPHABET = string.ascii_letters + string.digits


class Neo4jServerError(RuntimeError):
    """Installing, starting or stopping the server failed; the message says why."""


@dataclass(frozen=True)
class ServerInfo:
    """How to reach a running server (what a driver needs) and where it lives."""

    uri: str
    user: str
    password: str = field(repr=False)
    pid: int
    version: str
    home: Path

    @property
    def auth(self) -> tuple[str, str]:
        """``(user, password)``, ready for ``GraphDatabase.driver(uri, auth=...)``."""
        return (self.user, self.password)

    @property
    def port(self) -> int:
        """The Bolt port, taken from the URI."""
        return int(self.uri.rsplit(":", 1)[1])


# --------------------------------------------------------------------------- paths


def default_cache_dir() -> Path:
    """Root of policykg's download cache: ``$POLICYKG_CACHE``, ``$XDG_CACHE_HOME/policykg``
    or ``~/.cache/policykg``, in that order."""
    if os.environ.get("POLICYKG_CACHE"):
        return Path(os.environ["POLICYKG_CACHE"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "policykg"
    return Path.home() / ".cache" / "policykg"


def default_home() -> Path:
    """Default server state dir: ``$POLICYKG_HOME/neo4j`` if set, else ``<repo>/var/neo4j``."""
    if os.environ.get("POLICYKG_HOME"):
        return Path(os.environ["POLICYKG_HOME"]).expanduser() / "neo4j"
    return _REPO_ROOT / "var" / "neo4j"


def _install_dir(cache_dir: Path | None) -> Path:
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    return root.resolve() / f"neo4j-{NEO4J_VERSION}"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on *path* so concurrent processes take turns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_atomic(path: Path, text: str, mode: int = 0o644) -> None:
    """Write *text* to *path* via a temp file + rename, so readers never see half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------- install


def _install_complete(target: Path) -> bool:
    try:
        marker = json.loads((target / _MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker.get("version") == NEO4J_VERSION and (target / "lib" / f"neo4j-{NEO4J_VERSION}.jar").is_file()


def install(cache_dir: Path | None = None, progress: Progress = print) -> Path:
    """Make sure Neo4j's jars are in the cache and return their ``lib`` folder.

    Runs ``mvn dependency:copy-dependencies`` on ``graph/neo4j/pom.xml`` (Maven Central,
    batch and quiet mode) into a temp folder that is renamed into place only once it is
    complete, so an interrupted install never leaves a half cache. A marker file makes
    later calls return at once. *cache_dir* overrides :func:`default_cache_dir`.
    """
    target = _install_dir(cache_dir)
    lib = target / "lib"
    if _install_complete(target):
        return lib
    root = target.parent
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root / f".{target.name}.lock"):
        if _install_complete(target):  # another process finished it while we waited
            return lib
        mvn = shutil.which("mvn")
        if mvn is None:
            raise Neo4jServerError(
                "Maven ('mvn') is not on PATH; it is needed to fetch Neo4j from Maven Central "
                "(Debian: apt-get install maven)."
            )
        for stale in root.glob(f".{target.name}.tmp-*"):  # left by a killed install
            shutil.rmtree(stale, ignore_errors=True)
        progress(f"Installing Neo4j {NEO4J_VERSION} from Maven Central into {target} ...")
        started = time.monotonic()
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=root))
        try:
            cmd = [
                mvn, "-B", "-q", "-Dstyle.color=never",
                "-f", str(_POM),
                f"-Dneo4j.version={NEO4J_VERSION}",
                f"-Dneo4j.lib={tmp / 'lib'}",
                "dependency:copy-dependencies",
            ]  # fmt: skip
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=tmp)
            if proc.returncode != 0:
                out = (proc.stdout + proc.stderr).strip().splitlines()
                raise Neo4jServerError(
                    f"mvn failed with exit code {proc.returncode}: {' '.join(cmd)}\n" + "\n".join(out[-40:])
                )
            jars = sorted(p.name for p in (tmp / "lib").glob("*.jar"))
            if f"neo4j-{NEO4J_VERSION}.jar" not in jars:
                raise Neo4jServerError(f"mvn succeeded but neo4j-{NEO4J_VERSION}.jar is missing in {tmp / 'lib'}")
            marker = {"version": NEO4J_VERSION, "jars": len(jars), "installed": time.time()}
            (tmp / _MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
            if target.exists():  # leftover without a valid marker: replace it
                shutil.rmtree(target)
            os.rename(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        progress(f"Installed {len(jars)} jars in {time.monotonic() - started:.0f}s.")
    return lib


# --------------------------------------------------------------------------- java


def _java_executable() -> str:
    """``$POLICYKG_JAVA_HOME/bin/java``, ``$JAVA_HOME/bin/java`` or ``java`` on PATH."""
    for var in ("POLICYKG_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(var):
            java = Path(os.environ[var]).expanduser() / "bin" / "java"
            if not os.access(java, os.X_OK):
                raise Neo4jServerError(f"${var} is set but {java} is not an executable")
            return str(java)
    java = shutil.which("java")
    if java is None:
        raise Neo4jServerError(f"No Java found: set JAVA_HOME or put Java {MIN_JAVA}+ on PATH")
    return java


def _java_feature_version(java: str) -> int:
    """Major Java version of *java* from ``java -version`` (e.g. 17; 8 for "1.8.0")."""
    proc = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', proc.stderr + proc.stdout)
    if match is None:
        raise Neo4jServerError(f"Cannot tell the version of {java}: {proc.stderr.strip()}")
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _checked_java() -> str:
    java = _java_executable()
    version = _java_feature_version(java)
    if version < MIN_JAVA:
        raise Neo4jServerError(f"Neo4j {NEO4J_VERSION} needs Java {MIN_JAVA} or newer; {java} is Java {version}")
    return java


# --------------------------------------------------------------------------- processes

# Servers started by this Python process, so they can be polled (and reaped, not zombies).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _is_our_server(pid: int, home: Path) -> bool:
    """True if *pid* is alive and is the Neo4j JVM of *home* (guards against pid reuse)."""
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:
        _CHILDREN.pop(pid, None)
        return False
    proc_dir = Path("/proc") / str(pid)
    if Path("/proc/self").exists():
        try:
            args = (proc_dir / "cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return _ENTRY_POINT.encode() in args and f"--home-dir={home}".encode() in args
    try:  # no /proc (not Linux): existence is the best we can check
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_gone(pid: int, home: Path, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while _is_our_server(pid, home):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def _read_pid(home: Path) -> int | None:
    try:
        return int((home / "neo4j.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def _kill(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


# --------------------------------------------------------------------------- bolt


def bolt_handshake(host: str, port: int, timeout: float = 2.0) -> tuple[int, int] | None:
    """Do a Bolt version handshake; return the agreed ``(major, minor)`` or None.

    A TCP connect alone is not enough: Neo4j binds the port a moment before it serves.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(_BOLT_MAGIC + _BOLT_PROPOSALS)
            reply = b""
            while len(reply) < 4:
                chunk = sock.recv(4 - len(reply))
                if not chunk:
                    return None
                reply += chunk
    except OSError:
        return None
    if reply == b"\0\0\0\0":
        return None
    return reply[3], reply[2]


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _pick_port(previous: int | None) -> int:
    """Reuse the last port if it is still free (stable URI), else let the kernel pick."""
    if previous and _port_is_free(previous):
        return previous
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- state files


def _read_meta(home: Path) -> dict[str, object]:
    try:
        meta = json.loads((home / "server.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _ensure_password(home: Path) -> tuple[str, bool]:
    """Return the server password and whether it was just created.

    Created once (random, ``<home>/password``, mode 0600) and reused on later starts.
    """
    path = home / "password"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        password = path.read_text(encoding="utf-8").strip()
        if len(password) < 8:
            raise Neo4jServerError(f"{path} holds no valid password (8+ characters)") from None
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return password, False
    password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(32))
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(password + "\n")
    return password, True


def _read_password(home: Path) -> str:
    try:
        return (home / "password").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _conf_text(home: Path, lib: Path, port: int, extra: Mapping[str, str]) -> str:
    """The complete neo4j.conf: loopback only, Bolt only, auth on, small memory."""
    settings: dict[str, str] = {
        "server.directories.lib": str(lib),
        "server.directories.data": str(home / "data"),
        "server.directories.logs": str(home / "logs"),
        "server.directories.run": str(home / "run"),
        "server.directories.plugins": str(home / "plugins"),
        # LOAD CSV: a dedicated, empty import folder, and file URLs switched off altogether.
        # (Neo4j 5.26 Community has no setting against http(s) URLs: Enterprise's LOAD
        # privilege does that; queries.readonly refuses LOAD in every query we run.)
        "server.directories.import": str(home / "import"),
        "dbms.security.allow_csv_import_from_file_urls": "false",
        # No plugin procedure gets unrestricted access to the database internals (the
        # plugins folder is private and empty; this is also the default, stated so).
        "dbms.security.procedures.unrestricted": "",
        # An unknown or misspelt setting stops the server instead of being ignored.
        "server.config.strict_validation.enabled": "true",
        "server.default_listen_address": HOST,
        "server.default_advertised_address": HOST,
        "server.bolt.enabled": "true",
        "server.bolt.listen_address": f"{HOST}:{port}",
        "server.bolt.advertised_address": f"{HOST}:{port}",
        "server.bolt.tls_level": "DISABLED",
        "server.http.enabled": "false",
        "server.https.enabled": "false",
        "dbms.routing.enabled": "false",
        "dbms.security.auth_enabled": "true",
        "dbms.usage_report.enabled": "false",
        "server.memory.heap.max_size": _HEAP_MAX,
        "server.memory.pagecache.size": _PAGECACHE,
        "db.transaction.timeout": "300s",
        "db.lock.acquisition.timeout": "60s",
        "db.tx_log.rotation.retention_policy": "1 days 512M",
        # Bolt's two netty event loop groups each wait a 5 s quiet period on shutdown,
        # which made every stop take 10 s; 1 s is plenty for a local server.
        "internal.dbms.bolt.netty_server_shutdown_quiet_period": "1",
    }
    settings.update(extra)
    lines = [
        f"# Generated by graph/neo4j_server.py for Neo4j {NEO4J_VERSION}.",
        "# Rewritten on every start: change the code (or pass extra_conf), not this file.",
    ]
    lines += [f"{key}={value}" for key, value in settings.items()]
    # Recorded for the official bootloader (neo4j console --dry-run); start() passes the
    # same flags itself.
    lines += [f"server.jvm.additional={opt}" for opt in JVM_OPTIONS if "file.encoding" not in opt]
    return "\n".join(lines) + "\n"


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"({path} does not exist)"
    return "\n".join(text.splitlines()[-lines:]) or f"({path} is empty)"


def _logs_tail(home: Path, lines: int = 30) -> str:
    parts = []
    for path in (home / "logs" / "console.log", home / "logs" / "neo4j.log"):
        parts.append(f"--- last lines of {path} ---\n{_tail(path, lines)}")
    return "\n".join(parts)


# --------------------------------------------------------------------------- public API


def status(home: Path) -> ServerInfo | None:
    """Info about the server of *home* if its process is alive, else None.

    It does not check that Bolt answers yet (a server may still be starting).
    """
    home = Path(home).expanduser().resolve()
    pid = _read_pid(home)
    if pid is None or not _is_our_server(pid, home):
        return None
    meta = _read_meta(home)
    uri = meta.get("uri")
    if not isinstance(uri, str):  # server.json lost: fall back to the conf file
        match = re.search(
            r"^server\.bolt\.listen_address=(.+)$",
            _tail(home / "conf" / "neo4j.conf", 1000),
            re.MULTILINE,
        )
        uri = f"bolt://{match.group(1).strip()}" if match else f"bolt://{HOST}:7687"
    return ServerInfo(
        uri=uri,
        user=USER,
        password=_read_password(home),
        pid=pid,
        version=str(meta.get("version", NEO4J_VERSION)),
        home=home,
    )


def start(
    home: Path,
    *,
    port: int | None = None,
    wait_s: float = 120,
    cache_dir: Path | None = None,
    extra_conf: Mapping[str, str] | None = None,
    heap: str = _HEAP_MAX,
    progress: Progress = print,
) -> ServerInfo:
    """Start the Neo4j server of *home* in the background and wait until Bolt answers.

    Idempotent: if it already runs, its info is returned. Installs Neo4j first if needed,
    writes ``<home>/conf/neo4j.conf``, sets the initial password of user ``neo4j`` on a
    fresh store, launches the JVM detached (output in ``<home>/logs/console.log``) and
    records ``<home>/neo4j.pid`` and ``<home>/server.json``. *port* defaults to the last
    port used if free, else a free one. *extra_conf* adds or overrides neo4j.conf
    settings. *heap* is the JVM's maximum heap (a load is one transaction, and Neo4j
    allows a transaction 70% of the heap: a 100,000-enterprise register needs about 4g).
    Raises :class:`Neo4jServerError`, with the end of the logs, if the server
    dies or does not answer within *wait_s* seconds.
    """
    home = Path(home).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    with _locked(home / ".lock"):
        running = status(home)
        if running is not None:
            _wait_for_bolt(home, running.pid, running.port, wait_s, proc=None)
            return running
        (home / "neo4j.pid").unlink(missing_ok=True)

        lib = install(cache_dir, progress=progress)
        java = _checked_java()
        for sub in ("conf", "data", "logs", "run", "plugins", "import"):
            (home / sub).mkdir(exist_ok=True)
        password, new_password = _ensure_password(home)

        previous = _read_meta(home).get("port")
        chosen = port or _pick_port(previous if isinstance(previous, int) else None)
        attempts = 1 if port else 3  # a kernel-picked port can be taken before we bind it
        for attempt in range(1, attempts + 1):
            # initial heap = maximum, as Neo4j's operations manual advises: a register load
            # is one big transaction, and while the heap grew under it G1 paused 12-19 s in
            # total (5.8-6.5 s at a fixed 4g; the first load ran 31.6 -> 27.1 s, mean of 3)
            conf = _conf_text(home, lib, chosen, {"server.memory.heap.initial_size": heap,
                                                  "server.memory.heap.max_size": heap, **(extra_conf or {})})
            _write_atomic(home / "conf" / "neo4j.conf", conf)
            _set_initial_password(home, lib, java, password, new_password)
            new_password = False  # a retry finds the store made with this same password
            try:
                return _launch(home, lib, java, chosen, password, wait_s, heap)
            except _PortInUse:
                if attempt == attempts:
                    raise
                chosen = _pick_port(None)
        raise AssertionError("unreachable")


def stop(home: Path, timeout_s: float = 60) -> bool:
    """Stop the server of *home*: SIGTERM (clean shutdown), SIGKILL after *timeout_s*.

    Removes the pid file. Returns True if a running server was stopped.
    """
    home = Path(home).expanduser().resolve()
    if not home.is_dir():
        return False
    with _locked(home / ".lock"):
        return _stop_locked(home, timeout_s)


def _stop_locked(home: Path, timeout_s: float) -> bool:
    pid = _read_pid(home)
    stopped = False
    if pid is not None and _is_our_server(pid, home):
        _kill(pid, signal.SIGTERM)
        if not _wait_gone(pid, home, timeout_s):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)  # it leads its own session/process group
            _kill(pid, signal.SIGKILL)
            if not _wait_gone(pid, home, 15):
                raise Neo4jServerError(f"Neo4j (pid {pid}) survived SIGKILL")
        stopped = True
    _CHILDREN.pop(pid or -1, None)
    (home / "neo4j.pid").unlink(missing_ok=True)
    return stopped


# --------------------------------------------------------------------------- start helpers


class _PortInUse(Neo4jServerError):
    """The server could not bind its Bolt port."""


def _set_initial_password(home: Path, lib: Path, java: str, password: str, new_password: bool) -> None:
    """On a fresh store, give user ``neo4j`` our password (``dbms set-initial-password``).

    Neo4j applies it only when the system database is created, i.e. on the first start;
    once the store exists the password can no longer be set this way.
    """
    if (home / "data" / "databases" / "system").exists():
        if new_password:
            raise Neo4jServerError(
                f"{home / 'password'} was missing but the store in {home / 'data'} already "
                f"exists with another password. Delete {home / 'data'} to start afresh."
            )
        return
    cmd = [
        java, "-Xmx256m", "-Dfile.encoding=UTF-8", "-cp", f"{lib}/*", _ADMIN_TOOL,
        "dbms", "set-initial-password", "--", password,  # "--": a password may start with "-"
    ]  # fmt: skip
    env = dict(os.environ, NEO4J_HOME=str(home), NEO4J_CONF=str(home / "conf"))
    proc = subprocess.run(cmd, env=env, cwd=home, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if proc.returncode != 0:
        raise Neo4jServerError(
            f"Setting the initial Neo4j password failed (exit {proc.returncode}):\n"
            + (proc.stdout + proc.stderr).replace(password, "********").strip()
        )


def _launch(home: Path, lib: Path, java: str, port: int, password: str, wait_s: float,
            heap: str = _HEAP_MAX) -> ServerInfo:
    # Same order as the official bootloader: plugins, conf, lib.
    classpath = [f"{home / 'plugins'}/*", f"{home / 'conf'}/*", f"{lib}/*"]
    cmd = [
        java, "-cp", os.pathsep.join(classpath), *JVM_OPTIONS,
        f"-Xms{heap}", f"-Xmx{heap}",
        _ENTRY_POINT, f"--home-dir={home}", f"--config-dir={home / 'conf'}",
    ]  # fmt: skip
    env = dict(os.environ, NEO4J_HOME=str(home), NEO4J_CONF=str(home / "conf"))
    env.pop("JAVA_OPTS", None)
    console = home / "logs" / "console.log"
    with open(console, "ab") as log:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        log.write(f"=== {stamp} starting Neo4j {NEO4J_VERSION} on {HOST}:{port} ===\n".encode())
        log.flush()
        proc = subprocess.Popen(
            cmd,
            cwd=home,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    _write_atomic(home / "neo4j.pid", f"{proc.pid}\n")
    uri = f"bolt://{HOST}:{port}"
    meta = {
        "uri": uri,
        "user": USER,
        "password_file": str(home / "password"),
        "pid": proc.pid,
        "version": NEO4J_VERSION,
        "port": port,
        "home": str(home),
        "started_at": time.time(),
    }
    _write_atomic(home / "server.json", json.dumps(meta, indent=2) + "\n")
    _wait_for_bolt(home, proc.pid, port, wait_s, proc=proc)
    return ServerInfo(uri=uri, user=USER, password=password, pid=proc.pid, version=NEO4J_VERSION, home=home)


def _wait_for_bolt(home: Path, pid: int, port: int, wait_s: float, proc: subprocess.Popen[bytes] | None) -> None:
    """Block until Bolt answers a handshake; on death or timeout clean up and raise."""
    started = time.monotonic()
    deadline = started + wait_s
    while True:
        if proc is not None and proc.poll() is not None:
            _CHILDREN.pop(pid, None)
            (home / "neo4j.pid").unlink(missing_ok=True)
            logs = _logs_tail(home)
            error = _PortInUse if "Address already in use" in logs else Neo4jServerError
            raise error(f"Neo4j exited with code {proc.returncode} during startup.\n{logs}")
        if proc is None and not _is_our_server(pid, home):
            raise Neo4jServerError(f"Neo4j (pid {pid}) exited.\n{_logs_tail(home)}")
        if bolt_handshake(HOST, port, timeout=1.0) is not None:
            return
        if time.monotonic() >= deadline:
            logs = _logs_tail(home)
            if proc is not None:  # ours and useless: do not leave it running
                _stop_locked(home, timeout_s=15)
            raise Neo4jServerError(f"Neo4j did not answer Bolt on {HOST}:{port} within {wait_s:.0f}s.\n{logs}")
        time.sleep(0.25)


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry: ``start|stop|status|install``; returns the exit code."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", type=Path, default=None, help=f"server state dir (default: {default_home()})")
    parser = argparse.ArgumentParser(
        prog="python -m graph.neo4j_server",
        description=f"Manage policykg's local Neo4j {NEO4J_VERSION} Community server.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_start = sub.add_parser("start", parents=[common], help="start (prints the bolt URI)")
    p_start.add_argument("--port", type=int, default=None, help="Bolt port (default: free one)")
    p_start.add_argument("--wait", type=float, default=120, help="seconds to wait for Bolt")
    p_stop = sub.add_parser("stop", parents=[common], help="stop the server")
    p_stop.add_argument("--timeout", type=float, default=60, help="seconds before SIGKILL")
    sub.add_parser("status", parents=[common], help="show the server (exit 3 if stopped)")
    p_install = sub.add_parser("install", help="fetch Neo4j into the cache")
    p_install.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args(argv)

    def note(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    home = getattr(args, "home", None) or default_home()
    try:
        if args.command == "install":
            print(install(args.cache_dir, progress=note))
        elif args.command == "start":
            info = start(home, port=args.port, wait_s=args.wait, progress=note)
            note(f"Neo4j {info.version} running, pid {info.pid}, user {info.user}, "
                 f"password in {info.home / 'password'}")  # fmt: skip
            print(info.uri)
        elif args.command == "stop":
            note("Stopped." if stop(home, timeout_s=args.timeout) else "Not running.")
        else:
            info = status(home)
            if info is None:
                note(f"Not running ({Path(home).resolve()}).")
                return 3
            ready = bolt_handshake(HOST, info.port) is not None
            print(json.dumps({
                "uri": info.uri,
                "user": info.user,
                "password_file": str(info.home / "password"),
                "pid": info.pid,
                "version": info.version,
                "home": str(info.home),
                "bolt_ready": ready,
            }, indent=2))  # fmt: skip
    except Neo4jServerError as exc:
        note(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
