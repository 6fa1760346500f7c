"""Print the lowest version of each direct dependency that pyproject.toml allows, one
``name==X`` a line, for `.ci/lowest-versions` to install.

Every ``>=X`` in ``[project].dependencies`` becomes ``==X``, so the floors CI tests are the
floors users are promised. Dependencies whose marker does not hold for this interpreter are
left out, and so is torch: it stays at the CPU build of requirements-cpu.txt. A dependency
without a ``>=`` floor is an error: every floor must be tested.

Usage: python .ci/floors.py [pyproject.toml]   (needs `packaging`)
"""

import sys

from packaging.requirements import Requirement

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

NOT_PINNED = {"torch"}  # installed from requirements-cpu.txt


def floors(pyproject):
    with open(pyproject, "rb") as fh:
        dependencies = tomllib.load(fh)["project"]["dependencies"]
    pins = []
    for line in dependencies:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate():
            continue
        if req.name in NOT_PINNED:
            continue
        lows = [spec.version for spec in req.specifier if spec.operator == ">="]
        if len(lows) != 1:
            raise SystemExit(f"{pyproject}: {line!r} needs exactly one '>=' floor")
        extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
        pins.append(f"{req.name}{extras}=={lows[0]}")
    return pins


if __name__ == "__main__":
    print("\n".join(floors(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml")))
