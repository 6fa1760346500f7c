"""Small CSV files and helpers shared by the tuning and CLI tests.

The fixtures built from them (``iris_csv``, ``diabetes_csv``, ``messy_csv``, ``fast_space``)
are in ``tests/conftest.py``, where every test can request them; import the functions here.

Everything is written from scikit-learn's bundled data sets or generated, kept small so a
trial costs well under a second.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

#: A search space with tiny networks, so trials are fast.
FAST_SPACE_TOML = """\
activation = ["relu", "tanh", "gelu"]
hidden_layer_sizes = ["8", "16"]
learning_rate_init = { low = 0.005, high = 0.05, log = true }
alpha = { low = 1e-6, high = 1e-3, log = true }
batch_size = 32
"""

#: Flags that keep a ``skact tune`` run to a few seconds.
FAST_TUNE = ["--n-trials", "3", "--max-epochs", "8", "--cv", "2"]


def iris_frame(n_per_class=20, seed=0):
    """Iris with string labels ("setosa", ...), ``n_per_class`` rows of each species."""
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    df = data.frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    df["species"] = np.asarray(data.target_names)[data.target]
    df = df.drop(columns="target")
    rng = np.random.default_rng(seed)
    parts = [g.iloc[rng.permutation(len(g))[:n_per_class]] for _, g in df.groupby("species")]
    return pd.concat(parts).sample(frac=1.0, random_state=seed).reset_index(drop=True)


def diabetes_frame(n=80):
    """The diabetes regression data (first ``n`` rows), target column ``progression``."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes(as_frame=True)
    df = data.frame.rename(columns={"target": "progression"})
    return df.iloc[:n].reset_index(drop=True)


def messy_frame(seed=0):
    """Penguin-like table: numeric columns with missing values, text columns (one with
    missing values), some rows without a target."""
    df = iris_frame(n_per_class=20, seed=seed)
    rng = np.random.default_rng(seed)
    n = len(df)
    df.insert(0, "island", rng.choice(["Biscoe", "Dream", "Torgersen"], size=n))
    df.insert(1, "sex", rng.choice(["male", "female", None], size=n))
    for col in ("sepal_length", "petal_width"):
        df.loc[rng.choice(n, size=6, replace=False), col] = np.nan
    df.loc[[3, 17], "species"] = None
    return df


EMOTIONS = ("angry", "happy", "neutral", "sad")


def speech_frame(n_speakers=60, rows=20, n_features=24, seed=0, first_speaker=0,
                 favourite=0.7):
    """A speech-like table (issue 27): ``n_speakers`` x ``rows`` utterances with a
    ``speaker`` column, ``n_features`` acoustic-like features and an ``emotion`` label.
    Each speaker has a strong vocal signature (an offset on every feature) and an emotion
    they show most (``favourite`` of their rows), so folds by row let a model score by
    recognising speakers. The emotions' effect on the features is the same in every call
    (new speakers: another ``seed`` and ``first_speaker``)."""
    effects = np.random.default_rng(12345).normal(0.0, 0.5, (len(EMOTIONS), n_features))
    rng = np.random.default_rng(seed)
    parts = []
    for s in range(n_speakers):
        signature = rng.normal(0.0, 1.5, n_features)
        usual = rng.integers(len(EMOTIONS))
        labels = np.where(rng.random(rows) < favourite, usual,
                          rng.integers(0, len(EMOTIONS), rows))
        X = signature + effects[labels] + rng.normal(0.0, 1.0, (rows, n_features))
        part = pd.DataFrame(X.round(4), columns=[f"mfcc{i}" for i in range(n_features)])
        part.insert(0, "speaker", f"spk{first_speaker + s:03d}")
        part["emotion"] = np.asarray(EMOTIONS)[labels]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def write_csv(df, path):
    df.to_csv(path, index=False)
    return Path(path)


def skact_env():
    """Environment for ``skact`` subprocesses: quiet, fixed width, no GPU, few threads."""
    env = dict(os.environ)
    env.update(
        COLUMNS="120",
        TERM="dumb",
        NO_COLOR="1",
        CUDA_VISIBLE_DEVICES="",
        OMP_NUM_THREADS="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def skact_cmd(*args):
    return [sys.executable, "-m", "skact_cli.main", *map(str, args)]


def run_skact(*args, cwd=None, timeout=300):
    """Run ``skact ARGS`` in a subprocess; returns the CompletedProcess (text)."""
    return subprocess.run(
        skact_cmd(*args),
        capture_output=True,
        text=True,
        env=skact_env(),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def start_skact(*args, cwd=None):
    """Start ``skact ARGS`` in the background; returns the Popen."""
    return subprocess.Popen(
        skact_cmd(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=skact_env(),
        cwd=cwd,
    )


def journal_trials(path, study_name):
    """The trials of ``study_name`` in the journal file ``path``."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    storage = JournalStorage(JournalFileBackend(str(path)))
    try:
        study = optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:
        return []
    return study.get_trials(deepcopy=False)


def wait_ok(procs, timeout=300):
    """Wait for background ``skact`` runs; each must exit 0 without a traceback."""
    for proc in procs:
        _, stderr = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, stderr
        assert "Traceback" not in stderr


def messages(stderr, kind="Error"):
    """The ``kind`` ("Error", "Warning") messages on stderr, each as one line: the command
    line wraps a message at words, to the terminal's width. A message ends where the next
    one begins (an ``OperationalError:`` inside a message is not a new one)."""
    said = " ".join(stderr.split())
    return [f"{kind}: " + re.split(r" (?:Error|Warning|Saved|Note|Read|Task|Device): ", part)[0]
            for part in re.split(rf"(?:^| ){kind}: ", said)[1:]]


def words_cut(message, output, width=80):
    """What of ``message`` the ``output`` (lines as a terminal of ``width`` columns shows
    them) does not show whole: the words of the message found on no line as a word of their
    own, and lines wider than ``width`` that hold more than one word (a terminal would wrap
    them wherever the edge falls, mid-word). Empty when the message was wrapped at word
    boundaries. A word wider than a line (a long path) runs past the edge anyway."""
    lines = output.splitlines()
    words = {word for line in lines for word in line.split()}
    return ([word for word in message.split() if word not in words and len(word) < width]
            + [line for line in lines if len(line) > width and len(line.split()) > 1])
