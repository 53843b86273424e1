"""Scalar-by-matrix identities with determinants and inverses.

Everything here follows from two differentials [Petersen & Pedersen 2012, secs. 2.1-2.2;
Magnus & Neudecker 2019, ch. 8]: Jacobi's formula d det X = det(X) tr(X⁻¹ dX) and
d(X⁻¹) = −X⁻¹ dX X⁻¹. Read through the trace trick, X⁻¹ inside the trace becomes X⁻ᵀ in
the gradient: the transposes below are not optional for non-symmetric X.
"""

import numpy as np

from mclib.identities import register
from mclib.identities._sources import chapter, cookbook

SM = "scalar-by-matrix"
inv, det = np.linalg.inv, np.linalg.det
mpow = np.linalg.matrix_power

# --- determinants (Cookbook sec. 2.1) --------------------------------------------------

register(
    "determinant", "Determinant det X (Jacobi's formula)",
    latex=r"\det X", numerator=r"\det(X)\,X^{-1}", denominator=r"\det(X)\,X^{-\top}",
    differential=r"\det(X)\operatorname{tr}(X^{-1} dX)",
    f=lambda X: det(X), derivative=lambda X: det(X) * inv(X).T,
    inputs={"X": "n n"}, kind=SM, domain="invertible", source=cookbook(49))

register(
    "log_abs_determinant", "Log absolute determinant log|det X|",
    latex=r"\log\lvert\det X\rvert", numerator=r"X^{-1}", denominator=r"X^{-\top}",
    differential=r"\operatorname{tr}(X^{-1} dX)",
    f=lambda X: np.linalg.slogdet(X)[1], derivative=lambda X: inv(X).T,
    inputs={"X": "n n"}, kind=SM, domain="invertible", source=cookbook(57))

register(
    "determinant_axb", "Determinant of AXB",
    latex=r"\det(AXB)", numerator=r"\det(AXB)\,X^{-1}", denominator=r"\det(AXB)\,X^{-\top}",
    differential=r"\det(AXB)\operatorname{tr}(X^{-1} dX)",
    f=lambda X, A, B: det(A @ X @ B), derivative=lambda X, A, B: det(A @ X @ B) * inv(X).T,
    inputs={"X": "n n", "A": "invertible n n", "B": "invertible n n"}, kind=SM, domain="invertible",
    source=cookbook(51))

register(
    "determinant_xtax_square", "Determinant of XᵀAX, X square",
    latex=r"\det(X^\top A X)", numerator=r"2\det(X^\top A X)\,X^{-1}",
    denominator=r"2\det(X^\top A X)\,X^{-\top}",
    differential=r"2\det(X^\top A X)\operatorname{tr}(X^{-1} dX)",
    f=lambda X, A: det(X.T @ A @ X), derivative=lambda X, A: 2 * det(X.T @ A @ X) * inv(X).T,
    inputs={"X": "n n", "A": "invertible n n"}, kind=SM, domain="invertible", source=cookbook(52))

register(
    "determinant_xtax_symmetric", "Determinant of XᵀAX, X tall, A symmetric",
    latex=r"\det(X^\top A X)", where=r"M = X^\top A X,\ A = A^\top", numerator=r"2\det(M)\,M^{-1} X^\top A",
    denominator=r"2\det(M)\,A X M^{-1}", differential=r"2\det(M)\operatorname{tr}(M^{-1} X^\top A\,dX)",
    f=lambda X, A: det(X.T @ A @ X), derivative=lambda X, A: 2 * det(X.T @ A @ X) * A @ X @ inv(X.T @ A @ X),
    inputs={"X": "m n", "A": "spd m m"}, kind=SM, source=cookbook(53))

register(
    "determinant_xtax", "Determinant of XᵀAX, X tall, A not symmetric",
    latex=r"\det(X^\top A X)", where=r"M = X^\top A X",
    numerator=r"\det(M)\bigl(M^{-\top} X^\top A^\top + M^{-1} X^\top A\bigr)",
    denominator=r"\det(M)\bigl(A X M^{-1} + A^\top X M^{-\top}\bigr)",
    differential=r"\det(M)\operatorname{tr}\bigl(M^{-1} (dX^\top A X + X^\top A\,dX)\bigr)",
    f=lambda X, A: det(X.T @ A @ X),
    derivative=lambda X, A: det(X.T @ A @ X) * (A @ X @ inv(X.T @ A @ X) + A.T @ X @ inv(X.T @ A.T @ X)),
    inputs={"X": "m n", "A": "invertible m m"}, kind=SM, source=cookbook(54))

register(
    "log_determinant_gram", "Log determinant of the Gram matrix log det(XᵀX), X tall",
    latex=r"\log\det(X^\top X)", numerator=r"2X^{+}", denominator=r"2(X^{+})^\top = 2X (X^\top X)^{-1}",
    differential=r"2\operatorname{tr}(X^{+} dX)",
    f=lambda X: np.log(det(X.T @ X)), derivative=lambda X: 2 * X @ inv(X.T @ X),
    inputs={"X": "m n"}, kind=SM, source=cookbook(55))

register(
    "determinant_power", "Determinant of a power det(Xᵏ) (k = 3)",
    latex=r"\det(X^k)", numerator=r"k\det(X^k)\,X^{-1}", denominator=r"k\det(X^k)\,X^{-\top}",
    differential=r"k\det(X^k)\operatorname{tr}(X^{-1} dX)",
    f=lambda X, k: det(mpow(X, k)), derivative=lambda X, k: k * det(mpow(X, k)) * inv(X).T,
    inputs={"X": "n n", "k": 3}, kind=SM, domain="invertible", source=cookbook(58))

register(
    "determinant_inverse", "Determinant of the inverse det(X⁻¹)",
    latex=r"\det(X^{-1})", numerator=r"-\det(X^{-1})\,X^{-1}", denominator=r"-\det(X^{-1})\,X^{-\top}",
    differential=r"-\det(X^{-1})\operatorname{tr}(X^{-1} dX)",
    f=lambda X: det(inv(X)), derivative=lambda X: -det(inv(X)) * inv(X).T,
    inputs={"X": "n n"}, kind=SM, domain="invertible", source=cookbook(62))

# --- inverses (Cookbook secs. 2.2 and 2.5.4) -------------------------------------------

register(
    "inverse_bilinear", "Bilinear form of the inverse aᵀX⁻¹b",
    latex=r"a^\top X^{-1} b", numerator=r"-X^{-1} b a^\top X^{-1}",
    denominator=r"-X^{-\top} a b^\top X^{-\top}",
    differential=r"-a^\top X^{-1} dX\,X^{-1} b",
    f=lambda X, a, b: a @ inv(X) @ b, derivative=lambda X, a, b: -inv(X).T @ np.outer(a, b) @ inv(X).T,
    inputs={"X": "n n", "a": "n", "b": "n"}, kind=SM, domain="invertible", source=cookbook(61))

register(
    "trace_a_inverse_b", "Trace of AX⁻¹B",
    latex=r"\operatorname{tr}(A X^{-1} B)", numerator=r"-X^{-1} B A X^{-1}",
    denominator=r"-X^{-\top} A^\top B^\top X^{-\top}",
    differential=r"-\operatorname{tr}(X^{-1} B A X^{-1} dX)",
    f=lambda X, A, B: np.trace(A @ inv(X) @ B), derivative=lambda X, A, B: -(inv(X) @ B @ A @ inv(X)).T,
    inputs={"X": "n n", "A": "p n", "B": "n p"}, kind=SM, domain="invertible", source=cookbook(63, 124))

register(
    "trace_inverse_a", "Trace of X⁻¹A",
    latex=r"\operatorname{tr}(X^{-1} A)", numerator=r"-X^{-1} A X^{-1}",
    denominator=r"-X^{-\top} A^\top X^{-\top}",
    differential=r"-\operatorname{tr}(X^{-1} A X^{-1} dX)",
    f=lambda X, A: np.trace(inv(X) @ A), derivative=lambda X, A: -(inv(X) @ A @ inv(X)).T,
    inputs={"X": "n n", "A": "n n"}, kind=SM, domain="invertible", source=cookbook(63) + " with A → I, B → A")

register(
    "trace_inverse", "Trace of the inverse tr(X⁻¹)",
    latex=r"\operatorname{tr}(X^{-1})", numerator=r"-X^{-2}", denominator=r"-(X^{-2})^\top",
    differential=r"-\operatorname{tr}(X^{-2} dX)",
    f=lambda X: np.trace(inv(X)), derivative=lambda X: -(inv(X) @ inv(X)).T,
    inputs={"X": "n n"}, kind=SM, domain="invertible", source=cookbook(64) + " with A = 0")

register(
    "trace_inverse_shifted", "Trace of (X + A)⁻¹",
    latex=r"\operatorname{tr}\bigl((X + A)^{-1}\bigr)", numerator=r"-(X + A)^{-2}",
    denominator=r"-\bigl((X + A)^{-2}\bigr)^\top",
    differential=r"-\operatorname{tr}\bigl((X + A)^{-2} dX\bigr)",
    f=lambda X, A: np.trace(inv(X + A)), derivative=lambda X, A: -mpow(inv(X + A), 2).T,
    inputs={"X": "n n", "A": "spd n n"}, kind=SM, domain="invertible", source=cookbook(64))

register(
    "trace_inverse_xtcx_a", "Trace of (XᵀCX)⁻¹A, C symmetric",
    latex=r"\operatorname{tr}\bigl((X^\top C X)^{-1} A\bigr)", where=r"M = X^\top C X,\ C = C^\top",
    numerator=r"-M^{-1} (A + A^\top) M^{-1} X^\top C", denominator=r"-C X M^{-1} (A + A^\top) M^{-1}",
    differential=r"-\operatorname{tr}\bigl(M^{-1} (A + A^\top) M^{-1} X^\top C\,dX\bigr)",
    f=lambda X, C, A: np.trace(inv(X.T @ C @ X) @ A),
    derivative=lambda X, C, A: -C @ X @ inv(X.T @ C @ X) @ (A + A.T) @ inv(X.T @ C @ X),
    inputs={"X": "m n", "C": "spd m m", "A": "n n"}, kind=SM, source=cookbook(125))

register(
    "trace_ratio", "Trace ratio tr((XᵀCX)⁻¹XᵀBX), B and C symmetric",
    latex=r"\operatorname{tr}\bigl((X^\top C X)^{-1} X^\top B X\bigr)",
    where=r"M = X^\top C X,\ P = X^\top B X",
    numerator=r"2M^{-1} X^\top B - 2M^{-1} P M^{-1} X^\top C",
    denominator=r"2B X M^{-1} - 2C X M^{-1} P M^{-1}",
    differential=r"2\operatorname{tr}\bigl(M^{-1} X^\top (B - B X M^{-1} X^\top C)\,dX\bigr)",
    f=lambda X, B, C: np.trace(inv(X.T @ C @ X) @ X.T @ B @ X),
    derivative=lambda X, B, C: (2 * B @ X @ inv(X.T @ C @ X)
                                - 2 * C @ X @ inv(X.T @ C @ X) @ X.T @ B @ X @ inv(X.T @ C @ X)),
    inputs={"X": "m n", "B": "symmetric m m", "C": "spd m m"}, kind=SM, source=cookbook(126))

# --- solutions of linear systems (ch. 10: one adjoint solve gives the gradient) --------------

SOLVES = chapter(10, "differentiating the solution of a linear system")

register(
    "solve_linear_form_rhs", "Linear form of a solution cᵀA⁻¹b, as a function of b",
    latex=r"c^\top A^{-1} b", numerator=r"c^\top A^{-1}", denominator=r"A^{-\top} c",
    differential=r"c^\top A^{-1} db",
    f=lambda b, A, c: c @ np.linalg.solve(A, b), derivative=lambda b, A, c: np.linalg.solve(A.T, c),
    inputs={"b": "n", "A": "invertible n n", "c": "n"}, kind="scalar-by-vector", source=SOLVES)

register(
    "solve_squared_error", "Squared error of a solution ½‖X⁻¹b − t‖² (adjoint solve)",
    latex=r"\tfrac12 \lVert X^{-1} b - t \rVert^2",
    numerator=r"-X^{-1} b (X^{-1} b - t)^\top X^{-1}",
    denominator=r"-X^{-\top} (X^{-1} b - t) b^\top X^{-\top}",
    differential=r"-(X^{-1} b - t)^\top X^{-1} dX\,X^{-1} b",
    f=lambda X, b, t: 0.5 * np.sum((np.linalg.solve(X, b) - t) ** 2),
    derivative=lambda X, b, t: -np.outer(np.linalg.solve(X.T, np.linalg.solve(X, b) - t),
                                         np.linalg.solve(X, b)),
    inputs={"X": "n n", "b": "n", "t": "n"}, kind=SM, domain="invertible", source=SOLVES)
