"""Notebooks 04, 06 and 08 in JupyterLab in a real browser: they run, their widgets respond, and
no text loses its dollar sign to JupyterLab's maths renderer.

Uses the distribution's headless Chromium through Playwright (tests/_browser.py); skipped, with
the reason, where there is no Chromium. Screenshots go to build/browser/ for a person to look at.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from _browser import close_browser, jupyter_lab, launch_browser

from workshop_lib import constants as C
from workshop_lib.paths import BUILD, NOTEBOOKS

pytestmark = pytest.mark.notebook

SHOTS = BUILD / "browser"
RUN_TIMEOUT_S = 900
# Two cells appended to each copy: one bare (proves the maths renderer is on in this browser,
# so its absence elsewhere means something) and one through the library's protection.
CONTROL_BARE = 'from IPython.display import HTML\nHTML("<p id=control-bare>costs $1 and $2</p>")'
CONTROL_SAFE = (
    "from workshop_lib.display import protect\n"
    'HTML(protect("<p id=control-safe>costs $1 and $2</p>"))'
)
SETTINGS = {
    # Every cell stays in the page (no virtual scrolling), so the test can read all outputs.
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
}

_KERNEL_IDLE = """(name) => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.context || !panel.context.path.endsWith(name)) return false;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle';
}"""
_RUN_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  const errors = [];
  cells.forEach((c, i) => c.model.outputs.toJSON().forEach(o => {
    if (o.output_type === 'error') errors.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
  }));
  const pending = cells.filter(c => c.model.executionCount === null).length;
  const session = panel.sessionContext.session;
  if (!session || !session.kernel) errors.push('the kernel is gone (it died or was shut down)');
  const busy = !!(session && session.kernel && session.kernel.status !== 'idle');
  return {pending, errors, busy, total: cells.length};
}"""
# Maths MathJax made, outside the bare control: text that lost its dollars.
_MATHS = """() => Array.from(document.querySelectorAll('.jp-Notebook mjx-container'))
  .filter(m => !m.closest('#control-bare'))
  .map(m => (m.closest('.jp-Cell') || m.parentElement).innerText.slice(0, 200))"""


@pytest.fixture(scope="module")
def browser() -> Any:
    browser = launch_browser()  # first, so a machine without Chromium skips before any setup
    yield browser
    close_browser(browser)


@pytest.fixture(scope="module")
def lab(browser: Any, local_cloud: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("lab-root")
    for stem in ("04_image_lambdas", "06_run_and_inspect", "08_scaling_and_costs"):
        notebook = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
        notebook.cells += [
            nbformat.v4.new_code_cell(CONTROL_BARE),
            nbformat.v4.new_code_cell(CONTROL_SAFE),
        ]
        nbformat.write(notebook, root / f"{stem}.ipynb")
    env = {C.ENV_CLOUD_PORT: str(local_cloud.port), C.ENV_MODE: C.MODE_OFFLINE}
    work = tmp_path_factory.mktemp("lab-work")
    with jupyter_lab(root, work, env, settings=SETTINGS) as server:
        yield server
    shutil.rmtree(work, ignore_errors=True)


# Every table the library shows: header and cells of a column aligned alike.
_MISALIGNED = """() => Array.from(document.querySelectorAll('.wl-html table')).flatMap(table => {
  const rows = Array.from(table.querySelectorAll('tr'));
  const head = rows.find(r => r.querySelector('th') && !r.querySelector('td'));
  const body = rows.find(r => r.querySelector('td'));
  if (!head || !body || head.children.length !== body.children.length) return [];
  return Array.from(head.children).flatMap((th, i) => {
    const a = getComputedStyle(th).textAlign, b = getComputedStyle(body.children[i]).textAlign;
    return a === b ? [] : [`${th.innerText}: header ${a}, cells ${b}`];
  });
})"""


def _open_and_run(browser: Any, lab: Any, stem: str) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)
    page.goto(lab.notebook_url(f"{stem}.ipynb"))
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_function(_KERNEL_IDLE, arg=f"{stem}.ipynb", timeout=120_000)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    deadline = time.monotonic() + RUN_TIMEOUT_S
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        page.wait_for_timeout(2000)
        state = page.evaluate(_RUN_STATE)
        if state["errors"] or (not state["pending"] and not state["busy"]):
            break
    log = (lab.work / "jupyterlab.log").read_text(encoding="utf-8", errors="replace")[-3000:]
    assert not state.get("errors"), f"{stem}: {state['errors']}\n--- JupyterLab's log:\n{log}"
    assert not state["pending"], f"{stem}: not finished in {RUN_TIMEOUT_S} s: {state}"
    # MathJax typesets after an output is attached; wait until it has done the bare control.
    page.wait_for_selector("#control-bare mjx-container", timeout=60_000)
    return page


def _shot(page: Any, locator: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / f"{name}.png"
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(target))
    return target


def _assert_no_lost_dollars(page: Any, stem: str) -> None:
    assert page.evaluate(_MATHS) == [], f"{stem}: text typeset as maths (its $ are gone)"
    assert "$1 and $2" in page.inner_text("#control-safe")
    shown = page.inner_text(".jp-Notebook")
    assert shown.count("$") > 5, f"{stem}: expected dollar amounts on the page"
    assert page.evaluate(_MISALIGNED) == [], f"{stem}: a table's header and cells disagree"
    assert page.locator(".wl-html table").count() > 0


def test_notebook_04_runs_and_its_before_after_toggle_switches_pictures(browser, lab):
    page = _open_and_run(browser, lab, "04_image_lambdas")
    try:
        _assert_no_lost_dollars(page, "04")
        widget = page.locator(".widget-vbox:has(> .widget-toggle-buttons)").first
        images = widget.locator(".widget-hbox > .widget-vbox img.widget-image")
        original, before = (images.nth(i).get_attribute("src") for i in (0, 1))
        _shot(page, widget, "04-toggle-before")
        buttons = widget.locator(".widget-toggle-buttons button")
        assert buttons.count() >= 2
        buttons.last.click()
        page.wait_for_function(
            """([el, before]) => el.querySelectorAll('.widget-hbox > .widget-vbox img')[1]
                 && el.querySelectorAll('.widget-hbox > .widget-vbox img')[1].src !== before""",
            arg=[widget.element_handle(), before],
            timeout=30_000,
        )
        assert images.nth(0).get_attribute("src") == original  # the original stays
        _shot(page, widget, "04-toggle-after")
        # Pictures are drawn to one scale: the thumbnail is narrower than the original.
        buttons.nth(1).click()  # "thumbnail"
        page.wait_for_timeout(500)
        widths = [images.nth(i).bounding_box()["width"] for i in (0, 1)]
        assert widths[1] < widths[0] * 0.9, widths
        _shot(page, page.locator(".jp-OutputArea-output:has(.wl-html table)").first, "04-table")
    finally:
        page.close()


def test_notebook_08_runs_and_its_sliders_redraw_the_chart(browser, lab):
    page = _open_and_run(browser, lab, "08_scaling_and_costs")
    try:
        _assert_no_lost_dollars(page, "08")
        panel = page.locator(".widget-vbox:has(> .widget-slider)").first
        sliders = panel.locator(".widget-slider")
        assert sliders.count() >= 2
        tracks = [sliders.nth(i).locator(".slider-container").bounding_box() for i in range(2)]
        # A usable track, every one the same length and starting at the same x.
        assert all(t["width"] > 150 for t in tracks), tracks
        assert abs(tracks[0]["x"] - tracks[1]["x"]) < 2, tracks
        assert abs(tracks[0]["width"] - tracks[1]["width"]) < 2, tracks
        chart = panel.locator(".widget-output img")
        before = chart.first.get_attribute("src")
        _shot(page, panel, "08-sliders-before")
        handle = sliders.last.locator(".noUi-handle")
        handle.focus()
        handle.press("ArrowLeft")
        page.wait_for_function(
            "([el, before]) => { const i = el.querySelector('.widget-output img');"
            " return i && i.src !== before; }",
            arg=[panel.element_handle(), before],
            timeout=60_000,
        )
        _shot(page, panel, "08-sliders-after")
        _shot(page, page.locator(".jp-OutputArea-output:has(.wl-html table)").nth(1), "08-table")
        for index, cell in enumerate(page.locator(".jp-Cell:has(.jp-OutputArea img)").all()[:6]):
            _shot(page, cell, f"08-figure-{index}")
        (SHOTS / "08-text.json").write_text(
            json.dumps(page.inner_text(".jp-Notebook")[:200_000]), encoding="utf-8"
        )
    finally:
        page.close()


def test_notebook_06_shows_map_paths_with_their_dollar_in_diagrams_and_tables(browser, lab):
    page = _open_and_run(browser, lab, "06_run_and_inspect")
    try:
        _assert_no_lost_dollars(page, "06")
        # The batch workflow's Map reads $.listing.images: the diagrams and step views say so.
        outputs = page.locator(".jp-OutputArea-output")
        assert outputs.filter(has_text="$.listing.images").count() > 0
        _shot(page, outputs.filter(has=page.locator("svg")).first, "06-diagram")
    finally:
        page.close()
