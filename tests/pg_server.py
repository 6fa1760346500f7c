"""A real PostgreSQL server for the tests of shared studies.

``.ci/run`` starts one and exports ``SKACT_TEST_POSTGRES_URL`` (and
``SKACT_TEST_POSTGRES_REQUIRED=1``, so that CI fails rather than skips when it is gone).
Elsewhere the ``postgres_server`` fixture starts a throwaway cluster itself when PostgreSQL's
``initdb`` is installed (Debian: ``apt-get install postgresql``), and skips only when it is
not. Each test gets a fresh database from ``postgres_url``. ``tests/conftest.py`` registers
the fixtures, so every test can request them by name.

A test that stops or restarts the server takes ``private_postgres`` instead: a cluster of
its own, never the shared one.
"""

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid

import pytest


def _bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unavailable(reason):
    if os.environ.get("SKACT_TEST_POSTGRES_REQUIRED") == "1":
        pytest.fail(f"PostgreSQL is required here (SKACT_TEST_POSTGRES_REQUIRED=1): {reason}")
    pytest.skip(reason)


#: A fresh cluster's data folder per PostgreSQL installation, made once per test process.
_TEMPLATES: dict = {}


class Cluster:
    """A throwaway PostgreSQL cluster of its own (``initdb`` in a temporary folder, a free
    port), which a test may stop, start and restart at will."""

    def __init__(self, bindir):
        self.bindir = bindir
        self.root = tempfile.mkdtemp(prefix="skact-pg-")
        self.as_user = []
        if os.geteuid() == 0:  # the server refuses to run as root
            shutil.chown(self.root, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.port = _free_port()
        self.data = os.path.join(self.root, "data")
        self.url = f"postgresql://skact@127.0.0.1:{self.port}"

    def _pg_ctl(self, *args, timeout=60):
        subprocess.run([*self.as_user, f"{self.bindir}/pg_ctl", "-D", self.data, *args],
                       check=True, capture_output=True, timeout=timeout)

    def init(self):
        # initdb takes seconds; a copy of the one this process made first takes a fraction
        template = _TEMPLATES.get(self.bindir)
        if template is None:
            subprocess.run([*self.as_user, f"{self.bindir}/initdb", "-D", self.data, "-U",
                            "skact", "--auth=trust", "-E", "UTF8"], check=True,
                           capture_output=True)
            template = _TEMPLATES[self.bindir] = tempfile.mkdtemp(prefix="skact-pg-template-")
            atexit.register(shutil.rmtree, template, True)
            shutil.copytree(self.data, template, dirs_exist_ok=True)
        else:
            shutil.copytree(template, self.data)
        if self.as_user:
            subprocess.run(["chown", "-R", "postgres:", self.root], check=True)
        self.start()
        return self

    def start(self):
        self._pg_ctl("-l", f"{self.root}/log", "-w", "-o",
                     f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
                     "-c fsync=off", "start")

    def stop(self):
        self._pg_ctl("-m", "immediate", "-w", "stop")

    def restart(self):
        self._pg_ctl("-m", "immediate", "-w", "-l", f"{self.root}/log", "restart")

    def remove(self):
        subprocess.run([*self.as_user, f"{self.bindir}/pg_ctl", "-D", self.data, "-m",
                        "immediate", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _cluster():
    """A started :class:`Cluster`, or a skip (a failure under CI) saying why there is none."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("the psycopg driver is not installed (pip install 'skact[postgres]')")
    bindir = _bindir()
    if bindir is None:
        _unavailable("PostgreSQL is not installed (no initdb)")
    cluster = Cluster(bindir)
    try:
        return cluster.init()
    except (OSError, subprocess.SubprocessError) as exc:
        cluster.remove()
        _unavailable(f"could not start PostgreSQL: {exc}")


@pytest.fixture(scope="session", name="postgres_server")
def postgres_server_fixture():
    """``postgresql://user@127.0.0.1:port`` of a running server (no database part)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("the psycopg driver is not installed (pip install 'skact[postgres]')")
    url = os.environ.get("SKACT_TEST_POSTGRES_URL")
    if url:
        yield url.rsplit("/", 1)[0]
        return
    cluster = _cluster()
    try:
        yield cluster.url
    finally:
        cluster.remove()


@pytest.fixture(name="private_postgres")
def private_postgres_fixture():
    """A :class:`Cluster` of this test's own, for tests that stop or restart the server
    (the shared one of ``.ci/run`` serves other tests at the same time); its ``url`` names
    the database ``postgres``."""
    cluster = _cluster()
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(name="postgres_url")
def postgres_url_fixture(postgres_server):
    """A fresh, empty database on the server, as a ``postgresql://`` URL."""
    import psycopg

    name = f"skact_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield f"{postgres_server}/{name}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
