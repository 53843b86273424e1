"""The vec operator and the matrices that go with it.

Convention (the one the whole book uses): ``vec`` stacks the *columns* of a matrix,
i.e. ``X.ravel(order="F")``. With it, ``vec(A X B) = (Bᵀ ⊗ A) vec(X)``
[Magnus & Neudecker 2019, ch. 2, Thm 2; Petersen & Pedersen 2012, Eq. 520].
NumPy's default ``X.ravel()`` is row-major and gives ``(A ⊗ Bᵀ)`` instead.
"""

from __future__ import annotations

import math

import numpy as np

from mclib._validation import (
    as_positive_int,
    as_real_array,
    as_shape,
    require_dense_size,
    require_square,
    shape_str,
)

__all__ = [
    "vec",
    "unvec",
    "vech",
    "commutation_matrix",
    "duplication_matrix",
    "kron_matvec",
]


def vec(X) -> np.ndarray:
    """Stack the columns of `X` into one vector (column-major, Fortran order).

    Parameters
    ----------
    X : array_like, shape (m, n)
        A matrix; a 1-D array is returned unchanged and a scalar becomes shape (1,).
        Arrays with more axes are flattened with the first index varying fastest.

    Returns
    -------
    v : ndarray, shape (m * n,)
        ``v[i + j * m] == X[i, j]``.

    Examples
    --------
    >>> vec([[1, 2], [3, 4]])
    array([1., 3., 2., 4.])
    """
    arr = as_real_array(X, "X", "vec")
    return arr.ravel(order="F")


def unvec(v, shape) -> np.ndarray:
    """Inverse of :func:`vec`: fill an array of `shape` column by column from `v`.

    Parameters
    ----------
    v : array_like, shape (k,) or (k, 1)
        A vector whose length equals the product of `shape`.
    shape : tuple of int
        The shape of the result, e.g. ``(m, n)``.

    Returns
    -------
    X : ndarray, shape `shape`
        ``vec(unvec(v, shape)) == v``.
    """
    arr = as_real_array(v, "v", "unvec", ndim=(1, 2))
    if arr.ndim == 2 and arr.shape[1] != 1:
        raise ValueError(f"unvec: `v` must be a vector or a column, got shape {shape_str(arr.shape)}")
    shape = as_shape(shape, "shape", "unvec", allow_zero=True)
    if math.prod(shape) != arr.size:
        raise ValueError(
            f"unvec: `v` has {arr.size} entries but `shape` {shape_str(shape)} needs "
            f"{math.prod(shape)}"
        )
    return arr.reshape(shape, order="F")


def vech(S) -> np.ndarray:
    """Half-vectorisation: stack the on-and-below-diagonal part of each column of `S`.

    Parameters
    ----------
    S : array_like, shape (n, n)
        A square matrix, normally symmetric (only its lower triangle is read).

    Returns
    -------
    v : ndarray, shape (n * (n + 1) // 2,)
        ``duplication_matrix(n) @ vech(S) == vec(S)`` when `S` is symmetric.
    """
    arr = as_real_array(S, "S", "vech", ndim=2)
    require_square(arr, "S", "vech")
    n = arr.shape[0]
    cols, rows = np.triu_indices(n)  # vech order: column c, then rows r >= c
    return arr[rows, cols]


def commutation_matrix(m: int, n: int) -> np.ndarray:
    """The commutation matrix ``K`` with ``K @ vec(A) == vec(A.T)`` for every m×n matrix `A`.

    Parameters
    ----------
    m, n : int
        Number of rows and columns of `A`.

    Returns
    -------
    K : ndarray, shape (m * n, m * n)
        A permutation matrix; ``K.T`` is the commutation matrix for (n, m) and
        ``K(p, m) @ kron(A, B) @ K(n, q) == kron(B, A)`` for A m×n and B p×q
        [Magnus & Neudecker 2019, ch. 3, Thm 9].
    """
    m = as_positive_int(m, "m", "commutation_matrix")
    n = as_positive_int(n, "n", "commutation_matrix")
    require_dense_size((m * n) ** 2, f"K for `m`={m}, `n`={n} ({m * n:,} rows and columns)",
                       "commutation_matrix", "K @ vec(A) is vec(A.T): transpose instead "
                       "(vec(unvec(v, (m, n)).T)), and K.T @ v is vec(unvec(v, (n, m)).T)")
    i, j = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    K = np.zeros((m * n, m * n))
    # A[i, j] sits at vec(A)[i + j*m] and at vec(A.T)[j + i*n].
    K[(j + i * n).ravel(), (i + j * m).ravel()] = 1.0
    return K


def duplication_matrix(n: int) -> np.ndarray:
    """The duplication matrix ``D`` with ``D @ vech(S) == vec(S)`` for symmetric n×n `S`.

    Parameters
    ----------
    n : int
        Order of the symmetric matrices.

    Returns
    -------
    D : ndarray, shape (n * n, n * (n + 1) // 2)
        Each column has a one in the positions of ``S[i, j]`` and ``S[j, i]``
        [Magnus & Neudecker 2019, ch. 3, sec. 8].
    """
    n = as_positive_int(n, "n", "duplication_matrix")
    require_dense_size(n * n * (n * (n + 1) // 2), f"D for `n`={n} ({n * n:,} × {n * (n + 1) // 2:,})",
                       "duplication_matrix", "D @ vech(S) is vec(S): fill S's lower triangle from "
                       "vech(S) and symmetrise instead")
    cols, rows = np.triu_indices(n)  # vech order: column c, rows r >= c
    D = np.zeros((n * n, rows.size))
    k = np.arange(rows.size)
    D[rows + cols * n, k] = 1.0
    D[cols + rows * n, k] = 1.0
    return D


def kron_matvec(A, B, x) -> np.ndarray:
    """Compute ``np.kron(A, B) @ x`` without forming the Kronecker product.

    Uses ``(A ⊗ B) vec(X) = vec(B X Aᵀ)`` [Magnus & Neudecker 2019, ch. 2, Thm 2]:
    O(mnq + mpq) work and O(mp) extra memory instead of O(mnpq) for both.

    Parameters
    ----------
    A : array_like, shape (m, n)
    B : array_like, shape (p, q)
    x : array_like, shape (n * q,) or (n * q, k)
        One vector, or k vectors as columns.

    Returns
    -------
    y : ndarray, shape (m * p,) or (m * p, k)
    """
    A = as_real_array(A, "A", "kron_matvec", ndim=2)
    B = as_real_array(B, "B", "kron_matvec", ndim=2)
    x = as_real_array(x, "x", "kron_matvec", ndim=(1, 2))
    (m, n), (p, q) = A.shape, B.shape
    if x.shape[0] != n * q:
        raise ValueError(
            f"kron_matvec: `x` must have n*q = {n}*{q} = {n * q} rows for A {shape_str(A.shape)} "
            f"and B {shape_str(B.shape)}, got shape {shape_str(x.shape)}"
        )
    if x.ndim == 1:
        X = x.reshape((q, n), order="F")
        return (B @ X @ A.T).ravel(order="F")
    k = x.shape[1]
    X = x.reshape((q, n, k), order="F")
    Y = np.einsum("pq,qnk,mn->pmk", B, X, A, optimize=True)
    return Y.reshape((p * m, k), order="F")
