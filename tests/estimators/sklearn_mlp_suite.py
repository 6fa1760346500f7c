"""scikit-learn's own MLP tests with skact's estimators swapped in: the module's set-up.

``prepare(directory)`` copies ``sklearn/neural_network/tests/test_mlp.py`` from the
installed scikit-learn (never a vendored copy: each scikit-learn release tests skact
anew), changes its import to ``from skact import MLPClassifier, MLPRegressor``, and
writes the ``conftest.py`` it needs: scikit-learn's ``global_random_seed`` fixture and
the tests skact cannot pass, marked as strict expected failures with their reasons (a
listed test that starts passing fails the run, so the list stays true). The README's
"How skact differs" section lists the same tests.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

SKLEARN_IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
SKACT_IMPORT = "from skact import MLPClassifier, MLPRegressor"

#: test function name -> why skact fails it (by design or out of reach)
EXPECTED_FAILURES = {
    "test_gradient": (
        "calls scikit-learn's private NumPy back-propagation, MLP._loss_grad_lbfgs; skact's "
        "gradients come from torch autograd"
    ),
    "test_early_stopping_stratified": (
        "expects scikit-learn's message, which names its internal boolean encoding of y "
        "(['True']); skact's names the user's label ([1])"
    ),
    "test_lbfgs_regression_maxfun": (
        "with activation='identity' torch's L-BFGS (strong-Wolfe line search) converges in 9 "
        "loss evaluations, inside max_fun=10, so there is no limit to warn about; "
        "scipy's L-BFGS-B needs more"
    ),
}

_CONFTEST = '''\
"""Written by skact's tests/estimators/sklearn_mlp_suite.py: scikit-learn's fixture, skact's
xfails."""
import os

import pytest

EXPECTED_FAILURES = {failures!r}


@pytest.fixture
def global_random_seed():
    # scikit-learn's default; its CI varies it through this variable
    return int(os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED", "42"))


def pytest_collection_modifyitems(items):
    for item in items:
        reason = EXPECTED_FAILURES.get(getattr(item, "originalname", item.name))
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
'''


def sklearn_test_file() -> Path:
    """The MLP test module inside the installed scikit-learn."""
    import sklearn

    return Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"


def prepare(directory) -> Path:
    """Write the swapped test module, its conftest and an empty pytest.ini into
    ``directory`` (the ini makes it the rootdir, away from skact's own settings)."""
    directory = Path(directory)
    source = sklearn_test_file().read_text(encoding="utf-8")
    if source.count(SKLEARN_IMPORT) != 1:
        raise RuntimeError(
            f"{sklearn_test_file()} no longer imports the MLPs with {SKLEARN_IMPORT!r}; "
            "update tests/estimators/sklearn_mlp_suite.py for this scikit-learn release."
        )
    (directory / "test_mlp.py").write_text(source.replace(SKLEARN_IMPORT, SKACT_IMPORT),
                                           encoding="utf-8")
    (directory / "conftest.py").write_text(
        textwrap.dedent(_CONFTEST).format(failures=EXPECTED_FAILURES), encoding="utf-8"
    )
    (directory / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return directory / "test_mlp.py"


def command(directory, report):
    """The pytest command line that runs the prepared module, writing a JUnit report."""
    import sys

    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            f"--rootdir={directory}", f"--junitxml={report}", str(Path(directory) / "test_mlp.py")]


def outcomes(report):
    """``{test id: "passed", "failed", "xfailed" or "skipped"}`` from a JUnit report."""
    import xml.etree.ElementTree as ET

    result = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = case.get("name")
        kinds = {child.tag: child for child in case}
        if "failure" in kinds or "error" in kinds:
            result[name] = "failed"
        elif "skipped" in kinds:
            result[name] = ("xfailed" if kinds["skipped"].get("type") == "pytest.xfail"
                            else "skipped")
        else:
            result[name] = "passed"
    return result


def environment():
    """The child's environment: one torch thread (the networks are tiny), skact importable."""
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env
