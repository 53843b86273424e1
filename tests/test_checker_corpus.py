"""The checker on the corpus of benchmarks/checker_corpus.py: every right gradient passes, every
wrong one fails, with the diagnosis it should have; and the hostile cases of issue 11 one by one.

The corpus is the one that bench_checker.py runs against torch.autograd.gradcheck (which has
false passes and false fails on it, see benchmarks/results/checker.json).
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import mclib as mc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from checker_corpus import cases  # noqa: E402

CORPUS = cases()


def _check(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # f's own warnings outside its domain
        return mc.check_gradient(lambda X: case.f(X, np), case.grad, case.X)


def test_corpus_is_large_and_mixed():
    assert len(CORPUS) >= 500
    assert sum(c.wrong for c in CORPUS) >= 400 and sum(not c.wrong for c in CORPUS) >= 60


@pytest.mark.parametrize("case", [c for c in CORPUS if not c.wrong], ids=lambda c: f"{c.family}")
def test_every_right_gradient_passes(case):
    result = _check(case)
    assert result.verdict == "pass", result.message


@pytest.mark.parametrize("case", [c for c in CORPUS if c.wrong], ids=lambda c: f"{c.family}-{c.mistake}")
def test_every_wrong_gradient_fails_with_its_diagnosis(case):
    result = _check(case)
    assert result.verdict == "fail", result.message
    if case.expected:
        assert result.diagnosis == case.expected, result.message


# --- the hostile review's cases, each must-fail or must-pass --------------------------------


def test_mixed_scales_small_wrong_entry_fails():
    f = lambda x: 1e6 * x[0] ** 2 + x[1]  # noqa: E731
    x = np.array([1.0, 2.0])
    assert mc.check_gradient(f, np.array([2e6, 1.0]), x).ok
    wrong = mc.check_gradient(f, np.array([2e6, -1.0]), x)
    assert wrong.verdict == "fail" and wrong.worst_index == (1,)


@pytest.mark.parametrize("mistake", [lambda G: -G, lambda G: 0 * G, lambda G: G / 2, lambda G: G.T])
def test_large_magnitudes_do_not_loosen_the_test(rng, mistake):
    X = rng.standard_normal((3, 3)) * 1e14
    assert mc.check_gradient(lambda X: np.sum(X**2), 2 * X, X).ok
    assert mc.check_gradient(lambda X: np.sum(X**2), mistake(2 * X), X).verdict == "fail"


@pytest.mark.parametrize("method", ["auto", "complex"])
def test_a_large_offset_does_not_hide_a_sign_flip(rng, method):
    X = rng.standard_normal((3, 3))
    f = lambda X: 1e16 + np.sum(np.sin(X))  # noqa: E731
    assert mc.check_gradient(f, np.cos(X), X, method=method).ok
    assert mc.check_gradient(f, -np.cos(X), X, method=method).diagnosis == "sign-flipped"


def test_a_large_offset_with_central_differences_is_inconclusive_not_a_pass(rng):
    X = rng.standard_normal((3, 3))
    result = mc.check_gradient(lambda X: 1e16 + np.sum(np.sin(X)), -np.cos(X), X, method="central")
    assert result.verdict == "inconclusive" and not result.ok
    assert "method='complex'" in result.message


@pytest.mark.parametrize("magnitude", [1e-18, 1e-22, 1e-150, 1e150])
@pytest.mark.parametrize("method", ["auto", "central"])
def test_tiny_and_huge_magnitudes(rng, magnitude, method):
    X = rng.uniform(0.5, 2, 4) * magnitude
    assert mc.check_gradient(lambda X: np.sum(X**2), 2 * X, X, method=method).ok
    assert mc.check_gradient(lambda X: np.sum(X**2), 0 * X, X, method=method).verdict == "fail"


def test_float32_function_gets_float32_steps_and_tolerance(rng):
    W = rng.standard_normal((3, 3)).astype(np.float32)

    def f(X):
        return np.float32(np.sum(np.tanh(W @ np.asarray(X).astype(np.float32)) ** 2))

    X = rng.standard_normal((3, 2))
    T = np.tanh(W @ X.astype(np.float32))
    G = (W.T @ (2 * T * (1 - T**2))).astype(np.float64)
    result = mc.check_gradient(f, G, X)
    assert result.ok and result.method == "central", result.message
    assert mc.check_gradient(f, -G, X).diagnosis == "sign-flipped"
    assert mc.check_gradient(f, 2 * G, X).diagnosis == "scaled"


def test_near_tie_exact_gradient_passes(rng):
    Q = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    A0 = Q @ np.diag([1.0, 1.0 + 1e-4, 2.0, 3.0]) @ Q.T
    f = lambda E: np.linalg.eigvalsh(A0 + (E + E.T) / 2)[1]  # noqa: E731
    G = np.outer(Q[:, 1], Q[:, 1])
    assert mc.check_gradient(f, G, np.zeros((4, 4))).ok
    assert mc.check_gradient(f, -G, np.zeros((4, 4))).verdict == "fail"


@pytest.mark.parametrize("scale", [1e-3, 1e-4, 1e-8])
def test_near_a_domain_edge(rng, scale):
    X = rng.uniform(1, 2, 5) * scale
    for method in ("auto", "central"):
        assert mc.check_gradient(lambda X: np.sum(np.log(X)), 1 / X, X, method=method).ok
        assert mc.check_gradient(lambda X: np.sum(np.log(X)), -1 / X, X, method=method).verdict == "fail"


def test_a_kink_at_the_point_is_inconclusive():
    result = mc.check_gradient(lambda x: np.sum(np.abs(x)), np.array([1.0, 1.0]), np.array([0.0, 1.0]))
    assert result.verdict == "inconclusive" and "X[0]" in result.message


def test_a_zero_derivative_is_decided_with_an_absolute_tolerance(rng):
    A = rng.standard_normal((3, 3))
    f = lambda c: np.sum(np.sin(A)) * (1 + 1e-3 * np.sin(c[0]) ** 2) + 50.0  # noqa: E731, f'(0) = 0
    assert mc.check_gradient(f, np.array([0.0]), np.array([0.0]), method="central", atol=1e-8).ok
    wrong = mc.check_gradient(f, np.array([1e-3]), np.array([0.0]), method="central", atol=1e-8)
    assert wrong.verdict == "fail"


def test_numerical_gradient_refuses_a_step_below_the_resolution_of_x():
    with pytest.raises(ValueError, match=r"`h` = 1.0e-20 is below the resolution of X\[0\]"):
        mc.numerical_gradient(lambda x: np.sum(x**2), np.ones(3), method="central", h=1e-20)


def test_diagnosing_entries_near_1e300_does_not_overflow():
    X = np.full(3, 1e155)
    result = mc.check_gradient(lambda X: np.sum(X), np.full(3, 2e160), X)
    assert result.verdict == "fail"


def test_directions_are_capped():
    with pytest.raises(ValueError, match="`directions` must be at most 10,000"):
        mc.check_gradient(np.sum, np.ones(3), np.ones(3), directions=10**9)


def test_directional_mode_costs_the_same_for_any_size():
    counts = []
    for n in (10, 100):
        calls = []

        def f(X, calls=calls):
            calls.append(1)
            return np.sum(np.sin(X))

        X = np.random.default_rng(n).standard_normal((n, n))
        assert mc.check_gradient(f, np.cos(X), X, directions=4).ok
        counts.append(len(calls))
    assert counts[0] == counts[1] < 40


def test_numerical_derivative_returns_value_and_error(rng):
    X = rng.standard_normal((2, 3))
    nd = mc.numerical_derivative(lambda X: np.sin(X), X, method="central")
    assert nd.value.shape == nd.error.shape == (6, 6)
    true = np.diag(np.cos(X).ravel(order="F"))
    assert np.all(np.abs(nd.value - true) <= nd.error + 1e-15)  # the estimate bounds the error
    assert np.max(nd.error) < 1e-8 and nd.method == "central" and nd.nfev > 6


def test_jacobian_of_f_with_changing_or_empty_output_is_refused():
    with pytest.raises(ValueError, match="must keep its shape"):
        mc.numerical_jacobian(lambda X: X[X > 0], np.array([1e-9, 1.0]), method="central")
    with pytest.raises(ValueError, match="empty array"):
        mc.numerical_jacobian(lambda X: X[:0], np.ones(3))


def test_f_raising_linalgerror_at_x_is_named_as_such():
    with pytest.raises(ValueError, match="`F` raised LinAlgError at `X`"):
        mc.numerical_jacobian(np.linalg.inv, np.zeros((2, 2)))


@pytest.mark.parametrize("rtol", [-1.0, np.nan, "a", True])
def test_bad_tolerances_name_the_function_and_parameter(rtol):
    with pytest.raises(ValueError, match=r"check_gradient: `rtol` must be a finite non-negative number"):
        mc.check_gradient(np.sum, np.ones(2), np.ones(2), rtol=rtol)
