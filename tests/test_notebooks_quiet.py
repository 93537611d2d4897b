"""Headless notebook runs (make workshop, the notebook tests) print results, not kernel noise."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat


def test_a_headless_run_prints_no_kernel_transport_warning(tmp_path: Path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("print(6 * 7)"))
    path = tmp_path / "00_tiny.ipynb"
    nbformat.write(notebook, path)
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from workshop_lib.notebooks import run_notebook

        result = run_notebook(Path({str(path)!r}), out_dir=Path({str(tmp_path / "out")!r}),
                              html_export=False)
        assert result.ok, result.error
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=180
    )
    assert run.returncode == 0, run.stderr
    executed = nbformat.read(tmp_path / "out" / path.name, as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "42\n"  # the kernel really ran the cell
    # ipykernel warns on stderr when its sockets are plain TCP; the runner encrypts them.
    assert "without encryption" not in run.stderr, run.stderr
