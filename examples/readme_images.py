"""Make the README's pictures from a real run: what `skact tune` and `skact compare` print,
and the plots `skact compare` draws.

Runs the two commands on the Palmer penguins (the `palmerpenguins` package; scikit-learn's
wine data where it is not installed) in a temporary folder, exactly as a user would, with
colours on and the terminal 100 columns wide. The tables they print to standard output are
turned into SVG with Rich's own console export (``Console(record=True).save_svg``), and the
comparison's loss.png, scores.png and diagnostics.png are copied next to them:

    docs/images/tune.svg, compare.svg, compare-loss.png, compare-scores.png,
    compare-diagnostics.png

Run: python examples/readme_images.py [OUT_DIR]   (default: docs/images/; takes 2-4 minutes)
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.text import Text

WIDTH = 100


def data_csv(folder: Path) -> tuple[Path, str]:
    """The data set as a CSV file, and its target column."""
    try:
        from palmerpenguins import load_penguins

        frame, name, target = load_penguins(), "penguins.csv", "species"
    except ImportError:
        from sklearn.datasets import load_wine

        frame, name, target = load_wine(as_frame=True).frame, "wine.csv", "target"
    path = folder / name
    frame.to_csv(path, index=False)
    return path, target


def skact(*args: str, cwd: Path) -> str:
    """Run ``skact ARGS`` as a user would (in colour, WIDTH columns); its standard output."""
    env = {**os.environ, "COLUMNS": str(WIDTH), "FORCE_COLOR": "1", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    command = [sys.executable, "-m", "skact_cli.main", *args]
    print("$ skact " + " ".join(args), file=sys.stderr)
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"skact {' '.join(args)} failed:\n{proc.stderr}")
    return proc.stdout


def save_svg(command: str, output: str, path: Path) -> None:
    """The command line and its coloured output as an SVG terminal picture."""
    with open(os.devnull, "w") as sink:
        console = Console(record=True, width=WIDTH, force_terminal=True, file=sink)
        console.print(Text(f"$ {command}", style="bold"))
        console.print(Text.from_ansi(output.rstrip("\n")))
    console.save_svg(str(path), title=command.split(" --")[0])


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data, target = data_csv(tmp)
        tune_args = [data.name, "--target", target, "--n-trials", "12", "--cv", "3",
                     "--max-epochs", "40", "--activations", "relu,gelu,tanh,sigmoid",
                     "--out", "tune-run"]
        save_svg("skact tune " + " ".join(tune_args), skact("tune", *tune_args, cwd=tmp),
                 out_dir / "tune.svg")
        compare_args = [data.name, "--target", target, "--activations",
                        "relu,leaky_relu,gelu,tanh,sigmoid", "--layers", "64-64-64",
                        "--runs", "2", "--cv", "3", "--max-epochs", "60", "--out", "compare-run"]
        save_svg("skact compare " + " ".join(compare_args),
                 skact("compare", *compare_args, cwd=tmp), out_dir / "compare.svg")
        for name in ("loss.png", "scores.png", "diagnostics.png"):
            shutil.copyfile(tmp / "compare-run" / name, out_dir / f"compare-{name}")
    for path in sorted(out_dir.iterdir()):
        print(f"{path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images"))
