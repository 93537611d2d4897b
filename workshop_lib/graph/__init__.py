"""Diagrams of Step Functions state machines, drawn in pure Python.

    from workshop_lib.graph import StateMachineGraph, StateStatus
    graph = StateMachineGraph(definition, title="Image pipeline")
    graph                                        # shows itself in a notebook
    graph.with_overlay({"ValidateImage": StateStatus.SUCCEEDED, "Resize": "FAILED"})
    graph.save("pipeline.svg")                   # or .png through matplotlib

The output is one self-contained SVG: no JavaScript, no web fonts, nothing from the internet.
"""

from __future__ import annotations

from . import _theme as style
from ._definition import DefinitionError, GraphError
from ._graph import StateMachineGraph, render_svg
from ._layout import EDGE_KINDS, EdgePath, Layout, NodeBox
from ._metrics import fit_text, text_width
from ._overlay import OverlayError, StateOverlay, StateStatus
from ._svg import arrow_polygon

__all__ = [
    "EDGE_KINDS",
    "DefinitionError",
    "EdgePath",
    "GraphError",
    "Layout",
    "NodeBox",
    "OverlayError",
    "StateMachineGraph",
    "StateOverlay",
    "StateStatus",
    "arrow_polygon",
    "fit_text",
    "render_svg",
    "style",
    "text_width",
]
