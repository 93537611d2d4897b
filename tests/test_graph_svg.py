"""The diagram as SVG (and through matplotlib): self-contained, well-formed, hoverable, and
coloured by an execution when one is given."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_graph_layout import BATCH_MAP, IMAGE_PROCESSOR, MACHINES, NESTED, SANTA, asl_states

from workshop_lib.graph import (
    GraphError,
    OverlayError,
    StateMachineGraph,
    StateOverlay,
    StateStatus,
    render_svg,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
STATE_TITLE = re.compile(r"^(?:Task|Pass|Wait|Succeed|Fail|Choice|Parallel|Map): (.*)$", re.M)

# One execution of the image processor: a filter failed, the Parallel's Catch sent it on.
IMAGE_RUN = {
    "ValidateImage": StateOverlay(StateStatus.SUCCEEDED),
    "ImageValid": StateOverlay(StateStatus.SUCCEEDED),
    "ProcessImage": StateOverlay(StateStatus.CAUGHT),
    "ResizeImage": StateOverlay(StateStatus.SUCCEEDED, retries=2),
    "ApplyFilters": StateOverlay(StateStatus.FAILED, note="PIL.UnidentifiedImageError"),
    "NotifyError": StateOverlay(StateStatus.IN_PROGRESS),
}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def state_groups(root: ET.Element) -> dict[str, ET.Element]:
    """Each state's <g>, found by its hover title ("Type: Name" on the first line)."""
    found = {}
    for group in root.iter(f"{{{NS['svg']}}}g"):
        title = group.find("svg:title", NS)
        match = STATE_TITLE.match(title.text or "") if title is not None else None
        if match:
            found[match.group(1)] = group
    return found


def box_look(group: ET.Element) -> tuple[str | None, str | None, str | None]:
    """The (fill, stroke, dash) of a state's box: the first rectangle in its group."""
    rect = group.find("svg:rect", NS)
    return rect.get("fill"), rect.get("stroke"), rect.get("stroke-dasharray")


@pytest.mark.parametrize("name", MACHINES)
@pytest.mark.parametrize("coloured", [False, True])
def test_svg_is_well_formed_and_self_contained(name: str, coloured: bool) -> None:
    overlay = (
        {state: "SUCCEEDED" for state, _, _ in asl_states(MACHINES[name])} if coloured else None
    )
    svg = render_svg(MACHINES[name], overlay=overlay)
    root = parse(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert re.findall(r"https?://[^\s\"'<>]+", svg) == ["http://www.w3.org/2000/svg"]
    for forbidden in ("<script", "href", "@import", "url(", "<foreignObject", "<image"):
        assert forbidden not in svg


@pytest.mark.parametrize("name", MACHINES)
def test_every_state_has_a_hover_title_with_its_type_and_name(name: str) -> None:
    groups = state_groups(parse(StateMachineGraph(MACHINES[name]).to_svg()))
    for state, kind, _ in asl_states(MACHINES[name]):
        assert state in groups
        assert groups[state].find("svg:title", NS).text.startswith(f"{kind}: {state}")


def test_svg_scales_down_on_narrow_screens_but_never_up() -> None:
    root = parse(StateMachineGraph(NESTED).to_svg())
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    assert float(root.get("width")) == width and float(root.get("height")) == height
    assert "max-width:100%" in root.get("style") and "height:auto" in root.get("style")


def test_a_title_is_shown_and_labels_the_image() -> None:
    svg = StateMachineGraph(SANTA, title="Santa's list").to_svg()
    root = parse(svg)
    assert root.find("svg:title", NS).text == "Santa's list"
    assert root.get("aria-label") == "Santa's list"
    assert any(t.text == "Santa's list" for t in root.iter(f"{{{NS['svg']}}}text"))


def test_names_that_look_like_markup_are_escaped() -> None:
    machine = {"StartAt": "A<b>&c", "States": {"A<b>&c": {"Type": "Pass", "End": True}}}
    groups = state_groups(parse(render_svg(machine)))
    assert "A<b>&c" in groups


def test_overlay_colours_each_state_by_its_status() -> None:
    root = parse(StateMachineGraph(IMAGE_PROCESSOR).to_svg(IMAGE_RUN))
    groups = state_groups(root)
    looks = {name: box_look(group) for name, group in groups.items()}
    by_status: dict[StateStatus, set] = {}
    for name, look in looks.items():
        status = IMAGE_RUN[name].status if name in IMAGE_RUN else StateStatus.NOT_REACHED
        if name != "ProcessImage":  # containers use a lighter fill of the same colour
            by_status.setdefault(status, set()).add(look)
    assert all(len(found) == 1 for found in by_status.values()), by_status
    distinct = [next(iter(found)) for found in by_status.values()]
    assert len({fill for fill, _, _ in distinct}) == len(distinct)
    assert looks["ProcessImage"][1] != looks["ValidateImage"][1]
    assert looks["NotifyError"][2], "in progress has a dashed outline"
    assert looks["ValidateImage"][2] is None


def test_states_missing_from_the_overlay_are_drawn_as_not_reached() -> None:
    graph = StateMachineGraph(IMAGE_PROCESSOR)
    implicit = state_groups(parse(graph.to_svg(IMAGE_RUN)))
    explicit_run = {**IMAGE_RUN, "OptimizeImage": StateStatus.NOT_REACHED}
    explicit = state_groups(parse(graph.to_svg(explicit_run)))
    assert box_look(implicit["OptimizeImage"]) == box_look(explicit["OptimizeImage"])
    assert box_look(implicit["OptimizeImage"]) != box_look(implicit["ValidateImage"])


def test_without_an_overlay_all_tasks_look_alike_and_there_is_no_legend() -> None:
    svg = StateMachineGraph(IMAGE_PROCESSOR).to_svg()
    groups = state_groups(parse(svg))
    tasks = {box_look(groups[n]) for n in ("ValidateImage", "OptimizeImage", "NotifyError")}
    assert len(tasks) == 1
    assert "Not reached" not in svg and "Succeeded" not in svg


def test_the_legend_names_each_status_that_appears() -> None:
    svg = StateMachineGraph(IMAGE_PROCESSOR).to_svg(IMAGE_RUN)
    texts = [t.text for t in parse(svg).iter(f"{{{NS['svg']}}}text")]
    for label in ("Succeeded", "Failed", "Caught (error handled)", "In progress", "Not reached"):
        assert label in texts
    assert "Cancelled" not in texts


def test_retried_states_carry_a_retry_count_badge_and_notes_show_on_hover() -> None:
    groups = state_groups(parse(StateMachineGraph(IMAGE_PROCESSOR).to_svg(IMAGE_RUN)))
    texts = lambda name: [t.text for t in groups[name].iter(f"{{{NS['svg']}}}text")]  # noqa: E731
    assert "↻ 2" in texts("ResizeImage")
    assert not any((t or "").startswith("↻ ") and t[2:].isdigit() for t in texts("ApplyFilters"))
    assert "PIL.UnidentifiedImageError" in groups["ApplyFilters"].find("svg:title", NS).text


def test_overlay_accepts_status_names_and_rejects_unknown_ones() -> None:
    graph = StateMachineGraph(IMAGE_PROCESSOR)
    by_enum = graph.to_svg({"ValidateImage": StateStatus.FAILED})
    by_name = graph.to_svg({"ValidateImage": "failed"})
    assert by_enum == by_name
    with pytest.raises(OverlayError) as caught:
        graph.to_svg({"ValidateImage": "EXPLODED"})
    assert "SUCCEEDED" in (caught.value.hint or "")


def test_with_overlay_displays_the_coloured_graph() -> None:
    graph = StateMachineGraph(IMAGE_PROCESSOR)
    coloured = graph.with_overlay(IMAGE_RUN)
    assert coloured._repr_svg_() == graph.to_svg(IMAGE_RUN)
    assert graph._repr_svg_() == graph.to_svg()
    assert "overlay" in repr(coloured)


def test_notebooks_get_svg_not_html() -> None:
    graph = StateMachineGraph(SANTA, title="Santa")
    bundle = graph._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/plain"}
    assert bundle["image/svg+xml"] == graph.to_svg()
    assert "6 states" in bundle["text/plain"]


def test_save_writes_svg_or_png(tmp_path: Path) -> None:
    graph = StateMachineGraph(SANTA)
    svg_path = graph.save(tmp_path / "santa.svg")
    parse(svg_path.read_text(encoding="utf-8"))
    png_path = graph.save(tmp_path / "santa.png", overlay={"ValidateData": "SUCCEEDED"})
    assert png_path.read_bytes().startswith(b"\x89PNG")


def test_matplotlib_draws_one_patch_per_state() -> None:
    for machine in (NESTED, BATCH_MAP):
        figure = StateMachineGraph(machine).to_matplotlib()
        gids = [p.get_gid() for ax in figure.axes for p in ax.patches]
        states = sorted(g.removeprefix("state:") for g in gids if g and g.startswith("state:"))
        assert states == sorted(name for name, _, _ in asl_states(machine))


def test_matplotlib_uses_the_overlay_colours() -> None:
    figure = StateMachineGraph(IMAGE_PROCESSOR).to_matplotlib(IMAGE_RUN)
    faces = {
        p.get_gid(): p.get_facecolor()
        for ax in figure.axes
        for p in ax.patches
        if (p.get_gid() or "").startswith("state:")
    }
    assert faces["state:ResizeImage"] == faces["state:ValidateImage"]
    assert faces["state:ApplyFilters"] != faces["state:ValidateImage"]


def test_matplotlib_can_draw_into_an_existing_axes() -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4, 6))
    ax = figure.add_subplot()
    assert StateMachineGraph(SANTA).to_matplotlib(ax=ax) is figure
    assert sum(1 for p in ax.patches if (p.get_gid() or "").startswith("state:")) == 6


def test_a_drawing_can_leave_out_the_retry_an_exercise_asks_for() -> None:
    # Notebook 05 draws the image processor before its Retry exercise: no answer in the tooltips.
    full = StateMachineGraph(IMAGE_PROCESSOR).to_svg()
    assert "Retry " in full
    without = StateMachineGraph(IMAGE_PROCESSOR, leave_out=("Retry",))
    assert "Retry " not in without.to_svg()
    assert without.state_names == StateMachineGraph(IMAGE_PROCESSOR).state_names
    # Nested states (the parallel resize and filter branches) lose it too.
    assert "Retry" not in str(without.definition)
    with pytest.raises(GraphError, match="leave out only Retry, Catch, Comment"):
        StateMachineGraph(IMAGE_PROCESSOR, leave_out=("Next",))
