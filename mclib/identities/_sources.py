"""How the atlas writes its sources, so that every citation has the same form."""

__all__ = ["cookbook", "chapter"]


def cookbook(*equations: int) -> str:
    """Source string for equations of the Matrix Cookbook (version of November 15, 2012)."""
    numbers = " and ".join(f"({n})" for n in equations)
    return f"Petersen & Pedersen 2012, Eq{'s' if len(equations) > 1 else ''}. {numbers}"


def chapter(number: int, section: str) -> str:
    """Source string for a section of this book."""
    return f"This book, ch. {number} ({section})"
