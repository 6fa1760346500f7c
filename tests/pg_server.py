"""A real PostgreSQL server for the tests of shared studies.

``.ci/run`` starts one and exports ``SKACT_TEST_POSTGRES_URL`` (and
``SKACT_TEST_POSTGRES_REQUIRED=1``, so that CI fails rather than skips when it is gone).
Elsewhere the ``postgres_server`` fixture starts a throwaway cluster itself when PostgreSQL's
``initdb`` is installed (Debian: ``apt-get install postgresql``), and skips only when it is
not. Each test gets a fresh database from ``postgres_url``. Import the fixtures as
``postgres_server_fixture`` and ``postgres_url_fixture`` (``# noqa: F401``).
"""

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
    bindir = _bindir()
    if bindir is None:
        _unavailable("PostgreSQL is not installed (no initdb)")
    root = tempfile.mkdtemp(prefix="skact-pg-")
    as_user = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = os.path.join(root, "data")
    try:
        subprocess.run([*as_user, f"{bindir}/initdb", "-D", data, "-U", "skact",
                        "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
        subprocess.run([*as_user, f"{bindir}/pg_ctl", "-D", data, "-l", f"{root}/log", "-w",
                        "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off",
                        "start"], check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(f"could not start PostgreSQL: {exc}")
    try:
        yield f"postgresql://skact@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


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
