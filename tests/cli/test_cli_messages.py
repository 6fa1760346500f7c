"""The messages that guide a user, each driven from the command line in the situation that
needs it: the target taken by default (and a last column that is no label), a misspelt
--target, a shuffled pandas index, a workbook or a UTF-16 export named .csv, and help text
at 80 columns."""

import json
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
from cli_fixtures import FAST_SPACE_TOML, skact_env, words_cut
from skact_cli import render
from skact_cli.main import app
from typer.testing import CliRunner

runner = CliRunner()

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = ["--n-trials", "1", "--max-epochs", "2", "--cv", "2"]


def penguins():
    """Palmer penguins as ``palmerpenguins.load_penguins()`` gives it (species first, year
    last); a frame with the same columns and kinds of values where the package is missing."""
    try:
        from palmerpenguins import load_penguins
    except ImportError:
        rng = np.random.default_rng(0)
        n = 344
        species = rng.choice(["Adelie", "Gentoo", "Chinstrap"], n)
        shift = pd.Series(species).map({"Adelie": 0.0, "Gentoo": 1.0, "Chinstrap": 2.0})
        return pd.DataFrame({
            "species": species,
            "island": rng.choice(["Biscoe", "Dream", "Torgersen"], n),
            "bill_length_mm": (39 + 5 * shift + rng.normal(0, 2, n)).round(1),
            "bill_depth_mm": (18 - shift + rng.normal(0, 1, n)).round(1),
            "flipper_length_mm": (190 + 10 * shift + rng.normal(0, 5, n)).round(),
            "body_mass_g": (3700 + 500 * shift + rng.normal(0, 300, n)).round(),
            "sex": rng.choice(["male", "female", None], n),
            "year": rng.choice([2007, 2008, 2009], n),
        })
    return load_penguins()


@pytest.fixture(name="space")
def space_fixture(tmp_path):
    path = tmp_path / "space.toml"
    path.write_text(FAST_SPACE_TOML)
    return path


def tune(*args):
    return runner.invoke(app, ["tune", *map(str, args)], catch_exceptions=False)


def one_line(text):
    return " ".join(text.split())


def test_the_default_target_is_said_and_a_year_last_is_warned_about(tmp_path, space,
                                                                   monkeypatch):
    monkeypatch.setattr(render.err, "width", 80)  # messages wrap at words, at 80 columns
    data = tmp_path / "penguins.csv"
    penguins().to_csv(data, index=False)
    result = tune(data, *FAST, "--space", space, "--out", tmp_path / "run")
    assert result.exit_code == 0, result.output
    err = one_line(result.stderr)
    notice = ("Target: 'year', the last column, as no --target was given (pass --target NAME "
              "to predict another column)")
    warning = ("Warning: the last column, 'year', was taken as the target because none was "
               "named, but it holds years (2007..2009) and does not look like a label; if "
               "'species' is the label, pass --target species")
    assert notice in err and warning in err
    assert words_cut(notice + " " + warning, result.stderr) == []
    # wider lines hold one word: a path longer than the terminal runs past its edge
    assert all(len(line) <= 80 or len(line.split()) == 1 for line in result.stderr.splitlines())
    named = tune(data, "--target", "species", *FAST, "--space", space, "--out", tmp_path / "r2")
    assert named.exit_code == 0, named.output
    assert "Target:" not in named.stderr and "taken as the target" not in named.stderr


def test_a_misspelt_target_gets_did_you_mean(tmp_path):
    data = tmp_path / "penguins.csv"
    penguins().to_csv(data, index=False)
    result = tune(data, "--target", "specis")
    assert result.exit_code == 1
    message = (f"Error: {data} has no column 'specis' (did you mean 'species'?); the columns "
               "are: 'species', 'island', 'bill_length_mm', 'bill_depth_mm', "
               "'flipper_length_mm', 'body_mass_g', 'sex', 'year'")
    assert one_line(result.stderr) == message  # one message, wrapped at words
    assert words_cut(message, result.stderr, width=120) == []


def test_a_shuffled_index_written_by_to_csv_is_dropped(tmp_path, space):
    data = tmp_path / "shuffled.csv"
    penguins().sample(frac=1.0, random_state=0).to_csv(data)  # the index, shuffled, first
    out = tmp_path / "run"
    result = tune(data, "--target", "species", *FAST, "--space", space, "--out", out)
    assert result.exit_code == 0, result.output
    err = one_line(result.stderr)
    assert "7 feature columns" in err
    assert ("Warning: dropped the first column ('Unnamed: 0'): it has no header and holds "
            "distinct row numbers in shuffled order") in err
    features = json.loads((out / "summary.json").read_text())["columns"]["features"]
    assert "Unnamed: 0" not in features and len(features) == 7


def test_an_excel_workbook_named_csv_says_how_to_save_it(tmp_path):
    data = tmp_path / "penguins.csv"
    with zipfile.ZipFile(data, "w") as book:  # how every .xlsx file begins
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    result = tune(data)
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line.startswith(f"Error: {data} is an Excel workbook (.xlsx), not a CSV text file; "
                           "open it in Excel or LibreOffice Calc and save it with File > "
                           "Save As as 'CSV UTF-8 (Comma delimited)'")


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_data_given_in_the_models_place_is_told_the_order(tmp_path, command):
    """``skact predict data.csv model.skact``: the CSV in the model's place is named as text,
    and the order of the arguments is said, before the other file is read."""
    data = tmp_path / "new_rows.csv"
    data.write_text("bill_length_mm,island\n39.1,Dream\n")
    result = runner.invoke(app, [command, str(data), str(tmp_path / "model.skact")])
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line == (f"Error: {data} is not a model file saved by skact: it holds text (it "
                    "begins 'bill_length_mm,island'); a model file is what skact.save "
                    "writes, or skact tune's model.skact; the model comes first: skact "
                    f"{command} MODEL DATA")
    summary = tmp_path / "summary.json"  # a run's other file: text, but no order to fix
    summary.write_text('{"best_score": 0.9}')
    result = runner.invoke(app, [command, str(summary), str(data)])
    assert one_line(result.stderr) == (
        f"Error: {summary} is not a model file saved by skact: it holds text (it begins "
        "'{\"best_score\": 0.9}'); a model file is what skact.save writes, or skact tune's "
        "model.skact")


def test_a_utf16_unicode_text_export_is_read(tmp_path, space):
    data = tmp_path / "penguins.csv"
    penguins().to_csv(data, sep="\t", index=False, encoding="utf-16")  # Excel's Unicode text
    result = tune(data, "--target", "species", *FAST, "--space", space, "--out", tmp_path / "r")
    assert result.exit_code == 0, result.output
    err = one_line(result.stderr)
    assert "344 rows, 7 feature columns" in err
    assert "the file is UTF-16 text" in err and "separated by tabs" in err


@pytest.mark.parametrize("command", [[], ["tune"], ["compare"], ["predict"], ["evaluate"],
                                     ["activations"]])
def test_help_at_80_columns_shows_no_bool_type_and_cuts_nothing(command):
    env = {**skact_env(), "COLUMNS": "80"}
    proc = subprocess.run([sys.executable, "-m", "skact_cli.main", *command, "--help"],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "<bool>" not in proc.stdout and "…" not in proc.stdout
    assert all(len(line) <= 80 for line in proc.stdout.splitlines())
    source = _help_source(command)
    shown = proc.stdout.replace("│", " ")
    # no word of the help text split across lines (rich's panels wrap at spaces, but cut a
    # word longer than its column, such as a metavar)
    tokens = shown.split()
    assert [w for w in " ".join(source.values()).split()
            if not any(w in token for token in tokens)] == []
    # each line of the examples whole on one line, none left over on a line of its own
    lines = [" ".join(line.split()) for line in shown.splitlines()]
    for example in source["epilog"].splitlines():
        assert not example.strip() or " ".join(example.split()) in lines, example
    text = one_line(proc.stdout.replace("│", ""))
    assert "--help -h Show this message and exit." in text
    if command in (["tune"], ["compare"]):
        assert "--debug Show the full traceback of an error." in text
        assert "[default: (relu, leaky_relu, tanh, sigmoid, elu, selu, gelu, silu, mish)]" in text


def _help_source(command):
    """The text ``skact COMMAND --help`` shows, as written in the code: the command's help
    and examples, each option's help and stated default."""
    import re
    from enum import Enum

    import typer.main

    group = typer.main.get_command(app)
    cmd = group.commands[command[0]] if command else group
    texts = {"help": cmd.help or "", "epilog": cmd.epilog or ""}
    for param in cmd.params:
        default = getattr(param, "show_default", None)
        kind = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        # an Enum's values are its metavar (<mlp|cnn>) unless one is set
        choices = ["<" + "|".join(m.value for m in kind) + ">"] if isinstance(
            kind, type) and issubclass(kind, Enum) and param.metavar is None else []
        texts[param.name] = " ".join(
            [getattr(param, "help", None) or "", default if isinstance(default, str) else "",
             *choices])
    return {key: re.sub(r"\[/?bold\]", "", text) for key, text in texts.items()}
