"""Fixtures shared by every test module (keep this file to general-purpose fixtures)."""

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator per test, so tests never depend on each other's draws."""
    return np.random.default_rng(0)
