"""Same seed, same data, same weights, bit for bit, across refactors of skact itself.

``weight_digests.json`` holds a SHA-256 of every estimator's fitted ``state_dict`` for a
fixed seed, recorded per torch version and CPU kernel family (torch's results differ in
the last bits between AVX2 and AVX512 kernels and between releases, so a digest recorded
elsewhere cannot be compared and the test skips). A change to skact that moves code
without meaning to change the numbers must leave every digest as it is. A change that
means to change them (a new default, a new recipe) records new digests with

    python tests/estimators/test_reproducible_weights.py --write

and says so in its commit message.
"""

import hashlib
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import skact

DIGESTS = Path(__file__).with_name("weight_digests.json")
ESTIMATORS = {  # name: (task, short training); every estimator at its other defaults
    "MLPClassifier": ("classification", {"max_iter": 5}),
    "MLPRegressor": ("regression", {"max_iter": 5}),
    "TabularMLPClassifier": ("classification", {"max_iter": 4}),
    "TabularMLPRegressor": ("regression", {"max_iter": 4}),
    "CNNClassifier": ("classification", {"max_iter": 3}),
    "CNNRegressor": ("regression", {"max_iter": 3}),
}


def machine_key():
    """What the digests depend on besides skact: torch's release and CPU kernels."""
    return f"torch {torch.__version__.split('+')[0]} / {torch.backends.cpu.get_cpu_capability()}"


def fitted_digest(name, seed=0):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 6)).astype(np.float32)
    task, params = ESTIMATORS[name]
    if task == "classification":
        y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int)
    else:
        y = X[:, 0] * 2 - X[:, 2] + 0.1 * rng.normal(size=120)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs do not converge
        estimator = getattr(skact, name)(random_state=seed, **params).fit(X, y)
    digest = hashlib.sha256()
    for key, tensor in sorted(estimator.module_.state_dict().items()):
        digest.update(key.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def recorded():
    return json.loads(DIGESTS.read_text()).get(machine_key())


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_fitted_weights_are_bitwise_the_recorded_ones(name):
    digests = recorded()
    if digests is None:
        pytest.skip(f"no digests recorded for {machine_key()}")
    assert fitted_digest(name) == digests[name], (
        f"{name}'s fitted weights changed for the same seed and data; if that was meant, "
        "record new digests (see this module's docstring)")


def test_the_digest_tells_two_seeds_apart():
    """The comparison is of the weights themselves: another seed gives another digest."""
    assert fitted_digest("MLPClassifier", seed=1) != fitted_digest("MLPClassifier", seed=0)


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    # one thread, as tests/conftest.py runs the test: a convolution's sums are ordered by
    # the thread count, so digests written with all cores would not match (CNNClassifier)
    torch.set_num_threads(1)
    table = json.loads(DIGESTS.read_text()) if DIGESTS.exists() else {}
    table[machine_key()] = {name: fitted_digest(name) for name in sorted(ESTIMATORS)}
    DIGESTS.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"recorded {machine_key()} in {DIGESTS}")
