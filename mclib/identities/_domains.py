"""Where the atlas's identities hold: how to draw a point, and the tangent space at it.

A derivative formula is a statement about a function *on a domain*. On an open set of
matrices (all matrices, square ones, invertible ones) every direction is allowed and the
gradient is the usual one. Symmetric, SPD and orthogonal matrices form submanifolds: only
directions in the tangent space are allowed, and the gradient there is the orthogonal
projection of the unconstrained gradient G onto that space [Srinivasan & Panda 2023;
Absil, Mahony & Sepulchre 2008, ch. 3]:

=================  ==========================  ===============================
domain             tangent space at X          projection of G
=================  ==========================  ===============================
symmetric, spd     symmetric matrices          sym(G) = (G + Gᵀ)/2
orthogonal (Q)     {QΩ : Ω skew-symmetric}     Q skew(QᵀG), skew(M) = (M − Mᵀ)/2
=================  ==========================  ===============================

`sym` and `skew` use plain transposes (no conjugation), so they commute with the complex
step that checks them.
"""

from __future__ import annotations

import numpy as np

from mclib._validation import shape_str

__all__ = ["DOMAINS", "CONSTANT_KINDS", "sym", "skew", "random_point", "parse_spec", "sample_inputs",
           "tangent_projection"]

DOMAINS = ("general", "square", "invertible", "symmetric", "spd", "orthogonal")
# Where the tangent space is a proper subspace: checked along tangent directions only.
STRUCTURED = ("symmetric", "spd", "orthogonal")
# Constants may also be probability vectors (or rows), diagonal matrices, or a sign ±1.
CONSTANT_KINDS = DOMAINS + ("probability", "diagonal", "sign")


def sym(M):
    """Symmetric part ``(M + Mᵀ)/2`` of a square matrix."""
    return (M + M.T) / 2


def skew(M):
    """Skew-symmetric part ``(M − Mᵀ)/2`` of a square matrix."""
    return (M - M.T) / 2


def random_point(kind: str, rng: np.random.Generator, shape: tuple) -> np.ndarray | float:
    """Draw one well-conditioned random point of `kind` (a domain or a constant kind).

    Parameters
    ----------
    kind : str
        One of `CONSTANT_KINDS`.
    rng : numpy.random.Generator
    shape : tuple of int
        The shape; square kinds need ``(n, n)``, "sign" needs ``()``.

    Returns
    -------
    ndarray of `shape`, or float for "sign"
        "invertible": 3I + R/√n with the sign of the first row random (det of either sign,
        condition number below about 4); "symmetric": QΛQᵀ with |λ| in [1, 3] and random signs
        (indefinite, invertible); "spd": QΛQᵀ with λ in [0.5, 3]; "orthogonal": the Q of a QR
        factorisation with the signs fixed (Haar distributed) [Mezzadri 2007];
        "probability": positive entries whose last axis sums to one.
    """
    if kind not in CONSTANT_KINDS:
        raise ValueError(f"random_point: `kind` must be one of {CONSTANT_KINDS}, got {kind!r}")
    if kind == "sign":
        return float(rng.choice([-1.0, 1.0]))
    if kind in ("general", "square"):
        return rng.standard_normal(shape)
    if kind == "probability":
        Z = np.exp(rng.standard_normal(shape))
        return Z / Z.sum(axis=-1, keepdims=True)
    n = shape[0]
    if len(shape) != 2 or shape[1] != n:
        raise ValueError(f"random_point: `shape` must be square (n, n) for kind {kind!r}, "
                         f"got {shape_str(shape)}")
    if kind == "invertible":
        X = 3.0 * np.eye(n) + rng.standard_normal((n, n)) / np.sqrt(n)
        X[0] *= rng.choice([-1.0, 1.0])
        return X
    if kind == "diagonal":
        return np.diag(rng.standard_normal(n))
    Q = _haar_orthogonal(rng, n)
    if kind == "orthogonal":
        return Q
    if kind == "symmetric":
        eigenvalues = rng.uniform(1.0, 3.0, n) * rng.choice([-1.0, 1.0], n)
    else:  # spd
        eigenvalues = rng.uniform(0.5, 3.0, n)
    return sym((Q * eigenvalues) @ Q.T)


def parse_spec(spec: str) -> tuple[str, tuple[str, ...]]:
    """Split a shape spec such as ``"spd n n"`` or ``"m n"`` into (kind, symbols)."""
    words = spec.split()
    kind, symbols = ((words[0], tuple(words[1:])) if words[:1] and words[0] in CONSTANT_KINDS
                     else ("general", tuple(words)))
    if any(s not in ("n", "m", "p", "q") for s in symbols):
        raise ValueError(f"register: shape spec {spec!r} must be a kind followed by symbols n, m, p, q")
    return kind, symbols


def sample_inputs(inputs, domain: str, rng: np.random.Generator, size: int) -> dict:
    """Draw every input of an identity: the variable (first key) from `domain`, the constants
    from their specs with n = size, m = size + 1, p = size + 2, q = size + 3; numbers pass through."""
    dims = {"n": size, "m": size + 1, "p": size + 2, "q": size + 3}
    out = {}
    for index, (key, spec) in enumerate(inputs.items()):
        if isinstance(spec, str):
            kind, symbols = parse_spec(spec)
            spec = random_point(domain if index == 0 else kind, rng, tuple(dims[s] for s in symbols))
        out[key] = spec
    return out


def _haar_orthogonal(rng, n):
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    return Q * np.sign(np.diag(R))


def tangent_projection(domain: str, X: np.ndarray):
    """The orthogonal projection onto the tangent space of `domain` at `X`.

    Returns
    -------
    callable or None
        ``P(V)`` for the structured domains (see the module docstring), ``None`` for the
        open domains, where every direction is tangent.
    """
    if domain in ("symmetric", "spd"):
        return sym
    if domain == "orthogonal":
        return lambda V: X @ skew(X.T @ V)
    return None
