"""Evaluate the atlas's LaTeX with NumPy, so that the displayed formula is the checked one.

A tokenizer and a recursive-descent parser for exactly the subset of LaTeX that the registry
writes, and an evaluator of the parsed tree at a point. Precedence, loosest first::

    sum      := ["-"] kron (("+" | "-") kron)*
    kron     := quotient (("\\otimes" | "\\circ") quotient)*      np.kron, Hadamard product
    quotient := product ("/" product)*                          divisor a scalar
    product  := postfix postfix*                                juxtaposition
    postfix  := atom ("^" exponent)*                            ^\\top, ^{-1}, ^{-\\top}, ^{+}, ^k

Conventions: vectors are columns (n, 1), so that ``a^\\top x`` is 1×1; juxtaposition is the
matrix product, or scalar times array when one factor is a scalar (0-d or 1×1); a bare number
added to an array is added to every entry (``1 - \\sigma(x)``). ``I`` and ``\\mathbf 1`` without
a subscript have the size of the variable (its length, or its rows); ``I_n``, ``I_{n^2}`` and
``K_{mn}`` (:func:`mclib.commutation_matrix`) take n, m, p, q from the identity's shape specs.
Elementwise functions (exp, tanh, σ) accept scalars and columns only, so that a matrix
function is never silently replaced by an entrywise one; softmax of a column is over its
entries, of a matrix over each row (rows are examples, as in :mod:`mclib.nn`). Anything
else raises ``ValueError`` naming the entry, the form and the token: nothing is guessed.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from mclib.identities._domains import skew
from mclib.identities._elementwise import sigmoid, softmax
from mclib.vec import commutation_matrix

__all__ = ["LatexError", "tokenize", "parse", "evaluate", "split_top"]

GREEK = {"Sigma": "Sigma", "mu": "mu", "lambda": "lam", "delta": "delta", "Omega": "Omega"}
FUNCTIONS = {"det", "log", "exp", "tanh", "sigma"}
OPERATORS = {"tr", "diag", "vec", "softmax", "skew"}
SPACING = {"textstyle", "displaystyle", "quad", "qquad", "bigl", "bigr", "Bigl", "Bigr", "left", "right"}
STOP = {"+", "-", "/", ",", "=", ")", "}", ":", r"\otimes", r"\circ", r"\rVert", r"\rvert", r"\rangle",
        r"\succ", r"\pm"}
_TOKEN = re.compile(r"\\text\{[^}]*\}|\\operatorname\{[A-Za-z]+\}|\\mathbf\s*\{?1\}?|\\[A-Za-z]+|\\[,;:! ]"
                    r"|[A-Za-z0-9]|[-+*/()\[\]{}^_,=:']|\s+")


class LatexError(ValueError):
    """A displayed formula the evaluator cannot read, or whose shapes do not fit."""


def tokenize(text: str) -> tuple[str, ...]:
    """Split LaTeX into tokens, dropping spacing and delimiter sizes (\\, \\quad \\bigl ...)."""
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise LatexError(f"cannot read {text[pos:pos + 12]!r} in {text!r}")
        token, pos = match.group(), match.end()
        if token.isspace() or re.fullmatch(r"\\[,;:! ]", token) or token[1:] in SPACING:
            continue
        tokens.append(r"\mathbf 1" if token.startswith(r"\mathbf") else token)
    return tuple(tokens)


def split_top(tokens, separator: str) -> list[tuple[str, ...]]:
    """Split a token sequence at `separator` tokens outside every bracket."""
    parts, depth, current = [], 0, []
    for token in tokens:
        depth += token in ("(", "{", "[", r"\langle", r"\lVert") and 1
        depth -= token in (")", "}", "]", r"\rangle", r"\rVert") and 1
        if token == separator and depth == 0:
            parts.append(tuple(current))
            current = []
        else:
            current.append(token)
    return parts + [tuple(current)]


class _Parser:
    def __init__(self, tokens, variable, functions, where):
        self.tokens, self.pos, self.where = tokens, 0, where
        self.variable, self.functions = variable, functions

    def fail(self, what):
        near = " ".join(self.tokens[max(0, self.pos - 3):self.pos + 3])
        raise LatexError(f"{self.where}: {what} (at token {self.peek()!r}, near {near!r})")

    def peek(self, ahead=0):
        i = self.pos + ahead
        return self.tokens[i] if i < len(self.tokens) else None

    def take(self, expected=None):
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            self.fail(f"expected {expected!r}" if expected else "unexpected end")
        self.pos += 1
        return token

    def whole(self):
        node = self.sum()
        if self.peek() is not None:
            self.fail("unsupported token")
        return node

    def sum(self):
        node = ("neg", self.kron()) if self.peek() == "-" and self.take() else self.kron()
        while self.peek() in ("+", "-"):
            op = "add" if self.take() == "+" else "sub"
            node = (op, node, self.kron())
        return node

    def kron(self):
        node = self.quotient()
        while self.peek() in (r"\otimes", r"\circ"):
            op = "kron" if self.take() == r"\otimes" else "had"
            node = (op, node, self.quotient())
        return node

    def quotient(self):
        node = self.product()
        while self.peek() == "/":
            self.take()
            node = ("div", node, self.product())
        return node

    def product(self):
        node = self.postfix()
        while self.peek() is not None and self.peek() not in STOP:
            node = ("mul", node, self.postfix())
        return node

    def postfix(self):
        node = self.atom()
        while self.peek() == "^":
            node = self.exponent(node)
        return node

    def group(self):
        """A {...} group or a single token, as a token tuple (superscripts, subscripts, \\tfrac12)."""
        if self.peek() != "{":
            return (self.take(),)
        self.take("{")
        start, depth = self.pos, 1
        while depth:
            token = self.take()
            depth += (token == "{") - (token == "}")
        return self.tokens[start:self.pos - 1]

    def sub_parse(self, tokens):
        return _Parser(tokens, self.variable, self.functions, self.where).whole()

    def exponent(self, node):
        self.take("^")
        power = self.group()
        if power == (r"\top",):
            return ("T", node)
        if power == ("-", r"\top"):
            return ("invT", node)
        if power == ("+",):
            return ("pinv", node)
        return ("pow", node, self.sub_parse(power))

    def argument(self):
        """The argument of a function: a parenthesised sum, or the next postfix term."""
        if self.peek() == "(":
            self.take("(")
            node = self.sum()
            self.take(")")
            return node
        return self.postfix()

    def atom(self):
        token = self.peek()
        if token is None or token in STOP:
            self.fail("expected a term")
        self.take()
        if token.isdigit():
            digits = token
            while self.peek() is not None and self.peek().isdigit():
                digits += self.take()
            return ("num", float(digits))
        if token in ("(", "{"):
            node = self.sum()
            self.take(")" if token == "(" else "}")
            return node
        if token in (r"\frac", r"\tfrac"):
            return ("div", self.sub_parse(self.group()), self.sub_parse(self.group()))
        if token == r"\lVert":
            node = self.sum()
            self.take(r"\rVert")
            if self.peek() == "_":
                self.take()
                if self.group() not in (("F",), ("2",)):
                    self.fail("only the norms _F and _2 are supported")
            return ("norm", node)
        if token == r"\lvert":
            node = self.sum()
            self.take(r"\rvert")
            return ("abs", node)
        if token == r"\langle":
            left = self.sum()
            self.take(",")
            right = self.sum()
            self.take(r"\rangle")
            return ("inner", left, right)
        if token == r"\mathbf 1":
            return ("ones",)
        if token == r"\sum":
            self.take("_")
            lower = self.group()
            if len(lower) < 3 or lower[1] != "=" or not re.fullmatch(r"[a-z]", lower[0]):
                self.fail("a sum needs the form \\sum_{r=a}^{b}")
            self.take("^")
            upper = self.sub_parse(self.group())
            return ("sum", lower[0], self.sub_parse(lower[2:]), upper, self.product())
        if token.startswith(r"\operatorname"):
            name = token[len(r"\operatorname{"):-1]
            if name not in OPERATORS:
                self.fail(f"unsupported operator {name!r}")
            return ("fn", name, self.argument())
        if token[1:] in FUNCTIONS:
            power = self.sub_parse(self.group()) if self.peek() == "^" and self.take() else None
            node = ("fn", token[1:], self.argument())
            return node if power is None else ("epow", node, power)
        if token == r"\bar":
            return ("sym", "bar " + self.take())
        name = GREEK.get(token[1:]) if token.startswith("\\") else token
        if name is None or not re.fullmatch(r"[A-Za-z]+", name):
            self.fail("unsupported token")
        if name == "d" and self.peek() is not None:  # dX, d\Sigma: the differential of the variable
            following = GREEK.get(self.peek()[1:]) if self.peek().startswith("\\") else self.peek()
            if following == self.variable:
                self.take()
                return ("d",)
        if name == "e" and self.peek() == "^":
            self.take("^")
            return ("fn", "exp", self.sub_parse(self.group()))
        if name in ("I", "K") and self.peek() == "_":
            self.take("_")
            return (name, self.group())
        if name == "I":
            return ("I", None)
        if self.peek() == "_" and name in ("mu",):
            self.take("_")
            return ("sym", name + "_" + "".join(self.group()))
        if name in self.functions:
            argument = (self.take("("), self.take(), self.take(")"))[1]
            if argument != self.variable:
                self.fail(f"{name}(.) is defined for the variable {self.variable!r} only")
            return ("sym", name + "()")
        return ("sym", name)


@lru_cache(maxsize=4096)
def parse(tokens: tuple[str, ...], variable: str, functions: frozenset = frozenset(), where: str = ""):
    """Parse a token tuple into a tree of tuples.

    Parameters
    ----------
    tokens : tuple of str
        From :func:`tokenize`.
    variable : str
        The identity's variable: ``d`` followed by it is the differential.
    functions : frozenset of str
        Abbreviations written as functions of the variable, such as ``r`` in ``r(x) = ...``.
    where : str
        Prefix of error messages (entry and form).
    """
    return _Parser(tokens, variable, functions, where).whole()


def evaluate(node, env: dict, *, where: str = ""):
    """Evaluate a parsed tree.

    Parameters
    ----------
    node : tuple
        From :func:`parse`.
    env : dict
        Names to values (vectors as (n, 1) columns, scalars as floats); the keys ``"#dims"``
        (the sizes n, m, p, q), ``"#size"`` (size of the variable's rows, for ``I`` and
        ``\\mathbf 1``) and ``"#d"`` (the direction dX, if any).

    Returns
    -------
    float or ndarray, 2-D
    """
    def fail(message):
        raise LatexError(f"{where}: {message}")

    def ev(n):
        return evaluate(n, env, where=where)
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "sym":
        if node[1] in env:
            return env[node[1]]
        if node[1] == "n":  # a bare n is the size n; p, m, q are too often abbreviations
            return float(env["#dims"]["n"])
        fail(f"unknown symbol {node[1]!r}")
    if kind == "d":
        if env.get("#d") is None:
            fail("a differential outside the differential form")
        return env["#d"]
    if kind == "ones":
        return np.ones((env["#size"], 1))
    if kind in ("I", "K"):
        return _subscripted(kind, node[1], env, fail)
    if kind == "neg":
        return -ev(node[1])
    if kind in ("add", "sub"):
        a, b = ev(node[1]), ev(node[2])
        a, b = _for_sum(a, b, fail)
        return a + b if kind == "add" else a - b
    if kind == "mul":
        return _multiply(ev(node[1]), ev(node[2]), fail)
    if kind == "div":
        a, b = ev(node[1]), _scalar(ev(node[2]), "a divisor", fail)
        return a / b
    if kind == "kron":
        a, b = ev(node[1]), ev(node[2])
        return np.kron(_matrix(a, "⊗", fail), _matrix(b, "⊗", fail))
    if kind in ("had", "inner"):
        a, b = ev(node[1]), ev(node[2])
        if np.shape(a) != np.shape(b) or np.ndim(a) != 2:
            fail(f"{'∘' if kind == 'had' else '⟨,⟩'} of shapes {np.shape(a)} and {np.shape(b)}")
        return a * b if kind == "had" else float(np.sum(a * b))
    if kind == "T":
        return _matrix(ev(node[1]), "a transpose", fail).T
    if kind in ("invT", "pinv"):
        a = _matrix(ev(node[1]), "an inverse", fail)
        return np.linalg.inv(_square(a, fail)).T if kind == "invT" else np.linalg.pinv(a)
    if kind == "pow":
        return _power(ev(node[1]), _integer(ev(node[2]), fail), fail)
    if kind == "epow":  # \tanh^2 x: a power of each entry of the function's value
        return ev(node[1]) ** _integer(ev(node[2]), fail)
    if kind == "norm":
        return float(np.sqrt(np.sum(ev(node[1]) ** 2)))
    if kind == "abs":
        return abs(_scalar(ev(node[1]), "|.|", fail))
    if kind == "fn":
        return _function(node[1], ev(node[2]), fail)
    if kind == "sum":
        _, index, lower, upper, body = node
        lo, hi = _integer(ev(lower), fail), _integer(ev(upper), fail)
        terms = [evaluate(body, {**env, index: float(r)}, where=where) for r in range(lo, hi + 1)]
        if not terms:
            fail("an empty sum")
        return sum(terms[1:], terms[0])
    fail(f"unknown node {kind!r}")


def _subscripted(kind, subscript, env, fail):
    """``I`` (size of the variable), ``I_n``, ``I_{n^2}`` and ``K_{mn}``, sizes from the specs."""
    if subscript is None:
        return np.eye(env["#size"])
    dims = env["#dims"]
    if kind == "K" and len(subscript) == 2 and all(s in dims for s in subscript):
        return commutation_matrix(dims[subscript[0]], dims[subscript[1]]).astype(float)
    if kind == "I" and subscript[0] in dims and subscript[1:] in ((), ("^", "2")):
        return np.eye(dims[subscript[0]] ** (1 if len(subscript) == 1 else 2))
    fail(f"unsupported subscript {kind}_{{{''.join(subscript)}}} (sizes {sorted(dims)})")


def _is_scalar(a):
    return np.ndim(a) == 0 or np.shape(a) == (1, 1)


def _scalar(a, what, fail):
    if not _is_scalar(a):
        fail(f"{what} must be a scalar, got shape {np.shape(a)}")
    return float(np.reshape(a, ()))


def _matrix(a, what, fail):
    if np.ndim(a) != 2:
        fail(f"{what} needs a matrix or vector, got a scalar")
    return a


def _square(a, fail):
    if a.shape[0] != a.shape[1]:
        fail(f"an inverse or power of a non-square matrix, shape {a.shape}")
    return a


def _integer(a, fail):
    value = _scalar(a, "an exponent", fail)
    if value != round(value):
        fail(f"the exponent {value} is not an integer")
    return int(round(value))


def _for_sum(a, b, fail):
    if np.ndim(a) == 0 or np.ndim(b) == 0 or np.shape(a) == np.shape(b):
        return a, b
    fail(f"a sum of shapes {np.shape(a)} and {np.shape(b)}")


def _multiply(a, b, fail):
    if np.ndim(a) == 2 and np.ndim(b) == 2 and a.shape[1] == b.shape[0]:
        return a @ b
    if _is_scalar(a) or _is_scalar(b):
        return (float(np.reshape(a, ())) * b) if _is_scalar(a) else a * float(np.reshape(b, ()))
    fail(f"a product of shapes {np.shape(a)} and {np.shape(b)}")


def _power(a, k, fail):
    if np.ndim(a) == 0:
        return float(a) ** k
    return np.linalg.matrix_power(_square(_matrix(a, "a power", fail), fail), k)


def _function(name, a, fail):
    if name in ("tr", "det"):
        a = _square(_matrix(a, name, fail), fail)
        return float(np.trace(a) if name == "tr" else np.linalg.det(a))
    if name == "log":
        return float(np.log(_scalar(a, "the argument of log", fail)))
    if name == "skew":
        return skew(_square(_matrix(a, "skew", fail), fail))
    if name == "vec":
        return _matrix(a, "vec", fail).reshape(-1, 1, order="F")
    column = np.ndim(a) == 0 or np.shape(a)[1] == 1
    if name == "diag":
        if np.ndim(a) != 2 or a.shape[1] != 1:
            fail(f"diag needs a column, got shape {np.shape(a)}")
        return np.diag(a[:, 0])
    if name == "softmax":
        return softmax(_matrix(a, "softmax", fail), axis=0 if column else 1)
    if not column:
        fail(f"{name} of a matrix of shape {np.shape(a)}: only scalars and columns are elementwise")
    return {"exp": np.exp, "tanh": np.tanh, "sigma": sigmoid}[name](a)
