"""The training rows a model file keeps (skact.data.fingerprint): small, by content, and
able to tell rows seen in training from new ones."""

import json

import numpy as np
import pandas as pd

from skact.data.fingerprint import SAMPLE_ROWS, fingerprint, seen_warning, share_seen


def _table(n, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(size=n), "k": rng.integers(0, 1000, n),
                         "colour": rng.choice(["red", "green", "blue"], n)})


def test_a_large_training_set_keeps_about_a_thousand_rows_and_still_measures_the_share():
    train = _table(20_000)
    saved = fingerprint(train, ["x", "k"])
    assert 0.5 * SAMPLE_ROWS < len(saved["hashes"]) < 1.5 * SAMPLE_ROWS
    assert len(json.dumps(saved)) < 25_000  # travels in the model file's JSON
    assert all(h < 2 ** 52 for h in saved["hashes"])  # exact as JSON numbers
    half_seen = pd.concat([train.iloc[:4000], _table(4000, seed=1)], ignore_index=True)
    share, sampled = share_seen(saved, half_seen, ["x", "k"])
    assert 0.3 < share < 0.7 and sampled > 100  # drawn by content: about half of 8,000
    assert share_seen(saved, _table(4000, seed=2), ["x", "k"])[0] == 0.0


def test_numbers_hash_as_the_model_reads_them_whatever_their_dtype_in_the_file():
    train = _table(200)
    saved = fingerprint(train, ["x", "k"])
    again = train.assign(k=train["k"].astype(float), colour=train["colour"].astype(object))
    assert share_seen(saved, again, ["x", "k"]) == (1.0, 200)
    message = seen_warning(saved, again, ["x", "k"], source="train.csv")
    assert message.startswith("100% of the rows of train.csv (judged by 200 of them) are rows "
                              "the model was trained on")


def test_no_warning_for_new_rows_repeated_rows_or_a_fingerprint_it_cannot_read():
    train = _table(200)
    saved = fingerprint(train, ["x", "k"])
    assert seen_warning(saved, _table(100, seed=3), ["x", "k"]) is None
    # a table of few distinct rows: new rows equal training rows without being them
    few = pd.DataFrame({"sex": ["m", "f"] * 100, "class": [1, 2, 3, 4] * 50})
    assert fingerprint(few, ["class"])["distinct"] < 0.9
    assert seen_warning(fingerprint(few, ["class"]), few, ["class"]) is None
    for broken in (None, {}, {"every": "x", "hashes": [], "distinct": 1.0},
                   {"every": 1, "hashes": [-1], "distinct": 1.0}):
        assert seen_warning(broken, train, ["x", "k"]) is None
