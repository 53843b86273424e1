"""Gradients on structured matrices: symmetric, symmetric positive definite, orthogonal.

On a submanifold the gradient is the Riesz representative of df restricted to the tangent
space, i.e. the orthogonal projection of the unconstrained gradient G (Frobenius inner
product): sym(G) on symmetric matrices [Srinivasan & Panda 2023], Q skew(QᵀG) on orthogonal
matrices [Absil, Mahony & Sepulchre 2008, ch. 3]. The widely copied G + Gᵀ − G∘I
[Petersen & Pedersen 2012, sec. 2.8.2, Eqs. (138)-(141)] is *not* the gradient: along a
symmetric direction it predicts twice the change of every off-diagonal pair. For orthogonal
matrices the canonical-metric gradient G − QGᵀQ = 2Q skew(QᵀG) is twice the projection
[Edelman, Arias & Smith 1998]; the atlas uses the Euclidean (embedded) metric throughout.
The mistakes table (:mod:`mclib.identities.mistakes`) shows both wrong versions failing.
"""

import numpy as np

from mclib.identities import register
from mclib.identities._domains import skew, sym
from mclib.identities._sources import chapter, cookbook

SM = "scalar-by-matrix"
inv, det = np.linalg.inv, np.linalg.det
SP = "Srinivasan & Panda 2023"
ORTHOGONAL = "Absil, Mahony & Sepulchre 2008, ch. 3"

# --- symmetric and SPD matrices: the gradient is sym(G) --------------------------------

register(
    "symmetric_trace_as", "Trace of AS on symmetric matrices",
    latex=r"\operatorname{tr}(AS)", where=r"S = S^\top", numerator=r"\tfrac12 (A + A^\top)",
    denominator=r"\tfrac12 (A + A^\top)", differential=r"\operatorname{tr}(A\,dS)",
    f=lambda S, A: np.trace(A @ S), derivative=lambda S, A: sym(A),
    inputs={"S": "n n", "A": "n n"}, kind=SM, domain="symmetric",
    source=f"{SP}, not {cookbook(139)}")

register(
    "symmetric_bilinear", "Bilinear form aᵀSb on symmetric matrices",
    latex=r"a^\top S b", where=r"S = S^\top", numerator=r"\tfrac12 (a b^\top + b a^\top)",
    denominator=r"\tfrac12 (a b^\top + b a^\top)", differential=r"a^\top dS\,b",
    f=lambda S, a, b: a @ S @ b, derivative=lambda S, a, b: sym(np.outer(a, b)),
    inputs={"S": "n n", "a": "n", "b": "n"}, kind=SM, domain="symmetric",
    source=f"{cookbook(70)}; sym(G): {SP}")

register(
    "symmetric_quadratic_form", "Quadratic form aᵀSa on symmetric matrices",
    latex=r"a^\top S a", where=r"S = S^\top", numerator=r"a a^\top", denominator=r"a a^\top",
    differential=r"a^\top dS\,a",
    f=lambda S, a: a @ S @ a, derivative=lambda S, a: np.outer(a, a),
    inputs={"S": "n n", "a": "n"}, kind=SM, domain="symmetric", source=f"{cookbook(72)}; sym(G): {SP}")

register(
    "symmetric_determinant", "Determinant on symmetric matrices",
    latex=r"\det S", where=r"S = S^\top", numerator=r"\det(S)\,S^{-1}", denominator=r"\det(S)\,S^{-1}",
    differential=r"\det(S)\operatorname{tr}(S^{-1} dS)",
    f=lambda S: det(S), derivative=lambda S: det(S) * inv(S),
    inputs={"S": "n n"}, kind=SM, domain="symmetric", source=f"{SP}, not {cookbook(140)}")

register(
    "spd_log_determinant", "Log determinant on SPD matrices",
    latex=r"\log\det S", where=r"S \succ 0", numerator=r"S^{-1}", denominator=r"S^{-1}",
    differential=r"\operatorname{tr}(S^{-1} dS)",
    f=lambda S: np.log(det(S)), derivative=lambda S: inv(S),
    inputs={"S": "n n"}, kind=SM, domain="spd", source=f"{SP}, not {cookbook(141)}")

register(
    "symmetric_trace_square", "Trace of S² on symmetric matrices",
    latex=r"\operatorname{tr}(S^2)", where=r"S = S^\top", numerator="2S", denominator="2S",
    differential=r"2\operatorname{tr}(S\,dS)",
    f=lambda S: np.trace(S @ S), derivative=lambda S: 2 * S,
    inputs={"S": "n n"}, kind=SM, domain="symmetric", source=f"{cookbook(106)}; sym(G): {SP}")

register(
    "symmetric_trace_as_squared", "Trace of AS² on symmetric matrices",
    latex=r"\operatorname{tr}(A S^2)", where=r"S = S^\top,\ \bar A = \tfrac12 (A + A^\top)",
    numerator=r"\bar A S + S \bar A", denominator=r"\bar A S + S \bar A",
    differential=r"\operatorname{tr}\bigl((SA + AS)\,dS\bigr)",
    f=lambda S, A: np.trace(A @ S @ S), derivative=lambda S, A: sym(A) @ S + S @ sym(A),
    inputs={"S": "n n", "A": "n n"}, kind=SM, domain="symmetric", source=f"{cookbook(107)}; sym(G): {SP}")

register(
    "symmetric_frobenius_distance", "Squared Frobenius distance ‖S − A‖²_F on symmetric matrices",
    latex=r"\lVert S - A\rVert_F^2", where=r"S = S^\top", numerator=r"2S - (A + A^\top)",
    denominator=r"2S - (A + A^\top)", differential=r"2\operatorname{tr}\bigl((S - A)^\top dS\bigr)",
    f=lambda S, A: np.sum((S - A) ** 2), derivative=lambda S, A: 2 * (S - sym(A)),
    inputs={"S": "n n", "A": "n n"}, kind=SM, domain="symmetric", source=f"{cookbook(132)}; sym(G): {SP}")

register(
    "spd_trace_a_inverse", "Trace of AS⁻¹ on SPD matrices",
    latex=r"\operatorname{tr}(A S^{-1})", where=r"S \succ 0,\ \bar A = \tfrac12 (A + A^\top)",
    numerator=r"-S^{-1} \bar A S^{-1}", denominator=r"-S^{-1} \bar A S^{-1}",
    differential=r"-\operatorname{tr}(S^{-1} A S^{-1} dS)",
    f=lambda S, A: np.trace(A @ inv(S)), derivative=lambda S, A: -inv(S) @ sym(A) @ inv(S),
    inputs={"S": "n n", "A": "n n"}, kind=SM, domain="spd", source=f"{cookbook(63)}; sym(G): {SP}")

register(
    "spd_gaussian_log_likelihood", "Gaussian log-likelihood in the covariance, sample covariance C",
    latex=r"-\tfrac12 \log\det \Sigma - \tfrac12 \operatorname{tr}(\Sigma^{-1} C)",
    numerator=r"\tfrac12 (\Sigma^{-1} C \Sigma^{-1} - \Sigma^{-1})",
    denominator=r"\tfrac12 (\Sigma^{-1} C \Sigma^{-1} - \Sigma^{-1})",
    differential=r"\tfrac12 \operatorname{tr}\bigl((\Sigma^{-1} C \Sigma^{-1} - \Sigma^{-1})\,d\Sigma\bigr)",
    f=lambda Sigma, C: -0.5 * np.log(det(Sigma)) - 0.5 * np.trace(np.linalg.solve(Sigma, C)),
    derivative=lambda Sigma, C: 0.5 * (inv(Sigma) @ C @ inv(Sigma) - inv(Sigma)),
    inputs={"Sigma": "n n", "C": "spd n n"}, kind=SM, domain="spd",
    source=chapter(4, "Gaussian maximum likelihood"))

register(
    "spd_gaussian_kl", "KL divergence between Gaussians as a function of the first covariance",
    latex=r"\operatorname{KL}\bigl(\mathcal N(\mu_0, \Sigma)\,\Vert\,\mathcal N(\mu_1, T)\bigr)",
    where=(r"\operatorname{KL} = \tfrac12\bigl(\operatorname{tr}(T^{-1}\Sigma) + (\mu_1 - \mu_0)^\top T^{-1}"
           r"(\mu_1 - \mu_0) - n + \log\det T - \log\det\Sigma\bigr)"),
    numerator=r"\tfrac12 (T^{-1} - \Sigma^{-1})", denominator=r"\tfrac12 (T^{-1} - \Sigma^{-1})",
    differential=r"\tfrac12 \operatorname{tr}\bigl((T^{-1} - \Sigma^{-1})\,d\Sigma\bigr)",
    # KL(N₀ ‖ N₁) = ½(tr(Σ₁⁻¹Σ₀) + (μ₁ − μ₀)ᵀΣ₁⁻¹(μ₁ − μ₀) − n + log det Σ₁ − log det Σ₀), the
    # closed form for Gaussians (the `where` states it in full); only Σ₀ = Σ terms depend on Σ.
    f=lambda Sigma, T, mu_0, mu_1: 0.5 * (np.trace(np.linalg.solve(T, Sigma))
                                          + (mu_1 - mu_0) @ np.linalg.solve(T, mu_1 - mu_0)
                                          - len(T) + np.log(det(T)) - np.log(det(Sigma))),
    derivative=lambda Sigma, T, mu_0, mu_1: 0.5 * (inv(T) - inv(Sigma)),
    inputs={"Sigma": "n n", "T": "spd n n", "mu_0": "n", "mu_1": "n"}, kind=SM, domain="spd",
    source=chapter(4, "log det in the KL divergence"))

# --- orthogonal matrices: the gradient is Q skew(QᵀG) ----------------------------------

register(
    "orthogonal_trace_aq", "Trace of AQ on orthogonal matrices",
    latex=r"\operatorname{tr}(AQ)", where=r"Q^\top Q = I",
    numerator=r"\bigl(Q \operatorname{skew}(Q^\top A^\top)\bigr)^\top",
    denominator=r"Q \operatorname{skew}(Q^\top A^\top)",
    differential=r"\operatorname{tr}(A\,dQ),\ dQ = Q\Omega",
    f=lambda Q, A: np.trace(A @ Q), derivative=lambda Q, A: Q @ skew(Q.T @ A.T),
    inputs={"Q": "n n", "A": "n n"}, kind=SM, domain="orthogonal", source=ORTHOGONAL)

register(
    "orthogonal_bilinear", "Bilinear form aᵀQb on orthogonal matrices",
    latex=r"a^\top Q b", where=r"Q^\top Q = I",
    numerator=r"\bigl(Q \operatorname{skew}(Q^\top a b^\top)\bigr)^\top",
    denominator=r"Q \operatorname{skew}(Q^\top a b^\top)", differential=r"a^\top dQ\,b,\ dQ = Q\Omega",
    f=lambda Q, a, b: a @ Q @ b, derivative=lambda Q, a, b: Q @ skew(Q.T @ np.outer(a, b)),
    inputs={"Q": "n n", "a": "n", "b": "n"}, kind=SM, domain="orthogonal", source=ORTHOGONAL)

register(
    "orthogonal_procrustes", "Orthogonal Procrustes ‖QA − B‖²_F on orthogonal matrices",
    latex=r"\lVert QA - B\rVert_F^2", where=r"Q^\top Q = I",
    numerator=r"\bigl(-2Q \operatorname{skew}(Q^\top B A^\top)\bigr)^\top",
    denominator=r"-2Q \operatorname{skew}(Q^\top B A^\top)",
    differential=r"2\operatorname{tr}\bigl(A (QA - B)^\top dQ\bigr),\ dQ = Q\Omega",
    f=lambda Q, A, B: np.sum((Q @ A - B) ** 2), derivative=lambda Q, A, B: -2 * Q @ skew(Q.T @ B @ A.T),
    inputs={"Q": "n n", "A": "n p", "B": "n p"}, kind=SM, domain="orthogonal", source=ORTHOGONAL)

register(
    "orthogonal_brockett", "Brockett cost tr(QᵀAQN) on orthogonal matrices, A symmetric, N diagonal",
    latex=r"\operatorname{tr}(Q^\top A Q N)", where=r"Q^\top Q = I,\ A = A^\top,\ N \text{ diagonal}",
    numerator=r"\bigl(Q (Q^\top A Q N - N Q^\top A Q)\bigr)^\top",
    denominator=r"Q (Q^\top A Q N - N Q^\top A Q)",
    differential=r"2\operatorname{tr}(N Q^\top A\,dQ),\ dQ = Q\Omega",
    f=lambda Q, A, N: np.trace(Q.T @ A @ Q @ N),
    derivative=lambda Q, A, N: Q @ (Q.T @ A @ Q @ N - N @ Q.T @ A @ Q),
    inputs={"Q": "n n", "A": "symmetric n n", "N": "diagonal n n"}, kind=SM, domain="orthogonal",
    source=ORTHOGONAL)

register(
    "log_determinant_cholesky", "log det S from the Cholesky factor, 2 Σ log Lᵢᵢ",
    latex=r"2\textstyle\sum_i \log L_{ii},\ S = LL^\top", numerator=r"S^{-1}", denominator=r"S^{-1}",
    differential=r"\operatorname{tr}(S^{-1} dS)",
    f=lambda S: 2 * np.sum(np.log(np.diag(np.linalg.cholesky(S)))), derivative=lambda S: np.linalg.inv(S),
    inputs={"S": "n n"}, kind=SM, domain="spd", source=chapter(11, "the Cholesky factor"))
