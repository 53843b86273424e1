"""Derivatives of eigenvalues, eigenvectors, singular values and the QR factors.

Conventions. Symmetric functions are extended to every square matrix by ``A ↦ f(sym(A))``,
``sym(A) = (A + Aᵀ)/2``: a derivative along H is then the derivative along sym(H), and a
gradient is a symmetric matrix (∇λᵢ = qᵢqᵢᵀ), which is what a finite difference on each
entry of A sees. Orders follow NumPy: eigenvalues ascending (``numpy.linalg.eigh``),
singular values descending (``numpy.linalg.svd``); vector derivatives are those of the
continuous branch through the vectors NumPy returns, normalised so that QᵀdQ is skew.

Degeneracy (ties within ``gap_rtol`` times the largest value, zero singular values).
*Values* are continuous and have one-sided directional derivatives, so the value functions
warn (``RuntimeWarning``) and return lim_{t→0⁺} (f(A + tH) − f(A))/t. *Vectors* and
*gradients* do not exist there: those functions raise ``ValueError`` naming the indices and
the gap, never return inf or nan.
"""

from __future__ import annotations

import warnings

import numpy as np

from mclib._format import rounded
from mclib._validation import (
    as_direction,
    as_real_array,
    as_symmetric,
    as_tolerance,
    shape_str,
)

__all__ = [
    "eigenvalue_derivative",
    "eigenvector_derivative",
    "eigenvalue_second_derivative",
    "eigh_vjp",
    "singular_value_derivative",
    "singular_vector_derivative",
    "qr_derivative",
]

GAP_RTOL = 1e-8  # ties: gap ≤ GAP_RTOL · max |value|; there eigh's vectors lose ~ε/GAP_RTOL
SYMMETRY_RTOL = 1e-10


# --- validation and the shared pieces ------------------------------------------------------


def _symmetric(A, caller: str, symmetry_rtol: float) -> np.ndarray:
    """Validate a symmetric `A` and return sym(A), exactly symmetric."""
    return as_symmetric(A, "A", caller, symmetry_rtol)


def _symmetric_pair(A, H, caller: str, symmetry_rtol: float):
    """sym(A) for a symmetric `A` and sym(H) for a direction `H` of the same shape."""
    A = _symmetric(A, caller, symmetry_rtol)
    H = _direction(H, A, caller)
    return A, (H + H.T) / 2


def _direction(H, A, caller: str, name: str = "H") -> np.ndarray:
    return as_direction(H, name, A, "A", caller)


def _tie_tolerance(values: np.ndarray, gap_rtol: float) -> float:
    return gap_rtol * float(np.max(np.abs(values)))


def _tied_groups(values: np.ndarray, tol: float) -> list[np.ndarray]:
    """Runs (length ≥ 2) of sorted `values` whose neighbours differ by at most `tol`."""
    breaks = np.flatnonzero(np.abs(np.diff(values)) > tol) + 1
    return [g for g in np.split(np.arange(len(values)), breaks) if len(g) > 1]


def _require_distinct(values, tol, caller, kind, symbol, what) -> None:
    """Raise a ``ValueError`` naming the closest pair if two sorted `values` are tied."""
    gaps = np.abs(np.diff(values))
    if gaps.size and np.min(gaps) <= tol:
        i = int(np.argmax(gaps <= tol))  # the first tied pair: rounding must not pick among ties
        noise = _rounding_level(values)
        raise ValueError(
            f"{caller}: {kind} {i} and {i + 1} of `A` are repeated or nearly so "
            f"({symbol}[{i}] ≈ {rounded(values[i], noise)}, {symbol}[{i + 1}] ≈ "
            f"{rounded(values[i + 1], noise)}, gap {rounded(gaps[i], noise)} ≤ gap_rtol · "
            f"max|{symbol}| = {tol:.2e}): {what} not differentiable "
            f"there (the derivative grows like 1/gap); perturb A or differentiate a quantity "
            f"of the whole invariant subspace, such as its projector")


def _rounding_level(values: np.ndarray) -> float:
    """Absolute uncertainty of computed eigen- or singular values: a small multiple of
    n ε max|λ|, the backward error of a stable eigensolver [Golub & Van Loan 2013, sec. 8.3]."""
    return 10 * len(values) * np.finfo(float).eps * float(np.max(np.abs(values)))


def _warn_ties(caller, kind, groups, values, tol) -> None:
    runs = ", ".join(f"{g[0]}..{g[-1]} (≈ {rounded(values[g[0]], _rounding_level(values))})"
                     for g in groups)
    warnings.warn(
        f"{caller}: {kind} {runs} of `A` are repeated or nearly so (gaps ≤ gap_rtol · max = "
        f"{tol:.2e}): not differentiable there; returning the one-sided derivative "
        f"lim_(t→0⁺) (f(A + tH) − f(A))/t", RuntimeWarning, stacklevel=3)


def _simple_eigen(A, H, caller, gap_rtol, symmetry_rtol, what):
    """Q of eigh(sym(A)), M = Qᵀ sym(H) Q and F = _inverse_gaps(λ); raise on tied λ."""
    gap_rtol = as_tolerance(gap_rtol, "gap_rtol", caller)
    A, H = _symmetric_pair(A, H, caller, symmetry_rtol)
    lam, Q = np.linalg.eigh(A)
    _require_distinct(lam, _tie_tolerance(lam, gap_rtol), caller, "eigenvalues", "λ", what)
    return Q, Q.T @ H @ Q, _inverse_gaps(lam)


def _inverse_gaps(values: np.ndarray) -> np.ndarray:
    """F with F[i, j] = 1/(values[j] − values[i]) off the diagonal and 0 on it."""
    diff = values[None, :] - values[:, None]
    off_diagonal = ~np.eye(len(values), dtype=bool)
    return np.divide(1.0, diff, out=np.zeros_like(diff), where=off_diagonal)


# --- symmetric eigenproblem ------------------------------------------------------------------


def eigenvalue_derivative(A, H, *, gap_rtol: float = GAP_RTOL,
                          symmetry_rtol: float = SYMMETRY_RTOL) -> np.ndarray:
    """Directional derivative of the eigenvalues of a symmetric matrix.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Symmetric (to within ``symmetry_rtol · max|A|``).
    H : array_like, shape (n, n)
        Direction; a non-symmetric H acts through sym(H) (see the module docstring).
    gap_rtol : float
        Eigenvalues within ``gap_rtol · max|λ|`` of each other count as tied.
    symmetry_rtol : float
        Tolerance of the symmetry check of `A`.

    Returns
    -------
    dlam : ndarray, shape (n,)
        ``d/dt λ(A + tH)`` at t = 0, ascending order as ``numpy.linalg.eigh``:
        ``dλᵢ = qᵢᵀ H qᵢ``, so ``∇λᵢ = qᵢqᵢᵀ``. For a tied group with eigenvectors Q_k the
        one-sided derivatives are the ascending eigenvalues of Q_kᵀ H Q_k (with a warning).
    """
    gap_rtol = as_tolerance(gap_rtol, "gap_rtol", "eigenvalue_derivative")
    A, H = _symmetric_pair(A, H, "eigenvalue_derivative", symmetry_rtol)
    lam, Q = np.linalg.eigh(A)
    M = Q.T @ H @ Q
    # dλᵢ = qᵢᵀ dA qᵢ [Magnus & Neudecker 2019, ch. 8; Petersen & Pedersen 2012, Eq. 67]
    dlam = np.diag(M).copy()
    tol = _tie_tolerance(lam, gap_rtol)
    groups = _tied_groups(lam, tol)
    for g in groups:  # one-sided derivative of a tied group [Kato 1995, ch. II]
        dlam[g] = np.linalg.eigvalsh(M[np.ix_(g, g)])
    if groups:
        _warn_ties("eigenvalue_derivative", "eigenvalues", groups, lam, tol)
    return dlam


def eigenvector_derivative(A, H, *, gap_rtol: float = GAP_RTOL,
                           symmetry_rtol: float = SYMMETRY_RTOL) -> np.ndarray:
    """Directional derivative of the eigenvectors of a symmetric matrix.

    Parameters
    ----------
    A, H : array_like, shape (n, n)
        As in :func:`eigenvalue_derivative`.
    gap_rtol, symmetry_rtol : float
        As in :func:`eigenvalue_derivative`.

    Returns
    -------
    dQ : ndarray, shape (n, n)
        Column i is ``dqᵢ = Σ_{j≠i} qⱼ (qⱼᵀ H qᵢ)/(λᵢ − λⱼ)``, i.e. ``dQ = Q (F ∘ QᵀHQ)``
        with ``F[i, j] = 1/(λⱼ − λᵢ)``, ``F[i, i] = 0``; columns match ``numpy.linalg.eigh``
        and ``Qᵀ dQ`` is skew (``dqᵢ ⟂ qᵢ``).

    Raises
    ------
    ValueError
        If two eigenvalues are tied (gap ≤ ``gap_rtol · max|λ|``); the message names them.
    """
    Q, M, F = _simple_eigen(A, H, "eigenvector_derivative", gap_rtol, symmetry_rtol,
                            "the eigenvectors are")
    # Qᵀ dQ = F ∘ (Qᵀ dA Q) [Giles 2008; Magnus & Neudecker 2019, ch. 8]
    return Q @ (F * M)


def eigenvalue_second_derivative(A, H, *, gap_rtol: float = GAP_RTOL,
                                 symmetry_rtol: float = SYMMETRY_RTOL) -> np.ndarray:
    """Second derivative ``d²/dt² λ(A + tH)`` at t = 0 of the eigenvalues of a symmetric A.

    Parameters
    ----------
    A, H, gap_rtol, symmetry_rtol
        As in :func:`eigenvector_derivative`, which raises the same ``ValueError`` on ties.

    Returns
    -------
    d2lam : ndarray, shape (n,)
        ``d²λᵢ = 2 Σ_{j≠i} (qⱼᵀ H qᵢ)² / (λᵢ − λⱼ)``, so that
        ``λᵢ(A + tH) = λᵢ + t dλᵢ + t²/2 d²λᵢ + O(t³)``.
    """
    Q, M, F = _simple_eigen(A, H, "eigenvalue_second_derivative", gap_rtol, symmetry_rtol,
                            "the second derivatives are")
    # d²λᵢ = 2 qᵢᵀ H dqᵢ with dqᵢ from eigenvector_derivative [Overton & Womersley 1995]
    return 2.0 * np.sum(F * M**2, axis=0)


def eigh_vjp(A, lam_bar, Q_bar=None, *, gap_rtol: float = GAP_RTOL,
             symmetry_rtol: float = SYMMETRY_RTOL) -> np.ndarray:
    """Reverse mode through ``λ, Q = eigh(A)``: the gradient of L(λ, Q) with respect to A.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Symmetric.
    lam_bar : array_like, shape (n,)
        ``∂L/∂λ`` (ascending order, as ``numpy.linalg.eigh``).
    Q_bar : array_like, shape (n, n), optional
        ``∂L/∂Q``; None when L depends on the eigenvalues only.
    gap_rtol, symmetry_rtol : float
        As in :func:`eigenvalue_derivative`.

    Returns
    -------
    A_bar : ndarray, shape (n, n)
        ``sym(Q (diag(λ̄) + F ∘ QᵀQ̄) Qᵀ)``, F as in :func:`eigenvector_derivative`:
        symmetric, the gradient of A ↦ L(eigh(sym(A))).

    Raises
    ------
    ValueError
        If eigenvalues are tied and L is not invariant there (Q̄ given, or λ̄ not constant
        on the tied group): the gradient does not exist.
    """
    caller = "eigh_vjp"
    gap_rtol = as_tolerance(gap_rtol, "gap_rtol", caller)
    A = _symmetric(A, caller, symmetry_rtol)
    n = A.shape[0]
    lam_bar = as_real_array(lam_bar, "lam_bar", caller, ndim=1)
    if lam_bar.shape != (n,):
        raise ValueError(f"{caller}: `lam_bar` has shape {shape_str(lam_bar.shape)} but `A` has "
                         f"{n} eigenvalues (shape {shape_str(A.shape)})")
    lam, Q = np.linalg.eigh(A)
    tol = _tie_tolerance(lam, gap_rtol)
    inner = np.diag(lam_bar)
    if Q_bar is not None:
        Q_bar = _direction(Q_bar, A, caller, "Q_bar")
        _require_distinct(lam, tol, caller, "eigenvalues", "λ", "the eigenvectors are")
        # Ā = Q (λ̄ + F ∘ QᵀQ̄) Qᵀ [Giles 2008]; sym() keeps F ∘ skew(QᵀQ̄)
        inner = inner + _inverse_gaps(lam) * (Q.T @ Q_bar)
    for g in _tied_groups(lam, tol):
        if np.ptp(lam_bar[g]) > 0:
            raise ValueError(f"{caller}: eigenvalues {g[0]}..{g[-1]} of `A` are tied (λ ≈ "
                             f"{rounded(lam[g[0]], _rounding_level(lam))}) but `lam_bar` differs "
                             f"on them: L is not differentiable there")
    A_bar = Q @ inner @ Q.T
    return (A_bar + A_bar.T) / 2


# --- singular value decomposition -------------------------------------------------------------


def singular_value_derivative(A, H, *, gap_rtol: float = GAP_RTOL) -> np.ndarray:
    """Directional derivative of the singular values of a (rectangular) matrix.

    Parameters
    ----------
    A : array_like, shape (m, n)
    H : array_like, shape (m, n)
        Direction.
    gap_rtol : float
        Singular values within ``gap_rtol · σ₁`` of each other, or of zero, count as tied.

    Returns
    -------
    dsigma : ndarray, shape (min(m, n),)
        ``d/dt σ(A + tH)`` at t = 0, descending as ``numpy.linalg.svd``: ``dσᵢ = uᵢᵀ H vᵢ``.
        With a warning, one-sided derivatives where σ is not differentiable: for tied
        nonzero σ the descending eigenvalues of sym(U_kᵀ H V_k); for the r zero σ the
        largest singular values of U₀ᵀ H V₀ (U₀, V₀: the left and right null spaces).
    """
    caller = "singular_value_derivative"
    gap_rtol = as_tolerance(gap_rtol, "gap_rtol", caller)
    A = as_real_array(A, "A", caller, ndim=2)
    H = _direction(H, A, caller)
    U, s, Vt = np.linalg.svd(A, full_matrices=True)
    k = s.size
    M = U.T @ H @ Vt.T
    # dσᵢ = uᵢᵀ dA vᵢ [Townsend 2016; Giles 2008]
    ds = np.diag(M)[:k].copy()
    tol = _tie_tolerance(s, gap_rtol)
    rank = int(np.sum(s > tol))
    # Tied groups and zeros: σ(A) are the top eigenvalues of [[0, A], [Aᵀ, 0]], whose tied
    # groups have the one-sided derivatives of eigenvalue_derivative [Kato 1995, ch. II].
    groups = _tied_groups(s[:rank], tol)
    for g in groups:
        block = M[np.ix_(g, g)]
        ds[g] = np.linalg.eigvalsh((block + block.T) / 2)[::-1]
    if groups:
        _warn_ties(caller, "singular values", groups, s, tol)
    if rank < k:
        ds[rank:] = np.linalg.svd(M[rank:, rank:], compute_uv=False)[: k - rank]
        which = f"value {rank} of `A` is" if rank == k - 1 else f"values {rank}..{k - 1} of `A` are"
        warnings.warn(f"{caller}: singular {which} zero (≤ gap_rtol · "
                      f"σ₁ = {tol:.2e}): σ = |·| is not differentiable there; returning the "
                      f"one-sided derivative, the singular values of U₀ᵀ H V₀",
                      RuntimeWarning, stacklevel=2)
    return ds


def _simple_svd(A, caller: str, gap_rtol: float):
    """Thin SVD of `A`, raising unless all singular values are distinct and nonzero."""
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    tol = _tie_tolerance(s, gap_rtol)
    _require_distinct(s, tol, caller, "singular values", "σ", "the singular vectors are")
    if s[-1] <= tol:
        raise ValueError(f"{caller}: singular value {s.size - 1} of `A` is zero or nearly so "
                         f"(σ[{s.size - 1}] = {s[-1]:.2e} ≤ gap_rtol · σ[0] = {tol:.2e}, shape "
                         f"{shape_str(A.shape)}): the singular vectors are not differentiable")
    return U, s, Vt.T


def singular_vector_derivative(A, H, *, gap_rtol: float = GAP_RTOL):
    """Directional derivative of the singular vectors (thin SVD) of a matrix.

    Parameters
    ----------
    A, H : array_like, shape (m, n)
    gap_rtol : float
        As in :func:`singular_value_derivative`.

    Returns
    -------
    dU : ndarray, shape (m, k)
    dV : ndarray, shape (n, k)
        k = min(m, n); columns match ``U`` and ``V = Vhᵀ`` of
        ``numpy.linalg.svd(A, full_matrices=False)``. With P = UᵀHV and
        ``F[i, j] = 1/(σⱼ² − σᵢ²)``: ``dU = U(F ∘ (PΣ + ΣPᵀ)) + (I − UUᵀ)HVΣ⁻¹`` and
        ``dV = V(F ∘ (ΣP + PᵀΣ)) + (I − VVᵀ)HᵀUΣ⁻¹``; UᵀdU and VᵀdV are skew.

    Raises
    ------
    ValueError
        If singular values are tied or zero (the message names them).
    """
    caller = "singular_vector_derivative"
    gap_rtol = as_tolerance(gap_rtol, "gap_rtol", caller)
    A = as_real_array(A, "A", caller, ndim=2)
    H = _direction(H, A, caller)
    U, s, V = _simple_svd(A, caller, gap_rtol)
    P = U.T @ H @ V
    F = _inverse_gaps(s**2)
    # [Townsend 2016, the forward-mode expressions for dU and dV]
    dU = U @ (F * (P * s + s[:, None] * P.T))
    dV = V @ (F * (s[:, None] * P + P.T * s))
    m, n = A.shape
    if m > n:
        HV = H @ V
        dU += (HV - U @ (U.T @ HV)) / s
    elif n > m:
        HtU = H.T @ U
        dV += (HtU - V @ (V.T @ HtU)) / s
    return dU, dV


# --- QR -----------------------------------------------------------------------------------------


def qr_derivative(A, H, *, rank_rtol: float = GAP_RTOL):
    """Directional derivative of the thin QR factors ``Q, R = numpy.linalg.qr(A)``.

    Parameters
    ----------
    A : array_like, shape (m, n), m ≥ n
        Full column rank.
    H : array_like, shape (m, n)
        Direction.
    rank_rtol : float
        ``|R[i, i]| ≤ rank_rtol · max|R[j, j]|`` counts as rank deficient.

    Returns
    -------
    dQ : ndarray, shape (m, n)
        ``dQ = (I − QQᵀ) H R⁻¹ + Q C``, with ``X = Qᵀ H R⁻¹`` and the skew
        ``C = QᵀdQ = tril(X, −1) − tril(X, −1)ᵀ``.
    dR : ndarray, shape (n, n)
        ``dR = (X − C) R``, upper triangular.

    Raises
    ------
    ValueError
        If m < n or A is (numerically) rank deficient.
    """
    caller = "qr_derivative"
    rank_rtol = as_tolerance(rank_rtol, "rank_rtol", caller)
    A = as_real_array(A, "A", caller, ndim=2)
    H = _direction(H, A, caller)
    m, n = A.shape
    if m < n:
        raise ValueError(f"{caller}: `A` must have at least as many rows as columns, got shape "
                         f"{shape_str(A.shape)}")
    Q, R = np.linalg.qr(A)
    d = np.abs(np.diag(R))
    if np.min(d) <= rank_rtol * np.max(d):
        i = int(np.argmin(d))
        raise ValueError(f"{caller}: `A` (shape {shape_str(A.shape)}) is rank deficient: "
                         f"|R[{i}, {i}]| = {d[i]:.2e} ≤ rank_rtol · max|R[j, j]|")
    # dA = dQ R + Q dR; QᵀdQ skew and dR R⁻¹ upper triangular fix both factors
    # [Walter & Lehmann 2010; Seeger et al. 2017]
    Y = np.linalg.solve(R.T, H.T).T  # H R⁻¹
    X = Q.T @ Y
    L = np.tril(X, -1)
    C = L - L.T
    return Y - Q @ (X - C), (X - C) @ R
