"""Input validation shared by every public mclib function.

One helper module, so that every error message has the same shape:
``<function>: `<parameter>` <what is wrong> (got shape (...))``.
"""

from __future__ import annotations

import numbers

import numpy as np


def shape_str(shape) -> str:
    """Format a shape tuple the way NumPy prints it: ``(3, 4)``, ``(5,)``, ``()``."""
    return str(tuple(int(s) for s in shape))


def as_real_array(value, name: str, caller: str, *, ndim=None, allow_empty=False,
                  keep_float32=False) -> np.ndarray:
    """Return `value` as a finite float64 ndarray or raise a ``ValueError`` naming it.

    Parameters
    ----------
    value : array_like
        The argument to validate.
    name, caller : str
        Parameter and function name used in the error message.
    ndim : int or tuple of int, optional
        Allowed number of dimensions.
    allow_empty : bool
        Whether a zero-size array is acceptable.
    keep_float32 : bool
        Return a float32 array as float32 (as PyTorch does) instead of converting it.
    """
    if np.iscomplexobj(value):
        raise ValueError(f"{caller}: `{name}` must be real, got a complex array of shape "
                         f"{shape_str(np.shape(value))}")
    keep = keep_float32 and isinstance(value, np.ndarray) and value.dtype == np.float32
    try:
        arr = value if keep else np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{caller}: `{name}` must be a real numeric array ({exc})") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, numbers.Integral) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(
                f"{caller}: `{name}` must be {want}, got {arr.ndim}-D array of shape "
                f"{shape_str(arr.shape)}"
            )
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{caller}: `{name}` is empty (shape {shape_str(arr.shape)})")
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(
            f"{caller}: `{name}` contains non-finite values (first at index {bad}, "
            f"shape {shape_str(arr.shape)})"
        )
    return arr


def as_positive_int(value, name: str, caller: str) -> int:
    """Return `value` as a positive ``int`` or raise a ``ValueError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{caller}: `{name}` must be a positive integer, got {value!r}")
    return int(value)


def require_square(arr: np.ndarray, name: str, caller: str) -> None:
    """Raise a ``ValueError`` unless `arr` is a square matrix."""
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(
            f"{caller}: `{name}` must be a square matrix, got shape {shape_str(arr.shape)}"
        )
