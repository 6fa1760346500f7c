"""What ``skact tune`` and ``skact compare`` share about a run: its output directory (default
name, created, checked for writing and locked for this run before any work), the command line
recorded in summary.json (and offered to resume an interrupted study), and the report on the
data set read.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
import time
from enum import Enum
from pathlib import Path

import typer


def stem(path: Path) -> str:
    """The data file's name without its suffixes, for run directories and study names."""
    return path.name.split(".")[0] or "data"


def default_out(data: Path, prefix: str = "") -> Path:
    """``skact-runs/<prefix><data name>-<timestamp>``, numbered if it already exists."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = Path("skact-runs") / f"{prefix}{stem(data)}-{stamp}"
    out, i = base, 1
    while out.exists():
        i += 1
        out = base.with_name(f"{base.name}-{i}")
    return out


def make_out_dir(path) -> Path:
    """Create the output directory up front and claim it (:func:`claim_out_dir`), so a
    bad --out, or one that another run is writing to, fails before any work."""
    from skact.exceptions import SkactError

    out_dir = Path(path)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SkactError(f"cannot create the output directory {out_dir}: "
                         f"{exc.strerror or exc}") from None
    claim_out_dir(out_dir)
    return out_dir


#: The lock file in an output directory, and those this process holds until it exits.
OUT_LOCK = ".skact-run.lock"
_CLAIMED: dict[Path, int] = {}


def claim_out_dir(out_dir: Path) -> None:
    """Make ``out_dir`` this run's alone: an exclusive ``flock`` on its :data:`OUT_LOCK`,
    which the kernel drops when the process ends, however it ends. A second run given the
    same --out fails at once (two runs would leave one's model beside the other's trials);
    creating the lock file also proves the folder writable, before anything trains."""
    from skact.exceptions import SkactError

    key = out_dir.resolve()
    if key in _CLAIMED:  # this process again (tests run many commands in one)
        return
    try:
        import fcntl
    except ImportError:  # Windows: no lock, but the folder is still checked for writing
        fcntl = None
    lock = out_dir / OUT_LOCK
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise SkactError(f"cannot write to the output directory {out_dir}: "
                         f"{exc.strerror or exc}; make it writable or choose another "
                         "--out") from None
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise SkactError(f"another skact run{who} is writing to {out_dir}; give this run "
                             "its own --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
    _CLAIMED[key] = fd


def remove_empty_out_dir(out_dir: Path) -> None:
    """Give up the claim on ``out_dir`` (its lock file) and remove the folder if it is
    then empty: for a run that created it and saved nothing."""
    fd = _CLAIMED.pop(out_dir.resolve(), None)
    with contextlib.suppress(OSError):
        (out_dir / OUT_LOCK).unlink()
    with contextlib.suppress(OSError):
        out_dir.rmdir()
    if fd is not None:
        os.close(fd)


def command_line(ctx: typer.Context | None) -> str:
    """The command as typed, rebuilt from the parsed options (passwords in URLs masked)."""
    from skact.tuning import mask_url

    if ctx is None:
        return "skact " + shlex.join(mask_url(a) for a in sys.argv[1:])
    parts = ["skact", ctx.info_name or "tune"]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if isinstance(value, Enum):
            value = value.value
        if param.param_type_name == "argument":
            parts.append(str(value))
        elif value is not None and value is not False and value != param.default and \
                getattr(param.default, "value", param.default) != value:
            parts.append(param.opts[0])
            if value is not True:
                parts.append(mask_url(str(value)))
    return shlex.join(parts)


def resume_hint(command: str, storage: str | None, study_name: str,
                data: Path) -> tuple[str, str]:
    """How to go on after Ctrl-C, as (what it is, the command): the same command with this
    run's ``--storage`` and ``--study-name`` (added when they were defaults); for an
    in-memory study, which is gone, the same with a journal file, so that the next
    interruption can be resumed. The command is printed on a line of its own, to copy."""
    parts = shlex.split(command)
    if storage:
        if "--study-name" not in parts:
            parts += ["--study-name", study_name]
        # command_line masks a database password (also one from SKACT_STORAGE)
        masked = "***" in " ".join(parts)
        return ("Resume (the finished trials count; put the password back in the URL):"
                if masked else "Resume (the finished trials count):"), shlex.join(parts)
    parts += ["--storage", f"{stem(data)}.journal", "--study-name", study_name]
    return ("This study was in memory, so it cannot be resumed. To make the next run "
            "resumable:"), shlex.join(parts)


def report_dataset(render, path, ds) -> None:
    """What was read: rows, feature columns, target, task and the reader's warnings."""
    n_num, n_cat = len(ds.numeric_columns), len(ds.categorical_columns)
    render.info(
        f"Read {path}: {ds.n_rows_read} rows, {len(ds.feature_columns)} feature columns "
        f"({n_num} numeric, {n_cat} text); target {ds.target!r}"
    )
    if ds.target_reason != "given":
        render.notice(f"Target: {ds.target!r}, the last column, as no --target was given "
                      "(pass --target NAME to predict another column)")
    if ds.n_rows_dropped:
        render.info(
            f"Dropped {ds.n_rows_dropped} rows whose target is missing; {ds.n_rows} remain"
        )
    detail = ""
    if ds.task == "classification":
        detail = f", {ds.y.nunique()} classes"
    render.info(f"Task: {ds.task} ({render.spoken(ds.task_reason)}{detail})")
    for w in ds.warnings:
        render.warning(w)
