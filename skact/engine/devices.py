"""Where a fit runs: a ``device`` value resolved to one torch can use here, and described.

Every estimator takes ``device`` ("cpu", "cuda", "cuda:N" or "auto") as an ordinary
parameter and resolves it in ``fit`` with :func:`resolve_device`; ``skact tune`` and
``skact compare`` resolve their ``--device`` once, up front, with the same function, say
which device they use (:func:`describe_device`, and :func:`no_cuda_reason` when "auto"
found no GPU), and pass the result to every estimator they build. A saved model holds its
weights as arrays and loads on the CPU whatever its ``device`` (see
:mod:`skact.model_files`).

A trial of ``skact tune`` that finds the GPU's memory full fails alone, with a message
(:func:`is_cuda_out_of_memory` tells that error from others): parallel trials share one GPU.
Nothing here imports torch for ``"cpu"``: a command run with ``--device cpu`` pays for
torch only when it trains.

Examples
--------
>>> from skact.engine.devices import resolve_device
>>> resolve_device("cpu")
'cpu'
>>> resolve_device("tpu")
Traceback (most recent call last):
...
skact.exceptions.DeviceError: device='tpu' is not a device skact can train on; use 'cpu', \
'cuda', 'cuda:N' or 'auto'
"""

from __future__ import annotations

from skact.exceptions import DeviceError

__all__ = ["DEVICES", "describe_device", "device_name", "is_cuda_out_of_memory",
           "no_cuda_reason", "resolve_device"]

#: The values of ``--device`` (the estimators also take ``"cuda:N"``).
DEVICES = ("auto", "cpu", "cuda")


def _spell(value, option):
    """How a message names a device setting: ``device='cuda'`` (the parameter) or
    ``--device cuda`` (a command-line option)."""
    return f"device={value!r}" if option is None else f"{option} {value}"


def device_name(device) -> str | None:
    """``device`` as a string when it is a form skact knows ("auto", "cpu", "cuda",
    "cuda:N", or a ``torch.device`` of one), else ``None``."""
    if type(device).__module__ == "torch" and type(device).__name__ == "device":
        device = str(device)
    if isinstance(device, str) and (
        device in DEVICES or (device.startswith("cuda:") and device[5:].isdigit())
    ):
        return device
    return None


def resolve_device(device="auto", *, option=None) -> str:
    """The torch device a fit with ``device`` runs on: ``"auto"`` is ``"cuda"`` when torch
    sees a CUDA GPU and ``"cpu"`` otherwise; the others are checked and returned.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device
    option : str, default=None
        How messages name the setting: ``None`` for the parameter (``device='cuda'``), or a
        command-line option such as ``"--device"`` (``--device cuda``).

    Raises
    ------
    DeviceError
        (a ``ValueError``) for an unknown value, a GPU requested where torch sees none,
        or ``"cuda:N"`` past the last GPU; the message says what to use instead.
    """
    name = device_name(device)
    if name is None:
        raise DeviceError(f"{_spell(device, option)} is not a device skact can train on; use "
                          "'cpu', 'cuda', 'cuda:N' or 'auto'")
    device = name
    if device == "cpu":
        return device
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available():
        raise DeviceError(
            f"{_spell(device, option)} was requested, but torch sees no CUDA GPU "
            f"({no_cuda_reason()}); use {_spell('cpu', option)}, or {_spell('auto', option)} "
            "to take a GPU only when there is one"
        )
    count = torch.cuda.device_count()
    if device != "cuda" and int(device[5:]) >= count:
        raise DeviceError(f"{_spell(device, option)} was requested, but torch sees "
                          f"{count} CUDA GPU{'s' if count > 1 else ''} (cuda:0 to "
                          f"cuda:{count - 1})")
    return device


def no_cuda_reason() -> str:
    """What to know where torch sees no CUDA GPU, as a short clause: that this torch is a
    build without CUDA (such as the CPU wheels of ``requirements-cpu.txt``), or else where
    to look (the driver, ``CUDA_VISIBLE_DEVICES``).

    >>> import torch
    >>> no_cuda_reason().startswith(("torch ", "check "))
    True
    """
    import torch

    if torch.version.cuda is None:
        return f"torch {torch.__version__} is built without CUDA"
    return "check the driver and CUDA_VISIBLE_DEVICES"


def describe_device(device: str) -> str:
    """A resolved device for a person: ``"cpu"``, or the GPU with its name and memory,
    ``"cuda (NVIDIA H100 80GB HBM3, 79 GiB)"``."""
    if not str(device).startswith("cuda"):
        return str(device)
    import torch

    props = torch.cuda.get_device_properties(torch.device(device))
    return f"{device} ({props.name}, {props.total_memory / 2**30:.0f} GiB)"


def is_cuda_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is torch's CUDA out-of-memory error (without importing torch for
    it: an error from torch means torch is loaded)."""
    import sys

    torch = sys.modules.get("torch")
    oom = getattr(getattr(torch, "cuda", None), "OutOfMemoryError", None)
    return oom is not None and isinstance(exc, oom)
