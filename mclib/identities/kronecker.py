"""Matrix-by-matrix identities: Jacobians ∂ vec F / ∂ vec X in Kronecker form.

With column-major vec, vec(A dX B) = (Bᵀ ⊗ A) vec dX, so every differential dF that is a
sum of terms A dX B (or A dXᵀ B, via vec dXᵀ = K vec dX) can be read as a Jacobian
[Magnus & Neudecker 2019, ch. 9]. Numerator layout is (F.size × X.size), denominator layout
its transpose. K_{mn} is the commutation matrix of an m × n matrix, `mclib.commutation_matrix`.
Order matters: the inverse has Jacobian −(X⁻ᵀ ⊗ X⁻¹), not −(X⁻¹ ⊗ X⁻¹).
"""

import numpy as np

from mclib.identities import register
from mclib.identities._sources import chapter, cookbook
from mclib.vec import commutation_matrix, vec

MM = "matrix-by-matrix"
inv, kron = np.linalg.inv, np.kron
VEC_RULE = cookbook(520)
INVERSE_RULE = cookbook(59, 520)
JACOBIANS = "Magnus & Neudecker 2019, ch. 9"


register(
    "jacobian_ax", "Jacobian of AX",
    latex="AX", numerator=r"I_n \otimes A", denominator=r"I_n \otimes A^\top", differential=r"A\,dX",
    f=lambda X, A: A @ X, derivative=lambda X, A: kron(np.eye(X.shape[1]), A),
    inputs={"X": "m n", "A": "p m"}, kind=MM, source=VEC_RULE + " with B = I")

register(
    "jacobian_xb", "Jacobian of XB",
    latex="XB", numerator=r"B^\top \otimes I_m", denominator=r"B \otimes I_m", differential=r"dX\,B",
    f=lambda X, B: X @ B, derivative=lambda X, B: kron(B.T, np.eye(X.shape[0])),
    inputs={"X": "m n", "B": "n p"}, kind=MM, source=VEC_RULE + " with A = I")

register(
    "jacobian_axb", "Jacobian of AXB",
    latex="AXB", numerator=r"B^\top \otimes A", denominator=r"B \otimes A^\top", differential=r"A\,dX\,B",
    f=lambda X, A, B: A @ X @ B, derivative=lambda X, A, B: kron(B.T, A),
    inputs={"X": "m n", "A": "p m", "B": "n q"}, kind=MM, source=VEC_RULE)

register(
    "jacobian_linear_layer_weights", "Jacobian of a linear layer Wx with respect to its weights W",
    latex="Wx", numerator=r"x^\top \otimes I_m", denominator=r"x \otimes I_m", differential=r"dW\,x",
    f=lambda W, x: W @ x, derivative=lambda W, x: kron(x[None, :], np.eye(W.shape[0])),
    inputs={"W": "m n", "x": "n"}, kind=MM, source=VEC_RULE + " with A = I, B = x")

register(
    "jacobian_transpose", "Jacobian of the transpose Xᵀ: the commutation matrix",
    latex=r"X^\top", numerator=r"K_{mn}", denominator=r"K_{nm} = K_{mn}^\top", differential=r"dX^\top",
    f=lambda X: X.T, derivative=lambda X: commutation_matrix(*X.shape),
    inputs={"X": "m n"}, kind=MM, source="Magnus & Neudecker 2019, ch. 3, sec. 7")

register(
    "jacobian_symmetric_part", "Jacobian of the symmetric part (X + Xᵀ)/2",
    latex=r"\tfrac12 (X + X^\top)", numerator=r"\tfrac12 (I_{n^2} + K_{nn})",
    denominator=r"\tfrac12 (I_{n^2} + K_{nn})", differential=r"\tfrac12 (dX + dX^\top)",
    f=lambda X: (X + X.T) / 2, derivative=lambda X: (np.eye(X.size) + commutation_matrix(*X.shape)) / 2,
    inputs={"X": "n n"}, kind=MM, domain="square", source="Magnus & Neudecker 2019, ch. 3, sec. 7")

register(
    "jacobian_hadamard", "Jacobian of the elementwise product A∘X",
    latex=r"A \circ X", numerator=r"\operatorname{diag}(\operatorname{vec} A)",
    denominator=r"\operatorname{diag}(\operatorname{vec} A)", differential=r"A \circ dX",
    f=lambda X, A: A * X, derivative=lambda X, A: np.diag(vec(A)),
    inputs={"X": "m n", "A": "m n"}, kind=MM, source="Magnus & Neudecker 2019, ch. 3, sec. 6")

register(
    "jacobian_inverse", "Jacobian of the inverse X⁻¹",
    latex=r"X^{-1}", numerator=r"-X^{-\top} \otimes X^{-1}", denominator=r"-X^{-1} \otimes X^{-\top}",
    differential=r"-X^{-1} dX\,X^{-1}",
    f=lambda X: inv(X), derivative=lambda X: -kron(inv(X).T, inv(X)),
    inputs={"X": "n n"}, kind=MM, domain="invertible", source=INVERSE_RULE)

register(
    "jacobian_inverse_transpose", "Jacobian of X⁻ᵀ, the Hessian of log|det X|",
    latex=r"X^{-\top}", numerator=r"-K_{nn} (X^{-\top} \otimes X^{-1})",
    denominator=r"-K_{nn} (X^{-\top} \otimes X^{-1})", differential=r"-X^{-\top} dX^\top X^{-\top}",
    f=lambda X: inv(X).T, derivative=lambda X: -commutation_matrix(*X.shape) @ kron(inv(X).T, inv(X)),
    inputs={"X": "n n"}, kind=MM, domain="invertible", source=INVERSE_RULE + " and vec Xᵀ = K vec X")

register(
    "jacobian_solve", "Jacobian of the solution X⁻¹B of XY = B",
    latex=r"X^{-1} B", numerator=r"-(B^\top X^{-\top}) \otimes X^{-1}",
    denominator=r"-(X^{-1} B) \otimes X^{-\top}", differential=r"-X^{-1} dX\,X^{-1} B",
    f=lambda X, B: np.linalg.solve(X, B), derivative=lambda X, B: -kron((inv(X) @ B).T, inv(X)),
    inputs={"X": "n n", "B": "n p"}, kind=MM, domain="invertible", source=INVERSE_RULE)

register(
    "jacobian_a_inverse_b", "Jacobian of AX⁻¹B",
    latex=r"A X^{-1} B", numerator=r"-(B^\top X^{-\top}) \otimes (A X^{-1})",
    denominator=r"-(X^{-1} B) \otimes (X^{-\top} A^\top)", differential=r"-A X^{-1} dX\,X^{-1} B",
    f=lambda X, A, B: A @ inv(X) @ B, derivative=lambda X, A, B: -kron((inv(X) @ B).T, A @ inv(X)),
    inputs={"X": "n n", "A": "p n", "B": "n q"}, kind=MM, domain="invertible", source=INVERSE_RULE)

register(
    "jacobian_square", "Jacobian of the matrix square X²",
    latex="X^2", numerator=r"X^\top \otimes I + I \otimes X", denominator=r"X \otimes I + I \otimes X^\top",
    differential=r"dX\,X + X\,dX",
    f=lambda X: X @ X, derivative=lambda X: kron(X.T, np.eye(len(X))) + kron(np.eye(len(X)), X),
    inputs={"X": "n n"}, kind=MM, domain="square", source=JACOBIANS)

register(
    "jacobian_cube", "Jacobian of the matrix cube X³",
    latex="X^3", numerator=r"(X^2)^\top \otimes I + X^\top \otimes X + I \otimes X^2",
    denominator=r"X^2 \otimes I + X \otimes X^\top + I \otimes (X^2)^\top",
    differential=r"dX\,X^2 + X\,dX\,X + X^2 dX",
    f=lambda X: X @ X @ X,
    derivative=lambda X: kron((X @ X).T, np.eye(len(X))) + kron(X.T, X) + kron(np.eye(len(X)), X @ X),
    inputs={"X": "n n"}, kind=MM, domain="square", source=JACOBIANS)

register(
    "jacobian_gram", "Jacobian of the Gram matrix XᵀX",
    latex=r"X^\top X", numerator=r"(I_{n^2} + K_{nn})(I_n \otimes X^\top)",
    denominator=r"(I_n \otimes X)(I_{n^2} + K_{nn})", differential=r"dX^\top X + X^\top dX",
    f=lambda X: X.T @ X,
    derivative=lambda X: (np.eye(X.shape[1] ** 2) + commutation_matrix(X.shape[1], X.shape[1]))
    @ kron(np.eye(X.shape[1]), X.T),
    inputs={"X": "m n"}, kind=MM, source=JACOBIANS)

register(
    "jacobian_outer_gram", "Jacobian of XXᵀ",
    latex=r"X X^\top", numerator=r"(I_{m^2} + K_{mm})(X \otimes I_m)",
    denominator=r"(X^\top \otimes I_m)(I_{m^2} + K_{mm})", differential=r"dX\,X^\top + X\,dX^\top",
    f=lambda X: X @ X.T,
    derivative=lambda X: (np.eye(X.shape[0] ** 2) + commutation_matrix(X.shape[0], X.shape[0]))
    @ kron(X, np.eye(X.shape[0])),
    inputs={"X": "m n"}, kind=MM, source=JACOBIANS)

register(
    "jacobian_xtax", "Jacobian of XᵀAX",
    latex=r"X^\top A X", numerator=r"I_n \otimes X^\top A + (X^\top A^\top \otimes I_n) K_{mn}",
    denominator=r"I_n \otimes A^\top X + K_{nm} (A X \otimes I_n)",
    differential=r"dX^\top A X + X^\top A\,dX",
    f=lambda X, A: X.T @ A @ X,
    derivative=lambda X, A: kron(np.eye(X.shape[1]), X.T @ A)
    + kron(X.T @ A.T, np.eye(X.shape[1])) @ commutation_matrix(*X.shape),
    inputs={"X": "m n", "A": "m m"}, kind=MM, source=JACOBIANS)

register(
    "jacobian_xaxt", "Jacobian of XAXᵀ",
    latex=r"X A X^\top", numerator=r"X A^\top \otimes I_m + (I_m \otimes X A) K_{mn}",
    denominator=r"A X^\top \otimes I_m + K_{nm} (I_m \otimes A^\top X^\top)",
    differential=r"dX\,A X^\top + X A\,dX^\top",
    f=lambda X, A: X @ A @ X.T,
    derivative=lambda X, A: kron(X @ A.T, np.eye(X.shape[0]))
    + kron(np.eye(X.shape[0]), X @ A) @ commutation_matrix(*X.shape),
    inputs={"X": "m n", "A": "n n"}, kind=MM, source=JACOBIANS)

# --- Hessians in vec form (ch. 9): the Jacobian of a gradient ----------------------------

HESSIANS = chapter(9, "a table of Hessians")

register(
    "hessian_trace_xtaxb", "Hessian of tr(XᵀAXB) (Jacobian of its gradient AXB + AᵀXBᵀ)",
    latex=r"AXB + A^\top X B^\top", numerator=r"B^\top \otimes A + B \otimes A^\top",
    denominator=r"B \otimes A^\top + B^\top \otimes A", differential=r"A\,dX\,B + A^\top dX\,B^\top",
    f=lambda X, A, B: A @ X @ B + A.T @ X @ B.T,
    derivative=lambda X, A, B: np.kron(B.T, A) + np.kron(B, A.T),
    inputs={"X": "m n", "A": "m m", "B": "n n"}, kind=MM, source=HESSIANS)

register(
    "hessian_log_det", "Hessian of log det X (Jacobian of its gradient X⁻ᵀ)",
    latex=r"X^{-\top}", numerator=r"-K_{nn}(X^{-\top} \otimes X^{-1})",
    denominator=r"-K_{nn}(X^{-\top} \otimes X^{-1})", differential=r"-X^{-\top} dX^\top X^{-\top}",
    f=lambda X: np.linalg.inv(X).T,
    derivative=lambda X: -commutation_matrix(*X.shape) @ np.kron(np.linalg.inv(X).T, np.linalg.inv(X)),
    inputs={"X": "n n"}, kind=MM, domain="invertible", source=HESSIANS)
