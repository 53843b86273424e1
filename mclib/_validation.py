"""Input validation shared by every public mclib function.

One helper module, so that every error message has the same shape:
``<function>: `<parameter>` <what is wrong> (got shape (...))``.
"""

from __future__ import annotations

import math
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


def as_tolerance(value, name: str, caller: str, *, positive: bool = False) -> float:
    """Return `value` as a finite float ≥ 0 (> 0 if `positive`) or raise a ``ValueError`` naming it.

    A negative tolerance turns every comparison against it around (ties become "distinct", a
    symmetric matrix "asymmetric"), and NaN makes every comparison false: both are refused.
    """
    ok = (not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)
          and (value > 0 if positive else value >= 0))
    if not ok:
        what = "positive" if positive else "non-negative"
        raise ValueError(f"{caller}: `{name}` must be a finite {what} number, got {value!r}")
    return float(value)


def as_shape(value, name: str, caller: str, *, ndim=None, allow_zero: bool = False) -> tuple:
    """Return `value` as a tuple of positive ints (≥ 0 if `allow_zero`) or raise a ``ValueError``.

    Floats such as 2.9 are refused, not truncated; `ndim` (int) fixes the length of the tuple.
    """
    try:
        items = tuple(value)
    except TypeError:
        items = None
    minimum = 0 if allow_zero else 1
    if (items is None or isinstance(value, (str, bytes)) or (ndim is not None and len(items) != ndim)
            or not all(not isinstance(s, bool) and isinstance(s, numbers.Integral) and s >= minimum
                       for s in items)):
        length = "a tuple of" if ndim is None else f"a tuple of {ndim}"
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{caller}: `{name}` must be {length} {kind} ints, got {value!r}")
    return tuple(int(s) for s in items)


def as_rng(value, name: str, caller: str) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a Generator, a non-negative int seed or None.

    Anything else (a float, a string, a negative seed, the legacy ``RandomState``) raises a
    ``ValueError`` naming the parameter instead of an error from inside NumPy.
    """
    if isinstance(value, np.random.Generator):
        return value
    if value is None or (not isinstance(value, bool) and isinstance(value, numbers.Integral)
                         and value >= 0):
        return np.random.default_rng(None if value is None else int(value))
    raise ValueError(f"{caller}: `{name}` must be a numpy.random.Generator, a non-negative int "
                     f"seed or None, got {value!r}")


# Dense matrices larger than this many entries (800 MB of float64) are refused with a message.
MAX_DENSE_ENTRIES = 10**8


def require_dense_size(entries: int, what: str, caller: str, alternative: str) -> None:
    """Raise a ``ValueError`` before allocating a dense array of more than MAX_DENSE_ENTRIES."""
    if entries > MAX_DENSE_ENTRIES:
        raise ValueError(f"{caller}: {what} would have {entries:,} entries ({_bytes(8 * entries)} "
                         f"as float64), more than the limit of {MAX_DENSE_ENTRIES:,}; {alternative}")


def _bytes(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if n < 1024 or unit == "EiB":
            return f"{n:.3g} {unit}" if unit != "bytes" else f"{n} bytes"
        n /= 1024


def as_symmetric(value, name: str, caller: str, symmetry_rtol: float) -> np.ndarray:
    """Validate a symmetric square matrix (to within ``symmetry_rtol · max|A|``, which is
    validated too) and return its symmetric part, exactly symmetric."""
    symmetry_rtol = as_tolerance(symmetry_rtol, "symmetry_rtol", caller)
    A = as_real_array(value, name, caller, ndim=2)
    require_square(A, name, caller)
    asym = np.abs(A - A.T)
    tol = symmetry_rtol * np.max(np.abs(A))
    if np.max(asym) > tol:
        i, j = np.unravel_index(int(np.argmax(asym)), A.shape)
        raise ValueError(f"{caller}: `{name}` must be symmetric: |{name}[{i}, {j}] − {name}[{j}, {i}]| = "
                         f"{asym[i, j]:.2e} > symmetry_rtol · max|{name}| = {tol:.2e} "
                         f"(shape {shape_str(A.shape)})")
    return (A + A.T) / 2


def as_direction(value, name: str, like: np.ndarray, like_name: str, caller: str) -> np.ndarray:
    """A real 2-D direction shaped like the matrix `like` (named `like_name`) it perturbs."""
    H = as_real_array(value, name, caller, ndim=2)
    if H.shape != like.shape:
        raise ValueError(f"{caller}: `{name}` has shape {shape_str(H.shape)} but `{like_name}` has shape "
                         f"{shape_str(like.shape)}")
    return H
