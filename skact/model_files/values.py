"""Python values as JSON and plain numeric arrays, and back: the data layer of model files.

:class:`Encoder` turns a fitted model into JSON-ready data, setting numeric arrays aside to be
stored as ``.npy`` (read back with ``allow_pickle=False``); :class:`Decoder` turns that data
back into objects. Neither runs code named by a file: a class or function is written as a
name, and only the names in :data:`CLASSES` and :data:`FUNCTIONS` (scikit-learn's
preprocessing and pipelines, skact's estimators and preprocessing helpers) are read back.
An object is rebuilt as unpickling would (``cls.__new__`` then ``__setstate__``), from state
that can only hold data: numbers, text, lists, dicts, arrays and other listed objects.

Tagged values are one-key JSON objects whose key starts with ``__``: ``{"__tuple__": [...]}``,
``{"__array__": "3"}`` (entry ``arrays/3.npy``), ``{"__object__": [name, state]}``, ...; a
dict whose keys are not all plain strings is written as ``{"__dict__": [[key, value], ...]}``.
"""

from __future__ import annotations

import importlib
import math

import numpy as np

from skact.exceptions import ModelFileError

__all__ = ["CLASSES", "FUNCTIONS", "Decoder", "Encoder", "InvalidModelData"]

#: Classes a model file may hold, by the public name written to the file.
CLASSES = {
    "sklearn.pipeline.Pipeline": "sklearn.pipeline",
    "sklearn.compose.ColumnTransformer": "sklearn.compose",
    "sklearn.impute.SimpleImputer": "sklearn.impute",
    "sklearn.preprocessing.StandardScaler": "sklearn.preprocessing",
    "sklearn.preprocessing.MinMaxScaler": "sklearn.preprocessing",
    "sklearn.preprocessing.MaxAbsScaler": "sklearn.preprocessing",
    "sklearn.preprocessing.RobustScaler": "sklearn.preprocessing",
    "sklearn.preprocessing.OneHotEncoder": "sklearn.preprocessing",
    "sklearn.preprocessing.OrdinalEncoder": "sklearn.preprocessing",
    "sklearn.preprocessing.FunctionTransformer": "sklearn.preprocessing",
    "sklearn.preprocessing.LabelBinarizer": "sklearn.preprocessing",
    "sklearn.preprocessing.LabelEncoder": "sklearn.preprocessing",
    "skact.MLPClassifier": "skact.estimators.mlp",
    "skact.MLPRegressor": "skact.estimators.mlp",
    "skact.CNNClassifier": "skact.estimators.cnn",
    "skact.CNNRegressor": "skact.estimators.cnn",
    "skact.TabularMLPClassifier": "skact.estimators.tabular",
    "skact.TabularMLPRegressor": "skact.estimators.tabular",
}
#: Functions a model file may name (the ``func`` of a FunctionTransformer).
FUNCTIONS = {
    "skact.data.preprocess._as_float32": "skact.data.preprocess",
    "skact.data.preprocess._as_text": "skact.data.preprocess",
}
_BUILTIN_TYPES = {"builtins.float": float, "builtins.int": int, "builtins.bool": bool,
                  "builtins.str": str, "builtins.object": object, "builtins.complex": complex}
_ARRAY_KINDS = "biufc"  # stored as .npy; text and object arrays go into the JSON
_DTYPE_KINDS = "biufcOU"
_MAX_DEPTH = 200
#: The widest dtype a file may name: text of 16,384 characters (``<U300000000`` would make
#: every value of an array 1.2 GB).
_MAX_ITEMSIZE = 1 << 16
_TAGS = ("__tuple__", "__dict__", "__float__", "__slice__", "__array__", "__ndarray__",
         "__scalar__", "__dtype__", "__type__", "__function__", "__object__",
         "__random_state__")


class InvalidModelData(ValueError):
    """The data in a model file does not describe a model (raised by :class:`Decoder`)."""


def _resolve(name, table):
    return getattr(importlib.import_module(table[name]), name.rsplit(".", 1)[1])


def _names_by_object(table):
    return {id(_resolve(name, table)): name for name in table}


class Encoder:
    """Turns a value into JSON-ready data; numeric arrays are collected in ``arrays``."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self._classes = _names_by_object(CLASSES)
        self._functions = _names_by_object(FUNCTIONS)

    def encode(self, value, where="the model", depth=0):
        if depth > _MAX_DEPTH:
            raise self._refuse(where, "it nests too deeply")
        enc = self._encoder(value)
        if enc is None:
            raise self._refuse(where, f"{type(value).__module__}.{type(value).__qualname__} "
                                      "is not a type the safe model format stores")
        return enc(value, where, depth + 1)

    def _encoder(self, value):  # noqa: PLR0911 - one branch per kind of value
        if value is None or isinstance(value, (bool, str)):
            return lambda v, where, depth: v
        if type(value) is int:
            return lambda v, where, depth: v
        if type(value) is float:
            return lambda v, where, depth: v if math.isfinite(v) else {"__float__": repr(v)}
        if isinstance(value, np.ndarray):
            return self._array
        if isinstance(value, np.generic):
            return self._scalar
        if isinstance(value, np.dtype):
            return lambda v, where, depth: {"__dtype__": _dtype_str(v, where)}
        if type(value) in (list, tuple, dict, slice):
            return getattr(self, "_" + type(value).__name__)
        if isinstance(value, type):
            return self._type
        if isinstance(value, np.random.RandomState):
            return lambda v, where, depth: {
                "__random_state__": self.encode(v.get_state(), where, depth)}
        if id(value) in self._functions and callable(value):
            return lambda v, where, depth: {"__function__": self._functions[id(v)]}
        if id(type(value)) in self._classes:
            return self._object
        return None

    def _list(self, value, where, depth):
        return [self.encode(v, f"{where}[{i}]", depth) for i, v in enumerate(value)]

    def _tuple(self, value, where, depth):
        return {"__tuple__": self._list(value, where, depth)}

    def _dict(self, value, where, depth):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: self.encode(v, f"{where}[{k!r}]", depth) for k, v in value.items()}
        return {"__dict__": [[self.encode(k, where, depth), self.encode(v, f"{where}[{k!r}]",
                                                                          depth)]
                             for k, v in value.items()]}

    def _slice(self, value, where, depth):
        return {"__slice__": self._list([value.start, value.stop, value.step], where, depth)}

    def _array(self, value, where, depth):
        kind = value.dtype.kind
        if kind in _ARRAY_KINDS and value.dtype.fields is None:
            name = str(len(self.arrays))
            self.arrays[name] = np.ascontiguousarray(value)
            return {"__array__": name}
        if kind not in "OU":
            raise self._refuse(where, f"arrays of dtype {value.dtype} are not stored")
        items = value.ravel(order="C").tolist()
        if kind == "O" and not all(_is_scalar(v) for v in items):
            raise self._refuse(where, "object arrays may hold only numbers, text and None")
        values = [self.encode(v, where, depth) for v in items]
        return {"__ndarray__": [_dtype_str(value.dtype, where), list(value.shape), values]}

    def _scalar(self, value, where, depth):
        return {"__scalar__": [_dtype_str(value.dtype, where),
                               self.encode(value.item(), where, depth)]}

    def _type(self, value, where, depth):
        if issubclass(value, np.generic):
            return {"__type__": _dtype_str(np.dtype(value), where)}
        for name, builtin in _BUILTIN_TYPES.items():
            if value is builtin:
                return {"__type__": name}
        raise self._refuse(where, f"the type {value.__module__}.{value.__qualname__} is not "
                                  "one the safe model format stores")

    def _object(self, value, where, depth):
        name = self._classes[id(type(value))]
        state = value.__getstate__()
        if not isinstance(state, dict):
            raise self._refuse(where, f"{name} has no dict state")
        return {"__object__": [name, self.encode(state, f"{where} ({name})", depth)]}

    @staticmethod
    def _refuse(where, reason):
        return ModelFileError(
            f"cannot save {where} in skact's safe model format: {reason}. Use registered "
            "activation names and the preprocessing skact supports (scikit-learn's "
            "imputers, scalers, encoders, pipelines), or save it with skops or joblib instead"
        )


def _is_scalar(value):
    return value is None or isinstance(value, (bool, int, float, str)) or (
        isinstance(value, np.generic) and value.dtype.kind in _ARRAY_KINDS + "U")


def _dtype_str(dtype, where="the model"):
    if dtype.kind not in _DTYPE_KINDS or dtype.fields is not None:
        raise InvalidModelData(f"{where}: dtype {dtype} is not stored")
    return dtype.str


class Decoder:
    """Turns data written by :class:`Encoder` back into objects; ``arrays`` by name."""

    def __init__(self, arrays):
        self.arrays = arrays

    def decode(self, data, depth=0):
        if depth > _MAX_DEPTH:
            raise InvalidModelData("the model data nests too deeply")
        if data is None or isinstance(data, (bool, str, int, float)):
            return data
        if isinstance(data, list):
            return [self.decode(v, depth + 1) for v in data]
        if not isinstance(data, dict):
            raise InvalidModelData(f"unexpected JSON value {data!r:.60}")
        if len(data) == 1:
            (key, value), = data.items()
            if key in _TAGS:
                return getattr(self, "_" + key.strip("_"))(value, depth + 1)
        if any(k.startswith("__") for k in data):
            raise InvalidModelData(f"unknown entry {next(iter(data))!r:.60}")
        return {k: self.decode(v, depth + 1) for k, v in data.items()}

    def _items(self, value, n=None):
        if not isinstance(value, list) or (n is not None and len(value) != n):
            raise InvalidModelData(f"malformed entry {value!r:.60}")
        return value

    def _tuple(self, value, depth):
        return tuple(self.decode(self._items(value), depth))

    def _dict(self, value, depth):
        pairs = [self._items(p, 2) for p in self._items(value)]
        try:
            return {self.decode(k, depth): self.decode(v, depth) for k, v in pairs}
        except TypeError:  # an unhashable key
            raise InvalidModelData("a dict with an unhashable key") from None

    def _float(self, value, depth):
        if value not in ("nan", "inf", "-inf"):
            raise InvalidModelData(f"bad float {value!r:.20}")
        return float(value)

    def _slice(self, value, depth):
        start, stop, step = self.decode(self._items(value, 3), depth)
        return slice(start, stop, step)

    def _array(self, value, depth):
        if not isinstance(value, str) or value not in self.arrays:
            raise InvalidModelData(f"reference to a missing array {value!r:.20}")
        return self.arrays[value]

    def _ndarray(self, value, depth):
        dtype, shape, values = self._items(value, 3)
        dtype = self._dtype(dtype, depth)
        values = self.decode(self._items(values), depth)
        if not all(_is_scalar(v) for v in values):
            raise InvalidModelData("an object array holds something other than data")
        out = np.empty(len(values), dtype=dtype)
        out[:] = values
        try:
            return out.reshape(tuple(self._items(shape)))
        except (TypeError, ValueError):
            raise InvalidModelData(f"bad array shape {shape!r:.40}") from None

    def _scalar(self, value, depth):
        dtype, item = self._items(value, 2)
        return self._dtype(dtype, depth).type(self.decode(item, depth))

    def _dtype(self, value, depth):
        try:
            dtype = np.dtype(value) if isinstance(value, str) else None
        except TypeError:
            dtype = None
        if dtype is None or dtype.kind not in _DTYPE_KINDS or dtype.fields is not None:
            raise InvalidModelData(f"bad dtype {value!r:.40}")
        if dtype.itemsize > _MAX_ITEMSIZE:  # an array of it would take that much per value
            raise InvalidModelData(f"dtype {value!r:.40} takes {dtype.itemsize} bytes per "
                                   f"value, more than the {_MAX_ITEMSIZE} skact allows")
        return dtype

    def _type(self, value, depth):
        if value in _BUILTIN_TYPES:
            return _BUILTIN_TYPES[value]
        return self._dtype(value, depth).type

    def _function(self, value, depth):
        if value not in FUNCTIONS:
            raise InvalidModelData(f"it names the function {value!r:.80}, which is not one "
                                   "skact loads from a model file")
        return _resolve(value, FUNCTIONS)

    def _random_state(self, value, depth):
        state = self.decode(value, depth)
        rng = np.random.RandomState()
        try:
            rng.set_state(state)
        except (TypeError, ValueError):
            raise InvalidModelData("a malformed random state") from None
        return rng

    def _object(self, value, depth):
        name, state = self._items(value, 2)
        if not isinstance(name, str) or name not in CLASSES:
            raise InvalidModelData(f"it names the class {name!r:.80}, which is not one skact "
                                   "loads from a model file")
        cls = _resolve(name, CLASSES)
        state = self.decode(state, depth)
        if not isinstance(state, dict):
            raise InvalidModelData(f"the state of {name} is not a dict")
        obj = cls.__new__(cls)
        obj.__setstate__(state)
        return obj
