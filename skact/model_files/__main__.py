"""``python -m skact.model_files OLD.joblib [NEW.skact]``: convert a trusted pickle once."""

import sys

from skact.exceptions import ModelFileError
from skact.model_files.saving import convert

if len(sys.argv) not in (2, 3):
    sys.exit("usage: python -m skact.model_files OLD.joblib [NEW.skact]  (unpickles OLD: "
             "only for files you trust)")
try:
    print(f"Wrote {convert(*sys.argv[1:])}")
except ModelFileError as exc:
    sys.exit(f"Error: {exc}")
