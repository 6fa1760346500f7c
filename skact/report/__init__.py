"""Reports to share: what a finished run shows to someone who was not at the terminal.

The top of the library (it reads what :mod:`skact.tuning` and :mod:`skact.compare` made):
:mod:`~skact.report.figures` draws the test set's confusion matrix (``confusion.png``);
:mod:`~skact.report.html` builds one self-contained page, ``report.html`` (images inline as
``data:`` URIs, no scripts, nothing fetched from the network), and
:mod:`~skact.report.pages` fills it for ``skact tune``, ``skact compare`` and
``skact evaluate``: the command, the data and the fold design, the leaderboard, the
per-activation table, the plots, the test-set report and the library versions.
"""

from skact.report.figures import confusion_figure, png_bytes, write_confusion
from skact.report.pages import compare_report, evaluate_report, tune_report, write_report

__all__ = ["compare_report", "confusion_figure", "evaluate_report", "png_bytes",
           "tune_report", "write_confusion", "write_report"]
