"""The skact command line, driven in-process with typer's CliRunner (wiring, options, output)."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from cli_fixtures import FAST_TUNE, skact_env
from skact_cli.main import app
from typer.testing import CliRunner

import skact

runner = CliRunner()


pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


HEAVY = ("torch", "sklearn", "optuna", "pandas", "skorch", "scipy")


def run_counting_imports(argv, heavy=HEAVY):
    """Run ``skact ARGV`` in a fresh interpreter; return the process and the sorted list of
    the ``heavy`` modules it imported."""
    code = (
        "import json, sys\n"
        f"sys.argv = ['skact', *{argv!r}]\n"
        "from skact_cli.main import main\n"
        "code = 0\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & {set(heavy)!r})\n"
        "print('HEAVY', json.dumps(heavy), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=skact_env(), timeout=60, check=False)
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("HEAVY"))
    return proc, json.loads(line.split(" ", 1)[1])


@pytest.mark.parametrize("argv, shown", [(["--help"], "tune"), (["activations"], "gelu")])
def test_help_does_not_import_heavy_libraries(argv, shown):
    """Neither the help nor the activation listing needs torch or the tuning stack (every
    command runs inside the same Ctrl-C gate, which must stay light)."""
    proc, heavy = run_counting_imports(argv)  # its seconds: benchmarks/run.py, start-up
    assert proc.returncode == 0, proc.stderr
    assert shown in proc.stdout
    assert heavy == [], heavy
    if argv == ["--help"]:
        assert "Usage" in proc.stdout


BAD_INPUTS = [
    ("missing file", [], "no such file"),
    ("unknown column", ["--target", "label"], "no column 'label'"),
    ("unknown activation", ["--activations", "relu,swishy"], "unknown activation 'swishy'"),
    ("misspelt group column", ["--groups", "bb"], "has no column 'bb' for --groups"),
]


@pytest.mark.parametrize("command, problem, extra, message", [
    *[("tune", *bad) for bad in BAD_INPUTS],
    *[("compare", *bad) for bad in BAD_INPUTS],
    ("tune", "test rows that match nothing", ["--test", "a=x"],
     "--test a=x matches no row of"),
    ("tune", "bad space file", ["--space", "bad.toml"], "bad.toml is not valid TOML"),
    ("tune", "misspelt activation in a space file", ["--space", "typo.toml"],
     "typo.toml: unknown activation 'gleu' (did you mean 'gelu'?)"),
    ("tune", "database that cannot be reached",
     ["--storage", "postgresql://alice:hunter2@127.0.0.1:9/optuna"],
     "cannot open the storage in postgresql://***@127.0.0.1:9/optuna: OperationalError: "
     "connection failed"),
    ("tune", "journal that cannot be written", ["--storage", "data.csv/study.journal"],
     "cannot open the storage in"),
])
def test_a_bad_file_or_option_is_reported_before_torch_is_imported(
        tmp_path, command, problem, extra, message):
    """A typo costs the user a fraction of a second, not torch's start-up."""
    (tmp_path / "bad.toml").write_text('activation = ["relu", "gelu"\n')
    (tmp_path / "typo.toml").write_text('activation = ["relu", "gleu"]\n')
    extra = [str(tmp_path / a) if a.endswith((".toml", ".journal")) else a for a in extra]
    data = tmp_path / "data.csv"
    if problem != "missing file":
        data.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(12)))
    proc, heavy = run_counting_imports([command, str(data), *extra], heavy=("torch", "skorch"))
    assert proc.returncode in (1, 2), proc.stderr
    assert message in " ".join(proc.stderr.split()), proc.stderr
    assert "Traceback" not in proc.stderr
    if problem == "database that cannot be reached":  # and what to check
        assert "check that the database server is running" in proc.stderr
    assert heavy == [], heavy


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("skact ")


@pytest.mark.parametrize("command", [[], ["tune"], ["predict"], ["evaluate"], ["activations"]])
def test_help_everywhere(command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.stdout


def test_help_has_examples():
    assert "skact tune data.csv --search grid" in invoke("tune", "--help").stdout
    assert "--proba" in invoke("predict", "--help").stdout
    assert "skact tune iris.csv" in invoke("--help").stdout


def test_activations_table():
    result = invoke("activations")
    assert result.exit_code == 0
    for name in ("relu", "leaky_relu", "gelu", "selu", "swish", "max(0, x)"):
        assert name in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--activations", "relu,gelux"], "unknown activation 'gelux'"),
        (["--activations", " , "], "at least one activation"),
        (["--scoring", "uar"], "unknown scorer 'uar'"),
        # an abbreviation is taken for the one name it begins, not for 'jaccard'
        (["--scoring", "acc"], "unknown scorer 'acc' (did you mean 'accuracy'?)"),
        (["--n-jobs", "0"], "positive number of jobs"),
        (["--cv", "1"], "--cv"),
        (["--task", "clustering"], "--task"),
        (["--n-trials", "0"], "--n-trials"),
    ],
)
def test_bad_option_values_exit_2(iris_csv, args, message):
    result = runner.invoke(app, ["tune", str(iris_csv), *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split()).replace("│", "").replace("  ", " ") or \
        message in result.output


def test_skact_error_is_one_line_exit_1(tmp_path):
    result = runner.invoke(app, ["tune", str(tmp_path / "missing.csv")])
    assert result.exit_code == 1
    expected = f"Error: {tmp_path / 'missing.csv'}: no such file"
    assert result.stderr.strip().splitlines() == [expected]


def test_same_seed_same_best_params(iris_csv, fast_space, tmp_path):
    """Must hold 4: same --seed, same data, --n-jobs 1 -> the same best parameters."""
    summaries = []
    for run in ("a", "b"):
        out = tmp_path / run
        result = invoke("tune", iris_csv, *FAST_TUNE, "--space", fast_space, "--seed", 11,
                        "--out", out)
        assert result.exit_code == 0, result.output
        summaries.append(json.loads((out / "summary.json").read_text()))
    a, b = summaries
    assert a["best_params"] == b["best_params"]
    assert a["best_score"] == b["best_score"]
    assert a["seed"] == 11


def test_tune_output_tables(iris_csv, fast_space, tmp_path):
    result = invoke("tune", iris_csv, *FAST_TUNE, "--space", fast_space, "--out", tmp_path / "o",
                    "--activations", "relu,tanh")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Leaderboard (balanced_accuracy; fit = seconds per fold)" in out
    assert "By activation" in out and "Best parameters" in out
    assert "Task: classification (text labels, 3 classes)" in result.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert set(summary["search_space"]["activation"]["choices"]) == {"relu", "tanh"}
    assert summary["command"].startswith("skact tune ")


@pytest.mark.parametrize("command", ["tune", "compare"])
def test_an_unusable_out_directory_fails_before_any_training(iris_csv, command):
    result = runner.invoke(app, [command, str(iris_csv), "--out", str(iris_csv / "sub")])
    assert result.exit_code == 1
    assert "cannot create the output directory" in result.stderr
    assert "Traceback" not in result.output
    assert "Comparing" not in result.stderr and "trial" not in result.stderr.lower()



def test_interrupted_exit_status_is_130_even_after_ctrl_c_in_exec_code(tmp_path):
    """CPython turns a KeyboardInterrupt that passed through ``exec``-compiled code (as in a
    dataclass built during a lazy import) into death by SIGINT at exit, whatever status the
    program chose; ``skact`` must still exit 130 and run its exit handlers."""
    marker = tmp_path / "atexit-ran"
    (tmp_path / "driver.py").write_text(
        "import atexit, pathlib, typer\n"
        "import skact_cli.main as cli\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).touch)\n"
        "def interrupted_command():\n"
        "    try:\n"
        "        exec('raise KeyboardInterrupt')\n"
        "    except KeyboardInterrupt:\n"
        "        raise SystemExit(130)\n"
        "cli.app = interrupted_command\n"
        "cli.main()\n"
    )
    proc = subprocess.run([sys.executable, "-m", "driver"], cwd=tmp_path, env=skact_env(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 130, proc.stderr
    assert marker.exists()


def test_tune_and_predict_a_european_csv_with_an_index_column(fast_space, tmp_path):
    """A semicolon-separated file with decimal commas, '?' for missing values and the index
    pandas writes by default trains on the 4 measurements, and says what it guessed."""
    from cli_fixtures import iris_frame

    frame = iris_frame()
    frame["sepal_width"] = frame["sepal_width"].astype(object)
    frame.loc[[2, 9], "sepal_width"] = "?"
    path = tmp_path / "iris-de.csv"
    frame.to_csv(path, sep=";", decimal=",")  # with the index, as df.to_csv() does
    out = tmp_path / "o"
    result = invoke("tune", path, *FAST_TUNE, "--space", fast_space, "--out", out)
    assert result.exit_code == 0, result.output
    err = " ".join(result.stderr.split())
    assert "4 feature columns (4 numeric, 0 text)" in err
    assert "separated by semicolons" in err and "decimal commas read as numbers" in err
    assert "2 missing values in 1 column, imputed" in err and "'sepal_width': '?' (2 rows)" in err
    assert "dropped the first column ('Unnamed: 0')" in err
    preds = out / "predictions.csv"
    result = invoke("predict", out / "model.skact", path, "--out", preds)
    assert result.exit_code == 0, result.output
    assert len(preds.read_text().splitlines()) == len(frame) + 1


def test_predict_reads_a_categorical_column_as_the_model_learnt_it(tmp_path):
    """'-' is a category in training; a later file whose column holds only 1, 2 and '-'
    must not be read as numbers with '-' missing."""
    rng = np.random.RandomState(0)
    grade = rng.choice(["1", "2", "-", "A"], 200)
    x = rng.randn(200)
    label = np.where(grade == "-", "yes", "no")
    pd.DataFrame({"grade": grade, "x": x, "label": label}).to_csv(tmp_path / "train.csv",
                                                                   index=False)
    out = tmp_path / "run"
    space = tmp_path / "space.toml"
    space.write_text('activation = "relu"\nhidden_layer_sizes = "16"\n'
                     "learning_rate_init = 0.02\nbatch_size = 32\n")
    result = invoke("tune", tmp_path / "train.csv", "--space", space, "--n-trials", "1",
                    "--cv", "2", "--max-epochs", "60", "--out", out)
    assert result.exit_code == 0, result.output
    new = pd.DataFrame({"grade": ["1", "-", "2", "-"], "x": [0.1, 0.2, -0.3, 1.0]})
    new.to_csv(tmp_path / "new.csv", index=False)
    result = invoke("predict", out, tmp_path / "new.csv", "--out", tmp_path / "p.csv")
    assert result.exit_code == 0, result.output
    pipe = skact.load(out)
    expected = pipe.predict(new.astype({"grade": object}))
    assert pd.read_csv(tmp_path / "p.csv")["prediction"].tolist() == list(expected)
    assert list(expected) == ["no", "yes", "no", "yes"]


@pytest.mark.parametrize("command", ["tune", "compare"])
def test_help_states_the_epochs_the_models_train_by_default(command):
    """--max-epochs' help names the estimators' own max_iter (it once said 64 for the mlp
    classifier after its default became 96)."""
    from skact import CNNClassifier, TabularMLPClassifier, TabularMLPRegressor

    result = runner.invoke(app, [command, "--help"], terminal_width=100)
    text = " ".join(result.output.replace("│", " ").split())
    assert f"{TabularMLPClassifier().max_iter} for the mlp classifier" in text
    assert f"{TabularMLPRegressor().max_iter} for the" in text
    assert f"{CNNClassifier().max_iter} for cnn" in text


def test_a_cnn_written_as_tune_shows_it_gets_told_which_part_layers_sets(iris_csv):
    """tune's tables write a CNN as 'channels/dense'; pasted into compare's --layers, the
    error says that --layers is the dense part, before any data is read."""
    result = runner.invoke(app, ["compare", str(iris_csv), "--model", "cnn",
                                 "--layers", "8-16/32"])
    assert result.exit_code == 2
    text = " ".join(result.output.replace("│", " ").split())
    assert ("skact writes a CNN as convolution channels/dense layers, here '8-16' and '32', "
            "which are set apart: the dense layers as layer sizes (--layers, "
            "hidden_layer_sizes), the channels as conv_channels") in text
