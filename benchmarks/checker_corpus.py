"""A reproducible corpus of right and deliberately wrong gradients, for judging gradient checkers.

Each family is a scalar function written once for NumPy, PyTorch and JAX (``f(X, xp)`` with
``xp`` the array module), its gradient derived by hand, and a way to draw points. Each point
is paired with the right gradient and with the mistakes of :data:`MISTAKES`; a mistake that
has a name the checker should give (sign, scale, transpose, symmetrization) carries it as
``expected``. The families cover what the hostile review of the checker found (issue 11):
mixed scales 10⁰…10¹², magnitudes 10⁻¹⁵⁰…10¹⁵⁰, large constant offsets, float32 models,
near-tied eigenvalues and points near a domain edge.

``cases()`` yields :class:`Case` objects; the same seed gives the same corpus.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# mistake: (how the analytic gradient is built from the right one G, the diagnosis it should get)
MISTAKES = {
    "right": (lambda G, rng: G, None),
    "sign": (lambda G, rng: -G, "sign-flipped"),
    "double": (lambda G, rng: 2 * G, "scaled"),
    "half": (lambda G, rng: 0.5 * G, "scaled"),
    "transpose": (lambda G, rng: G.T, "transposed"),
    "sym": (lambda G, rng: (G + G.T) / 2, "symmetrized"),
    "cookbook": (lambda G, rng: G + G.T - np.diag(np.diag(G)), "symmetrized"),
    "one_entry_1pct": (lambda G, rng: _bump(G, rng), None),
    "zero": (lambda G, rng: np.zeros_like(G), None),
    "smallest_entry_sign": (lambda G, rng: _flip_smallest(G), None),
}
SQUARE_ONLY = {"transpose", "sym", "cookbook"}


def _bump(G, rng):
    out = G.copy()
    k = rng.integers(G.size)
    out.flat[k] = out.flat[k] * 1.01 if out.flat[k] != 0 else 1e-2 * np.max(np.abs(G))
    return out


def _flip_smallest(G):
    out = G.copy()
    k = int(np.argmin(np.where(G == 0, np.inf, np.abs(G))))
    out.flat[k] = -out.flat[k]
    return out


@dataclass
class Case:
    """One check: f at X with an analytic gradient that is right or has a named mistake."""

    family: str
    mistake: str
    X: np.ndarray
    f: object = field(repr=False)  # f(X, xp) -> scalar
    grad: np.ndarray = field(repr=False)
    expected: str | None  # diagnosis the checker should give; None for right or nameless mistakes
    float32: bool = False

    @property
    def wrong(self) -> bool:
        return self.mistake != "right"


def _sum_sin(X, xp):
    return xp.sin(X).sum()


def _quadratic(A):
    return lambda X, xp: (X * (xp.asarray(A) @ X if xp is np else _t(A, X) @ X)).sum()


def _t(A, like):
    """Constant A as an array of `like`'s kind (a torch tensor or a JAX array) and dtype."""
    if type(like).__module__.startswith("torch"):
        import torch
        return torch.as_tensor(A, dtype=like.dtype)
    import jax.numpy as jnp
    return jnp.asarray(A, dtype=like.dtype)


def _families(rng):
    """(name, f, gradient function, point) for every family and point."""
    out = []
    for _ in range(6):
        X = rng.standard_normal((3, 3))
        out.append(("sum_sin", _sum_sin, np.cos, X))
    for _ in range(6):
        A = rng.standard_normal((4, 4))
        out.append(("quadratic_form", _quadratic(A), lambda x, A=A: (A + A.T) @ x,
                    rng.standard_normal(4)))
    for _ in range(6):
        B = rng.standard_normal((4, 4))
        f = lambda X, xp, B=B: xp.trace(X.T @ (B if xp is np else _t(B, X)) @ X)  # noqa: E731
        out.append(("trace_xtbx", f, lambda X, B=B: (B + B.T) @ X, rng.standard_normal((4, 3))))
    for _ in range(6):
        X = 3 * np.eye(3) + rng.standard_normal((3, 3)) / 3
        out.append(("log_det", lambda X, xp: xp.log(xp.linalg.det(X)), lambda X: np.linalg.inv(X).T, X))
    for _ in range(6):
        y = np.eye(5)[rng.integers(5)]

        def ce(z, xp, y=y):
            yy = y if xp is np else _t(y, z)
            m = z.max() if xp is not np else np.max(z.real)
            return -(yy * (z - m - xp.log(xp.exp(z - m).sum()))).sum()

        out.append(("softmax_cross_entropy", ce,
                    lambda z, y=y: np.exp(z - z.max()) / np.exp(z - z.max()).sum() - y,
                    rng.standard_normal(5)))
    for top in (3, 6, 9, 12):  # mixed scales: weights 10⁰ … 10^top on the entries
        s = 10.0 ** np.linspace(0, top, 4)
        for _ in range(2):
            f = lambda x, xp, s=s: ((s if xp is np else _t(s, x)) * x**2).sum() + x.sum()  # noqa: E731
            out.append((f"mixed_scales_1e{top}", f, lambda x, s=s: 2 * s * x + 1, rng.uniform(0.5, 2, 4)))
    for e in (-150, -100, -20, 20, 100, 150):  # magnitudes
        X = rng.uniform(0.5, 2, (2, 2)) * rng.choice([-1, 1], (2, 2)) * 10.0**e
        out.append((f"magnitude_1e{e}", lambda X, xp: (X**2).sum(), lambda X: 2 * X, X))
    for c in (1e8, 1e12, 1e16):  # a large constant offset
        for _ in range(2):
            f = lambda X, xp, c=c: c + xp.sin(X).sum()  # noqa: E731
            out.append((f"offset_{c:.0e}", f, np.cos, rng.standard_normal((3, 3))))
    for _ in range(5):  # near-tied eigenvalues: gap 1e-4 between λ₁ and λ₂
        Q = np.linalg.qr(rng.standard_normal((4, 4)))[0]
        A0 = Q @ np.diag([1.0, 1.0 + 1e-4, 2.0, 3.0]) @ Q.T

        def lam(E, xp, A0=A0):
            S = (E + E.T) / 2
            return xp.linalg.eigvalsh((A0 if xp is np else _t(A0, E)) + S)[1]

        v = Q[:, 1]
        out.append(("near_tie_1e-4", lam, lambda E, v=v: np.outer(v, v), np.zeros((4, 4))))
    for s in (1e-3, 1e-5, 1e-8):  # near a domain edge
        for _ in range(2):
            out.append((f"log_near_0_{s:.0e}", lambda X, xp: xp.log(X).sum(), lambda X: 1 / X,
                        rng.uniform(1, 2, (2, 2)) * s))
    return out


def _float32_families(rng):
    out = []
    for _ in range(6):
        W = rng.standard_normal((3, 3)).astype(np.float32)

        def net(X, xp, W=W):
            if xp is np:
                X32 = np.asarray(X).astype(np.float32)
                return np.float32(np.sum(np.tanh(W @ X32) ** 2))
            return (xp.tanh(_t(W, X) @ X) ** 2).sum()

        def grad(X, W=W):
            X32 = X.astype(np.float32)
            T = np.tanh(W @ X32)
            return (W.T @ (2 * T * (1 - T**2))).astype(np.float64)

        out.append(("float32_tanh_net", net, grad, rng.standard_normal((3, 2))))
    return out


def cases(seed: int = 20261203):
    """Every case of the corpus, reproducibly."""
    rng = np.random.default_rng(seed)
    families = [(f, False) for f in _families(rng)] + [(f, True) for f in _float32_families(rng)]
    out = []
    for (name, f, grad, X), is32 in families:
        G = np.asarray(grad(X), dtype=float)
        square = G.ndim == 2 and G.shape[0] == G.shape[1]
        for mistake, (make, expected) in MISTAKES.items():
            if mistake in SQUARE_ONLY and not square:
                continue
            if mistake == "smallest_entry_sign" and not name.startswith("mixed"):
                continue
            wrong = make(G, rng)
            if mistake != "right" and np.allclose(wrong, G, rtol=1e-12, atol=0):
                continue  # e.g. sym(G) of a symmetric G is no mistake
            out.append(Case(name, mistake, X, f, wrong, expected, is32))
    return out
