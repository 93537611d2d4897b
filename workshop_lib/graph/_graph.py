"""`StateMachineGraph`: a state machine's diagram that shows itself in a notebook."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._definition import (
    DefinitionError,
    GraphError,
    load_definition,
    parse_flow,
    read_definition_file,
)
from ._layout import Layout, build_layout
from ._overlay import OverlayInput, StateOverlay, resolve_overlay
from ._svg import render_svg_document

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_RASTER_SUFFIXES = (".png", ".pdf", ".jpg", ".jpeg")
# Fields a drawing may leave out: an exercise that asks for a state's Retry (or Catch) rules
# should not find the answer in the diagram's tooltips above it.
LEAVABLE_FIELDS = ("Retry", "Catch", "Comment")


class StateMachineGraph:
    """The diagram of an Amazon States Language definition (a dict or a JSON string).

    In a notebook, a graph shows itself as an SVG. Pass an overlay (state name -> StateOverlay,
    StateStatus or status name) to colour the states by what happened in one execution.
    `leave_out=("Retry",)` draws every state without those fields (Retry, Catch, Comment).
    """

    def __init__(
        self,
        definition: Mapping[str, Any] | str | bytes,
        title: str | None = None,
        *,
        overlay: OverlayInput | None = None,
        leave_out: Iterable[str] = (),
    ) -> None:
        self.definition = _without(load_definition(definition), _leavable(leave_out))
        self.title = title
        self.layout: Layout = build_layout(parse_flow(self.definition))
        self.overlay = overlay
        resolve_overlay(overlay, self.state_names)  # report a bad status now, not at display

    @classmethod
    def from_file(cls, path: str | Path, title: str | None = None) -> StateMachineGraph:
        """The diagram of a .asl.json file, titled with the file's name unless told otherwise."""
        document = read_definition_file(path)
        try:
            return cls(document, title=title or Path(path).name)
        except DefinitionError as error:
            raise DefinitionError(f"In {path}: {error.args[0]}", hint=error.hint) from None

    @property
    def state_names(self) -> list[str]:
        """Every state's name, nested ones included."""
        return [node.name for node in self.layout.states]

    def with_overlay(self, overlay: OverlayInput | None) -> StateMachineGraph:
        """The same diagram, coloured by `overlay` when it is displayed."""
        copy = object.__new__(StateMachineGraph)
        copy.definition, copy.title, copy.layout = self.definition, self.title, self.layout
        resolve_overlay(overlay, self.state_names)
        copy.overlay = overlay
        return copy

    def _resolved(self, overlay: OverlayInput | None) -> dict[str, StateOverlay] | None:
        chosen = overlay if overlay is not None else self.overlay
        return resolve_overlay(chosen, self.state_names)

    def to_svg(self, overlay: OverlayInput | None = None) -> str:
        """A self-contained SVG document (no scripts, no links, no external fonts)."""
        return render_svg_document(self.layout, title=self.title, overlay=self._resolved(overlay))

    def to_matplotlib(self, overlay: OverlayInput | None = None, ax: Axes | None = None) -> Figure:
        """The same drawing as a matplotlib figure (on `ax` if given), e.g. to save a PNG."""
        from ._matplotlib import draw_figure

        return draw_figure(self.layout, title=self.title, overlay=self._resolved(overlay), ax=ax)

    def save(self, path: str | Path, overlay: OverlayInput | None = None) -> Path:
        """Write the diagram to `path`: SVG for .svg, through matplotlib for .png or .pdf."""
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix == ".svg":
            target.write_text(self.to_svg(overlay), encoding="utf-8")
        elif suffix in _RASTER_SUFFIXES:
            self.to_matplotlib(overlay).savefig(target, dpi=144)
        else:
            raise GraphError(
                f"Cannot save a diagram as {target.name!r}.",
                hint=f"Use a name ending in .svg or one of {', '.join(_RASTER_SUFFIXES)}.",
            )
        return target

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **_: Any
    ) -> dict[str, str]:
        # SVG rather than HTML: JupyterLab, VS Code, GitHub and nbconvert all show image/svg+xml,
        # while inline SVG inside HTML is stripped from untrusted notebooks.
        return {"image/svg+xml": self.to_svg(), "text/plain": repr(self)}

    def __repr__(self) -> str:
        named = f" {self.title!r}" if self.title else ""
        coloured = ", with an execution overlay" if self.overlay is not None else ""
        return f"<StateMachineGraph{named}: {len(self.state_names)} states{coloured}>"


def render_svg(
    definition: Mapping[str, Any] | str | bytes,
    overlay: OverlayInput | None = None,
    title: str | None = None,
) -> str:
    """The SVG diagram of a definition in one call."""
    return StateMachineGraph(definition, title=title).to_svg(overlay)


def _leavable(fields: Iterable[str]) -> frozenset[str]:
    if isinstance(fields, str):
        fields = (fields,)
    chosen = frozenset(fields)
    unknown = sorted(chosen - set(LEAVABLE_FIELDS))
    if unknown:
        raise GraphError(
            f"leave_out={unknown!r}: a drawing can leave out only {', '.join(LEAVABLE_FIELDS)}",
            hint='e.g. StateMachineGraph(definition, leave_out=("Retry",))',
        )
    return chosen


def _without(definition: dict[str, Any], fields: frozenset[str]) -> dict[str, Any]:
    """A copy of `definition` whose states (nested ones too) lack `fields`."""
    if not fields:
        return definition
    states = {}
    for name, state in definition.get("States", {}).items():
        state = {key: value for key, value in state.items() if key not in fields}
        if isinstance(state.get("Branches"), list):
            state["Branches"] = [_without(branch, fields) for branch in state["Branches"]]
        for inner in ("Iterator", "ItemProcessor"):
            if isinstance(state.get(inner), dict):
                state[inner] = _without(state[inner], fields)
        states[name] = state
    return {**definition, "States": states}
