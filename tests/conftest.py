import os

# Rich wraps help text to the terminal width; pin it so CLI output is stable.
os.environ.setdefault("COLUMNS", "120")
os.environ.setdefault("TERM", "dumb")

# One torch thread per test process. The suite's networks are tiny, and on a
# 2-core CI machine two OpenMP threads competing with a second busy process
# (a parallel search worker, a CLI subprocess) can make training 10-20x slower.
# Set before any test module imports torch, and inherited by subprocesses.
os.environ.setdefault("OMP_NUM_THREADS", "1")

# A shell that starts the suite in the background (`pytest &` in a script) ignores Ctrl-C
# for it, and Python then keeps SIGINT ignored: the Ctrl-C tests, and the CLI processes
# they start, would never see their SIGINT. Put back Python's own handler.
import signal  # noqa: E402

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


# ---------------------------------------------------------------- shared fixtures --
# Every test module can request these by name; the helpers they use, and the plain
# functions tests call directly, stay in cli_fixtures.py. The PostgreSQL servers are
# pg_server.py's (a shared one, and private ones that outage tests stop and restart).
import pytest  # noqa: E402
from cli_fixtures import FAST_SPACE_TOML, diabetes_frame, iris_frame, messy_frame, write_csv  # noqa: E402
from pg_server import (  # noqa: E402, F401
    postgres_server_fixture,
    postgres_url_fixture,
    private_postgres_fixture,
)


@pytest.fixture(name="iris_csv")
def iris_csv_fixture(tmp_path):
    return write_csv(iris_frame(), tmp_path / "iris.csv")


@pytest.fixture(name="diabetes_csv")
def diabetes_csv_fixture(tmp_path):
    return write_csv(diabetes_frame(), tmp_path / "diabetes.csv")


@pytest.fixture(name="messy_csv")
def messy_csv_fixture(tmp_path):
    return write_csv(messy_frame(), tmp_path / "penguins.csv")


@pytest.fixture(name="fast_space")
def fast_space_fixture(tmp_path):
    path = tmp_path / "space.toml"
    path.write_text(FAST_SPACE_TOML)
    return path
