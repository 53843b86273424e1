"""Derivatives of matrix functions (exp, √, log, powers) and of the Cholesky factor.

Three ideas, one per public function (chapter 11):

* ``expm_frechet(A, E)``: the Fréchet derivative of the matrix exponential of any square A,
  from the block-triangular identity exp([[A, E], [0, A]]) = [[e^A, L], [0, e^A]]
  [Mathias 1996; Higham 2008, Thm 3.6], evaluated with the scaling-and-squaring Padé [13/13]
  algorithm [Higham 2005] on *pairs* (X, Y) ≅ [[X, Y], [0, X]]: each product of two such
  blocks costs three n×n products instead of eight (the same arithmetic as differentiating
  the algorithm, Al-Mohy & Higham 2009).
* ``matrix_function_derivative(A, H, f, df)``: the Daleckii–Krein formula for symmetric A,
  L = Q (F ∘ QᵀHQ) Qᵀ with the divided differences F [Daleckii & Krein 1965; Bhatia 1997,
  sec. V.3; Higham 2008, ch. 3]. It is finite and correct at repeated eigenvalues, where
  the eigenvectors are not differentiable (``mc.eigenvector_derivative`` raises).
* ``cholesky_derivative(A, H)`` and ``cholesky_vjp(A, L_bar)``: forward and reverse rules of
  the Cholesky factor [Murray 2016].

Conventions (as ``mclib.spectral``): a function of a symmetric matrix is extended to all square
matrices by X ↦ f(sym(X)), so a direction H acts through sym(H) and a gradient is symmetric.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mclib._validation import as_direction, as_real_array, as_symmetric, require_square, shape_str

__all__ = [
    "expm_frechet",
    "symmetric_matrix_function",
    "divided_differences",
    "matrix_function_derivative",
    "cholesky_derivative",
    "cholesky_vjp",
]

SYMMETRY_RTOL = 1e-10
EPS = np.finfo(float).eps

# --- the matrix exponential and its Fréchet derivative ---------------------------------------

# Padé [13/13] coefficients and the scaling threshold θ₁₃ [Higham 2005, Table 2.3 and eq. 2.1].
_B13 = np.array([64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
                 1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
                 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0])
_THETA13 = 5.371920351148152


def _square_pair(A, E, caller: str):
    A = as_real_array(A, "A", caller, ndim=2)
    require_square(A, "A", caller)
    E = as_real_array(E, "E", caller, ndim=2)
    if E.shape != A.shape:
        raise ValueError(f"{caller}: `E` has shape {shape_str(E.shape)} but `A` has shape "
                         f"{shape_str(A.shape)}")
    return A, E


def _mul(P, R):
    """[[X, Y], [0, X]] · [[Z, W], [0, Z]] = [[XZ, XW + YZ], [0, XZ]] (the product rule)."""
    (X, Y), (Z, W) = P, R
    return X @ Z, X @ W + Y @ Z


def expm_frechet(A, E) -> np.ndarray:
    """Fréchet derivative of the matrix exponential, ``L = d/dt exp(A + tE)`` at t = 0.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Any real square matrix.
    E : array_like, shape (n, n)
        The direction.

    Returns
    -------
    L : ndarray, shape (n, n)
        ``L_exp(A, E)``, the same quantity as the second output of
        ``scipy.linalg.expm_frechet(A, E)``. It is linear in E, and
        ``vec L = (∫₀¹ exp(sAᵀ) ⊗ exp((1 − s)A) ds) vec E`` (column-major vec).
    """
    A, E = _square_pair(A, E, "expm_frechet")
    n = A.shape[0]
    # Scaling: exp(M) = exp(M/2^s)^(2^s) with ‖A/2^s‖₁ ≤ θ₁₃. L is linear in E, so E scales with
    # A and the number of squarings depends on A only [Al-Mohy & Higham 2009, sec. 4].
    norm = np.linalg.norm(A, 1)
    s = max(0, int(np.ceil(np.log2(norm / _THETA13)))) if norm > 0 else 0
    P1 = (A / 2.0**s, E / 2.0**s)
    P2 = _mul(P1, P1)
    P4 = _mul(P2, P2)
    P6 = _mul(P4, P2)
    b = _B13
    eye = np.eye(n)

    def comb(c6, c4, c2, c0=0.0):  # c6·M⁶ + c4·M⁴ + c2·M² + c0·I on both blocks
        return (c6 * P6[0] + c4 * P4[0] + c2 * P2[0] + c0 * eye,
                c6 * P6[1] + c4 * P4[1] + c2 * P2[1])

    # U = M (M⁶(b13 M⁶ + b11 M⁴ + b9 M²) + b7 M⁶ + b5 M⁴ + b3 M² + b1 I),
    # V = M⁶(b12 M⁶ + b10 M⁴ + b8 M²) + b6 M⁶ + b4 M⁴ + b2 M² + b0 I   [Higham 2005, eq. 2.3]
    inner_u = _mul(P6, comb(b[13], b[11], b[9]))
    U = _mul(P1, tuple(x + y for x, y in zip(inner_u, comb(b[7], b[5], b[3], b[1]))))
    inner_v = _mul(P6, comb(b[12], b[10], b[8]))
    V = tuple(x + y for x, y in zip(inner_v, comb(b[6], b[4], b[2], b[0])))
    # R = (V − U)⁻¹(V + U) for block-triangular V − U: one LU of the diagonal block serves both
    den, num = (V[0] - U[0], V[1] - U[1]), (V[0] + U[0], V[1] + U[1])
    R0 = np.linalg.solve(den[0], num[0])
    R1 = np.linalg.solve(den[0], num[1] - den[1] @ R0)
    R = (R0, R1)
    for _ in range(s):  # undo the scaling by repeated squaring
        R = _mul(R, R)
    return R[1]


# --- functions of symmetric matrices: Daleckii–Krein ------------------------------------------


def _symmetric(A, caller: str) -> np.ndarray:
    return as_symmetric(A, "A", caller, SYMMETRY_RTOL)


def _direction(H, A, caller: str, name: str = "H") -> np.ndarray:
    return as_direction(H, name, A, "A", caller)


def _on_spectrum(g, lam, caller: str, name: str) -> np.ndarray:
    """g(lam) as a finite real array shaped like lam, or a ValueError naming the eigenvalue."""
    with np.errstate(all="ignore"):
        try:
            val = np.asarray(g(lam))
        except Exception as exc:  # noqa: BLE001 -- re-raised with the context
            raise ValueError(f"{caller}: `{name}` failed on the eigenvalues of `A`: {exc}") from exc
    if np.iscomplexobj(val):
        raise ValueError(f"{caller}: `{name}` returned complex values on the eigenvalues of `A`")
    try:
        val = np.broadcast_to(val.astype(float), lam.shape)
    except ValueError:
        raise ValueError(f"{caller}: `{name}` must be vectorised: it returned shape "
                         f"{shape_str(val.shape)} for eigenvalues of shape {shape_str(lam.shape)}"
                         ) from None
    bad = np.flatnonzero(~np.isfinite(val))
    if bad.size:
        k = int(bad[0])
        raise ValueError(f"{caller}: `{name}` is not finite at eigenvalue λ[{k}] = {lam[k]:.6g} of "
                         f"`A` ({name}(λ) = {val[k]}): overflow, or A outside the domain of f "
                         f"(log, √ and negative powers need positive eigenvalues)")
    return val


def symmetric_matrix_function(A, f: Callable) -> np.ndarray:
    """``f(A) = Q f(Λ) Qᵀ`` for a symmetric A and a vectorised scalar function f.

    Parameters
    ----------
    A : array_like, shape (n, n)
        Symmetric.
    f : callable
        Maps an array of eigenvalues, shape (n,), to an array of the same shape.

    Returns
    -------
    F : ndarray, shape (n, n), symmetric.
    """
    A = _symmetric(A, "symmetric_matrix_function")
    lam, Q = np.linalg.eigh(A)
    fl = _on_spectrum(f, lam, "symmetric_matrix_function", "f")
    out = (Q * fl) @ Q.T
    return (out + out.T) / 2


def divided_differences(lam, f: Callable, df: Callable) -> np.ndarray:
    """The matrix of first divided differences ``F[i, j] = f[λᵢ, λⱼ]``.

    ``f[a, b] = (f(a) − f(b))/(a − b)`` for a ≠ b and ``f[a, a] = f′(a)``. Near ties the quotient
    loses digits (cancellation: error ≈ ε·|f|/|a − b|), so each pair takes the more accurate of
    two formulas: the quotient, or the mean-value form f[a, b] = ∫₀¹ f′(b + t(a − b)) dt by
    composite Simpson's rule with two and with four panels, S₂ and S₄ (5 points), extrapolated by
    Richardson to Boole's rule S₄ + (S₄ − S₂)/15, with the error bounded by |S₄ − S₂|/15. Both
    error estimates are computed per pair.

    Parameters
    ----------
    lam : array_like, shape (n,)
        Points (eigenvalues), any order.
    f, df : callable
        Vectorised f and its derivative f′, finite at the points.

    Returns
    -------
    F : ndarray, shape (n, n), symmetric, with ``F[i, i] = df(lam[i])`` and
        ``F[i, j] = df(lam[i])`` where ``lam[i] == lam[j]``.
    """
    lam = as_real_array(lam, "lam", "divided_differences", ndim=1)
    fl = _on_spectrum(f, lam, "divided_differences", "f")
    dfl = _on_spectrum(df, lam, "divided_differences", "df")
    a, b = lam[:, None], lam[None, :]
    delta = a - b
    tie = delta == 0
    with np.errstate(all="ignore"):
        quotient = (fl[:, None] - fl[None, :]) / delta
        # rounding error of the quotient: one ulp of f(a) and of f(b), divided by the gap
        err_quotient = (EPS * (np.abs(fl[:, None]) + np.abs(fl[None, :])) / np.abs(delta)
                        + EPS * np.abs(quotient))
        # Simpson's rule for the mean of f′ on [b, a], with 2 and with 4 panels
        d_a, d_b = dfl[:, None], dfl[None, :]
        d_mid = np.asarray(df(b + delta / 2), dtype=float)
        d_q1, d_q3 = (np.asarray(df(b + t * delta), dtype=float) for t in (0.25, 0.75))
        simpson_2 = (d_a + 4 * d_mid + d_b) / 6                          # S₂
        simpson_4 = (d_a + 4 * d_q1 + 2 * d_mid + 4 * d_q3 + d_b) / 12   # S₄
        # Richardson: S₄'s error ≈ (S₄ − S₂)/15; adding it gives Boole's rule (error O(gap⁶)),
        # whose error the same (conservative) estimate bounds
        err_simpson = np.abs(simpson_4 - simpson_2) / 15 + 4 * EPS * np.abs(simpson_4)
        boole = simpson_4 + (simpson_4 - simpson_2) / 15
    err_quotient = np.where(tie, np.inf, err_quotient)
    err_simpson = np.where(np.isfinite(boole) & np.isfinite(err_simpson), err_simpson, np.inf)
    use_quotient = (err_quotient <= err_simpson) & np.isfinite(quotient)
    F = np.where(use_quotient, quotient, boole)
    F = np.where(tie, np.broadcast_to(d_a, F.shape), F)  # exact ties: the limit f′(λᵢ)
    if not np.all(np.isfinite(F)):
        i, j = np.argwhere(~np.isfinite(F))[0]
        raise ValueError(f"divided_differences: f[λ[{i}], λ[{j}]] is not finite (λ = {lam[i]:.6g}, "
                         f"{lam[j]:.6g}); f′ must be finite between the points")
    return (F + F.T) / 2


def matrix_function_derivative(A, H, f: Callable, df: Callable) -> np.ndarray:
    """Derivative of ``f(A) = Q f(Λ) Qᵀ`` along H, for symmetric A (Daleckii–Krein).

    Parameters
    ----------
    A : array_like, shape (n, n)
        Symmetric, eigenvalues in the domain of f (repeated eigenvalues are fine).
    H : array_like, shape (n, n)
        Direction; a non-symmetric H acts through sym(H) (the module's convention).
    f, df : callable
        Vectorised scalar function and its derivative, e.g. ``np.log`` and ``lambda x: 1 / x``.

    Returns
    -------
    L : ndarray, shape (n, n), symmetric
        ``L = Q (F ∘ QᵀHQ) Qᵀ`` with ``F = divided_differences(λ, f, df)``. The map H ↦ L is
        self-adjoint (F is symmetric), so the same call is also the reverse-mode rule: the
        gradient of ⟨G, f(A)⟩ is ``matrix_function_derivative(A, sym(G), f, df)``.

    Raises
    ------
    ValueError
        If A is not symmetric, shapes differ, or f or f′ is not finite on the spectrum.
    """
    caller = "matrix_function_derivative"
    A = _symmetric(A, caller)
    H = _direction(H, A, caller)
    lam, Q = np.linalg.eigh(A)
    _on_spectrum(f, lam, caller, "f")
    _on_spectrum(df, lam, caller, "df")
    F = divided_differences(lam, f, df)
    # dF = Q (F ∘ Qᵀ dA Q) Qᵀ  [Daleckii & Krein 1965; Bhatia 1997, sec. V.3]
    L = Q @ (F * (Q.T @ ((H + H.T) / 2) @ Q)) @ Q.T
    return (L + L.T) / 2


# --- the Cholesky factor ----------------------------------------------------------------------


def _cholesky(A, caller: str) -> np.ndarray:
    A = _symmetric(A, caller)
    try:
        return np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        lam_min = float(np.linalg.eigvalsh(A)[0])
        raise ValueError(f"{caller}: `A` must be symmetric positive definite; its smallest "
                         f"eigenvalue is {lam_min:.3e} (shape {shape_str(A.shape)})") from None


def _phi(X: np.ndarray) -> np.ndarray:
    """Φ(X): the lower triangle of X with the diagonal halved [Murray 2016]."""
    return np.tril(X) - np.diag(np.diag(X)) / 2


def cholesky_derivative(A, H) -> np.ndarray:
    """Forward-mode derivative of the Cholesky factor ``A = L Lᵀ`` (L lower, positive diagonal).

    Parameters
    ----------
    A : array_like, shape (n, n)
        Symmetric positive definite.
    H : array_like, shape (n, n)
        Direction; a non-symmetric H acts through sym(H).

    Returns
    -------
    dL : ndarray, shape (n, n), lower triangular
        ``dL = L Φ(L⁻¹ H L⁻ᵀ)``, Φ = lower triangle with halved diagonal [Murray 2016].
    """
    caller = "cholesky_derivative"
    L = _cholesky(A, caller)
    H = _direction(H, L, caller)
    X = np.linalg.solve(L, np.linalg.solve(L, (H + H.T) / 2).T)  # L⁻¹ H L⁻ᵀ (H symmetric)
    return L @ _phi(X)


def cholesky_vjp(A, L_bar) -> np.ndarray:
    """Reverse-mode rule of the Cholesky factor: the gradient Ā of a loss through L = chol(A).

    Parameters
    ----------
    A : array_like, shape (n, n)
        Symmetric positive definite.
    L_bar : array_like, shape (n, n)
        ∂loss/∂L (only its lower triangle matters, as L is lower triangular).

    Returns
    -------
    A_bar : ndarray, shape (n, n), symmetric
        ``Ā = sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹)`` [Murray 2016; the symmetrization is the module's
        convention A ↦ chol(sym A)], so that ⟨Ā, H⟩ = ⟨L̄, cholesky_derivative(A, H)⟩.
    """
    caller = "cholesky_vjp"
    L = _cholesky(A, caller)
    L_bar = _direction(L_bar, L, caller, name="L_bar")
    P = _phi(L.T @ np.tril(L_bar))
    A_bar = np.linalg.solve(L.T, np.linalg.solve(L.T, P.T).T)  # L⁻ᵀ P L⁻¹
    return (A_bar + A_bar.T) / 2
