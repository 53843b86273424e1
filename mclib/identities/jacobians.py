"""Vector-by-vector identities: Jacobians of maps ℝⁿ → ℝᵐ.

The numerator layout is the m × n Jacobian J (one row per output), the denominator layout
its transpose; the differential is dF = J dx. Elementwise maps have diagonal Jacobians
(so both layouts agree); the gradient of a scalar function, seen as a map, has the Hessian
as its Jacobian.
"""

import numpy as np

from mclib.identities import register
from mclib.identities._elementwise import log_softmax, sigmoid, softmax
from mclib.identities._sources import chapter, cookbook

VV = "vector-by-vector"
LOSSES = chapter(2, "logistic regression and softmax cross-entropy")
ELEMENTWISE = chapter(2, "elementwise functions and softmax")

register(
    "linear_map", "Linear map Ax",
    latex="Ax", numerator="A", denominator=r"A^\top", differential=r"A\,dx",
    f=lambda x, A: A @ x, derivative=lambda x, A: A,
    inputs={"x": "n", "A": "m n"}, kind=VV, source=chapter(1, "numerator, denominator and mixed layout"))

register(
    "affine_map", "Affine map Ax + b",
    latex="Ax + b", numerator="A", denominator=r"A^\top", differential=r"A\,dx",
    f=lambda x, A, b: A @ x + b, derivative=lambda x, A, b: A,
    inputs={"x": "n", "A": "m n", "b": "m"}, kind=VV, source=chapter(2, "the affine layer"))

register(
    "hadamard_with_constant", "Elementwise product a∘x",
    latex=r"a \circ x", numerator=r"\operatorname{diag}(a)", denominator=r"\operatorname{diag}(a)",
    differential=r"a \circ dx",
    f=lambda x, a: a * x, derivative=lambda x, a: np.diag(a),
    inputs={"x": "n", "a": "n"}, kind=VV, source=ELEMENTWISE)

register(
    "elementwise_square", "Elementwise square x∘x",
    latex=r"x \circ x", numerator=r"2\operatorname{diag}(x)", denominator=r"2\operatorname{diag}(x)",
    differential=r"2x \circ dx",
    f=lambda x: x * x, derivative=lambda x: 2 * np.diag(x),
    inputs={"x": "n"}, kind=VV, source=ELEMENTWISE)

register(
    "elementwise_exp", "Elementwise exponential exp(x)",
    latex=r"\exp(x)", numerator=r"\operatorname{diag}(\exp x)", denominator=r"\operatorname{diag}(\exp x)",
    differential=r"\exp(x) \circ dx",
    f=lambda x: np.exp(x), derivative=lambda x: np.diag(np.exp(x)),
    inputs={"x": "n"}, kind=VV, source=ELEMENTWISE)

register(
    "elementwise_sigmoid", "Elementwise logistic sigmoid σ(x)",
    latex=r"\sigma(x)", numerator=r"\operatorname{diag}\bigl(\sigma(x)\circ(1 - \sigma(x))\bigr)",
    denominator=r"\operatorname{diag}\bigl(\sigma(x)\circ(1 - \sigma(x))\bigr)",
    differential=r"\sigma(x)\circ(1 - \sigma(x))\circ dx",
    f=lambda x: sigmoid(x), derivative=lambda x: np.diag(sigmoid(x) * (1 - sigmoid(x))),
    inputs={"x": "n"}, kind=VV, source=ELEMENTWISE)

register(
    "elementwise_tanh", "Elementwise hyperbolic tangent tanh(x)",
    latex=r"\tanh(x)", numerator=r"\operatorname{diag}(1 - \tanh^2 x)",
    denominator=r"\operatorname{diag}(1 - \tanh^2 x)", differential=r"(1 - \tanh^2 x)\circ dx",
    f=lambda x: np.tanh(x), derivative=lambda x: np.diag(1 - np.tanh(x) ** 2),
    inputs={"x": "n"}, kind=VV, source=ELEMENTWISE)

register(
    "softmax", "Softmax p = softmax(x)",
    latex=r"\operatorname{softmax}(x)", where=r"p = \operatorname{softmax}(x)",
    numerator=r"\operatorname{diag}(p) - pp^\top",
    denominator=r"\operatorname{diag}(p) - pp^\top", differential=r"p \circ dx - p\,(p^\top dx)",
    f=lambda x: softmax(x), derivative=lambda x: np.diag(softmax(x)) - np.outer(softmax(x), softmax(x)),
    inputs={"x": "n"}, kind=VV, source=ELEMENTWISE)

register(
    "log_softmax", "Log-softmax x − log Σ exp(x)",
    latex=r"\log \operatorname{softmax}(x)", where=r"p = \operatorname{softmax}(x)",
    numerator=r"I - \mathbf 1 p^\top",
    denominator=r"I - p \mathbf 1^\top", differential=r"dx - \mathbf 1\,(p^\top dx)",
    f=lambda x: log_softmax(x), derivative=lambda x: np.eye(x.size) - np.outer(np.ones(x.size), softmax(x)),
    inputs={"x": "n"}, kind=VV, source=LOSSES)

register(
    "normalize", "Normalisation u = x / ‖x‖",
    latex=r"x / \lVert x\rVert", where=r"u = x / \lVert x\rVert", numerator=r"(I - uu^\top) / \lVert x\rVert",
    denominator=r"(I - uu^\top) / \lVert x\rVert", differential=r"(dx - u\,u^\top dx) / \lVert x\rVert",
    f=lambda x: x / np.sqrt(x @ x),
    derivative=lambda x: (np.eye(x.size) - np.outer(x, x) / (x @ x)) / np.sqrt(x @ x),
    inputs={"x": "n"}, kind=VV, source=cookbook(130) + " with a = 0")

register(
    "normalize_difference", "Unit vector from a to x, (x − a) / ‖x − a‖",
    latex=r"\frac{x - a}{\lVert x - a\rVert}",
    numerator=r"\frac{I}{\lVert x - a\rVert} - \frac{(x - a)(x - a)^\top}{\lVert x - a\rVert^3}",
    denominator=r"\frac{I}{\lVert x - a\rVert} - \frac{(x - a)(x - a)^\top}{\lVert x - a\rVert^3}",
    differential=r"\frac{dx}{\lVert x - a\rVert} - \frac{(x - a)(x - a)^\top dx}{\lVert x - a\rVert^3}",
    f=lambda x, a: (x - a) / np.sqrt((x - a) @ (x - a)),
    derivative=lambda x, a: (np.eye(x.size) / np.sqrt((x - a) @ (x - a))
                             - np.outer(x - a, x - a) / ((x - a) @ (x - a)) ** 1.5),
    inputs={"x": "n", "a": "n"}, kind=VV, source=cookbook(130))

register(
    "squared_residuals", "Elementwise squared residuals (Ax − b)∘(Ax − b)",
    latex=r"(Ax - b) \circ (Ax - b)", where=r"r = Ax - b", numerator=r"2\operatorname{diag}(r)\,A",
    denominator=r"2A^\top \operatorname{diag}(r)", differential=r"2r \circ (A\,dx)",
    f=lambda x, A, b: (A @ x - b) * (A @ x - b), derivative=lambda x, A, b: 2 * (A @ x - b)[:, None] * A,
    inputs={"x": "n", "A": "m n", "b": "m"}, kind=VV, source=chapter(2, "composition multiplies Jacobians"))

register(
    "sigmoid_layer", "Sigmoid layer σ(Wx + b) as a function of its input",
    latex=r"\sigma(Wx + b)", where=r"h = \sigma(Wx + b)",
    numerator=r"\operatorname{diag}\bigl(h\circ(1 - h)\bigr)\,W",
    denominator=r"W^\top \operatorname{diag}\bigl(h\circ(1 - h)\bigr)",
    differential=r"h\circ(1 - h)\circ(W\,dx)",
    f=lambda x, W, b: sigmoid(W @ x + b),
    derivative=lambda x, W, b: (sigmoid(W @ x + b) * (1 - sigmoid(W @ x + b)))[:, None] * W,
    inputs={"x": "n", "W": "m n", "b": "m"}, kind=VV, source=chapter(2, "the affine layer"))

register(
    "tanh_layer", "tanh layer tanh(Wx + b) as a function of its input",
    latex=r"\tanh(Wx + b)", where=r"h = \tanh(Wx + b)", numerator=r"\operatorname{diag}(1 - h\circ h)\,W",
    denominator=r"W^\top \operatorname{diag}(1 - h\circ h)", differential=r"(1 - h\circ h)\circ(W\,dx)",
    f=lambda x, W, b: np.tanh(W @ x + b),
    derivative=lambda x, W, b: (1 - np.tanh(W @ x + b) ** 2)[:, None] * W,
    inputs={"x": "n", "W": "m n", "b": "m"}, kind=VV, source=chapter(2, "the affine layer"))

register(
    "softmax_layer", "Softmax of a linear map, softmax(Wx)",
    latex=r"\operatorname{softmax}(Wx)", where=r"p = \operatorname{softmax}(Wx)",
    numerator=r"\bigl(\operatorname{diag}(p) - pp^\top\bigr)W",
    denominator=r"W^\top\bigl(\operatorname{diag}(p) - pp^\top\bigr)",
    differential=r"\bigl(\operatorname{diag}(p) - pp^\top\bigr)W\,dx",
    f=lambda x, W: softmax(W @ x),
    derivative=lambda x, W: (np.diag(softmax(W @ x)) - np.outer(softmax(W @ x), softmax(W @ x))) @ W,
    inputs={"x": "n", "W": "m n"}, kind=VV, source=chapter(2, "composition multiplies Jacobians"))

register(
    "hessian_quadratic_form", "Hessian of xᵀAx: the Jacobian of its gradient (A + Aᵀ)x",
    latex=r"\nabla_x (x^\top A x)", where=r"\nabla_x (x^\top A x) = (A + A^\top)\,x",
    numerator=r"A + A^\top", denominator=r"A + A^\top",
    differential=r"(A + A^\top)\,dx",
    f=lambda x, A: (A + A.T) @ x, derivative=lambda x, A: A + A.T,
    inputs={"x": "n", "A": "n n"}, kind=VV, source=chapter(2, "Hessians"))

register(
    "hessian_least_squares", "Hessian of ½‖Ax − b‖²: the Jacobian of its gradient Aᵀ(Ax − b)",
    latex=r"\nabla_x \tfrac12\lVert Ax - b\rVert^2",
    where=r"\nabla_x \tfrac12\lVert Ax - b\rVert^2 = A^\top (Ax - b)", numerator=r"A^\top A",
    denominator=r"A^\top A", differential=r"A^\top A\,dx",
    f=lambda x, A, b: A.T @ (A @ x - b), derivative=lambda x, A, b: A.T @ A,
    inputs={"x": "n", "A": "m n", "b": "m"}, kind=VV, source=chapter(2, "Hessians"))
