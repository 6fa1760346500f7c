import os

# Rich wraps help text to the terminal width; pin it so CLI output is stable.
os.environ.setdefault("COLUMNS", "120")
os.environ.setdefault("TERM", "dumb")

# One torch thread per test process. The suite's networks are tiny, and on a
# 2-core CI machine two OpenMP threads competing with a second busy process
# (a parallel search worker, a CLI subprocess) can make training 10-20x slower.
# Set before any test module imports torch, and inherited by subprocesses.
os.environ.setdefault("OMP_NUM_THREADS", "1")

# A shell that starts the suite in the background (`pytest &` in a script) ignores Ctrl-C
# for it, and Python then keeps SIGINT ignored: the Ctrl-C tests, and the CLI processes
# they start, would never see their SIGINT. Put back Python's own handler.
import signal  # noqa: E402

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
