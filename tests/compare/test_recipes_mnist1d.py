"""Must hold 4, small: on MNIST-1D the plain recipe gives the tutorials' ordering (the ReLU
family far ahead of sigmoid) and the strong recipe closes most of the gap. The full run, every
activation on all 5,000 signals, is recorded in README.md and benchmarks/README.md."""

import numpy as np
import pytest

from skact.compare import compare

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module", name="signals")
def signals_fixture():
    data = pytest.importorskip("mnist1d.data")  # the `bench` extra; generated, no download
    args = data.get_dataset_args()
    args.num_samples = 3000
    d = data.make_dataset(args)
    return d["x"].astype(np.float32), d["y"]


def test_plain_puts_relu_far_ahead_of_sigmoid_and_strong_rescues_sigmoid(signals):
    X, y = signals
    kwargs = dict(model="cnn", activations=["relu", "sigmoid"], runs=1, cv=2, max_epochs=15,
                  params={"conv_channels": (16, 32)})
    plain = {r["activation"]: r["score_mean"] for r in
             compare(X, y, recipe="plain", **kwargs).summary()}
    strong = {r["activation"]: r["score_mean"] for r in
              compare(X, y, recipe="strong", **kwargs).summary()}
    assert plain["relu"] - plain["sigmoid"] > 0.25, plain
    assert strong["sigmoid"] - plain["sigmoid"] > 0.2, (plain, strong)
