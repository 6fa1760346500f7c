"""Run ``skact ARGS`` the way the fault tests need it (``python tests/skact_launcher.py ARGS``).

- ``SKACT_TEST_BARRIER=<folder>``: import everything first, say so (``<folder>/ready-<pid>``),
  then wait for ``<folder>/go``, so that several workers reach the storage at the same
  moment (as a job array does).
- ``SKACT_TEST_FULL_AFTER=<n>``: the disk holding the journal fills up after ``n`` writes
  to it: the next write puts half of its bytes on disk and fails with ENOSPC, and so does
  every later one (as a full file system does).
- ``SKACT_TEST_FULL_AT=<text>``: the disk fills up at the first write to the journal that
  holds ``<text>`` (none of it is written), and stays full.
"""

import errno
import os
import sys
import time

import optuna  # noqa: F401 - imported before the start signal, like the rest
import skact_cli.main

import skact.tuning  # noqa: F401


def _fill_disk_after(n_writes: int | None, at: bytes | None = None) -> None:
    real_write = os.write
    count = {"n": 0, "full": False}

    def write(fd, data):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if target.endswith(".journal"):
            count["n"] += 1
            if at is not None and at in bytes(data):
                count["full"] = True
            if count["full"]:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            if n_writes is not None and count["n"] > n_writes:
                if count["n"] == n_writes + 1:
                    real_write(fd, bytes(data)[: max(1, len(data) // 2)])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    os.write = write


if __name__ == "__main__":
    if os.environ.get("SKACT_TEST_FULL_AFTER"):
        _fill_disk_after(int(os.environ["SKACT_TEST_FULL_AFTER"]))
    if os.environ.get("SKACT_TEST_FULL_AT"):
        _fill_disk_after(None, os.environ["SKACT_TEST_FULL_AT"].encode())
    barrier = os.environ.get("SKACT_TEST_BARRIER")
    if barrier:
        open(os.path.join(barrier, f"ready-{os.getpid()}"), "w").close()
        deadline = time.monotonic() + 300
        while not os.path.exists(os.path.join(barrier, "go")) and time.monotonic() < deadline:
            time.sleep(0.005)
    sys.argv = ["skact", *sys.argv[1:]]
    skact_cli.main.main()
