"""Sliders that redraw a chart, for live notebooks, with a static picture for exported pages.

A `SliderPanel` shows ipywidgets sliders above a chart; moving one redraws the chart in a live
kernel. An exported HTML page cannot run a kernel, so it shows no sliders: call `.snapshot()`
in a cell of its own to keep a static chart at the current values.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

from ._protect import protect

# Every control gets the same label width and overall width, so the tracks start at one x and
# have the same length; labels must be short enough to fit (a long one would eat the track).
LABEL_WIDTH = "12em"
CONTROL_WIDTH = "42em"
MAX_LABEL_CHARS = 22


class SliderPanel:
    """Named ipywidgets controls and a function that draws a figure from their values."""

    def __init__(self, controls: Mapping[str, Any], draw: Callable[..., Any], title: str) -> None:
        self.controls = dict(controls)
        self.draw = draw
        self.title = title
        self._widget: Any = None
        self._output: Any = None

    @property
    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def set(self, **values: Any) -> SliderPanel:
        """Move controls from code (the chart follows in a live notebook)."""
        for name, value in values.items():
            if name not in self.controls:
                raise KeyError(f"No control named {name!r}; there are {', '.join(self.controls)}.")
            self.controls[name].value = value
        return self

    def snapshot(self) -> Any:
        """The chart at the current values, as a static matplotlib figure."""
        return self.draw(**self.values)

    @property
    def widget(self) -> Any:
        """The controls and the live chart, built on first use."""
        if self._widget is None:
            import ipywidgets as widgets

            self._output = widgets.Output()
            for control in self.controls.values():
                control.observe(self._redraw, names="value")
            heading = widgets.HTML(protect(f"<b>{html.escape(self.title)}</b>"))
            self._widget = widgets.VBox([heading, *self.controls.values(), self._output])
            self._redraw()
        return self._widget

    def _redraw(self, _change: Any = None) -> None:
        from IPython.display import display

        assert self._output is not None
        with self._output:
            self._output.clear_output(wait=True)
            display(self.snapshot())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        return self.widget._repr_mimebundle_(include=include, exclude=exclude)

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={value!r}" for name, value in self.values.items())
        return f"<{self.title}: {settings}>"


def selection_slider(description: str, options: list[tuple[str, Any]], value: Any) -> Any:
    import ipywidgets as widgets

    return widgets.SelectionSlider(
        description=_short(description),
        options=options,
        value=value,
        continuous_update=False,
        style={"description_width": LABEL_WIDTH},
        layout=widgets.Layout(width=CONTROL_WIDTH),
    )


def float_slider(
    description: str, value: float, low: float, high: float, step: float, fmt: str = ".0f"
) -> Any:
    import ipywidgets as widgets

    return widgets.FloatSlider(
        description=_short(description),
        value=value,
        min=low,
        max=high,
        step=step,
        readout_format=fmt,
        continuous_update=False,
        style={"description_width": LABEL_WIDTH},
        layout=widgets.Layout(width=CONTROL_WIDTH),
    )


def checkbox(description: str, value: bool) -> Any:
    import ipywidgets as widgets

    # Indented by the sliders' label width, so the box lines up with their tracks.
    return widgets.Checkbox(
        description=description,
        value=value,
        indent=True,
        style={"description_width": LABEL_WIDTH},
        layout=widgets.Layout(width=CONTROL_WIDTH),
    )


def _short(description: str) -> str:
    if len(description) > MAX_LABEL_CHARS:
        raise ValueError(
            f"Slider label {description!r} is {len(description)} characters; keep it to "
            f"{MAX_LABEL_CHARS} so the slider's track keeps its length (put details in the title)."
        )
    return description
