"""Scalar-by-matrix identities: traces, bilinear forms and Frobenius norms.

For f: ℝ^{m×n} → ℝ the denominator layout is the gradient ∇f (m × n, shaped like X), the
numerator layout its transpose (n × m), and the differential is df = tr((∂f/∂X) dX) with
∂f/∂X in numerator layout, i.e. df = tr(∇fᵀ dX): the trace trick reads either layout off
the differential. Equation numbers are those of the Matrix Cookbook [Petersen & Pedersen
2012], version of November 15, 2012.
"""

import numpy as np

from mclib.identities import register
from mclib.identities._elementwise import log_softmax, softmax
from mclib.identities._sources import chapter, cookbook

SM = "scalar-by-matrix"
LOSSES = chapter(2, "logistic regression and softmax cross-entropy")
mpow = np.linalg.matrix_power

# --- first order (Cookbook sec. 2.5.1) -------------------------------------------------

register(
    "trace", "Trace of X",
    latex=r"\operatorname{tr}(X)", numerator="I", denominator="I", differential=r"\operatorname{tr}(dX)",
    f=lambda X: np.trace(X), derivative=lambda X: np.eye(len(X)),
    inputs={"X": "n n"}, kind=SM, domain="square", source=cookbook(99))

register(
    "trace_xa", "Trace of XA",
    latex=r"\operatorname{tr}(XA)", numerator="A", denominator=r"A^\top",
    differential=r"\operatorname{tr}(A\,dX)",
    f=lambda X, A: np.trace(X @ A), derivative=lambda X, A: A.T,
    inputs={"X": "m n", "A": "n m"}, kind=SM, source=cookbook(100))

register(
    "trace_ax", "Trace of AX",
    latex=r"\operatorname{tr}(AX)", numerator="A", denominator=r"A^\top",
    differential=r"\operatorname{tr}(A\,dX)",
    f=lambda X, A: np.trace(A @ X), derivative=lambda X, A: A.T,
    inputs={"X": "m n", "A": "n m"}, kind=SM, source=cookbook(100) + " and tr(AX) = tr(XA)")

register(
    "trace_axb", "Trace of AXB",
    latex=r"\operatorname{tr}(AXB)", numerator="BA", denominator=r"A^\top B^\top",
    differential=r"\operatorname{tr}(BA\,dX)",
    f=lambda X, A, B: np.trace(A @ X @ B), derivative=lambda X, A, B: A.T @ B.T,
    inputs={"X": "m n", "A": "p m", "B": "n p"}, kind=SM, source=cookbook(101))

register(
    "trace_axtb", "Trace of AXᵀB",
    latex=r"\operatorname{tr}(AX^\top B)", numerator=r"A^\top B^\top", denominator="BA",
    differential=r"\operatorname{tr}(A^\top B^\top dX)",
    f=lambda X, A, B: np.trace(A @ X.T @ B), derivative=lambda X, A, B: B @ A,
    inputs={"X": "m n", "A": "p n", "B": "m p"}, kind=SM, source=cookbook(102))

register(
    "trace_xta", "Trace of XᵀA (Frobenius inner product ⟨A, X⟩)",
    latex=r"\operatorname{tr}(X^\top A)", where=r"\operatorname{tr}(X^\top A) = \langle A, X\rangle",
    numerator=r"A^\top", denominator="A",
    differential=r"\operatorname{tr}(A^\top dX)",
    f=lambda X, A: np.trace(X.T @ A), derivative=lambda X, A: A,
    inputs={"X": "m n", "A": "m n"}, kind=SM, source=cookbook(103))

register(
    "trace_axt", "Trace of AXᵀ",
    latex=r"\operatorname{tr}(AX^\top)", numerator=r"A^\top", denominator="A",
    differential=r"\operatorname{tr}(A^\top dX)",
    f=lambda X, A: np.trace(A @ X.T), derivative=lambda X, A: A,
    inputs={"X": "m n", "A": "m n"}, kind=SM, source=cookbook(104))

register(
    "trace_kron_ax", "Trace of the Kronecker product A⊗X",
    latex=r"\operatorname{tr}(A \otimes X)", numerator=r"\operatorname{tr}(A)\,I",
    denominator=r"\operatorname{tr}(A)\,I", differential=r"\operatorname{tr}(A)\operatorname{tr}(dX)",
    f=lambda X, A: np.trace(np.kron(A, X)), derivative=lambda X, A: np.trace(A) * np.eye(len(X)),
    inputs={"X": "n n", "A": "m m"}, kind=SM, domain="square", source=cookbook(105))

register(
    "bilinear_form", "Bilinear form aᵀXb",
    latex=r"a^\top X b", numerator=r"b a^\top", denominator=r"a b^\top", differential=r"a^\top dX\,b",
    f=lambda X, a, b: a @ X @ b, derivative=lambda X, a, b: np.outer(a, b),
    inputs={"X": "m n", "a": "m", "b": "n"}, kind=SM, source=cookbook(70))

register(
    "bilinear_form_transposed", "Bilinear form aᵀXᵀb",
    latex=r"a^\top X^\top b", numerator=r"a b^\top", denominator=r"b a^\top", differential=r"b^\top dX\,a",
    f=lambda X, a, b: a @ X.T @ b, derivative=lambda X, a, b: np.outer(b, a),
    inputs={"X": "m n", "a": "n", "b": "m"}, kind=SM, source=cookbook(71))

register(
    "quadratic_form_in_matrix", "Quadratic form aᵀXa as a function of X",
    latex=r"a^\top X a", numerator=r"a a^\top", denominator=r"a a^\top", differential=r"a^\top dX\,a",
    f=lambda X, a: a @ X @ a, derivative=lambda X, a: np.outer(a, a),
    inputs={"X": "n n", "a": "n"}, kind=SM, domain="square", source=cookbook(72))

# --- second order (Cookbook secs. 2.4.2 and 2.5.2) -------------------------------------

register(
    "gram_bilinear", "Bilinear form of the Gram matrix bᵀXᵀXc",
    latex=r"b^\top X^\top X c", numerator=r"(b c^\top + c b^\top) X^\top",
    denominator=r"X (b c^\top + c b^\top)", differential=r"b^\top dX^\top X c + b^\top X^\top dX\,c",
    f=lambda X, b, c: b @ X.T @ X @ c, derivative=lambda X, b, c: X @ (np.outer(b, c) + np.outer(c, b)),
    inputs={"X": "m n", "b": "n", "c": "n"}, kind=SM, source=cookbook(77))

register(
    "weighted_gram_bilinear", "Weighted bilinear form bᵀXᵀDXc",
    latex=r"b^\top X^\top D X c", numerator=r"c b^\top X^\top D + b c^\top X^\top D^\top",
    denominator=r"D^\top X b c^\top + D X c b^\top",
    differential=r"b^\top dX^\top D X c + b^\top X^\top D\,dX\,c",
    f=lambda X, b, D, c: b @ X.T @ D @ X @ c,
    derivative=lambda X, b, D, c: D.T @ X @ np.outer(b, c) + D @ X @ np.outer(c, b),
    inputs={"X": "m n", "b": "n", "D": "m m", "c": "n"}, kind=SM, source=cookbook(82))

register(
    "affine_quadratic", "Quadratic form of an affine map (Xb + c)ᵀD(Xb + c)",
    latex=r"(Xb + c)^\top D (Xb + c)", numerator=r"b\,(Xb + c)^\top (D + D^\top)",
    denominator=r"(D + D^\top)(Xb + c)\,b^\top", differential=r"(Xb + c)^\top (D + D^\top)\,dX\,b",
    f=lambda X, b, c, D: (X @ b + c) @ D @ (X @ b + c),
    derivative=lambda X, b, c, D: np.outer((D + D.T) @ (X @ b + c), b),
    inputs={"X": "m n", "b": "n", "c": "m", "D": "m m"}, kind=SM, source=cookbook(83))

register(
    "weighted_residual_in_matrix", "Weighted residual (x − Xs)ᵀW(x − Xs) as a function of X",
    latex=r"(x - Xs)^\top W (x - Xs)", where=r"W = W^\top", numerator=r"-2 s\,(x - Xs)^\top W",
    denominator=r"-2 W (x - Xs)\,s^\top", differential=r"-2 (x - Xs)^\top W\,dX\,s",
    f=lambda X, x, s, W: (x - X @ s) @ W @ (x - X @ s),
    derivative=lambda X, x, s, W: -2 * np.outer(W @ (x - X @ s), s),
    inputs={"X": "m n", "x": "m", "s": "n", "W": "symmetric m m"}, kind=SM, source=cookbook(88))

register(
    "trace_x_squared", "Trace of X²",
    latex=r"\operatorname{tr}(X^2)", numerator="2X", denominator=r"2X^\top",
    differential=r"2\operatorname{tr}(X\,dX)",
    f=lambda X: np.trace(X @ X), derivative=lambda X: 2 * X.T,
    inputs={"X": "n n"}, kind=SM, domain="square", source=cookbook(106))

register(
    "trace_x_squared_b", "Trace of X²B",
    latex=r"\operatorname{tr}(X^2 B)", numerator="XB + BX", denominator=r"(XB + BX)^\top",
    differential=r"\operatorname{tr}\bigl((XB + BX)\,dX\bigr)",
    f=lambda X, B: np.trace(X @ X @ B), derivative=lambda X, B: (X @ B + B @ X).T,
    inputs={"X": "n n", "B": "n n"}, kind=SM, domain="square", source=cookbook(107))

register(
    "trace_xtbx", "Trace of XᵀBX",
    latex=r"\operatorname{tr}(X^\top B X)", numerator=r"X^\top (B + B^\top)", denominator=r"(B + B^\top) X",
    differential=r"\operatorname{tr}\bigl(X^\top (B + B^\top)\,dX\bigr)",
    f=lambda X, B: np.trace(X.T @ B @ X), derivative=lambda X, B: B @ X + B.T @ X,
    inputs={"X": "m n", "B": "m m"}, kind=SM, source=cookbook(108))

register(
    "trace_bxxt", "Trace of BXXᵀ",
    latex=r"\operatorname{tr}(B X X^\top)", numerator=r"X^\top (B + B^\top)", denominator=r"(B + B^\top) X",
    differential=r"\operatorname{tr}\bigl(X^\top (B + B^\top)\,dX\bigr)",
    f=lambda X, B: np.trace(B @ X @ X.T), derivative=lambda X, B: B @ X + B.T @ X,
    inputs={"X": "m n", "B": "m m"}, kind=SM, source=cookbook(109))

register(
    "trace_xxtb", "Trace of XXᵀB",
    latex=r"\operatorname{tr}(X X^\top B)", numerator=r"X^\top (B + B^\top)", denominator=r"(B + B^\top) X",
    differential=r"\operatorname{tr}\bigl(X^\top (B + B^\top)\,dX\bigr)",
    f=lambda X, B: np.trace(X @ X.T @ B), derivative=lambda X, B: B @ X + B.T @ X,
    inputs={"X": "m n", "B": "m m"}, kind=SM, source=cookbook(110))

register(
    "trace_xbxt", "Trace of XBXᵀ",
    latex=r"\operatorname{tr}(X B X^\top)", numerator=r"(B + B^\top) X^\top", denominator=r"X (B + B^\top)",
    differential=r"\operatorname{tr}\bigl((B + B^\top) X^\top dX\bigr)",
    f=lambda X, B: np.trace(X @ B @ X.T), derivative=lambda X, B: X @ B.T + X @ B,
    inputs={"X": "m n", "B": "n n"}, kind=SM, source=cookbook(111))

register(
    "trace_bxtx", "Trace of BXᵀX",
    latex=r"\operatorname{tr}(B X^\top X)", numerator=r"(B + B^\top) X^\top", denominator=r"X (B + B^\top)",
    differential=r"\operatorname{tr}\bigl((B + B^\top) X^\top dX\bigr)",
    f=lambda X, B: np.trace(B @ X.T @ X), derivative=lambda X, B: X @ B.T + X @ B,
    inputs={"X": "m n", "B": "n n"}, kind=SM, source=cookbook(112))

register(
    "trace_xtxb", "Trace of XᵀXB",
    latex=r"\operatorname{tr}(X^\top X B)", numerator=r"(B + B^\top) X^\top", denominator=r"X (B + B^\top)",
    differential=r"\operatorname{tr}\bigl((B + B^\top) X^\top dX\bigr)",
    f=lambda X, B: np.trace(X.T @ X @ B), derivative=lambda X, B: X @ B.T + X @ B,
    inputs={"X": "m n", "B": "n n"}, kind=SM, source=cookbook(113))

register(
    "trace_axbx", "Trace of AXBX",
    latex=r"\operatorname{tr}(AXBX)", numerator="BXA + AXB",
    denominator=r"A^\top X^\top B^\top + B^\top X^\top A^\top",
    differential=r"\operatorname{tr}\bigl((BXA + AXB)\,dX\bigr)",
    f=lambda X, A, B: np.trace(A @ X @ B @ X), derivative=lambda X, A, B: A.T @ X.T @ B.T + B.T @ X.T @ A.T,
    inputs={"X": "n n", "A": "n n", "B": "n n"}, kind=SM, domain="square", source=cookbook(114))

register(
    "trace_xtx", "Trace of XᵀX",
    latex=r"\operatorname{tr}(X^\top X)", numerator=r"2X^\top", denominator="2X",
    differential=r"2\operatorname{tr}(X^\top dX)",
    f=lambda X: np.trace(X.T @ X), derivative=lambda X: 2 * X,
    inputs={"X": "m n"}, kind=SM, source=cookbook(115))

register(
    "trace_btxtcxb", "Trace of BᵀXᵀCXB",
    latex=r"\operatorname{tr}(B^\top X^\top C X B)", numerator=r"B B^\top X^\top (C + C^\top)",
    denominator=r"C^\top X B B^\top + C X B B^\top",
    differential=r"\operatorname{tr}\bigl(B B^\top X^\top (C + C^\top)\,dX\bigr)",
    f=lambda X, B, C: np.trace(B.T @ X.T @ C @ X @ B),
    derivative=lambda X, B, C: C.T @ X @ B @ B.T + C @ X @ B @ B.T,
    inputs={"X": "m n", "B": "n p", "C": "m m"}, kind=SM, source=cookbook(116))

register(
    "trace_xtbxc", "Trace of XᵀBXC",
    latex=r"\operatorname{tr}(X^\top B X C)", numerator=r"C^\top X^\top B^\top + C X^\top B",
    denominator=r"B X C + B^\top X C^\top",
    differential=r"\operatorname{tr}\bigl((C^\top X^\top B^\top + C X^\top B)\,dX\bigr)",
    f=lambda X, B, C: np.trace(X.T @ B @ X @ C), derivative=lambda X, B, C: B @ X @ C + B.T @ X @ C.T,
    inputs={"X": "m n", "B": "m m", "C": "n n"}, kind=SM, source=cookbook(117))

register(
    "trace_axbxtc", "Trace of AXBXᵀC",
    latex=r"\operatorname{tr}(A X B X^\top C)", numerator=r"B X^\top C A + B^\top X^\top A^\top C^\top",
    denominator=r"A^\top C^\top X B^\top + C A X B",
    differential=r"\operatorname{tr}\bigl((B X^\top C A + B^\top X^\top A^\top C^\top)\,dX\bigr)",
    f=lambda X, A, B, C: np.trace(A @ X @ B @ X.T @ C),
    derivative=lambda X, A, B, C: A.T @ C.T @ X @ B.T + C @ A @ X @ B,
    inputs={"X": "m n", "A": "p m", "B": "n n", "C": "m p"}, kind=SM, source=cookbook(118))

register(
    "trace_affine_residual", "Trace of (AXB + C)(AXB + C)ᵀ, a squared affine residual",
    latex=r"\operatorname{tr}\bigl((AXB + C)(AXB + C)^\top\bigr)", numerator=r"2B (AXB + C)^\top A",
    denominator=r"2A^\top (AXB + C) B^\top",
    differential=r"2\operatorname{tr}\bigl(B (AXB + C)^\top A\,dX\bigr)",
    f=lambda X, A, B, C: np.trace((A @ X @ B + C) @ (A @ X @ B + C).T),
    derivative=lambda X, A, B, C: 2 * A.T @ (A @ X @ B + C) @ B.T,
    inputs={"X": "m n", "A": "p m", "B": "n q", "C": "p q"}, kind=SM, source=cookbook(119))

register(
    "trace_kron_xx", "Trace of X⊗X, which is tr(X)²",
    latex=r"\operatorname{tr}(X \otimes X)",
    where=r"\operatorname{tr}(X \otimes X) = \operatorname{tr}(X)^2", numerator=r"2\operatorname{tr}(X)\,I",
    denominator=r"2\operatorname{tr}(X)\,I", differential=r"2\operatorname{tr}(X)\operatorname{tr}(dX)",
    f=lambda X: np.trace(np.kron(X, X)), derivative=lambda X: 2 * np.trace(X) * np.eye(len(X)),
    inputs={"X": "n n"}, kind=SM, domain="square", source=cookbook(120))

# --- higher order (Cookbook sec. 2.5.3) ------------------------------------------------

register(
    "trace_power", "Trace of a power Xᵏ (k = 3)",
    latex=r"\operatorname{tr}(X^k)", numerator=r"k X^{k-1}", denominator=r"k (X^{k-1})^\top",
    differential=r"k \operatorname{tr}(X^{k-1} dX)",
    f=lambda X, k: np.trace(mpow(X, k)), derivative=lambda X, k: k * mpow(X, k - 1).T,
    inputs={"X": "n n", "k": 3}, kind=SM, domain="square", source=cookbook(121))

register(
    "trace_a_power", "Trace of AXᵏ (k = 3)",
    latex=r"\operatorname{tr}(A X^k)", numerator=r"\textstyle\sum_{r=0}^{k-1} X^r A X^{k-r-1}",
    denominator=r"\textstyle\sum_{r=0}^{k-1} (X^r A X^{k-r-1})^\top",
    differential=r"\textstyle\sum_{r=0}^{k-1} \operatorname{tr}(X^r A X^{k-r-1} dX)",
    f=lambda X, A, k: np.trace(A @ mpow(X, k)),
    derivative=lambda X, A, k: sum(mpow(X, r) @ A @ mpow(X, k - r - 1) for r in range(k)).T,
    inputs={"X": "n n", "A": "n n", "k": 3}, kind=SM, domain="square", source=cookbook(122))

# --- Frobenius norms and losses (Cookbook sec. 2.7 and this book) ----------------------

register(
    "frobenius_norm_squared", "Squared Frobenius norm ‖X‖²_F",
    latex=r"\lVert X\rVert_F^2", numerator=r"2X^\top", denominator="2X",
    differential=r"2\operatorname{tr}(X^\top dX)",
    f=lambda X: np.sum(X * X), derivative=lambda X: 2 * X,
    inputs={"X": "m n"}, kind=SM, source=cookbook(132))

register(
    "frobenius_norm", "Frobenius norm ‖X‖_F",
    latex=r"\lVert X\rVert_F", numerator=r"X^\top / \lVert X\rVert_F", denominator=r"X / \lVert X\rVert_F",
    differential=r"\operatorname{tr}(X^\top dX) / \lVert X\rVert_F",
    f=lambda X: np.sqrt(np.sum(X * X)), derivative=lambda X: X / np.sqrt(np.sum(X * X)),
    inputs={"X": "m n"}, kind=SM, source=cookbook(132) + " and the chain rule")

register(
    "frobenius_residual", "Squared Frobenius residual ‖AX − B‖²_F",
    latex=r"\lVert AX - B\rVert_F^2", numerator=r"2(AX - B)^\top A", denominator=r"2A^\top (AX - B)",
    differential=r"2\operatorname{tr}\bigl((AX - B)^\top A\,dX\bigr)",
    f=lambda X, A, B: np.sum((A @ X - B) ** 2), derivative=lambda X, A, B: 2 * A.T @ (A @ X - B),
    inputs={"X": "m n", "A": "p m", "B": "p n"}, kind=SM,
    source=cookbook(119) + " with B → I, C → −B")

register(
    "ridge_objective", "Ridge regression (weight decay) ‖AW − Y‖²_F + λ‖W‖²_F",
    latex=r"\lVert AW - Y\rVert_F^2 + \lambda \lVert W\rVert_F^2",
    numerator=r"2(AW - Y)^\top A + 2\lambda W^\top", denominator=r"2A^\top (AW - Y) + 2\lambda W",
    differential=r"2\operatorname{tr}\bigl(((AW - Y)^\top A + \lambda W^\top)\,dW\bigr)",
    f=lambda W, A, Y, lam: np.sum((A @ W - Y) ** 2) + lam * np.sum(W * W),
    derivative=lambda W, A, Y, lam: 2 * A.T @ (A @ W - Y) + 2 * lam * W,
    inputs={"W": "m n", "A": "p m", "Y": "p n", "lam": 0.5}, kind=SM,
    source=chapter(4, "Frobenius norm and ridge regression"))

register(
    "softmax_regression", "Softmax regression loss −Σ Y∘log softmax(AW), rows of Y probabilities",
    latex=r"-\textstyle\sum_{ij} Y_{ij} \log \operatorname{softmax}(AW)_{ij}",
    numerator=r"(\operatorname{softmax}(AW) - Y)^\top A",
    denominator=r"A^\top (\operatorname{softmax}(AW) - Y)",
    differential=r"\operatorname{tr}\bigl((\operatorname{softmax}(AW) - Y)^\top A\,dW\bigr)",
    f=lambda W, A, Y: -np.sum(Y * log_softmax(A @ W, axis=1)),
    derivative=lambda W, A, Y: A.T @ (softmax(A @ W, axis=1) - Y),
    inputs={"W": "m n", "A": "p m", "Y": "probability p n"}, kind=SM,
    source=LOSSES)
