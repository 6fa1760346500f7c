"""pytest set-up for the doctests in skact's docstrings (``--doctest-modules``).

The examples train small networks for a few epochs so that they run in a second; a
``ConvergenceWarning`` there is expected and would only bury the test summary (the test
modules under ``tests/`` filter what they expect themselves).
"""

import pytest
from _pytest.doctest import DoctestItem


def pytest_collection_modifyitems(config, items):
    quick_training = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
    for item in items:
        if isinstance(item, DoctestItem):
            item.add_marker(quick_training)
