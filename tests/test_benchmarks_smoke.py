"""The benchmark suite must keep running; CI runs its seconds-long smoke mode."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_smoke_run_reports_every_case():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke"],
        capture_output=True, text=True, timeout=300, check=True,
    )
    for heading in ("## fit", "## fit scaling", "## CNN fit", "## predict one row",
                    "## predict 2,000 rows", "## GridSearchCV", "## start-up"):
        assert heading in result.stdout
    assert "| float32 | skact MLPClassifier |" in result.stdout
