"""report.html: one self-contained page that parses, embeds every image as a PNG data URI,
fetches nothing and runs no script; and, where Chromium is installed, renders headless."""

import base64
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cli_fixtures import FAST_SPACE_TOML, speech_frame, write_csv
from skact_cli.main import app
from typer.testing import CliRunner

from skact.report import compare_report, evaluate_report, tune_report

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

CHROMIUM = "/usr/bin/chromium"
PNG = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """What a page holds: its tags, image sources, links and text."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.images, self.links, self.text = [], [], [], []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        for key in ("href", "src"):
            if key in attrs and tag != "img":
                self.links.append(attrs[key])

    def handle_data(self, data):
        self.text.append(data)


def check_self_contained(text, min_images):
    page = Page(text)
    assert page.tags[:2] == ["html", "head"] and "body" in page.tags
    assert "script" not in page.tags and "link" not in page.tags and not page.links
    assert len(page.images) >= min_images
    for src in page.images:
        assert src.startswith("data:image/png;base64,"), src[:40]
        assert base64.b64decode(src.split(",", 1)[1], validate=True).startswith(PNG)
    assert "http://" not in text and "https://" not in text
    return " ".join(" ".join(page.text).split())


@pytest.fixture(scope="module", name="runs")
def runs_fixture(tmp_path_factory):
    """A tune run with groups and a test file, an evaluate run and a compare run."""
    tmp = tmp_path_factory.mktemp("runs")
    small = {"n_speakers": 9, "rows": 8, "n_features": 6}
    data = write_csv(speech_frame(**small), tmp / "emo.csv")
    test = write_csv(speech_frame(**small, seed=1, first_speaker=50), tmp / "emo_test.csv")
    (tmp / "space.toml").write_text(FAST_SPACE_TOML)
    runner = CliRunner()
    for args in (
        ["tune", data, "-t", "emotion", "--groups", "speaker", "--test", test, "--n-trials",
         "2", "--max-epochs", "2", "--cv", "3", "--space", tmp / "space.toml", "--out",
         tmp / "tune"],
        ["evaluate", tmp / "tune", test, "--out", tmp / "evaluate"],
        ["compare", data, "-t", "emotion", "--activations", "relu,sigmoid", "--runs", "1",
         "--cv", "3", "--max-epochs", "2", "--layers", "8", "--groups", "speaker", "--out",
         tmp / "compare"],
    ):
        result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return tmp


@pytest.mark.parametrize("run, images, shown", [
    ("tune", 2, ["skact tune", "Leaderboard", "By activation", "grouped by speaker (9 groups)",
                 "Test set", "Per class", "Confusion matrix", "Library versions",
                 "72 rows from", "balanced_accuracy (UAR)"]),
    ("evaluate", 1, ["skact evaluate", "Per class", "Confusion matrix", "Library versions"]),
    ("compare", 3, ["skact compare", "Activations compared", "strong recipe",
                    "grouped by speaker (9 groups)", "Library versions"]),
])
def test_each_command_writes_a_self_contained_page(runs, run, images, shown):
    text = check_self_contained((runs / run / "report.html").read_text(encoding="utf-8"),
                                images)
    for words in shown:
        assert words in text, words


def test_the_page_escapes_what_it_shows():
    summary = {"data": "<b>.csv", "command": "skact tune '<script>alert(1)</script>'",
               "scoring": "r2", "versions": {"skact": "0"}}
    text = tune_report(summary, [])
    check_self_contained(text, 0)
    assert "&lt;script&gt;" in text
    check_self_contained(evaluate_report({"test": {"source": "<x>", "n_rows": 1}}), 0)
    check_self_contained(compare_report({"activations": []}, Path(".")), 0)


def test_the_summary_and_the_page_agree(runs):
    summary = json.loads((runs / "tune" / "summary.json").read_text())
    text = check_self_contained((runs / "tune" / "report.html").read_text(), 2)
    assert f"{summary['test']['score']:.4f}" in text
    assert f"{summary['best_score']:.4f}" in text


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed")
def test_headless_chromium_renders_the_page(runs, tmp_path):
    page = runs / "tune" / "report.html"
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--dump-dom",
         f"file://{page}"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Confusion matrix" in proc.stdout and "data:image/png;base64," in proc.stdout
    shot = tmp_path / "page.png"
    subprocess.run([CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox",
                    f"--screenshot={shot}", "--window-size=1200,3000", f"file://{page}"],
                   capture_output=True, timeout=120, check=False)
    assert shot.exists() and shot.read_bytes().startswith(PNG)
    assert shutil.which(CHROMIUM)
