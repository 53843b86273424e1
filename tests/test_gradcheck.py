"""Tests for mclib.gradcheck. Oracles: Matrix Cookbook identities [Petersen & Pedersen 2012],
each re-derived in a comment, central differences written here, and ``np.kron``. The must-fail
tests prove the checker rejects deliberately wrong gradients and names the mistake."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from mclib import GradientCheck, GradientError, assert_gradient, check_gradient, check_jacobian

inv = np.linalg.inv


def _cond_square(r, n, seed):
    """3I + R/√n with the first row sign-flipped for odd seeds: well-conditioned, det of either sign."""
    X = 3.0 * np.eye(n) + r.standard_normal((n, n)) / np.sqrt(n)
    X[0] *= (-1.0) ** seed
    return X


def _central_fd(f, X, h=1e-6):
    """Plain central differences, one entry at a time (an oracle independent of mclib)."""
    G = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        E = np.zeros_like(X)
        E[idx] = h
        G[idx] = (f(X + E) - f(X - E)) / (2 * h)
    return G


# --- the identity table ----------------------------------------------------------------
# name: (shapes of the constants given X's shape, f(X, *constants), grad(X, *constants)).
# "Eq. (n)" is the equation number in the Matrix Cookbook; the comment gives the differential
# the gradient follows from, ⟨G, dX⟩ = tr(Gᵀ dX).
VECTOR = {  # x is a vector
    # Eq. (69): d aᵀx = aᵀdx → a
    "a_dot_x": (lambda n: [(n,)], lambda x, a: a @ x, lambda x, a: a),
    # Eq. (81): d xᵀAx = dxᵀAx + xᵀA dx → (A + Aᵀ)x
    "xt_A_x": (lambda n: [(n, n)], lambda x, A: x @ A @ x, lambda x, A: (A + A.T) @ x),
    # Eq. (84) with W = I: d ‖b − As‖² = −2(b − As)ᵀA ds → −2Aᵀ(b − As)
    "least_squares": (lambda n: [(n + 2, n), (n + 2,)], lambda s, A, b: np.sum((b - A @ s) ** 2),
                      lambda s, A, b: -2 * A.T @ (b - A @ s)),
}
ANY = {  # X is m×n, square or not
    # Eq. (70): d aᵀXb = aᵀ dX b → abᵀ
    "at_X_b": (lambda m, n: [(m,), (n,)], lambda X, a, b: a @ X @ b, lambda X, a, b: np.outer(a, b)),
    # Eq. (71): d aᵀXᵀb = bᵀ dX a → baᵀ
    "at_Xt_b": (lambda m, n: [(n,), (m,)], lambda X, a, b: a @ X.T @ b, lambda X, a, b: np.outer(b, a)),
    # Eq. (77): d bᵀXᵀXc = (Xc)ᵀdX b + (Xb)ᵀdX c → X(bcᵀ + cbᵀ)
    "bt_Xt_X_c": (lambda m, n: [(n,), (n,)], lambda X, b, c: b @ X.T @ X @ c,
                  lambda X, b, c: X @ (np.outer(b, c) + np.outer(c, b))),
    # Eq. (82): d bᵀXᵀDXc = (DXc)ᵀdX b + (DᵀXb)ᵀdX c → DᵀXbcᵀ + DXcbᵀ
    "bt_Xt_D_X_c": (lambda m, n: [(n,), (m, m), (n,)], lambda X, b, D, c: b @ X.T @ D @ X @ c,
                    lambda X, b, D, c: D.T @ X @ np.outer(b, c) + D @ X @ np.outer(c, b)),
    # Eq. (83): y = Xb + c, d yᵀDy = yᵀ(D + Dᵀ) dX b → (D + Dᵀ)ybᵀ
    "Xb_plus_c_D": (lambda m, n: [(n,), (m,), (m, m)], lambda X, b, c, D: (X @ b + c) @ D @ (X @ b + c),
                    lambda X, b, c, D: np.outer((D + D.T) @ (X @ b + c), b)),
    # Eq. (100): d tr(AX) = tr(A dX) → Aᵀ
    "tr_AX": (lambda m, n: [(n, m)], lambda X, A: np.trace(A @ X), lambda X, A: A.T),
    # Eq. (101): d tr(AXB) = tr(BA dX) → AᵀBᵀ
    "tr_AXB": (lambda m, n: [(2, m), (n, 2)], lambda X, A, B: np.trace(A @ X @ B), lambda X, A, B: A.T @ B.T),
    # Eq. (102): d tr(AXᵀB) = tr(dXᵀ BA) → BA
    "tr_AXtB": (lambda m, n: [(3, n), (m, 3)], lambda X, A, B: np.trace(A @ X.T @ B), lambda X, A, B: B @ A),
    # Eq. (108): d tr(XᵀBX) = tr(Xᵀ(B + Bᵀ) dX) → (B + Bᵀ)X
    "tr_XtBX": (lambda m, n: [(m, m)], lambda X, B: np.trace(X.T @ B @ X), lambda X, B: B @ X + B.T @ X),
    # Eq. (111): d tr(XBXᵀ) = tr((B + Bᵀ)Xᵀ dX) → XBᵀ + XB
    "tr_XBXt": (lambda m, n: [(n, n)], lambda X, B: np.trace(X @ B @ X.T), lambda X, B: X @ B.T + X @ B),
    # Eq. (115): ‖X‖²_F = tr(XᵀX), d = 2 tr(Xᵀ dX) → 2X
    "frobenius_sq": (lambda m, n: [], lambda X: np.sum(X * X), lambda X: 2 * X),
    # Eq. (118): d tr(AXBXᵀC) = tr(BXᵀCA dX) + tr(CAXB dXᵀ) → AᵀCᵀXBᵀ + CAXB
    "tr_AXBXtC": (lambda m, n: [(2, m), (n, n), (m, 2)], lambda X, A, B, C: np.trace(A @ X @ B @ X.T @ C),
                  lambda X, A, B, C: A.T @ C.T @ X @ B.T + C @ A @ X @ B),
    # Eq. (119): R = AXB + C, d tr(RRᵀ) = 2 tr(Rᵀ A dX B) → 2AᵀRBᵀ
    "tr_AXB_plus_C_sq": (lambda m, n: [(3, m), (n, 2), (3, 2)],
                         lambda X, A, B, C: np.trace((A @ X @ B + C) @ (A @ X @ B + C).T),
                         lambda X, A, B, C: 2 * A.T @ (A @ X @ B + C) @ B.T),
}
SQUARE = {  # X is square and well-conditioned
    # Eq. (106): d tr(X²) = 2 tr(X dX) → 2Xᵀ
    "tr_X2": (lambda m, n: [], lambda X: np.trace(X @ X), lambda X: 2 * X.T),
    # Eq. (107): d tr(X²B) = tr((XB + BX) dX) → (XB + BX)ᵀ
    "tr_X2B": (lambda m, n: [(n, n)], lambda X, B: np.trace(X @ X @ B), lambda X, B: (X @ B + B @ X).T),
    # Eq. (121), k = 3: d tr(X³) = 3 tr(X² dX) → 3(X²)ᵀ
    "tr_X3": (lambda m, n: [], lambda X: np.trace(X @ X @ X), lambda X: 3 * (X @ X).T),
    # Eq. (124): d tr(AX⁻¹B) = −tr(X⁻¹BAX⁻¹ dX) → −X⁻ᵀAᵀBᵀX⁻ᵀ
    "tr_AXinvB": (lambda m, n: [(2, n), (n, 2)], lambda X, A, B: np.trace(A @ inv(X) @ B),
                  lambda X, A, B: -inv(X).T @ A.T @ B.T @ inv(X).T),
    # Eq. (49): d det X = det X tr(X⁻¹ dX) → det(X) X⁻ᵀ
    "det": (lambda m, n: [], np.linalg.det, lambda X: np.linalg.det(X) * inv(X).T),
    # Eq. (57): d log|det X| = tr(X⁻¹ dX) → X⁻ᵀ (slogdet drops the imaginary part: central differences)
    "log_abs_det": (lambda m, n: [], lambda X: np.linalg.slogdet(X)[1], lambda X: inv(X).T),
    # Eq. (61): d aᵀX⁻¹b = −aᵀX⁻¹ dX X⁻¹b → −X⁻ᵀabᵀX⁻ᵀ
    "at_Xinv_b": (lambda m, n: [(n,), (n,)], lambda X, a, b: a @ inv(X) @ b,
                  lambda X, a, b: -inv(X).T @ np.outer(a, b) @ inv(X).T),
}
IDENTITIES = {**VECTOR, **ANY, **SQUARE}
KINDS = {**dict.fromkeys(VECTOR, "vector"), **dict.fromkeys(ANY, "any"), **dict.fromkeys(SQUARE, "square")}
SHAPES = {"vector": [(3,), (6,)], "any": [(3, 3), (2, 4), (4, 3)], "square": [(2, 2), (4, 4)]}


def make_case(name, shape, seed):
    """(f, true gradient function, X) for an identity at a random well-conditioned point."""
    shapes, f, grad = IDENTITIES[name]
    r = np.random.default_rng([seed, len(shape), *shape])
    X = _cond_square(r, shape[0], seed) if KINDS[name] == "square" else r.standard_normal(shape)
    constants = [r.standard_normal(s) for s in shapes(*shape)]
    return (lambda X: f(X, *constants)), (lambda X: grad(X, *constants)), X


PASS_CASES = [(n, s, seed) for n in IDENTITIES for s in SHAPES[KINDS[n]] for seed in (0, 1, 2)]


def _id(case):
    return "-".join(str(part).replace(" ", "") for part in case)


@pytest.mark.parametrize("name, shape, seed", PASS_CASES, ids=map(_id, PASS_CASES))
def test_check_gradient_accepts_true_gradient(name, shape, seed):
    f, grad, X = make_case(name, shape, seed)
    result = check_gradient(f, grad, X)
    assert result.ok, result.message
    assert bool(result) is True and result.diagnosis is None and result.scale is None
    assert_allclose(result.numeric, _central_fd(f, X), rtol=1e-5, atol=1e-6 * np.max(np.abs(grad(X))))


@pytest.mark.parametrize("name, shape", [(n, SHAPES[KINDS[n]][-1]) for n in IDENTITIES])
@pytest.mark.parametrize("k", [1, 5])
def test_check_gradient_accepts_true_gradient_directional(name, shape, k):
    f, grad, X = make_case(name, shape, 0)
    result = check_gradient(f, grad(X), X, directions=k, seed=3)
    assert result.ok, result.message
    assert result.worst_index is None and result.analytic.shape == (k,)


# --- must-fail: the checker names the mistake -------------------------------------------


def _perturbed(G):
    return G + 0.5 * np.max(np.abs(G)) * np.random.default_rng(99).standard_normal(G.shape)


def _cookbook_sym(G):
    return G + G.T - np.diag(np.diag(G))


# mistake: (wrong gradient from the true G, expected diagnosis, expected scale or "any");
# 1.0001 is a factor close enough to 1 that it must not be snapped to 1 and called "unknown"
SCALAR_MISTAKES = {
    "negated": (lambda G: -G, "sign-flipped", -1.0),
    "doubled": (lambda G: 2 * G, "scaled", 2.0),
    "halved": (lambda G: 0.5 * G, "scaled", 0.5),
    "negated_doubled": (lambda G: -2 * G, "scaled", -2.0),
    "slightly_scaled": (lambda G: 1.0001 * G, "scaled", pytest.approx(1.0001, rel=1e-7)),
    "perturbed": (_perturbed, "unknown", None),
    "zeroed": (np.zeros_like, "unknown", None),
}
MATRIX_MISTAKES = {
    "transposed": (lambda G: G.T, "transposed", 1.0),
    "sym": (lambda G: (G + G.T) / 2, "symmetrized", "any"),
    "sym_cookbook": (_cookbook_sym, "symmetrized", "any"),
}
MODES = {"full": None, "directional": 5}
SCALAR_FAIL = [(m, n, s, mode) for m in SCALAR_MISTAKES for n in IDENTITIES
               for s in dict.fromkeys((SHAPES[KINDS[n]][0], SHAPES[KINDS[n]][-1])) for mode in MODES]
MATRIX_FAIL = [(m, n, (3, 3), mode) for m in MATRIX_MISTAKES for n in IDENTITIES if KINDS[n] != "vector"
               for mode in MODES]


def _assert_diagnosis(result, diagnosis, scale):
    assert not result.ok and bool(result) is False
    assert result.diagnosis == diagnosis, result.message
    if diagnosis != "unknown":
        assert f"looks {diagnosis}" in result.message
    if scale != "any":
        assert result.scale == scale


@pytest.mark.parametrize("mistake, name, shape, mode", SCALAR_FAIL, ids=map(_id, SCALAR_FAIL))
def test_check_gradient_detects_sign_scale_and_unknown(mistake, name, shape, mode):
    f, grad, X = make_case(name, shape, 0)
    wrong, diagnosis, scale = SCALAR_MISTAKES[mistake]
    _assert_diagnosis(check_gradient(f, wrong(grad(X)), X, directions=MODES[mode]), diagnosis, scale)


@pytest.mark.parametrize("mistake, name, shape, mode", MATRIX_FAIL, ids=map(_id, MATRIX_FAIL))
def test_check_gradient_detects_transposed_and_symmetrized(mistake, name, shape, mode):
    f, grad, X = make_case(name, shape, 0)
    G = grad(X)
    assert np.max(np.abs(G - G.T)) > 1e-3 * np.max(np.abs(G))  # the mistake is visible
    wrong, diagnosis, scale = MATRIX_MISTAKES[mistake]
    _assert_diagnosis(check_gradient(f, wrong(G), X, directions=MODES[mode]), diagnosis, scale)


def _sym_part(X):
    return (X + X.T) / 2


# f depends only on S = sym(X); "unsymmetrized" is the gradient w.r.t. S taken as unstructured,
# the true gradient w.r.t. X is its symmetric part [Petersen & Pedersen 2012, sec. 2.8].
SYMMETRIC_ARGUMENT = {
    "at_S_b": lambda a, b, A: (lambda X: a @ _sym_part(X) @ b, lambda X: np.outer(a, b)),
    "tr_A_S2": lambda a, b, A: (lambda X: np.trace(A @ _sym_part(X) @ _sym_part(X)),
                                lambda X: (_sym_part(X) @ A + A @ _sym_part(X)).T),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", SYMMETRIC_ARGUMENT)
def test_check_gradient_detects_unsymmetrized_gradient_of_symmetric_argument(rng, name, mode):
    a, b, A, X = (rng.standard_normal(shape) for shape in [4, 4, (4, 4), (4, 4)])
    f, unsym = SYMMETRIC_ARGUMENT[name](a, b, A)
    assert check_gradient(f, _sym_part(unsym(X)), X, directions=MODES[mode]).ok
    _assert_diagnosis(check_gradient(f, unsym(X), X, directions=MODES[mode]), "symmetrized", "any")


# --- the result object and the message -------------------------------------------------


@pytest.mark.parametrize("name, shape, entry", [("bt_Xt_D_X_c", (4, 3), (2, 0)),
                                                ("tr_AXB", (3, 5), (1, 4)),
                                                ("det", (3, 3), (0, 2))])
def test_message_names_worst_entry_and_worst_index_is_argmax(name, shape, entry):
    f, grad, X = make_case(name, shape, 0)
    G = grad(X)
    G[entry] += 0.25 * np.max(np.abs(G))
    result = check_gradient(f, G, X)
    expected = np.unravel_index(np.argmax(np.abs(G - _central_fd(f, X))), X.shape)
    assert result.worst_index == tuple(int(i) for i in expected) == entry
    assert f"X[{entry[0]}, {entry[1]}]" in result.message
    assert result.n_failed == 1 and result.diagnosis == "unknown"
    assert_allclose(result.max_abs_error, 0.25 * np.max(np.abs(grad(X))), rtol=1e-6)
    assert "[[" not in result.message  # names the entry, never dumps the matrix


def test_grad_callable_and_array_give_the_same_result():
    f, grad, X = make_case("tr_XtBX", (3, 4), 1)
    by_callable, by_array = check_gradient(f, grad, X), check_gradient(f, grad(X), X)
    assert by_callable.ok and by_array.ok
    assert_allclose(by_callable.max_abs_error, by_array.max_abs_error, rtol=0, atol=0)


def test_assert_gradient_returns_result_when_ok_and_raises_gradient_error_when_wrong():
    f, grad, X = make_case("tr_AX", (3, 3), 0)
    assert isinstance(assert_gradient(f, grad, X), GradientCheck)
    with pytest.raises(AssertionError) as info:
        assert_gradient(f, lambda X: grad(X).T, X)
    assert isinstance(info.value, GradientError)
    assert info.value.result.diagnosis == "transposed"
    assert str(info.value) == info.value.result.message


def test_check_gradient_reports_complex_or_central_method():
    f, grad, X = make_case("tr_AX", (3, 3), 0)
    assert check_gradient(f, grad, X).method == "complex"
    assert check_gradient(f, grad, X, method="central").method == "central"


# --- shapes and bad input --------------------------------------------------------------

X24 = np.arange(1.0, 9.0).reshape(2, 4)


def test_nonsquare_transposed_gradient_raises_value_error_that_says_transposed():
    shapes = r"`grad` has shape \(4, 2\) but `X` has shape \(2, 4\)"
    with pytest.raises(ValueError, match=shapes + ".*looks transposed"):
        check_gradient(np.sum, np.ones((4, 2)), X24)


BAD_INPUT = {
    "grad_wrong_shape": (lambda: check_gradient(np.sum, np.ones((3, 3)), X24), r"`grad`.*\(3, 3\).*\(2, 4\)"),
    "grad_flat": (lambda: check_gradient(np.sum, np.ones(8), X24), r"`grad`.*\(8,\).*\(2, 4\).*reshape"),
    "grad_callable_wrong_shape": (lambda: check_gradient(np.sum, lambda X: X[0], X24), r"`grad`.*\(4,\)"),
    "grad_nan": (lambda: check_gradient(np.sum, np.full((2, 4), np.nan), X24), "`grad`.*non-finite"),
    "grad_complex": (lambda: check_gradient(np.sum, np.ones((2, 4)) * 1j, X24), "`grad` must be real"),
    "f_not_scalar": (lambda: check_gradient(lambda X: X @ X.T, np.ones((2, 4)), X24), "scalar"),
    "X_nan": (lambda: check_gradient(np.sum, np.ones(2), [1.0, np.nan]), r"`X`.*\(2,\)"),
    "directions_zero": (lambda: check_gradient(np.sum, np.ones((2, 4)), X24, directions=0), "`directions`"),
    "negative_rtol": (lambda: check_gradient(np.sum, np.ones((2, 4)), X24, rtol=-1.0), "rtol"),
    "bad_method": (lambda: check_gradient(np.sum, np.ones((2, 4)), X24, method="fd"), "`method`"),
    "jacobian_bad_layout": (lambda: check_jacobian(np.sin, np.eye(8), X24, layout="row"), "`layout`"),
    "jacobian_wrong_shape": (lambda: check_jacobian(np.sin, np.eye(3), X24), r"`J`.*\(3, 3\).*\(8, 8\)"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_raises_value_error(case):
    call, pattern = BAD_INPUT[case]
    with pytest.raises(ValueError, match=pattern):
        call()


# --- check_jacobian ----------------------------------------------------------------------


def _AXB(rng, m, n):
    A, B = rng.standard_normal((2, m)), rng.standard_normal((n, 5))
    return (lambda X: A @ X @ B), np.kron(B.T, A), rng.standard_normal((m, n))  # vec(AXB) = (Bᵀ⊗A)vec X


@pytest.mark.parametrize("directions", [None, 4])
def test_check_jacobian_numerator_and_denominator_layouts(rng, directions):
    F, J, X = _AXB(rng, 3, 4)
    assert check_jacobian(F, J, X, directions=directions).ok
    assert check_jacobian(F, J.T, X, layout="denominator", directions=directions).ok
    assert check_jacobian(F, lambda X: J.T, X, layout="denominator", directions=directions).ok


@pytest.mark.parametrize("given, wrong_layout", [("denominator", "numerator"), ("numerator", "denominator")])
def test_check_jacobian_wrong_layout_nonsquare_raises_value_error_mentioning_layout(rng, given, wrong_layout):
    F, J, X = _AXB(rng, 3, 4)
    J_given = J if given == "numerator" else J.T
    with pytest.raises(ValueError, match=f"looks like {given} layout"):
        check_jacobian(F, J_given, X, layout=wrong_layout)


# F(X) and its numerator Jacobian: vec(dX X + X dX) = (Xᵀ ⊗ I + I ⊗ X) vec dX, and
# vec(−X⁻¹ dX X⁻¹) = −(X⁻ᵀ ⊗ X⁻¹) vec dX [Petersen & Pedersen 2012, Eq. (59)]
JACOBIANS = {
    "X_squared": (lambda X: X @ X, lambda X: np.kron(X.T, np.eye(3)) + np.kron(np.eye(3), X)),
    "X_inverse": (inv, lambda X: -np.kron(inv(X).T, inv(X))),
}


@pytest.mark.parametrize("name", JACOBIANS)
def test_check_jacobian_square_jacobian_diagnoses(name):
    F, jac = JACOBIANS[name]
    X = _cond_square(np.random.default_rng(5), 3, 1)
    J = jac(X)
    assert check_jacobian(F, J, X).ok
    _assert_diagnosis(check_jacobian(F, J.T, X), "transposed", 1.0)
    _assert_diagnosis(check_jacobian(F, -J, X), "sign-flipped", -1.0)
    _assert_diagnosis(check_jacobian(F, 2 * J.T, X, layout="denominator"), "scaled", 2.0)
    _assert_diagnosis(check_jacobian(F, J, X, layout="denominator"), "transposed", 1.0)
    # directional mode compares Jacobian-vector products
    assert check_jacobian(F, J, X, directions=4).ok
    _assert_diagnosis(check_jacobian(F, -J, X, directions=4), "sign-flipped", -1.0)
    _assert_diagnosis(check_jacobian(F, 0.5 * J, X, directions=4), "scaled", 0.5)
    assert not check_jacobian(F, J.T, X, directions=4).ok


def test_check_jacobian_worst_index_is_in_the_given_layout(rng):
    F, J, X = _AXB(rng, 3, 4)
    J_den = J.T.copy()
    J_den[5, 1] += 1.0
    result = check_jacobian(F, J_den, X, layout="denominator")
    assert result.worst_index == (5, 1) and "J[5, 1]" in result.message


# --- float32, and functions that defeat the complex step -------------------------------


def test_float32_gradient_passes_with_float32_default_tolerance():
    f, grad, X = make_case("tr_XtBX", (4, 3), 0)
    G32 = (grad(X) * (1 + 1e-4 * np.random.default_rng(1).choice([-1, 1], X.shape))).astype(np.float32)
    assert check_gradient(f, grad(X).astype(np.float32), X).ok
    assert check_gradient(f, G32, X).ok  # 1e-4 relative error is float32 noise (rtol 2e-3)
    assert not check_gradient(f, G32.astype(np.float64), X).ok  # but too much for float64 (1e-5)


def _abs_trace(rng):
    A, X = rng.standard_normal((3, 3)), rng.uniform(0.5, 2.0, (3, 3)) * rng.choice([-1.0, 1.0], (3, 3))
    # ∂(Σ|X_ij| + tr(AX)) = sign(X) + Aᵀ; the complex step silently loses sign(X)
    return (lambda X: np.sum(np.abs(X)) + np.trace(A @ X)), np.sign(X) + A.T, A.T, X


@pytest.mark.parametrize("directions", [None, 5])
def test_gradient_of_abs_based_f_is_checked_by_central_differences(rng, directions):
    f, G, complex_step_answer, X = _abs_trace(rng)
    result = check_gradient(f, G, X, directions=directions)
    assert result.ok and result.method == "central", result.message
    wrong = check_gradient(f, complex_step_answer, X, directions=directions)
    assert not wrong.ok and wrong.method == "central"


def test_transposed_gradient_of_abs_based_f_is_diagnosed(rng):
    f, G, _, X = _abs_trace(rng)
    _assert_diagnosis(check_gradient(f, G.T, X), "transposed", 1.0)


# --- output that reproduces on any machine (rounding never decides what is printed) -------


@pytest.mark.parametrize("bump", [0.0, 1e-13, -1e-13])
def test_worst_entry_among_equal_errors_is_the_first_in_column_major_order(bump):
    """X[0, 2] and X[2, 0] are off by the same amount; rounding-level differences (`bump`)
    must not decide which one is named: the first in vec (column-major) order, X[2, 0]."""
    C = np.arange(9.0).reshape(3, 3)
    wrong = C.copy()
    wrong[0, 2] += 0.5 + bump
    wrong[2, 0] += 0.5
    result = check_gradient(lambda X: np.sum(C * X), wrong, np.ones((3, 3)))
    assert result.worst_index == (2, 0)
    assert "mismatch at X[2, 0]" in result.message


def test_a_clearly_larger_error_is_still_named_first():
    C = np.arange(9.0).reshape(3, 3)
    wrong = C.copy()
    wrong[0, 2] += 0.6
    wrong[2, 0] += 0.5
    assert check_gradient(lambda X: np.sum(C * X), wrong, np.ones((3, 3))).worst_index == (0, 2)


@pytest.mark.parametrize("noise", [3e-17, -3e-17, 0.0])
def test_message_prints_a_numeric_zero_as_0_whatever_its_rounding_sign(noise):
    """∂f/∂x₁ = 0 exactly at x₁ = 0; an analytic gradient off there must print `numeric 0`."""
    def f(x):
        return x[0] ** 2 + x[1] ** 2 + noise * x[1]
    result = check_gradient(f, np.array([2.0, 1.0]), np.array([1.0, 0.0]))
    assert not result.ok
    assert "analytic 1, numeric 0 " in result.message, result.message


def test_ok_message_prints_no_digits_of_the_rounding_error(rng):
    X = rng.standard_normal((4, 3))
    message = check_gradient(lambda X: np.sum(np.sin(X)), np.cos(X), X).message
    assert message.startswith("gradient OK: all 12 entries agree within rtol 1e-05")
    assert "max |error|" not in message


@pytest.mark.parametrize(("given", "diagnosis"), [(7.0, "unknown"), (-41.3, "unknown"), (6.0, "scaled"),
                                                  (-3.0, "sign-flipped"), (1.5, "scaled")])
def test_one_entry_is_called_scaled_only_by_a_simple_factor(given, diagnosis):
    """With one number any factor fits: 7/3 or −13.8 would be a meaningless diagnosis."""
    result = check_gradient(lambda s: s**2, np.array(given), np.array(1.5))
    assert not result.ok and result.diagnosis == diagnosis
