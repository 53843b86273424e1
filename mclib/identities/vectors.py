"""Scalar-by-vector identities: gradients of linear and quadratic forms, norms, losses.

For f: ℝⁿ → ℝ the numerator layout is the row ∂f/∂x (1 × n), the denominator layout the
column ∇f (n × 1); the differential is df = (∂f/∂x) dx. Each entry cites where it comes
from; "with W = I" and similar notes say how the cited formula specialises.
"""

import numpy as np

from mclib.identities import register
from mclib.identities._elementwise import log_softmax, log_sum_exp, sigmoid, softmax
from mclib.identities._sources import chapter, cookbook

SV = "scalar-by-vector"
LOSSES = chapter(2, "logistic regression and softmax cross-entropy")

register(
    "linear_form", "Linear form aᵀx",
    latex=r"a^\top x", numerator=r"a^\top", denominator="a", differential=r"a^\top dx",
    f=lambda x, a: a @ x, derivative=lambda x, a: a,
    inputs={"x": "n", "a": "n"}, kind=SV, source=cookbook(69))

register(
    "quadratic_form", "Quadratic form xᵀAx",
    latex=r"x^\top A x", numerator=r"x^\top (A + A^\top)", denominator=r"(A + A^\top)\,x",
    differential=r"x^\top (A + A^\top)\,dx",
    f=lambda x, A: x @ A @ x, derivative=lambda x, A: (A + A.T) @ x,
    inputs={"x": "n", "A": "n n"}, kind=SV, source=cookbook(81))

register(
    "quadratic_form_symmetric", "Quadratic form xᵀAx with symmetric A",
    latex=r"x^\top A x", where=r"A = A^\top", numerator=r"2x^\top A", denominator="2Ax",
    differential=r"2x^\top A\,dx",
    f=lambda x, A: x @ A @ x, derivative=lambda x, A: 2 * A @ x,
    inputs={"x": "n", "A": "symmetric n n"}, kind=SV, source=cookbook(81) + " with A = Aᵀ")

register(
    "quadratic_plus_linear", "Quadratic plus linear form xᵀAx + bᵀx",
    latex=r"x^\top A x + b^\top x", numerator=r"x^\top (A + A^\top) + b^\top",
    denominator=r"(A + A^\top)\,x + b", differential=r"\bigl(x^\top (A + A^\top) + b^\top\bigr)dx",
    f=lambda x, A, b: x @ A @ x + b @ x, derivative=lambda x, A, b: (A + A.T) @ x + b,
    inputs={"x": "n", "A": "n n", "b": "n"}, kind=SV, source=cookbook(69, 81))

register(
    "product_of_linear_forms", "Product of two linear forms (aᵀx)(bᵀx)",
    latex=r"(a^\top x)(b^\top x)", numerator=r"(b^\top x)\,a^\top + (a^\top x)\,b^\top",
    denominator=r"(b^\top x)\,a + (a^\top x)\,b",
    differential=r"(b^\top x)\,a^\top dx + (a^\top x)\,b^\top dx",
    f=lambda x, a, b: (a @ x) * (b @ x), derivative=lambda x, a, b: (b @ x) * a + (a @ x) * b,
    inputs={"x": "n", "a": "n", "b": "n"}, kind=SV, source=cookbook(69) + " and the product rule")

register(
    "squared_norm", "Squared Euclidean norm ‖x‖²",
    latex=r"\lVert x\rVert^2", numerator=r"2x^\top", denominator="2x", differential=r"2x^\top dx",
    f=lambda x: x @ x, derivative=lambda x: 2 * x,
    inputs={"x": "n"}, kind=SV, source=cookbook(131))

register(
    "euclidean_norm", "Euclidean norm ‖x‖",
    latex=r"\lVert x\rVert", numerator=r"x^\top / \lVert x\rVert", denominator=r"x / \lVert x\rVert",
    differential=r"x^\top dx / \lVert x\rVert",
    f=lambda x: np.sqrt(x @ x), derivative=lambda x: x / np.sqrt(x @ x),
    inputs={"x": "n"}, kind=SV, source=cookbook(129) + " with a = 0")

register(
    "euclidean_distance", "Euclidean distance ‖x − a‖",
    latex=r"\lVert x - a\rVert", numerator=r"(x - a)^\top / \lVert x - a\rVert",
    denominator=r"(x - a) / \lVert x - a\rVert", differential=r"(x - a)^\top dx / \lVert x - a\rVert",
    f=lambda x, a: np.sqrt((x - a) @ (x - a)), derivative=lambda x, a: (x - a) / np.sqrt((x - a) @ (x - a)),
    inputs={"x": "n", "a": "n"}, kind=SV, source=cookbook(129))

register(
    "least_squares", "Least-squares residual ‖Ax − b‖²",
    latex=r"\lVert Ax - b\rVert^2", numerator=r"2(Ax - b)^\top A", denominator=r"2A^\top (Ax - b)",
    differential=r"2(Ax - b)^\top A\,dx",
    f=lambda x, A, b: (A @ x - b) @ (A @ x - b), derivative=lambda x, A, b: 2 * A.T @ (A @ x - b),
    inputs={"x": "n", "A": "m n", "b": "m"}, kind=SV, source=cookbook(84) + " with W = I")

register(
    "weighted_least_squares", "Weighted least squares (b − Ax)ᵀW(b − Ax)",
    latex=r"(b - Ax)^\top W (b - Ax)", where=r"W = W^\top", numerator=r"-2(b - Ax)^\top W A",
    denominator=r"-2A^\top W (b - Ax)", differential=r"-2(b - Ax)^\top W A\,dx",
    f=lambda x, A, b, W: (b - A @ x) @ W @ (b - A @ x),
    derivative=lambda x, A, b, W: -2 * A.T @ W @ (b - A @ x),
    inputs={"x": "n", "A": "m n", "b": "m", "W": "symmetric m m"}, kind=SV, source=cookbook(84))

register(
    "weighted_residual_in_data", "Weighted residual (x − As)ᵀW(x − As) as a function of x",
    latex=r"(x - As)^\top W (x - As)", where=r"W = W^\top", numerator=r"2(x - As)^\top W",
    denominator=r"2W (x - As)", differential=r"2(x - As)^\top W\,dx",
    f=lambda x, A, s, W: (x - A @ s) @ W @ (x - A @ s), derivative=lambda x, A, s, W: 2 * W @ (x - A @ s),
    inputs={"x": "n", "A": "n m", "s": "m", "W": "symmetric n n"}, kind=SV, source=cookbook(87))

register(
    "gaussian_log_density_mean", "Gaussian log-density as a function of the mean",
    latex=r"-\tfrac12 (x - \mu)^\top \Sigma^{-1} (x - \mu)", numerator=r"(x - \mu)^\top \Sigma^{-1}",
    denominator=r"\Sigma^{-1} (x - \mu)", differential=r"(x - \mu)^\top \Sigma^{-1} d\mu",
    f=lambda mu, x, Sigma: -0.5 * (x - mu) @ np.linalg.solve(Sigma, x - mu),
    derivative=lambda mu, x, Sigma: np.linalg.solve(Sigma, x - mu),
    inputs={"mu": "n", "x": "n", "Sigma": "spd n n"}, kind=SV,
    source=cookbook(84) + " with A = I, W = Σ⁻¹")

register(
    "bilinear_affine", "Bilinear form of two affine maps (Bx + b)ᵀC(Dx + d)",
    latex=r"(Bx + b)^\top C (Dx + d)", numerator=r"(Dx + d)^\top C^\top B + (Bx + b)^\top C D",
    denominator=r"B^\top C (Dx + d) + D^\top C^\top (Bx + b)",
    differential=r"\bigl((Dx + d)^\top C^\top B + (Bx + b)^\top C D\bigr)dx",
    f=lambda x, B, b, C, D, d: (B @ x + b) @ C @ (D @ x + d),
    derivative=lambda x, B, b, C, D, d: B.T @ C @ (D @ x + d) + D.T @ C.T @ (B @ x + b),
    inputs={"x": "n", "B": "p n", "b": "p", "C": "p q", "D": "q n", "d": "q"}, kind=SV,
    source=cookbook(78))

register(
    "rayleigh_quotient", "Rayleigh quotient xᵀAx / xᵀx with symmetric A",
    latex=r"\frac{x^\top A x}{x^\top x}", where=r"r(x) = \frac{x^\top A x}{x^\top x},\ A = A^\top",
    numerator=r"\frac{2}{x^\top x}\bigl(Ax - r(x)\,x\bigr)^\top",
    denominator=r"\frac{2}{x^\top x}\bigl(Ax - r(x)\,x\bigr)",
    differential=r"\frac{2}{x^\top x}\bigl(Ax - r(x)\,x\bigr)^\top dx",
    f=lambda x, A: (x @ A @ x) / (x @ x),
    derivative=lambda x, A: 2 / (x @ x) * (A @ x - (x @ A @ x) / (x @ x) * x),
    inputs={"x": "n", "A": "symmetric n n"}, kind=SV, source="Trefethen & Bau 1997, Lecture 27")

register(
    "log_sum_exp", "Log-sum-exp, whose gradient is the softmax",
    latex=r"\log \textstyle\sum_i e^{x_i}", numerator=r"\operatorname{softmax}(x)^\top",
    denominator=r"\operatorname{softmax}(x)", differential=r"\operatorname{softmax}(x)^\top dx",
    f=lambda x: log_sum_exp(x), derivative=lambda x: softmax(x),
    inputs={"x": "n"}, kind=SV, source=LOSSES)

register(
    "softmax_cross_entropy", "Softmax cross-entropy −yᵀ log softmax(z), y a probability vector",
    latex=r"-y^\top \log \operatorname{softmax}(z)", where=r"\mathbf 1^\top y = 1",
    numerator=r"(\operatorname{softmax}(z) - y)^\top", denominator=r"\operatorname{softmax}(z) - y",
    differential=r"(\operatorname{softmax}(z) - y)^\top dz",
    f=lambda z, y: -y @ log_softmax(z), derivative=lambda z, y: softmax(z) - y,
    inputs={"z": "n", "y": "probability n"}, kind=SV, source=LOSSES)

register(
    "logistic_loss", "Logistic loss log(1 + exp(−t aᵀw)), label t = ±1",
    latex=r"\log\bigl(1 + e^{-t\,a^\top w}\bigr)", where=r"t = \pm 1",
    numerator=r"-t\,\sigma(-t\,a^\top w)\,a^\top", denominator=r"-t\,\sigma(-t\,a^\top w)\,a",
    differential=r"-t\,\sigma(-t\,a^\top w)\,a^\top dw",
    f=lambda w, a, t: np.log(1 + np.exp(-t * (a @ w))),
    derivative=lambda w, a, t: -t * sigmoid(-t * (a @ w)) * a,
    inputs={"w": "n", "a": "n", "t": "sign"}, kind=SV, source=LOSSES)

register(
    "softplus_sum", "Sum of softplus Σ log(1 + eˣⁱ), whose gradient is the sigmoid",
    latex=r"\textstyle\sum_i \log(1 + e^{x_i})", numerator=r"\sigma(x)^\top", denominator=r"\sigma(x)",
    differential=r"\sigma(x)^\top dx",
    f=lambda x: np.sum(np.log(1 + np.exp(x))), derivative=lambda x: sigmoid(x),
    inputs={"x": "n"}, kind=SV, source=chapter(2, "elementwise functions and softmax"))
