"""Common mistakes, each paired with the atlas entry it gets wrong and the checker's verdict.

A :class:`Mistake` is a derivative that circulates (in books, answers, code) for a
registered identity. :func:`check_mistake` runs it through :func:`~mclib.identities.verify`
exactly as the correct derivative is run, so the diagnosis of :func:`mclib.check_gradient`
("transposed", "sign-flipped", "scaled", "symmetrized" or "unknown") is measured, not
asserted here; the tests and the book's common-mistakes page compare it with `diagnosis`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from mclib.identities import Verification, get, verify
from mclib.identities._sources import cookbook

__all__ = ["Mistake", "mistakes", "check_mistake"]

inv, det = np.linalg.inv, np.linalg.det


@dataclass(frozen=True)
class Mistake:
    """A wrong derivative for the identity `identity`.

    Attributes
    ----------
    identity : str
        Name of the atlas entry.
    category : str
        "transposed", "sign", "factor 2", "symmetrization" or "Kronecker order".
    latex : str
        The wrong derivative, in the layout the registry stores (gradient shaped like X, or
        numerator-layout Jacobian).
    derivative : callable
        The wrong derivative as code, with the identity's signature.
    diagnosis : str
        What :func:`mclib.check_gradient` / :func:`mclib.check_jacobian` reports for it.
    scale : float or None
        The factor the checker reports with "scaled" (and "transposed", normally 1.0).
    why : str
        Where the mistake comes from.
    """

    identity: str
    category: str
    latex: str
    derivative: Callable = field(repr=False, compare=False)
    diagnosis: str
    scale: float | None
    why: str


_MISTAKES = (
    Mistake("trace_x_squared", "transposed", "2X", lambda X: 2 * X, "transposed", 1.0,
            "the numerator-layout answer used as the gradient"),
    Mistake("determinant", "transposed", r"\det(X)\,X^{-1}", lambda X: det(X) * inv(X), "transposed", 1.0,
            "X⁻¹ read off tr(X⁻¹dX) without the transpose"),
    Mistake("jacobian_square", "transposed", r"X \otimes I + I \otimes X^\top",
            lambda X: np.kron(X, np.eye(len(X))) + np.kron(np.eye(len(X)), X.T), "transposed", 1.0,
            "a denominator-layout Jacobian passed as numerator layout"),
    Mistake("inverse_bilinear", "sign", r"X^{-\top} a b^\top X^{-\top}",
            lambda X, a, b: inv(X).T @ np.outer(a, b) @ inv(X).T, "sign-flipped", -1.0,
            "the minus sign of d(X⁻¹) = −X⁻¹dX X⁻¹ dropped"),
    Mistake("softmax_cross_entropy", "sign", r"y - \operatorname{softmax}(z)",
            lambda z, y: -get("softmax_cross_entropy").derivative(z, y), "sign-flipped", -1.0,
            "the gradient of the log-likelihood instead of the loss"),
    Mistake("least_squares", "factor 2", r"A^\top (Ax - b)", lambda x, A, b: A.T @ (A @ x - b), "scaled", 0.5,
            "the gradient of ½‖Ax − b‖² used for ‖Ax − b‖²"),
    Mistake("quadratic_form", "factor 2", "2Ax", lambda x, A: 2 * A @ x, "unknown", None,
            "(xᵀAx)′ = 2Ax holds only for symmetric A [Petersen & Pedersen 2012, Eq. (81)]"),
    Mistake("symmetric_trace_as", "symmetrization", r"A + A^\top - A \circ I",
            lambda S, A: A + A.T - np.diag(np.diag(A)), "symmetrized", 1.0,
            cookbook(139) + ", G + Gᵀ − G∘I [Srinivasan & Panda 2023]"),
    Mistake("spd_log_determinant", "symmetrization", r"2S^{-1} - S^{-1} \circ I",
            lambda S: 2 * inv(S) - np.diag(np.diag(inv(S))), "symmetrized", 1.0,
            cookbook(141) + ", G + Gᵀ − G∘I [Srinivasan & Panda 2023]"),
    Mistake("symmetric_trace_as", "symmetrization", r"A^\top", lambda S, A: A.T, "symmetrized", 1.0,
            "the unconstrained gradient G, not projected onto symmetric matrices"),
    Mistake("orthogonal_trace_aq", "factor 2", r"G - Q G^\top Q,\ G = A^\top",
            lambda Q, A: A.T - Q @ A @ Q, "scaled", 2.0,
            "the canonical-metric gradient, 2Q skew(QᵀG) [Edelman, Arias & Smith 1998]"),
    Mistake("jacobian_inverse", "Kronecker order", r"-X^{-1} \otimes X^{-1}",
            lambda X: -np.kron(inv(X), inv(X)), "unknown", None,
            "the transpose in vec(AXB) = (Bᵀ ⊗ A) vec X forgotten; right only for symmetric X"),
    Mistake("jacobian_axb", "Kronecker order", r"A \otimes B^\top",
            lambda X, A, B: np.kron(A, B.T), "unknown", None,
            "row-major vec (NumPy's default ravel) instead of column-major"),
    Mistake("hessian_log_det", "Kronecker order", r"-X^{-\top} \otimes X^{-1}",
            lambda X: -np.kron(inv(X).T, inv(X)), "unknown", None,
            "the commutation matrix of d(X⁻ᵀ) = −X⁻ᵀ dXᵀ X⁻ᵀ dropped: the Hessian of a scalar of a "
            "matrix is not always a plain Kronecker product (ch. 9)"),
    Mistake("solve_squared_error", "transposed", r"-X^{-1}(X^{-1}b - t)\,b^\top X^{-\top}",
            lambda X, b, t: -np.outer(np.linalg.solve(X, np.linalg.solve(X, b) - t), np.linalg.solve(X, b)),
            "unknown", None,
            "the adjoint solved with X instead of Xᵀ (invisible while X is symmetric; ch. 10)"),
    Mistake("solve_squared_error", "sign", r"X^{-\top}(X^{-1}b - t)\,b^\top X^{-\top}",
            lambda X, b, t: np.outer(np.linalg.solve(X.T, np.linalg.solve(X, b) - t), np.linalg.solve(X, b)),
            "sign-flipped", -1.0, "the minus of d(X⁻¹b) = −X⁻¹dX X⁻¹b dropped"),
    Mistake("log_determinant_cholesky", "factor 2", r"\tfrac12 S^{-1}", lambda S: 0.5 * inv(S),
            "scaled", 0.5, "L̄ = diag(1/Lᵢᵢ) pushed through the Cholesky rule: the 2 of 2 Σ log Lᵢᵢ dropped "
            "(ch. 11)"),
)


def mistakes() -> tuple[Mistake, ...]:
    """The table of common mistakes, in display order."""
    return _MISTAKES


def check_mistake(mistake: Mistake, *, seed: int = 0, size: int = 3) -> Verification:
    """Run `mistake` through :func:`~mclib.identities.verify` in place of the correct derivative."""
    return verify(mistake.identity, seed=seed, size=size, derivative=mistake.derivative)
