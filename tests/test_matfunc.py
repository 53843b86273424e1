"""Tests for mclib.matfunc. Oracles: scipy.linalg (expm_frechet, expm, sqrtm, logm, and
solve_sylvester), closed forms of divided differences that avoid cancellation (expm1, log1p),
torch autograd in float64 (torch.linalg.cholesky, torch.matrix_exp), and central differences.
Ties (A = I, repeated eigenvalues) and near-ties (gap 1e-10) must give finite, correct values;
bad input must raise a ValueError naming the function and the parameter."""

import numpy as np
import pytest
import scipy.linalg
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import mclib as mc
from mclib.matfunc import (
    cholesky_derivative,
    cholesky_vjp,
    divided_differences,
    expm_frechet,
    matrix_function_derivative,
    symmetric_matrix_function,
)

# torch.func imports emit this on torch 2.13; it is not about the code under test
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

FUNCTIONS = {  # name: (f, f′, scipy's matrix function or None)
    "exp": (np.exp, np.exp, scipy.linalg.expm),
    "log": (np.log, lambda x: 1 / x, scipy.linalg.logm),
    "sqrt": (np.sqrt, lambda x: 0.5 / np.sqrt(x), scipy.linalg.sqrtm),
    "power_-0.5": (lambda x: x**-0.5, lambda x: -0.5 * x**-1.5, None),
}


def _sym(M):
    return (M + M.T) / 2


def _with_spectrum(r, lam):
    Q, _ = np.linalg.qr(r.standard_normal((len(lam), len(lam))))
    return _sym(Q @ np.diag(lam) @ Q.T)


def _spd(r, n):
    G = r.standard_normal((n, n))
    return G @ G.T + n * np.eye(n)


def _central(F, A, H, h=1e-5):
    return (F(A + h * H) - F(A - h * H)) / (2 * h)


# --- expm_frechet ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 5, 20])
@pytest.mark.parametrize("scale", [1e-4, 1.0, 8.0, 60.0])
def test_expm_frechet_matches_scipy(rng, n, scale):
    A, E = scale * rng.standard_normal((n, n)), rng.standard_normal((n, n))
    expected = scipy.linalg.expm_frechet(A, E, compute_expm=False)
    assert_allclose(expm_frechet(A, E), expected, rtol=1e-11, atol=1e-13 * np.abs(expected).max())


def test_expm_frechet_is_the_block_of_the_block_triangular_exponential(rng):
    A, E = rng.standard_normal((6, 6)), rng.standard_normal((6, 6))
    block = scipy.linalg.expm(np.block([[A, E], [np.zeros((6, 6)), A]]))
    assert_allclose(expm_frechet(A, E), block[:6, 6:], rtol=1e-12, atol=1e-13)


def test_expm_frechet_matches_torch_forward_mode_and_central_differences(rng):
    A, E = rng.standard_normal((5, 5)), rng.standard_normal((5, 5))
    _, jvp = torch.func.jvp(torch.linalg.matrix_exp, (torch.tensor(A),), (torch.tensor(E),))
    assert_allclose(expm_frechet(A, E), jvp.numpy(), rtol=1e-11, atol=1e-13)
    assert_allclose(expm_frechet(A, E), _central(scipy.linalg.expm, A, E), rtol=1e-7, atol=1e-8)


def test_expm_frechet_zero_matrix_and_zero_direction(rng):
    E = rng.standard_normal((4, 4))
    assert_allclose(expm_frechet(np.zeros((4, 4)), E), E, atol=1e-15)  # L(0, E) = E
    assert np.array_equal(expm_frechet(rng.standard_normal((4, 4)), np.zeros((4, 4))), np.zeros((4, 4)))


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), a=st.floats(-3, 3), b=st.floats(-3, 3))
def test_expm_frechet_commuting_direction_gives_E_expA(seed, n, a, b):
    """If AE = EA then L(A, E) = E e^A: E is a polynomial in A here."""
    r = np.random.default_rng(seed)
    A = r.standard_normal((n, n))
    E = a * A + b * A @ A + np.eye(n)
    assert_allclose(expm_frechet(A, E), E @ scipy.linalg.expm(A), rtol=1e-10,
                    atol=1e-11 * (1 + np.abs(E @ scipy.linalg.expm(A)).max()))


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), a=st.floats(-2, 2), b=st.floats(-2, 2))
def test_expm_frechet_is_linear_in_E(seed, n, a, b):
    r = np.random.default_rng(seed)
    A, E1, E2 = (r.standard_normal((n, n)) for _ in range(3))
    lhs = expm_frechet(A, a * E1 + b * E2)
    rhs = a * expm_frechet(A, E1) + b * expm_frechet(A, E2)
    assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-11 * (1 + np.abs(rhs).max()))


def test_expm_frechet_must_fail_with_the_wrong_order():
    """A wrong formula (E e^A for non-commuting A, E) is rejected by the same oracle."""
    A, E = np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [1.0, 0.0]])
    assert not np.allclose(E @ scipy.linalg.expm(A), scipy.linalg.expm_frechet(A, E)[1])
    assert_allclose(expm_frechet(A, E), scipy.linalg.expm_frechet(A, E)[1], atol=1e-14)


# --- divided differences -----------------------------------------------------------------------


@pytest.mark.parametrize("base", [1e-6, 1e-2, 1.0, 30.0])
@pytest.mark.parametrize("gap_exp", range(-16, 1))
def test_divided_differences_accurate_at_every_gap(base, gap_exp):
    g = 10.0**gap_exp
    lam = np.array([base + g, base])
    exact = {  # closed forms without cancellation
        "exp": np.exp(base) * np.expm1(g) / g,
        "log": np.log1p(g / base) / g,
        "sqrt": 1 / (np.sqrt(base + g) + np.sqrt(base)),
    }
    for name, expected in exact.items():
        f, df, _ = FUNCTIONS[name]
        F = divided_differences(lam, f, df)
        assert_allclose(F[0, 1], expected, rtol=1e-12, err_msg=f"{name}, gap {g:g}")
        assert F[0, 1] == F[1, 0]


def test_divided_differences_naive_quotient_fails_at_near_tie():
    """The must-fail counterpart: the plain quotient loses about ε/gap relative digits."""
    a, b = 30.0 + 1e-12, 30.0
    naive = (np.log(a) - np.log(b)) / (a - b)
    assert abs(naive - np.log1p((a - b) / b) / (a - b)) * b > 1e-5
    assert_allclose(divided_differences([a, b], np.log, lambda x: 1 / x)[0, 1], 1 / 30, rtol=1e-12)


def test_divided_differences_exact_ties_are_the_derivative():
    lam = np.array([2.0, 2.0, 3.0])
    F = divided_differences(lam, np.log, lambda x: 1 / x)
    assert F[0, 1] == 0.5 and F[0, 0] == 0.5 and F[2, 2] == 1 / 3
    assert_allclose(F[0, 2], np.log(1.5))


# --- Daleckii–Krein ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["exp", "log", "sqrt"])
@pytest.mark.parametrize("spectrum", [[0.5, 1.0, 2.0, 3.5, 5.0], [1.0, 1.0, 1.0, 2.0, 3.0],
                                      [1.0, 1.0 + 1e-10, 2.0, 2.0, 4.0]])
def test_matrix_function_derivative_matches_scipy_by_central_differences(rng, name, spectrum):
    f, df, scipy_f = FUNCTIONS[name]
    A, H = _with_spectrum(rng, spectrum), _sym(rng.standard_normal((5, 5)))
    L = matrix_function_derivative(A, H, f, df)
    assert np.all(np.isfinite(L))
    numeric = np.real(_central(scipy_f, A, H, h=1e-5))
    assert_allclose(L, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("spectrum", [[0.5, 1.0, 2.0, 3.5], [2.0, 2.0, 2.0, 2.0],
                                      [1.0, 1.0 + 1e-10, 1.0 + 2e-10, 3.0]])
def test_matrix_function_derivative_exp_matches_expm_frechet_to_rounding(rng, spectrum):
    """Near-ties: compared with scipy's Fréchet derivative, which needs no eigenvectors."""
    A, H = _with_spectrum(rng, spectrum), _sym(rng.standard_normal((4, 4)))
    expected = scipy.linalg.expm_frechet(A, H, compute_expm=False)
    assert_allclose(matrix_function_derivative(A, H, np.exp, np.exp), expected, rtol=1e-12, atol=1e-12)


def test_matrix_function_derivative_identity_is_f_prime_times_H(rng):
    H = _sym(rng.standard_normal((4, 4)))
    assert_allclose(matrix_function_derivative(np.eye(4), H, np.log, lambda x: 1 / x), H, atol=1e-15)
    assert_allclose(matrix_function_derivative(4 * np.eye(4), H, np.sqrt, lambda x: 0.5 / np.sqrt(x)),
                    H / 4, atol=1e-15)


@pytest.mark.parametrize("spectrum", [[0.5, 1.0, 2.0, 3.0], [1.0, 1.0, 2.0, 2.0],
                                      [1.0, 1.0 + 1e-10, 2.0, 3.0]])
def test_sqrt_derivative_solves_the_sylvester_equation(rng, spectrum):
    """d√A = X with √A X + X √A = H, solved by scipy (no eigen-decomposition of A's derivative)."""
    A, H = _with_spectrum(rng, spectrum), _sym(rng.standard_normal((4, 4)))
    R = scipy.linalg.sqrtm(A).real
    X = scipy.linalg.solve_sylvester(R, R, H)
    assert_allclose(matrix_function_derivative(A, H, np.sqrt, lambda x: 0.5 / np.sqrt(x)), X,
                    rtol=1e-11, atol=1e-12)


def test_matrix_function_derivative_gradient_of_trace_is_f_prime(rng):
    """∇ tr f(A) = f′(A): checked through the gradient checker on X ↦ tr f(sym X)."""
    A = _spd(rng, 4)
    fprime = symmetric_matrix_function(A, lambda x: 1 / x)
    assert mc.check_gradient(lambda X: np.sum(np.log(np.linalg.eigvalsh(_sym(X)))), fprime, A)
    wrong = mc.check_gradient(lambda X: np.sum(np.log(np.linalg.eigvalsh(_sym(X)))), -fprime, A)
    assert not wrong.ok and wrong.diagnosis == "sign-flipped"


def test_matrix_function_derivative_is_the_vjp_too(rng):
    """⟨G, L(A, H)⟩ = ⟨L(A, G), H⟩ (self-adjoint), against torch autograd through eigh."""
    A, G = _with_spectrum(rng, [0.5, 1.0, 2.0, 3.5]), rng.standard_normal((4, 4))
    A_t = torch.tensor(A, requires_grad=True)
    lam, Q = torch.linalg.eigh(A_t)
    torch.sum(torch.tensor(G) * ((Q * torch.log(lam)) @ Q.T)).backward()
    ours = matrix_function_derivative(A, _sym(G), np.log, lambda x: 1 / x)
    assert_allclose(ours, _sym(A_t.grad.numpy()), rtol=1e-10, atol=1e-12)


def test_matrix_function_derivative_torch_eigh_is_not_finite_at_a_tie():
    """What the chapter shows: autograd through eigh divides by the zero gap; we do not."""
    A_t = torch.eye(3, dtype=torch.float64, requires_grad=True)
    lam, Q = torch.linalg.eigh(A_t)
    torch.sum((Q * torch.exp(lam)) @ Q.T).backward()
    assert not torch.all(torch.isfinite(A_t.grad))
    assert_allclose(matrix_function_derivative(np.eye(3), np.ones((3, 3)), np.exp, np.exp),
                    np.e * np.ones((3, 3)), rtol=1e-15)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), a=st.floats(-2, 2), b=st.floats(-2, 2))
def test_matrix_function_derivative_linear_in_H_and_symmetric(seed, n, a, b):
    r = np.random.default_rng(seed)
    A = _spd(r, n)
    H1, H2 = (_sym(r.standard_normal((n, n))) for _ in range(2))
    f, df = np.log, lambda x: 1 / x
    L1, L2 = matrix_function_derivative(A, H1, f, df), matrix_function_derivative(A, H2, f, df)
    L = matrix_function_derivative(A, a * H1 + b * H2, f, df)
    assert_allclose(L, a * L1 + b * L2, rtol=1e-10, atol=1e-12)
    assert np.array_equal(L, L.T)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), ties=st.integers(1, 3))
def test_matrix_function_derivative_exp_random_repeated_spectrum(seed, n, ties):
    """Random symmetric matrices with exactly repeated eigenvalues, against scipy."""
    r = np.random.default_rng(seed)
    lam = np.repeat(r.standard_normal(n), ties)
    A, H = _with_spectrum(r, lam), _sym(r.standard_normal((len(lam), len(lam))))
    assert_allclose(matrix_function_derivative(A, H, np.exp, np.exp),
                    scipy.linalg.expm_frechet(A, H, compute_expm=False), rtol=1e-9, atol=1e-10)


# --- Cholesky ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3, 6])
def test_cholesky_derivative_matches_central_differences_and_torch(rng, n):
    A, H = _spd(rng, n), _sym(rng.standard_normal((n, n)))
    dL = cholesky_derivative(A, H)
    assert_allclose(dL, _central(np.linalg.cholesky, A, H), rtol=1e-7, atol=1e-9)
    assert np.allclose(np.triu(dL, 1), 0)
    _, jvp = torch.func.jvp(torch.linalg.cholesky, (torch.tensor(A),), (torch.tensor(H),))
    assert_allclose(dL, jvp.numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("n", [1, 3, 6])
def test_cholesky_vjp_matches_torch_autograd_and_the_checker(rng, n):
    A, W = _spd(rng, n), rng.standard_normal((n, n))
    A_bar = cholesky_vjp(A, W)
    A_t = torch.tensor(A, requires_grad=True)
    torch.sum(torch.tensor(W) * torch.linalg.cholesky(A_t)).backward()
    assert_allclose(A_bar, _sym(A_t.grad.numpy()), rtol=1e-10, atol=1e-12)
    assert mc.check_gradient(lambda X: np.sum(W * np.linalg.cholesky(_sym(X))), A_bar, A)


def test_cholesky_vjp_must_fail_without_the_halved_diagonal(rng):
    A, W = _spd(rng, 4), rng.standard_normal((4, 4))
    L = np.linalg.cholesky(A)
    wrong = np.linalg.solve(L.T, np.linalg.solve(L.T, np.tril(L.T @ W).T).T)  # Φ without ½ diag
    assert not mc.check_gradient(lambda X: np.sum(W * np.linalg.cholesky(_sym(X))), _sym(wrong), A).ok


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6))
def test_cholesky_forward_and_reverse_are_adjoint(seed, n):
    r = np.random.default_rng(seed)
    A, H, W = _spd(r, n), _sym(r.standard_normal((n, n))), r.standard_normal((n, n))
    lhs = np.sum(W * cholesky_derivative(A, H))
    rhs = np.sum(cholesky_vjp(A, W) * H)
    assert np.isclose(lhs, rhs, rtol=1e-10, atol=1e-12)


def test_cholesky_of_logdet_gives_the_inverse(rng):
    """log det A = 2 Σ log Lᵢᵢ, so Ā = A⁻¹ from L̄ = 2 diag(1/Lᵢᵢ)."""
    A = _spd(rng, 5)
    L = np.linalg.cholesky(A)
    assert_allclose(cholesky_vjp(A, np.diag(2 / np.diag(L))), np.linalg.inv(A), rtol=1e-12, atol=1e-14)


# --- bad input --------------------------------------------------------------------------------


def test_bad_input_raises_naming_function_and_parameter():
    ok, f, df = np.eye(3), np.log, (lambda x: 1 / x)
    cases = [
        (lambda: expm_frechet(np.ones((2, 3)), np.ones((2, 3))), r"expm_frechet: `A` must be a square"),
        (lambda: expm_frechet(ok, np.ones((2, 2))),
         r"expm_frechet: `E` has shape \(2, 2\) but `A` has shape \(3, 3\)"),
        (lambda: expm_frechet(ok, np.full((3, 3), np.nan)), r"expm_frechet: `E` contains non-finite"),
        (lambda: matrix_function_derivative([[1.0, 2.0], [0.0, 1.0]], np.eye(2), f, df),
         r"matrix_function_derivative: `A` must be symmetric"),
        (lambda: matrix_function_derivative(ok, np.eye(2), f, df),
         r"matrix_function_derivative: `H` has shape \(2, 2\) but `A` has shape \(3, 3\)"),
        (lambda: matrix_function_derivative(np.diag([1.0, -1.0]), np.eye(2), f, df),
         r"matrix_function_derivative: `f` is not finite at eigenvalue λ\[0\] = -1"),
        (lambda: matrix_function_derivative(np.diag([0.0, 1.0]), np.eye(2), np.sqrt,
                                            lambda x: 0.5 / np.sqrt(x)),
         r"matrix_function_derivative: `df` is not finite at eigenvalue λ\[0\] = 0"),
        (lambda: matrix_function_derivative(ok, ok, lambda x: x + 0j, df),
         r"matrix_function_derivative: `f` returned complex"),
        (lambda: matrix_function_derivative(ok, ok, lambda x: x[:2], df),
         r"matrix_function_derivative: `f` must be vectorised"),
        (lambda: cholesky_derivative(np.diag([1.0, -2.0]), np.eye(2)),
         r"cholesky_derivative: `A` must be symmetric positive definite; its smallest eigenvalue is -2"),
        (lambda: cholesky_vjp(np.diag([1.0, 0.0]), np.eye(2)),
         r"cholesky_vjp: `A` must be symmetric positive"),
        (lambda: cholesky_vjp(ok, np.eye(2)), r"cholesky_vjp: `L_bar` has shape \(2, 2\) but `A`"),
        (lambda: cholesky_derivative([[2.0, 1.0], [0.0, 2.0]], np.eye(2)),
         r"cholesky_derivative: `A` must be symmetric"),
        (lambda: symmetric_matrix_function(np.diag([-1.0, 1.0]), np.log),
         r"symmetric_matrix_function: `f` is not finite"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()


def test_symmetric_matrix_function_matches_scipy(rng):
    A = _spd(rng, 5)
    assert_allclose(symmetric_matrix_function(A, np.sqrt), scipy.linalg.sqrtm(A).real, rtol=1e-12)
    assert_allclose(symmetric_matrix_function(A, np.exp), scipy.linalg.expm(A), rtol=1e-12)
