"""Exercises of chapter 6, *The matrix normal distribution* (and its heavy-tailed relative, the
matrix t distribution).

Matrices are n×p with n ≠ p, so that a formula with the two dimensions exchanged fails. A
covariance argument that the reader's gradient treats as a free matrix enters the density
through sym(P) = (P + Pᵀ)/2, as in the chapter, because the densities refuse a non-symmetric
covariance and a finite difference on one entry must see the symmetric matrix.
"""

from __future__ import annotations

import numpy as np

from mclib import matnormal, matrix_t
from mclib.exercises._registry import Mistake, register


def _sym(A):
    return (A + A.T) / 2


def _spd(rng, m):
    A = rng.standard_normal((m, m))
    return A @ A.T / m + 0.5 * np.eye(m)


def _cookbook_rule(G):
    """2G − G∘I: the partials in the distinct entries of a symmetric matrix, taken as a gradient."""
    return 2 * G - G * np.eye(len(G))


def _model(rng, n=3, p=4):
    M = rng.standard_normal((n, p))
    U, V = _spd(rng, n), _spd(rng, p)
    return {"X": matnormal.sample(M + 0.5, U, V, rng=rng), "M": M, "U": U, "V": V}


# --- ex-matrix-normal-score: ∂ℓ/∂X = −U⁻¹(X − M)V⁻¹ --------------------------------------------


def _whitened(X, M, U, V):
    """U⁻¹(X − M)V⁻¹."""
    return np.linalg.solve(U, np.linalg.solve(V, (X - M).T).T)


register(
    "ex-matrix-normal-score", "The score in the data", difficulty=1, kind="gradient", wrt="X",
    function=matnormal.logpdf,
    domain=_model,
    solution=lambda X, M, U, V: -_whitened(X, M, U, V),
    mistakes=[
        Mistake("+U⁻¹(X − M)V⁻¹, the gradient in M", "sign-flipped",
                lambda X, M, U, V: _whitened(X, M, U, V)),
        Mistake("−½U⁻¹(X − M)V⁻¹, the ½ of the quadratic form kept", "scaled",
                lambda X, M, U, V: -0.5 * _whitened(X, M, U, V)),
        Mistake("−(X − M), the covariances forgotten", "unknown", lambda X, M, U, V: M - X),
    ],
)


# --- ex-matrix-normal-precision: ∂ℓ/∂P = ½(pP⁻¹ − EV⁻¹Eᵀ) with P = U⁻¹ -----------------------------


def _precision_point(rng):
    point = _model(rng)
    point["P"] = np.linalg.inv(point.pop("U"))
    return {"P": _sym(point["P"]), "X": point["X"], "M": point["M"], "V": point["V"]}


def _precision_gradient(P, X, M, V, *, dimension=None):
    E = X - M
    m = E.shape[1] if dimension is None else dimension
    return 0.5 * (m * np.linalg.inv(P) - E @ np.linalg.solve(V, E.T))


register(
    "ex-matrix-normal-precision", "The gradient with respect to the precision", difficulty=2,
    kind="gradient", wrt="P",
    function=lambda P, X, M, V: matnormal.logpdf(X, M, np.linalg.inv(_sym(P)), V),
    domain=_precision_point,
    solution=_precision_gradient,
    mistakes=[
        Mistake("n (rows) in place of p (columns) in front of P⁻¹", "unknown",
                lambda P, X, M, V: _precision_gradient(P, X, M, V, dimension=X.shape[0])),
        Mistake("the Matrix Cookbook's 'symmetric' rule 2G − G∘I", "symmetrized",
                lambda P, X, M, V: _cookbook_rule(_precision_gradient(P, X, M, V))),
        Mistake("the sign of d(P⁻¹) = −P⁻¹dP P⁻¹ lost", "sign-flipped",
                lambda P, X, M, V: -_precision_gradient(P, X, M, V)),
    ],
)


# --- ex-matrix-normal-scale: ∇ of ℓ(M, aU, bV) with respect to θ = (a, b) --------------------------


def _scale_point(rng):
    return {"theta": 0.5 + 1.5 * rng.random(2), **_model(rng)}


def _scale_gradient(theta, X, M, U, V, *, dimension=True, chain=True, sign=1.0):
    a, b = theta
    n, p = M.shape
    E = X - M
    q = np.trace(np.linalg.solve(V, E.T) @ np.linalg.solve(U, E))  # tr(V⁻¹EᵀU⁻¹E)
    # ℓ = −(p/2) log|aU| − (n/2) log|bV| − q/(2ab) + const, and log|aU| = n log a + log|U|
    log_a, log_b = (n * p, n * p) if dimension else (p, n)
    quad = q / (2 * a * b) if chain else q / 2
    return np.array([-log_a / (2 * a) + sign * quad / a, -log_b / (2 * b) + sign * quad / b])


register(
    "ex-matrix-normal-scale", "Identifiability in the gradient", difficulty=2, kind="gradient", wrt="theta",
    function=lambda theta, X, M, U, V: matnormal.logpdf(X, M, theta[0] * U, theta[1] * V),
    domain=_scale_point,
    solution=_scale_gradient,
    mistakes=[
        Mistake("log|aU| = log a + log|U|, the dimension n forgotten", "unknown",
                lambda theta, X, M, U, V: _scale_gradient(theta, X, M, U, V, dimension=False)),
        Mistake("q/(2a²) and q/(2b²): the other scale's 1/b and 1/a forgotten", "unknown",
                lambda theta, X, M, U, V: _scale_gradient(theta, X, M, U, V, chain=False)),
        Mistake("d(1/a)/da taken as +1/a², the sign of the quadratic term lost", "unknown",
                lambda theta, X, M, U, V: _scale_gradient(theta, X, M, U, V, sign=-1.0)),
    ],
)


# --- ex-matrix-normal-t-location: the multivariate t reweights each observation --------------------


def _location_point(rng, N=6, n=3):
    Psi = _spd(rng, n)
    mu = rng.standard_normal(n)
    scale = 1 + 3 * rng.random(N)  # some observations far out
    X = mu + scale[:, None] * rng.standard_normal((N, n)) @ np.linalg.cholesky(Psi).T
    return {"mu": mu, "X": X, "Psi": Psi, "df": 1.0 + 5.0 * rng.random()}


def _t_loglik(mu, X, Psi, df):
    """Σᵢ log-density of the multivariate t (df, location mu, shape Psi) at the rows of X, up to a
    constant."""
    E = X - mu
    r2 = np.sum(E * np.linalg.solve(Psi, E.T).T, axis=1)
    return -0.5 * (df + X.shape[1]) * np.sum(np.log1p(r2 / df))


def _t_location_gradient(mu, X, Psi, df, *, weighted=True, inside=True, half=False):
    E = X - mu
    Z = np.linalg.solve(Psi, E.T).T  # rows Ψ⁻¹(xᵢ − μ)
    r2 = np.sum(E * Z, axis=1)
    w = (df + X.shape[1]) / ((df if inside else 1.0) + r2) if weighted else np.ones(len(X))
    return (0.5 if half else 1.0) * w @ Z


register(
    "ex-matrix-normal-t-location", "Outliers in the multivariate t", difficulty=2, kind="gradient", wrt="mu",
    function=_t_loglik,
    domain=_location_point,
    solution=_t_location_gradient,
    mistakes=[
        Mistake("Σ Ψ⁻¹(xᵢ − μ), the Gaussian score (every weight 1)", "unknown",
                lambda mu, X, Psi, df: _t_location_gradient(mu, X, Psi, df, weighted=False)),
        Mistake("weights (δ + n)/(1 + rᵢ²), the 1/δ inside the log forgotten", "unknown",
                lambda mu, X, Psi, df: _t_location_gradient(mu, X, Psi, df, inside=False)),
        Mistake("the ½ in front of the log kept", "scaled",
                lambda mu, X, Psi, df: _t_location_gradient(mu, X, Psi, df, half=True)),
        Mistake("Σ wᵢ Ψ⁻¹(μ − xᵢ)", "sign-flipped",
                lambda mu, X, Psi, df: -_t_location_gradient(mu, X, Psi, df)),
    ],
)


# --- ex-matrix-normal-t-column: ∂ℓ/∂V of the matrix t ---------------------------------------------


def _t_point(rng, n=2, p=3):
    point = _model(rng, n, p)
    point["X"] = point["X"] + rng.standard_normal((n, p))  # heavier than normal: anywhere will do
    return {"V": point.pop("V"), **point, "df": 0.5 + 4.0 * rng.random()}


def _t_column_gradient(V, X, M, U, df, *, dimension=None, factor=0.5):
    n, p = M.shape
    E = X - M
    m = p if dimension is None else dimension
    return factor * ((df + m - 1) * np.linalg.inv(V)
                     - (df + n + p - 1) * np.linalg.inv(V + E.T @ np.linalg.solve(U, E)))


register(
    "ex-matrix-normal-t-column", "The column scale of the matrix t", difficulty=3, kind="gradient", wrt="V",
    function=lambda V, X, M, U, df: matrix_t.logpdf(X, M, U, _sym(V), df),
    domain=_t_point,
    solution=_t_column_gradient,
    mistakes=[
        Mistake("(δ + n − 1)V⁻¹, the row scale's coefficient", "unknown",
                lambda V, X, M, U, df: _t_column_gradient(V, X, M, U, df, dimension=M.shape[0])),
        Mistake("the ½ of the log-determinants forgotten", "scaled",
                lambda V, X, M, U, df: _t_column_gradient(V, X, M, U, df, factor=1.0)),
        Mistake("the Matrix Cookbook's 'symmetric' rule 2G − G∘I", "symmetrized",
                lambda V, X, M, U, df: _cookbook_rule(_t_column_gradient(V, X, M, U, df))),
    ],
)
