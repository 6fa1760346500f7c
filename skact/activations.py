"""The activation registry: names mapped to torch module factories.

Every estimator's ``activation`` parameter is looked up here inside ``fit``
(never at construction), so it is an ordinary hyperparameter for
``GridSearchCV``, ``RandomizedSearchCV`` and Optuna.

Importing this module does not import torch: factories are stored as dotted
paths and resolved on first use, so ``import skact`` and ``skact --help`` stay
fast.

Examples
--------
>>> from skact import activations
>>> "gelu" in activations.names()
True
>>> activations.info("swish").name
'silu'
>>> activations.get("tanh")()
Tanh()
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["ActivationInfo", "names", "info", "get", "register", "unregister"]


@dataclass(frozen=True)
class ActivationInfo:
    """What the registry knows about one activation.

    Attributes
    ----------
    name : str
        Canonical name.
    factory : str or callable
        ``"module:attr"`` path of a ``torch.nn.Module`` class, or a callable
        returning a fresh module (called with ``activation_params``).
    init : {"kaiming", "xavier", "lecun"}
        Weight initialisation that ``weight_init="auto"`` uses with it.
    formula, output_range, use : str
        One-line descriptions for tables and ``skact activations``.
    defaults : dict
        Keyword arguments passed to the factory unless ``activation_params``
        overrides them.
    aliases : tuple of str
        Other names that resolve to this entry.
    """

    name: str
    factory: str | Callable
    init: str = "kaiming"
    formula: str = ""
    output_range: str = ""
    use: str = ""
    defaults: dict = field(default_factory=dict)
    aliases: tuple = ()


_REGISTRY: dict[str, ActivationInfo] = {}
_ALIASES: dict[str, str] = {}
_INITS = ("kaiming", "xavier", "lecun")


def register(
    name,
    factory,
    *,
    init="kaiming",
    formula="",
    output_range="",
    use="",
    defaults=None,
    aliases=(),
    overwrite=False,
):
    """Add an activation to the registry.

    Parameters
    ----------
    name : str
        The name users pass as ``activation=``.
    factory : callable or str
        A ``torch.nn.Module`` subclass, a callable returning a new module each
        call (it receives ``activation_params`` as keyword arguments), or a
        ``"package.module:Class"`` path resolved lazily.
    init : {"kaiming", "xavier", "lecun"}, default="kaiming"
        The weight initialisation ``weight_init="auto"`` picks for it.
    formula, output_range, use : str, default=""
        Descriptions shown by ``skact activations``.
    defaults : dict, default=None
        Default keyword arguments for the factory.
    aliases : tuple of str, default=()
        Extra names for the same activation.
    overwrite : bool, default=False
        Replace an existing entry of the same name instead of raising.

    Examples
    --------
    >>> import torch
    >>> from skact import activations
    >>> class Square(torch.nn.Module):
    ...     def forward(self, x):
    ...         return x * x
    >>> activations.register("square", Square)
    >>> activations.get("square")()
    Square()
    >>> activations.unregister("square")
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"An activation name must be a non-empty string, got {name!r}.")
    if not (callable(factory) or (isinstance(factory, str) and ":" in factory)):
        raise ValueError(
            f"The factory for activation {name!r} must be a torch.nn.Module subclass, a "
            f"callable returning a module, or a 'module:attr' path; got {factory!r}."
        )
    if init not in _INITS:
        raise ValueError(f"init must be one of {_INITS}, got {init!r}.")
    taken = {name, *aliases} & (set(_REGISTRY) | set(_ALIASES))
    if taken and not overwrite:
        raise ValueError(
            f"Activation name(s) {sorted(taken)} already registered; pass overwrite=True "
            "to replace them."
        )
    entry = ActivationInfo(
        name=name,
        factory=factory,
        init=init,
        formula=formula,
        output_range=output_range,
        use=use,
        defaults=dict(defaults or {}),
        aliases=tuple(aliases),
    )
    _REGISTRY[name] = entry
    _ALIASES.pop(name, None)
    for alias in aliases:
        _ALIASES[alias] = name


def unregister(name):
    """Remove an activation (and its aliases) from the registry."""
    entry = info(name)
    del _REGISTRY[entry.name]
    for alias in entry.aliases:
        _ALIASES.pop(alias, None)


def names(include_aliases=False):
    """Sorted list of registered activation names (optionally with aliases).

    >>> from skact import activations
    >>> activations.names()[:4]
    ['celu', 'elu', 'gelu', 'hardswish']
    """
    found = set(_REGISTRY)
    if include_aliases:
        found |= set(_ALIASES)
    return sorted(found)


def info(name):
    """The :class:`ActivationInfo` for ``name`` (aliases resolve).

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the valid names and
        the closest match.
    """
    if not isinstance(name, str):
        raise ValueError(f"An activation name must be a string, got {name!r}.")
    canonical = _ALIASES.get(name, name)
    if canonical not in _REGISTRY:
        raise ValueError(_unknown_message(name))
    return _REGISTRY[canonical]


def get(name):
    """A zero-argument-or-keyword factory returning a fresh module for ``name``.

    The returned callable accepts keyword arguments (``activation_params``)
    that override the registered defaults.
    """
    entry = info(name)
    factory = resolve_factory(entry.factory)

    def make(**params):
        return factory(**{**entry.defaults, **params})

    make.__name__ = f"make_{entry.name}"
    return make


def resolve_factory(factory):
    """Turn a ``"module:attr"`` path into the object it names; pass callables through."""
    if isinstance(factory, str):
        module_name, _, attr = factory.partition(":")
        obj = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj
    return factory


def _unknown_message(name):
    valid = names(include_aliases=True)
    close = difflib.get_close_matches(str(name), valid, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (
        f"Unknown activation {name!r}.{hint} Valid names: {', '.join(valid)}; or pass a "
        "torch.nn.Module subclass, or register your own with "
        "skact.activations.register(name, factory)."
    )


def describe_factory(activation):
    """Short printable name for an ``activation`` parameter value."""
    if isinstance(activation, str):
        return activation
    if inspect.isclass(activation):
        return activation.__name__
    return getattr(activation, "__name__", repr(activation))


def _builtin(name, cls, init, formula, output_range, use, **kwargs):
    register(name, f"torch.nn:{cls}", init=init, formula=formula,
             output_range=output_range, use=use, **kwargs)


# The seed set and scikit-learn's names.
_builtin("relu", "ReLU", "kaiming", "max(0, x)", "[0, inf)",
         "default for deep and tabular nets; fast; units can die")
_builtin("leaky_relu", "LeakyReLU", "kaiming", "x if x > 0 else a*x (a=0.01)", "(-inf, inf)",
         "relu without dead units", defaults={"negative_slope": 0.01})
_builtin("tanh", "Tanh", "xavier", "tanh(x)", "(-1, 1)",
         "small, shallow nets on standardised data; saturates")
_builtin("sigmoid", "Sigmoid", "xavier", "1 / (1 + exp(-x))", "(0, 1)",
         "gates and shallow nets; saturates, gradients vanish when deep",
         aliases=("logistic",))
_builtin("identity", "Identity", "xavier", "x", "(-inf, inf)",
         "linear baseline (no non-linearity)")
# Modern ones.
_builtin("elu", "ELU", "kaiming", "x if x > 0 else a*(exp(x)-1)", "(-a, inf)",
         "smooth relu with negative outputs; faster convergence")
_builtin("selu", "SELU", "lecun", "scale * elu(x, alpha) (fixed constants)", "(-1.76, inf)",
         "self-normalising deep MLPs (with LeCun init, no batch norm)")
_builtin("celu", "CELU", "kaiming", "max(0,x) + min(0, a*(exp(x/a)-1))", "(-a, inf)",
         "continuously differentiable elu")
_builtin("gelu", "GELU", "kaiming", "x * Phi(x)", "(-0.17, inf)",
         "transformers and deep nets; smooth relu")
_builtin("silu", "SiLU", "kaiming", "x * sigmoid(x)", "(-0.28, inf)",
         "deep CNNs and MLPs; smooth, non-monotonic", aliases=("swish",))
_builtin("mish", "Mish", "kaiming", "x * tanh(softplus(x))", "(-0.31, inf)",
         "CNNs; smooth, like silu")
_builtin("softplus", "Softplus", "kaiming", "log(1 + exp(x))", "(0, inf)",
         "smooth positive outputs")
_builtin("softsign", "Softsign", "xavier", "x / (1 + |x|)", "(-1, 1)",
         "tanh-like with gentler saturation")
_builtin("prelu", "PReLU", "kaiming", "x if x > 0 else a*x (a learned)", "(-inf, inf)",
         "leaky relu whose slope is learned")
_builtin("rrelu", "RReLU", "kaiming", "x if x > 0 else a*x (a random in training)",
         "(-inf, inf)", "leaky relu with random slope as regulariser")
_builtin("relu6", "ReLU6", "kaiming", "min(max(0, x), 6)", "[0, 6]",
         "mobile/quantised nets; bounded relu")
_builtin("hardswish", "Hardswish", "kaiming", "x * relu6(x + 3) / 6", "[-0.375, inf)",
         "cheap silu approximation (mobile CNNs)")
_builtin("hardtanh", "Hardtanh", "xavier", "clip(x, -1, 1)", "[-1, 1]",
         "cheap tanh approximation")
_builtin("tanhshrink", "Tanhshrink", "xavier", "x - tanh(x)", "(-inf, inf)",
         "rarely; sparse-coding style nets")


def build_factory(activation, activation_params=None):
    """Validate an estimator's ``activation`` and return ``(make, init, label)``.

    ``make()`` returns a fresh module on every call (one per layer, never a
    shared instance), ``init`` is the weight initialisation that
    ``weight_init="auto"`` uses, ``label`` a printable name. Called by ``fit``;
    raises ``ValueError`` naming the parameter, the value and what is allowed.
    """
    import torch

    params = {} if activation_params is None else activation_params
    if not isinstance(params, dict):
        raise ValueError(
            f"activation_params must be a dict of keyword arguments for the activation "
            f"(e.g. {{'negative_slope': 0.1}}) or None, got {activation_params!r}."
        )
    if isinstance(activation, str):
        entry = info(activation)
        factory, init = get(activation), entry.init
        label = entry.name
    elif callable(activation):
        factory = activation
        entry = _entry_for_class(activation)
        # no derivation to pick an init from: scaled on the data (skact.engine.init_scaling)
        init = entry.init if entry is not None else "data"
        label = describe_factory(activation)
    else:
        raise ValueError(_unknown_message(activation))

    def make():
        return factory(**params)

    try:
        sample = make()
    except TypeError as exc:
        raise ValueError(
            f"activation_params={params!r} are not accepted by activation {label!r}: {exc}"
        ) from None
    if not isinstance(sample, torch.nn.Module):
        raise ValueError(
            f"activation={label!r} must produce a torch.nn.Module, but it returned "
            f"{type(sample).__name__}. Pass a Module subclass or a callable returning one."
        )
    return make, init, label


def _entry_for_class(cls):
    """The registry entry whose factory is exactly ``cls`` (for its init), if any."""
    for entry in _REGISTRY.values():
        try:
            if resolve_factory(entry.factory) is cls:
                return entry
        except (ImportError, AttributeError):
            continue
    return None
