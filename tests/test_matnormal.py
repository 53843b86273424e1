"""Tests for mclib.matnormal. Oracles: ``scipy.stats.matrix_normal`` and ``multivariate_normal``
(densities), ``np.kron`` (covariance of vec X), torch autograd in float64 (gradients of the
density formula), ``mc.numerical_gradient`` (finite differences), and a flip-flop written here
with explicit loops and ``np.linalg.inv`` (a different code path from mclib's Cholesky solves)."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from scipy import stats

import mclib as mc
from mclib import matnormal


def _spd(r, m):
    A = r.standard_normal((m, m))
    return A @ A.T / m + 0.5 * np.eye(m)


def _model(seed, n, p):
    r = np.random.default_rng(seed)
    return r.standard_normal((n, p)), _spd(r, n), _spd(r, p)


def _vec_rows(Xs):
    """Column-major vec of each matrix of a stack (k, n, p) → (k, np)."""
    return Xs.transpose(0, 2, 1).reshape(len(Xs), -1)


SHAPES = [(1, 1, 0), (3, 2, 1), (2, 5, 2), (4, 4, 3), (6, 3, 4)]


# --- density --------------------------------------------------------------------------------


@pytest.mark.parametrize("n, p, seed", SHAPES)
def test_logpdf_matches_scipy_matrix_normal_single_and_stack(n, p, seed):
    M, U, V = _model(seed, n, p)
    Xs = np.random.default_rng(seed + 10).standard_normal((5, n, p)) + M
    expected = stats.matrix_normal.logpdf(Xs, mean=M, rowcov=U, colcov=V)
    assert_allclose(matnormal.logpdf(Xs, M, U, V), expected, rtol=1e-12)
    assert isinstance(matnormal.logpdf(Xs[0], M, U, V), float)
    assert_allclose(matnormal.logpdf(Xs[0], M, U, V), expected[0], rtol=1e-12)


@pytest.mark.parametrize("n, p, seed", SHAPES)
def test_logpdf_equals_multivariate_normal_of_column_major_vec_with_V_kron_U(n, p, seed):
    M, U, V = _model(seed, n, p)
    X = np.random.default_rng(seed + 20).standard_normal((n, p))
    mvn = stats.multivariate_normal(mean=M.ravel(order="F"), cov=np.kron(V, U))
    assert_allclose(matnormal.logpdf(X, M, U, V), mvn.logpdf(mc.vec(X)), rtol=1e-12)


def test_logpdf_with_row_major_vec_has_covariance_U_kron_V():
    M, U, V = _model(5, 3, 2)
    X = np.random.default_rng(50).standard_normal((3, 2))
    row_major = stats.multivariate_normal(mean=M.ravel(), cov=np.kron(U, V))
    assert_allclose(matnormal.logpdf(X, M, U, V), row_major.logpdf(X.ravel()), rtol=1e-12)
    wrong_order = stats.multivariate_normal(mean=M.ravel(), cov=np.kron(V, U))
    assert not np.isclose(matnormal.logpdf(X, M, U, V), wrong_order.logpdf(X.ravel()))


# --- sampling -------------------------------------------------------------------------------


def test_sample_covariance_of_vec_is_V_kron_U():
    M, U, V = _model(7, 3, 2)
    k = 200_000
    Xs = matnormal.sample(M, U, V, size=k, rng=7)
    assert Xs.shape == (k, 3, 2)
    assert_allclose(_vec_rows(Xs[:3]), np.stack([mc.vec(X) for X in Xs[:3]]))
    S = np.cov(_vec_rows(Xs), rowvar=False)
    Sigma = np.kron(V, U)
    # standard error of a sample covariance entry: sqrt((Σ_ii Σ_jj + Σ_ij²) / k)
    se = np.sqrt((np.outer(np.diag(Sigma), np.diag(Sigma)) + Sigma**2) / k)
    assert np.all(np.abs(S - Sigma) < 5 * se)
    assert np.all(np.abs(Xs.mean(axis=0) - M) < 5 * np.sqrt(np.outer(np.diag(U), np.diag(V)) / k))


def test_sample_single_draw_shape_and_seed_reproducibility():
    M, U, V = _model(8, 4, 3)
    X = matnormal.sample(M, U, V, rng=3)
    assert X.shape == (4, 3)
    assert_allclose(X, matnormal.sample(M, U, V, rng=np.random.default_rng(3)))
    assert_allclose(matnormal.sample(M, U, V, size=1, rng=3)[0], X)


# --- gradients ------------------------------------------------------------------------------


def _torch_loglik(X, M, U, V):
    """The density formula summed over a stack, every entry of M, U, V an independent variable."""
    n, p = M.shape[-2:]
    E = X - M
    quad = torch.einsum("kij,kji->", torch.linalg.solve(V, E.transpose(1, 2)), torch.linalg.solve(U, E))
    k = E.shape[0]
    return -0.5 * (k * n * p * np.log(2 * np.pi) + k * p * torch.linalg.slogdet(U)[1]
                   + k * n * torch.linalg.slogdet(V)[1] + quad)


@pytest.mark.parametrize("n, p, seed", SHAPES)
@pytest.mark.parametrize("k", [1, 4])
def test_grad_logpdf_matches_torch_autograd_float64(n, p, seed, k):
    M, U, V = _model(seed, n, p)
    Xs = matnormal.sample(M + 0.5, U, V, size=k, rng=seed)
    params = [torch.tensor(A, dtype=torch.float64, requires_grad=True) for A in (M, U, V)]
    _torch_loglik(torch.tensor(Xs), *params).backward()
    X = Xs[0] if k == 1 else Xs
    for ours, theirs in zip(matnormal.grad_logpdf(X, M, U, V), params):
        assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n, p, seed", SHAPES[1:])
def test_grad_logpdf_matches_numerical_gradient(n, p, seed):
    M, U, V = _model(seed, n, p)
    Xs = matnormal.sample(M - 0.3, U, V, size=3, rng=seed)
    dM, dU, dV = matnormal.grad_logpdf(Xs, M, U, V)

    def sym(A):
        return (A + A.T) / 2

    # logpdf refuses a non-symmetric U; a finite difference on one entry goes through sym.
    num_M = mc.numerical_gradient(lambda M_: matnormal.logpdf(Xs, M_, U, V).sum(), M)
    num_U = mc.numerical_gradient(lambda U_: matnormal.logpdf(Xs, M, sym(U_), V).sum(), U)
    num_V = mc.numerical_gradient(lambda V_: matnormal.logpdf(Xs, M, U, sym(V_)).sum(), V)
    for ours, numeric in ((dM, num_M), (dU, num_U), (dV, num_V)):
        assert_allclose(ours, numeric, rtol=1e-6, atol=1e-8 * np.abs(numeric).max())


def test_grad_dM_is_plus_Uinv_E_Vinv_written_with_inverses():
    M, U, V = _model(11, 3, 4)
    X = matnormal.sample(M, U, V, rng=11)
    dM, _, _ = matnormal.grad_logpdf(X, M, U, V)
    assert_allclose(dM, np.linalg.inv(U) @ (X - M) @ np.linalg.inv(V), rtol=1e-10)


def test_grad_U_wrt_distinct_entries_is_2G_minus_G_circ_I():
    """Parametrised by vech U (U[i, j] = U[j, i] one variable) the partials are 2G − G∘I."""
    M, U, V = _model(12, 3, 2)
    X = matnormal.sample(M, U, V, rng=12)
    _, G, _ = matnormal.grad_logpdf(X, M, U, V)
    D = mc.duplication_matrix(3)
    f = lambda v: matnormal.logpdf(X, M, mc.unvec(D @ v, (3, 3)), V)  # noqa: E731
    numeric = mc.numerical_gradient(f, mc.vech(U))
    assert_allclose(numeric, mc.vech(2 * G - G * np.eye(3)), rtol=1e-6)
    assert_allclose(numeric, D.T @ mc.vec(G), rtol=1e-6)


def test_check_gradient_diagnoses_minus_sign_on_dM_as_sign_flipped():
    M, U, V = _model(13, 4, 3)
    X = matnormal.sample(M + 1.0, U, V, rng=13)
    dM, _, _ = matnormal.grad_logpdf(X, M, U, V)
    wrong = -np.linalg.solve(U, np.linalg.solve(V.T, (X - M).T).T)  # the circulating −U⁻¹(X−M)V⁻¹
    assert_allclose(wrong, -dM, rtol=1e-10)
    result = mc.check_gradient(lambda M_: matnormal.logpdf(X, M_, U, V), wrong, M)
    assert not result.ok and result.diagnosis == "sign-flipped"
    assert mc.check_gradient(lambda M_: matnormal.logpdf(X, M_, U, V), dM, M).ok


# --- maximum likelihood ---------------------------------------------------------------------


def _plain_flip_flop(Xs, max_iterations=3000):
    """Dutilleul's flip-flop with explicit loops and inverses, normalised to trace(V) = p, run until
    V ⊗ U stops changing at rounding level."""
    N, n, p = Xs.shape
    M = sum(Xs) / N
    V, K = np.eye(p), np.zeros((n * p, n * p))
    for _ in range(max_iterations):
        Vinv = np.linalg.inv(V)
        U = sum((X - M) @ Vinv @ (X - M).T for X in Xs) / (N * p)
        Uinv = np.linalg.inv(U)
        V = sum((X - M).T @ Uinv @ (X - M) for X in Xs) / (N * n)
        c = np.trace(V) / p
        U, V = U * c, V / c
        K, K_old = np.kron(V, U), K
        if np.abs(K - K_old).max() <= 1e-15 * np.abs(K).max():
            break
    return M, U, V


@pytest.mark.parametrize("N, n, p, seed", [(30, 3, 2, 0), (10, 4, 4, 1), (6, 8, 3, 2), (50, 2, 6, 3)])
def test_mle_matches_plain_flip_flop_with_loops_and_inverses(N, n, p, seed):
    M0, U0, V0 = _model(seed, n, p)
    Xs = matnormal.sample(M0, U0, V0, size=N, rng=seed)
    M, U, V, info = matnormal.mle(Xs, tol=1e-13, max_iter=3000)
    M_ref, U_ref, V_ref = _plain_flip_flop(Xs)
    assert info.converged
    assert_allclose(M, M_ref, rtol=1e-12, atol=1e-12)
    assert_allclose(U, U_ref, rtol=1e-8)
    assert_allclose(V, V_ref, rtol=1e-8)


@pytest.mark.parametrize("N, n, p, seed", [(20, 3, 5, 4), (8, 6, 6, 5)])
def test_mle_satisfies_stationarity_equations(N, n, p, seed):
    M0, U0, V0 = _model(seed, n, p)
    Xs = matnormal.sample(M0, U0, V0, size=N, rng=seed)
    M, U, V, _ = matnormal.mle(Xs)
    E = [X - M for X in Xs]
    assert_allclose(M, np.mean(Xs, axis=0), rtol=1e-12)
    assert_allclose(U, sum(e @ np.linalg.inv(V) @ e.T for e in E) / (N * p), rtol=1e-8)
    assert_allclose(V, sum(e.T @ np.linalg.inv(U) @ e for e in E) / (N * n), rtol=1e-8)


def test_mle_torch_gradient_vanishes_and_loglik_trace_matches_scipy():
    M0, U0, V0 = _model(6, 4, 3)
    Xs = matnormal.sample(M0, U0, V0, size=25, rng=6)
    M, U, V, info = matnormal.mle(Xs)
    params = [torch.tensor(A, requires_grad=True) for A in (M, U, V)]
    loglik = _torch_loglik(torch.tensor(Xs), *params)
    loglik.backward()
    for param in params:
        assert torch.max(torch.abs(param.grad)) < 1e-8 * abs(loglik.item())
    scipy_loglik = stats.matrix_normal.logpdf(Xs, mean=M, rowcov=U, colcov=V).sum()
    assert_allclose(info.loglik[-1], scipy_loglik, rtol=1e-12)
    assert np.all(np.diff(info.loglik) >= -1e-10 * abs(scipy_loglik))  # block ascent never descends


def test_mle_normalisation_trace_V_is_p_and_only_V_kron_U_is_identified():
    M0, U0, V0 = _model(9, 3, 4)
    Xs = matnormal.sample(M0, 5.0 * U0, V0 / 5.0, size=40, rng=9)
    M, U, V, info = matnormal.mle(Xs)
    assert info.normalisation == "trace(V) = p"
    assert np.isclose(np.trace(V), 4.0, rtol=1e-13)
    # the same data with the unnormalised pair (cU, V/c) has the same likelihood
    for c in (0.1, 3.0):
        assert_allclose(stats.matrix_normal.logpdf(Xs, M, c * U, V / c),
                        stats.matrix_normal.logpdf(Xs, M, U, V), rtol=1e-12)


def test_mle_is_equivariant_under_A_X_Bt():
    """If X_i → A X_i Bᵀ, then V ⊗ U → (B ⊗ A)(V ⊗ U)(B ⊗ A)ᵀ (MLE of a transformed sample)."""
    r = np.random.default_rng(10)
    M0, U0, V0 = _model(10, 3, 2)
    Xs = matnormal.sample(M0, U0, V0, size=15, rng=10)
    A, B = r.standard_normal((3, 3)) + 2 * np.eye(3), r.standard_normal((2, 2)) + 2 * np.eye(2)
    _, U, V, _ = matnormal.mle(Xs, tol=1e-13)
    _, U_t, V_t, _ = matnormal.mle(A @ Xs @ B.T, tol=1e-13)
    BA = np.kron(B, A)
    assert_allclose(np.kron(V_t, U_t), BA @ np.kron(V, U) @ BA.T, rtol=1e-8, atol=1e-10)


def test_mle_recovers_true_kronecker_covariance_from_many_samples():
    M0, U0, V0 = _model(14, 4, 3)
    Xs = matnormal.sample(M0, U0, V0, size=20_000, rng=14)
    M, U, V, _ = matnormal.mle(Xs)
    truth = np.kron(V0, U0)
    assert np.linalg.norm(np.kron(V, U) - truth) < 0.03 * np.linalg.norm(truth)
    assert np.abs(M - M0).max() < 0.05


def test_mle_perturbations_never_increase_the_likelihood():
    M0, U0, V0 = _model(15, 3, 3)
    Xs = matnormal.sample(M0, U0, V0, size=12, rng=15)
    M, U, V, _ = matnormal.mle(Xs)
    best = stats.matrix_normal.logpdf(Xs, M, U, V).sum()
    r = np.random.default_rng(15)
    for _ in range(50):
        P, Q = (0.05 * r.standard_normal((3, 3)) for _ in range(2))
        U_p, V_p = U + (P + P.T) / 2, V + (Q + Q.T) / 2
        M_p = M + 0.05 * r.standard_normal(M.shape)
        assert stats.matrix_normal.logpdf(Xs, M_p, U_p, V_p).sum() < best


# --- refusals -------------------------------------------------------------------------------


def test_mle_too_few_samples_raises_with_the_condition():
    Xs = np.random.default_rng(0).standard_normal((4, 8, 2))  # (N−1)p = 6 < n = 8
    with pytest.raises(ValueError, match=r"N=4 .*N ≥ max\(n/p, p/n\) \+ 1 = 5"):
        matnormal.mle(Xs)
    with pytest.raises(ValueError, match="N=1"):
        matnormal.mle(Xs[:1, :2, :2])


def test_mle_constant_column_raises_naming_column_and_V():
    Xs = np.random.default_rng(1).standard_normal((20, 4, 3))
    Xs[:, :, 1] = 7.0
    with pytest.raises(ValueError, match=r"column 1 of `Xs` is constant .* `V` is singular"):
        matnormal.mle(Xs)
    Xs = np.random.default_rng(1).standard_normal((20, 4, 3))
    Xs[:, 2, :] = 0.0
    with pytest.raises(ValueError, match=r"row 2 of `Xs` is constant .* `U` is singular"):
        matnormal.mle(Xs)


def test_mle_unbounded_likelihood_5x3_with_three_samples_raises():
    # (N−1)p = 6 ≥ n = 5 passes the rank condition, yet for generic data the likelihood is unbounded
    Xs = np.random.default_rng(0).standard_normal((3, 5, 3))
    with pytest.raises(ValueError, match="likelihood is unbounded"):
        matnormal.mle(Xs)


def test_mle_not_converged_warns_and_reports():
    Xs = matnormal.sample(*_model(2, 3, 3), size=10, rng=2)
    with pytest.warns(RuntimeWarning, match="did not reach `tol`"):
        _, _, _, info = matnormal.mle(Xs, max_iter=2)
    assert not info.converged and info.iterations == 2 and info.loglik.shape == (2,)


@pytest.mark.parametrize("kwargs, message", [({"tol": 0.0}, "`tol`"), ({"max_iter": 0}, "`max_iter`")])
def test_mle_bad_options_raise(kwargs, message):
    Xs = matnormal.sample(*_model(2, 3, 3), size=10, rng=2)
    with pytest.raises(ValueError, match=message):
        matnormal.mle(Xs, **kwargs)


def test_mle_2d_input_raises():
    with pytest.raises(ValueError, match=r"`Xs` must be 3-D"):
        matnormal.mle(np.ones((4, 4)))


def test_non_spd_U_raises_naming_U_and_smallest_eigenvalue():
    M, U, V = _model(0, 3, 2)
    bad = np.diag([1.0, 2.0, -0.3])
    message = r"logpdf: `U` is not symmetric positive definite \(smallest eigenvalue -0\.3\)"
    with pytest.raises(ValueError, match=message):
        matnormal.logpdf(M, M, bad, V)
    with pytest.raises(ValueError, match=r"sample: `V` is not symmetric positive definite"):
        matnormal.sample(M, U, np.zeros((2, 2)))


def test_non_symmetric_V_raises_with_the_entry():
    M, U, V = _model(0, 3, 2)
    V_bad = V.copy()
    V_bad[0, 1] += 0.5
    message = r"grad_logpdf: `V` is not symmetric \(\|V\[0, 1\] − V\[1, 0\]\| = 5\.0e-01\)"
    with pytest.raises(ValueError, match=message):
        matnormal.grad_logpdf(M, M, U, V_bad)


@pytest.mark.parametrize("which, shape, message", [
    ("U", (2, 2), r"`U` must have shape \(3, 3\) for `M` of shape \(3, 2\), got shape \(2, 2\)"),
    ("V", (3, 3), r"`V` must have shape \(2, 2\) for `M` of shape \(3, 2\), got shape \(3, 3\)"),
    ("X", (2, 3), r"`X` has shape \(2, 3\) but `M` has shape \(3, 2\)"),
    ("X", (4, 2, 3), r"`X` has shape \(4, 2, 3\) but `M` has shape \(3, 2\)"),
])
def test_shape_mismatches_raise_with_shapes(which, shape, message):
    M, U, V = _model(0, 3, 2)
    args = {"X": M, "U": U, "V": V}
    args[which] = np.eye(*shape[-2:]) if which != "X" else np.ones(shape)
    with pytest.raises(ValueError, match=message):
        matnormal.logpdf(args["X"], M, args["U"], args["V"])


def test_non_finite_and_complex_inputs_raise():
    M, U, V = _model(0, 3, 2)
    X = M.copy()
    X[1, 1] = np.nan
    with pytest.raises(ValueError, match="`X` contains non-finite"):
        matnormal.logpdf(X, M, U, V)
    with pytest.raises(ValueError, match="`M` must be real"):
        matnormal.grad_logpdf(M, M + 0j, U, V)
    with pytest.raises(ValueError, match="`size` must be a positive integer"):
        matnormal.sample(M, U, V, size=0)


# --- issue 11 (fuzzing review): ill-conditioned and rounding-indefinite covariances -------------


@pytest.mark.parametrize("which", ["U", "V"])
def test_ill_conditioned_spd_factor_is_refused_like_scipy_naming_condition_and_threshold(which):
    # SPD, Cholesky succeeds, cond = 1e17: logpdf was off by a factor of about 10 (−1e17 instead
    # of a log-density dominated by the 1e-17 variance); scipy.stats.matrix_normal refuses it.
    R = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
    bad = R @ np.diag([1.0, 1e-8, 1e-17]) @ R.T
    bad = (bad + bad.T) / 2
    np.linalg.cholesky(bad)  # rounding lets the factorisation through
    M, X = np.zeros((3, 3)), np.ones((3, 3))
    U, V = (bad, np.eye(3)) if which == "U" else (np.eye(3), bad)
    with pytest.raises(np.linalg.LinAlgError):
        stats.matrix_normal.logpdf(X, mean=M, rowcov=U, colcov=V)
    for func in (matnormal.logpdf, matnormal.grad_logpdf):
        with pytest.raises(ValueError, match=rf"`{which}`.*condition number .*e\+\d+ .*threshold"):
            func(X, M, U, V)
    with pytest.raises(ValueError, match=rf"`{which}`.*condition number"):
        matnormal.sample(M, U, V, rng=0)


def test_U_indefinite_in_exact_arithmetic_is_refused_although_cholesky_succeeds():
    from fractions import Fraction

    U = np.array([[7.0, 1.0], [1.0, 1 / 7]])  # det = 7·fl(1/7) − 1 < 0 exactly
    assert Fraction(7) * Fraction(U[1, 1]) - 1 < 0
    np.linalg.cholesky(U)  # succeeds by rounding
    with pytest.raises(ValueError, match="`U`"):
        matnormal.logpdf(np.ones((2, 1)), np.zeros((2, 1)), U, np.eye(1))


def test_moderately_conditioned_factor_below_scipys_threshold_still_matches_scipy():
    R = np.linalg.qr(np.random.default_rng(1).standard_normal((3, 3)))[0]
    U = R @ np.diag([1.0, 1e-3, 1e-8]) @ R.T
    U = (U + U.T) / 2
    X, M, V = np.ones((3, 2)), np.zeros((3, 2)), np.eye(2)
    assert_allclose(matnormal.logpdf(X, M, U, V),
                    stats.matrix_normal.logpdf(X, mean=M, rowcov=U, colcov=V), rtol=1e-6)


@pytest.mark.parametrize("rng", [-1, 2.5, "seed", np.random.RandomState(0)])
def test_sample_bad_rng_raises_naming_rng(rng):
    M, U, V = _model(0, 2, 2)
    with pytest.raises(ValueError, match=r"matnormal.sample: `rng`"):
        matnormal.sample(M, U, V, rng=rng)


@pytest.mark.parametrize("tol", [float("nan"), float("inf"), -1.0, 0.0, "a"])
def test_mle_bad_tol_raises_naming_tol(tol):
    Xs = np.random.default_rng(0).standard_normal((10, 2, 2))
    with pytest.raises(ValueError, match=r"matnormal.mle: `tol`"):
        matnormal.mle(Xs, tol=tol)
