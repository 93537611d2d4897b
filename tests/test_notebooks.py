"""Every notebook runs top to bottom offline, is committed clean, and ends by cleaning up."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from workshop_lib import cloud
from workshop_lib.course._editions import LEARNER_DIR
from workshop_lib.display import unprotected_dollars
from workshop_lib.notebooks import discover, export_html, run_notebook

NOTEBOOKS = discover()
CELL_TIMEOUT_S = 240  # far above any cell's normal time, well under the test's own timeout
LEARNER = discover(LEARNER_DIR)


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name.startswith("00_")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_without_outputs_and_ends_with_cleanup(path: Path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and not c.get("execution_count") for c in code_cells)
    headings = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"]
    assert re.search(r"^#+ Clean ?up", headings[-1], re.MULTILINE | re.IGNORECASE), (
        "the last section must be the clean-up"
    )
    assert notebook["cells"][-1]["cell_type"] == "code"


@pytest.mark.notebook
@pytest.mark.parametrize(
    "path",
    NOTEBOOKS + LEARNER,
    ids=[p.stem for p in NOTEBOOKS] + [f"learner-{p.stem}" for p in LEARNER],
)
def test_notebook_runs_offline(path: Path, local_cloud, tmp_path):
    result = run_notebook(
        path,
        out_dir=tmp_path,
        extra_env={"WORKSHOP_CLOUD_PORT": str(local_cloud.port)},
        timeout=CELL_TIMEOUT_S,
    )
    # A failed or hung cell comes with what the local cloud was doing at that moment.
    assert result.ok, f"{result.error}\n\n{cloud.diagnose(local_cloud.port)}"
    page = result.html.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=[\"']https?://", page), "exported HTML loads a CDN"
    executed = nbformat.read(result.executed, as_version=4)
    errors = [
        output
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
    # JupyterLab typesets `$...$` in HTML output as maths: no dollar may be left unprotected.
    mangled = [
        (index, text)
        for index, cell in enumerate(executed.cells)
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        for text in unprotected_dollars(output.get("data", {}).get("text/html", ""))
    ]
    assert not mangled, f"HTML output whose $ JupyterLab would eat (cell, text): {mangled}"


def test_html_export_is_self_contained():
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_markdown_cell("# Title\n\n$x^2$"))
    page = export_html(notebook)
    assert "<h1" in page
    assert not re.search(r"src=[\"']https?://", page)
