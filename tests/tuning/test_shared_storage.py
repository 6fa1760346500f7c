"""Studies shared by many workers: a fresh journal, SQLite file and PostgreSQL database
joined by workers started at the same instant, the storage URL's secrets kept out of every
file and message, the URL given through ``SKACT_STORAGE``, and a missing driver named.

PostgreSQL is a real server (:mod:`pg_server`); ``.ci/run`` starts one for CI.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_fixtures import run_skact, skact_env, wait_ok

LAUNCHER = Path(__file__).parents[1] / "skact_launcher.py"
TINY = ["--cv", "2", "--max-epochs", "3", "--n-trials", "2"]


def start_together(n, args, barrier):
    """``n`` ``skact`` workers that import everything, then start at the same instant."""
    barrier.mkdir()
    env = {**skact_env(), "SKACT_TEST_BARRIER": str(barrier)}
    workers = [
        subprocess.Popen([sys.executable, str(LAUNCHER), *map(str, args(i))],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for i in range(n)
    ]
    deadline = time.monotonic() + 120
    while len(list(barrier.glob("ready-*"))) < n:
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers), \
            [w.communicate() for w in workers if w.poll() is not None]
        time.sleep(0.05)
    (barrier / "go").touch()
    return workers


def study_trials(storage, name):
    import optuna

    from skact.tuning import make_storage

    return optuna.load_study(study_name=name, storage=make_storage(str(storage))).trials


@pytest.fixture(params=["journal", "sqlite", "postgresql"])
def fresh_storage(request, tmp_path):
    if request.param == "journal":
        return str(tmp_path / "fresh.journal")
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return request.getfixturevalue("postgres_url")


def test_workers_started_together_on_a_fresh_storage_all_finish(
        fresh_storage, iris_csv, fast_space, tmp_path):
    workers = start_together(3, lambda i: [
        "tune", iris_csv, "--storage", fresh_storage, "--study-name", "together",
        "--space", fast_space, *TINY[:-1], "1", "--out", tmp_path / f"w{i}"],
        tmp_path / "barrier")
    wait_ok(workers)
    trials = study_trials(fresh_storage, "together")
    assert len(trials) == 3
    assert {t.state.name for t in trials} <= {"COMPLETE", "PRUNED"}
    for i in range(3):  # each worker counts its own trials, not the study's
        summary = json.loads((tmp_path / f"w{i}" / "summary.json").read_text())
        assert summary["n_trials_this_run"] == 1


SECRET = "hunter2-Xq9"


def assert_no_secret(proc, out_dir, *secrets):
    texts = {"stdout": proc.stdout, "stderr": proc.stderr}
    for path in Path(out_dir).rglob("*"):
        if path.is_file() and path.suffix in (".json", ".csv", ".txt"):
            texts[str(path)] = path.read_text()
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} leaked into {where}"


def test_a_storage_url_from_the_environment_keeps_its_password_out_of_every_file(
        iris_csv, fast_space, tmp_path):
    url = f"sqlite:///{tmp_path / 'env.db'}?password={SECRET}"
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "skact_cli.main", "tune", str(iris_csv), "--space",
         str(fast_space), *TINY, "--study-name", "env", "--out", str(out)],
        capture_output=True, text=True, env={**skact_env(), "SKACT_STORAGE": url},
        timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["storage"] == f"sqlite:///{tmp_path / 'env.db'}?password=***"
    assert len(study_trials(f"sqlite:///{tmp_path / 'env.db'}", "env")) == 2
    assert_no_secret(proc, out, SECRET)


@pytest.mark.parametrize("url, fragment", [
    (f"postgresql://alice:{SECRET}@127.0.0.1:9/optuna", "cannot open"),
    (f"postgresql://alice@127.0.0.1:9/optuna?password={SECRET}", "cannot open"),
    ("postgresql://alice:p@ss-w0rd@127.0.0.1:9/optuna", "%40"),  # a raw '@' in it
])
def test_no_secret_of_a_storage_url_in_an_error(url, fragment, iris_csv, fast_space,
                                                 tmp_path):
    out = tmp_path / "run"
    proc = run_skact("tune", iris_csv, "--space", fast_space, *TINY, "--storage", url,
                     "--out", out)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert fragment in proc.stderr
    assert_no_secret(proc, out, SECRET, "alice", "ss-w0rd")


def test_a_missing_database_driver_is_named_with_its_fix(iris_csv, fast_space, tmp_path):
    proc = run_skact("tune", iris_csv, "--space", fast_space, *TINY, "--storage",
                     "postgresql+pg8000://u@127.0.0.1:9/optuna", "--out", tmp_path / "run")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "'pg8000'" in proc.stderr and "pip install pg8000" in proc.stderr


def test_the_readme_postgresql_recipe_needs_only_the_postgres_extra(postgres_url):
    """The README's URL form (``postgresql://``) means psycopg 3 for SQLAlchemy 2: what
    ``skact[postgres]`` installs, and what the workers' test above connects with."""
    import re

    from sqlalchemy.engine import make_url

    tomllib = pytest.importorskip("tomllib")

    root = Path(__file__).parents[2]
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("psycopg[") for d in extras["optional-dependencies"]["postgres"])
    readme = (root / "README.md").read_text()
    assert 'pip install "skact[postgres]"' in readme
    recipe = re.search(r"export SKACT_STORAGE=(\S+)", readme).group(1)
    assert make_url(recipe).get_dialect().driver == "psycopg"
    assert make_url(postgres_url).get_dialect().driver == "psycopg"


@pytest.mark.filterwarnings("ignore:Heartbeat of storage")
def test_database_trials_of_a_dead_worker_on_another_host_fail_by_heartbeat(tmp_path):
    """A worker on another host cannot be asked whether it lives: the database heartbeat
    fails its trial once it has been silent for the grace period."""
    import optuna

    from skact.tuning import OptunaSettings, open_study

    settings = OptunaSettings(storage=f"sqlite:///{tmp_path / 'hb.db'}",
                              heartbeat_interval=1, grace_period=1)
    study = open_study(settings, "s", {})
    lost = study.ask()  # started by "another host", which then went silent
    lost.set_user_attr("worker", {"host": "elsewhere", "pid": 1, "started": 0.0})
    study._storage.record_heartbeat(lost._trial_id)
    time.sleep(2.5)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    states = [t.state for t in study.trials]
    assert states[0] == optuna.trial.TrialState.FAIL and states[1].is_finished()
    assert os.path.exists(tmp_path / "hb.db")


TAKE_QUEUED_TRIAL = """
import sys, time
from pathlib import Path
from optuna.trial import TrialState
from skact.tuning import make_storage
storage = make_storage(sys.argv[1])
barrier = Path(sys.argv[3])
(barrier / f"ready-{sys.argv[4]}").touch()
while not (barrier / "go").exists():
    time.sleep(0.001)
print(storage.set_trial_state_values(int(sys.argv[2]), TrialState.RUNNING))
"""


def test_a_queued_trial_is_taken_by_one_worker_only(fresh_storage, tmp_path):
    """Workers started together each take a queued trial to run. SQLite cannot lock the
    trial's row, and two workers once ran the same queued trial: the second one's result
    then failed its run ("Cannot tell a COMPLETE trial")."""
    import optuna

    from skact.tuning import make_storage

    storage = make_storage(fresh_storage)
    study = optuna.create_study(study_name="queue", storage=storage)
    study.enqueue_trial({"x": 1.0})
    trial_id = study.get_trials(deepcopy=False)[0]._trial_id
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    workers = [subprocess.Popen(
        [sys.executable, "-c", TAKE_QUEUED_TRIAL, fresh_storage, str(trial_id), str(barrier),
         str(i)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=skact_env())
        for i in range(6)]
    deadline = time.monotonic() + 120
    while len(list(barrier.glob("ready-*"))) < len(workers):
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers), \
            [w.communicate() for w in workers if w.poll() is not None]
        time.sleep(0.05)
    (barrier / "go").touch()
    answers = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        answers.append(out.strip())
    assert sorted(answers) == ["False"] * 5 + ["True"]
    assert study.get_trials(deepcopy=False)[0].state == optuna.trial.TrialState.RUNNING
