"""``mc.widgets``: the book's interactive explorers under the name the mclib API contract gives them
("figure helpers and explorers"). They are the objects of :mod:`mclib.explorer`, which says how
they work: self-contained HTML and JavaScript that run on the static website and in Jupyter, with
no kernel behind the page and no ipywidgets.
"""

from mclib.explorer import DEFAULT_MATRICES, GradientFieldExplorer, gradient_field

__all__ = ["gradient_field", "GradientFieldExplorer", "DEFAULT_MATRICES"]
