"""Model files: a fitted model saved as data (JSON and arrays), never as code.

Layer 5 (above the estimators and :mod:`skact.data`, below tuning). ``skact.save`` and
``skact.load`` are these; ``python -m skact.model_files OLD.joblib`` converts a pickle.

- :mod:`~skact.model_files.saving`: save, load, convert, and the bundle ``skact tune``
  writes and ``skact predict`` reads.
- :mod:`~skact.model_files.format`: the zip of JSON and ``.npy`` arrays.
- :mod:`~skact.model_files.values`: turning estimators and arrays into JSON and back.
- :mod:`~skact.model_files.limits`: the sizes checked before a file is read.
- :mod:`~skact.model_files.atomic`: writing any file atomically.
"""

from skact.model_files.saving import (
    MODEL_FILE,
    MODEL_FORMAT,
    MODEL_FORMAT_VERSION,
    MODEL_STEP,
    convert,
    load,
    load_model,
    numeric_columns,
    predict_frame,
    save,
    save_model,
)

__all__ = ["MODEL_FILE", "MODEL_FORMAT", "MODEL_FORMAT_VERSION", "MODEL_STEP", "convert",
           "load", "load_model", "numeric_columns", "predict_frame", "save", "save_model"]
